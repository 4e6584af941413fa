"""Field-service days like the format's example, Gongdan's solver against VROOM at
equal time, scored on the format's objective and checked by the independent checker.

    .venv/bin/python -m bench.field_service --time-limit 30
    .venv/bin/python -m bench.field_service --time-limit 10 --sizes 10x50 30x200 --dump /tmp/instances
    .venv/bin/python -m bench.field_service --time-limit 30 --seed 101     # five other days
    .venv/bin/python -m bench.field_service --time-limit 30 --no-region-search
    .venv/bin/python -m bench.field_service --time-limit 30 --seed 402 --sizes 45x350 --variant short-jobs no-job-limit
    .venv/bin/python -m bench.field_service --time-limit 30 --seed 900 --sizes 30x200 --repeat 3   # our spread
    .venv/bin/python -m bench.field_service --time-limit 10 --workers 2   # two cores each, one day at a time

Instances: a Shanghai-sized city, 10–60 engineers with 1–3 skills at levels 1–3,
50–500 jobs with appointment windows (or none), durations 30–180 min, priorities,
a lunch break per engineer, a few pinned jobs, and more work than the day can hold.
Both solvers get the same travel matrix (the format's haversine model), the same
time budget and the same cores: one each by default, or `--workers` each (our
processes searching regions side by side, VROOM's threads).
"""
from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench._common import table
from dispatch.solver import parse_problem, solve
from dispatch.solver.check import check_plan
from dispatch.solver.problem import PRIORITY_WEIGHTS
from dispatch.solver.travel import HaversineTravel

DAY = "2026-11-23"
SKILLS = ["hvac", "electrical", "plumbing", "fire_safety", "elevator", "medical_imaging"]
WEST, EAST, SOUTH, NORTH = 121.22, 121.75, 30.98, 31.40
SIZES = [(10, 50), (20, 120), (30, 200), (45, 350), (60, 500)]


def clock(minutes: int) -> str:
    return f"{DAY}T{minutes // 60:02d}:{minutes % 60:02d}:00+08:00"


def generate(engineer_count: int, job_count: int, seed: int) -> dict[str, Any]:
    """A reproducible field-service day (format version 1)."""
    rng = random.Random(seed)

    def place() -> list[float]:
        # Denser towards the centre, like the city's work.
        centre_lon, centre_lat = 121.47, 31.23
        lon = min(EAST, max(WEST, rng.gauss(centre_lon, 0.12)))
        lat = min(NORTH, max(SOUTH, rng.gauss(centre_lat, 0.09)))
        return [round(lon, 5), round(lat, 5)]

    engineers = []
    for k in range(engineer_count):
        skills = {s: rng.choice([1, 2, 2, 3]) for s in rng.sample(SKILLS, rng.choice([1, 2, 2, 3]))}
        late = rng.random() < 0.2
        start, end = (600, 1140) if late else (510, 1050)
        home = place()
        engineers.append({"id": f"E{k + 1}", "start": home, "end": None if rng.random() < 0.1 else home,
                          "shift": [clock(start), clock(end)], "skills": skills,
                          "max_jobs": rng.choice([6, 7, 8]),
                          "breaks": [{"window": [clock(690), clock(780)], "duration_s": 1800}]})
    jobs = []
    for k in range(job_count):
        skill = rng.choice(SKILLS)
        needs = {skill: rng.choice([1, 1, 2, 2, 3])}
        if rng.random() < 0.15:
            other = rng.choice([s for s in SKILLS if s != skill])
            needs[other] = 1
        job: dict[str, Any] = {"id": f"J{k + 1}", "location": place(),
                               "duration_s": rng.choice([30, 45, 60, 60, 90, 120, 180]) * 60,
                               "skills": needs, "priority": rng.choices([1, 2, 3, 4], [5, 20, 60, 15])[0],
                               "pinned_to": None}
        if rng.random() < 0.7:
            slot_start = rng.choice(range(480, 1020, 60))
            job["window"] = [clock(slot_start), clock(min(1080, slot_start + rng.choice([120, 240])))]
        if rng.random() < 0.03:
            able = [e["id"] for e in engineers if all(e["skills"].get(s, 0) >= lvl for s, lvl in needs.items())]
            if able:
                job["pinned_to"] = rng.choice(able)
        jobs.append(job)
    return {"travel": {"model": "haversine", "speed_kmh": 30, "road_factor": 1.3},
            "engineers": engineers, "jobs": jobs}


VARIANTS = ("short-jobs", "no-job-limit", "no-breaks", "no-windows", "all-skills")


def vary(data: dict[str, Any], variants: list[str], seed: int) -> dict[str, Any]:
    """The day `data` changed by `variants`, for days unlike the tuning ones:
    short-jobs (15-45 min visits), no-job-limit (no max_jobs), no-breaks, no-windows,
    all-skills (every engineer at level 3 in every skill)."""
    rng = random.Random(seed)
    for variant in variants:
        if variant == "short-jobs":
            for job in data["jobs"]:
                job["duration_s"] = rng.choice([15, 20, 30, 45]) * 60
        elif variant == "no-job-limit":
            for engineer in data["engineers"]:
                engineer.pop("max_jobs", None)
        elif variant == "no-breaks":
            for engineer in data["engineers"]:
                engineer["breaks"] = []
        elif variant == "no-windows":
            for job in data["jobs"]:
                job.pop("window", None)
        elif variant == "all-skills":
            for engineer in data["engineers"]:
                engineer["skills"] = {skill: 3 for skill in SKILLS}
        else:
            raise ValueError(f"unknown variant {variant!r}")
    return data


def solve_with_vroom(data: dict[str, Any], time_limit_s: float, *, threads: int = 1) -> tuple[dict[str, Any], float]:
    """VROOM on the same problem with `threads` threads, its answer written as a plan
    of the format."""
    import vroom  # benchmark-only dependency

    problem = parse_problem(data)
    points = ([job.location for job in problem.jobs] + [e.start for e in problem.engineers]
              + [e.end or e.start for e in problem.engineers])
    seconds, metres = HaversineTravel(problem.travel.speed_kmh, problem.travel.road_factor).matrix(points)
    n_jobs, n_eng = len(problem.jobs), len(problem.engineers)
    inputs = vroom.Input()
    inputs.set_durations_matrix(profile="car", matrix_input=seconds)
    # Skills with levels become VROOM's plain skills: (skill, level) is one id, and an
    # engineer at level L holds the ids of every level up to L. Pinning is a skill only
    # that engineer holds.
    skill_ids: dict[tuple[str, int], int] = {}

    def sid(skill: str, level: int) -> int:
        return skill_ids.setdefault((skill, level), len(skill_ids) + 1)

    vehicles = []
    for e, engineer in enumerate(problem.engineers):
        skills = {sid(s, lvl) for s, top in engineer.skills.items() for lvl in range(1, top + 1)}
        skills.add(100_000 + e)
        breaks = [vroom.Break(1000 * e + b, time_windows=[vroom.TimeWindow(brk.earliest_start, brk.latest_start)],
                              service=brk.duration) for b, brk in enumerate(engineer.breaks)]
        vehicles.append(vroom.Vehicle(
            e, start=n_jobs + e, end=None if engineer.end is None else n_jobs + n_eng + e, skills=skills,
            time_window=vroom.TimeWindow(engineer.shift_start, engineer.shift_end), breaks=breaks,
            max_tasks=engineer.max_jobs if engineer.max_jobs is not None else 1000))
    inputs.add_vehicle(vehicles)
    for j, job in enumerate(problem.jobs):
        skills = {sid(s, lvl) for s, lvl in job.skills.items() if lvl > 0}
        if job.pinned_to is not None:
            skills.add(100_000 + problem.engineer_index[job.pinned_to])
        windows = [vroom.TimeWindow(*job.window)] if job.window else []
        inputs.add_job(vroom.Job(j, location=j, default_service=job.duration, skills=skills,
                                 priority=job.weight, time_windows=windows))
    started = time.monotonic()
    solution = inputs.solve(exploration_level=5, nb_threads=threads, timeout=timedelta(seconds=time_limit_s))
    elapsed = time.monotonic() - started

    steps = solution.routes
    routes, served = [], set()
    for vehicle_id in sorted(set(int(v) for v in steps["vehicle_id"])):
        engineer = problem.engineers[vehicle_id]
        zone = engineer.zone
        rows = steps[steps["vehicle_id"] == vehicle_id].to_dict("records")
        stops, breaks, travel_s, distance_m = [], [], 0, 0
        position, returned = n_jobs + vehicle_id, None
        for row in rows:
            arrival, start = int(row["arrival"]), int(row["arrival"]) + int(row["waiting_time"])
            if row["type"] == "job":
                j = int(row["id"])
                stops.append({"job": problem.jobs[j].id, "arrival": problem.time(arrival, zone),
                              "start": problem.time(start, zone),
                              "end": problem.time(start + problem.jobs[j].duration, zone)})
                travel_s += seconds[position][j]
                distance_m += metres[position][j]
                position = j
                served.add(j)
            elif row["type"] == "break":
                breaks.append({"start": problem.time(start, zone),
                               "end": problem.time(start + int(row["service"]), zone)})
            elif row["type"] == "end" and engineer.end is not None:
                end_index = n_jobs + n_eng + vehicle_id
                travel_s += seconds[position][end_index]
                distance_m += metres[position][end_index]
                returned = problem.time(arrival, zone)
        if stops:
            routes.append({"engineer": engineer.id, "stops": stops, "breaks": breaks, "return": returned,
                           "travel_s": travel_s, "distance_m": distance_m})
    unassigned = [{"job": job.id, "reason": "capacity", "detail": "left out by VROOM"}
                  for j, job in enumerate(problem.jobs) if j not in served]
    plan = {"routes": routes, "unassigned": unassigned, "summary": {
        "assigned": len(served), "unassigned": len(unassigned),
        "priority_served": sum(problem.jobs[j].weight for j in served),
        "travel_s": sum(r["travel_s"] for r in routes), "distance_m": sum(r["distance_m"] for r in routes),
        "solve_s": round(elapsed, 3)}}
    return plan, elapsed


def add_day_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose the days (`days`) and the time limit, shared by the
    benchmarks that run on them."""
    parser.add_argument("--time-limit", type=float, default=30)
    parser.add_argument("--sizes", nargs="*", help="ENGINEERSxJOBS, e.g. 30x200 (default: five sizes)")
    parser.add_argument("--seed", type=int, default=1, help="the first day's seed; each next size takes the next")
    parser.add_argument("--variant", nargs="*", default=[], choices=VARIANTS,
                        help="change the generated days (see vary())")


def days(args: argparse.Namespace) -> Iterator[tuple[str, int, int, dict[str, Any]]]:
    """The days `add_day_arguments`' options ask for, as (name, engineers, jobs, day):
    one per size, in order, the k-th generated with seed `--seed` + k and changed by
    `--variant`."""
    sizes = [tuple(map(int, s.split("x"))) for s in args.sizes] if args.sizes else SIZES
    for k, (engineer_count, job_count) in enumerate(sizes):
        seed = args.seed + k
        name = "-".join(["shanghai", f"{engineer_count}x{job_count}", f"s{seed}", *args.variant])
        yield name, engineer_count, job_count, vary(generate(engineer_count, job_count, seed), args.variant, seed)


def main() -> None:
    parser = argparse.ArgumentParser()
    add_day_arguments(parser)
    parser.add_argument("--dump", type=Path, help="also write each instance as JSON here")
    parser.add_argument("--no-region-search", action="store_true",
                        help="guided local search for the whole time, as before region search")
    parser.add_argument("--workers", type=int, default=1,
                        help="cores for each solver: our worker processes for the regions, VROOM's threads "
                             "(default 1; the product uses one per core)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="solve each day this many times: our figures become ranges over the runs "
                             "(the search stops on the clock, so runs differ)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    rows = []
    for name, engineer_count, job_count, data in days(args):
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            (args.dump / f"{name}.json").write_text(json.dumps(data, indent=1))
        problem = parse_problem(data)
        total_weight = sum(PRIORITY_WEIGHTS[j["priority"]] for j in data["jobs"])
        runs = [solve(data, time_limit_s=args.time_limit, region_search=not args.no_region_search,
                      workers=args.workers) for _ in range(args.repeat)]
        reference, _ = solve_with_vroom(data, args.time_limit, threads=args.workers)
        ours_errors = sum(len(check_plan(problem, plan)) for plan in runs)
        ref_errors = check_plan(problem, reference)
        summaries = [plan["summary"] for plan in runs]
        verdict = runs_verdict([_compare(summary, reference["summary"]) for summary in summaries])
        rows.append([name, f"{engineer_count}×{job_count}", total_weight,
                     *(spread([summary[key] for summary in summaries])
                       for key in ("priority_served", "assigned", "travel_s", "solve_s")),
                     "ok" if not ours_errors else f"{ours_errors} errors",
                     reference["summary"]["priority_served"], reference["summary"]["assigned"],
                     reference["summary"]["travel_s"], reference["summary"]["solve_s"],
                     "ok" if not ref_errors else f"{len(ref_errors)} errors", verdict])
        print(f"{name}: ours {rows[-1][3:6]}, VROOM {rows[-1][8:11]} → {verdict}", flush=True)
        if ref_errors:
            print("  VROOM plan issues (first 3):", "; ".join(ref_errors[:3]))
    print()
    print(table(["instance", "size", "weight", "ours prio", "ours jobs", "ours travel s", "time s", "check",
                 "VROOM prio", "VROOM jobs", "VROOM travel s", "time s", "check", "lexicographic"], rows))
    cores = "one core" if args.workers == 1 else f"{args.workers} cores"
    print(f"\ntime limit {args.time_limit:g} s per solver and instance, {cores} each; objective: priority "
          "served, then jobs assigned, then travel seconds")


def spread(values: list) -> Any:
    """One run's figure as it is; several runs' as "lowest–highest" (one value when
    they agree)."""
    low, high = min(values), max(values)
    return low if low == high else f"{low}–{high}"


def runs_verdict(verdicts: list[str]) -> str:
    """The runs' common verdict, or how many of them each side won."""
    if len(set(verdicts)) == 1:
        return verdicts[0]
    counts = {verdict: verdicts.count(verdict) for verdict in ("ours better", "tie", "VROOM better")}
    return ", ".join(f"{verdict} in {count}/{len(verdicts)}" for verdict, count in counts.items() if count)


def _compare(ours: dict, reference: dict) -> str:
    for key, better in (("priority_served", 1), ("assigned", 1), ("travel_s", -1)):
        if ours[key] != reference[key]:
            return "ours better" if (ours[key] - reference[key]) * better > 0 else "VROOM better"
    return "tie"


if __name__ == "__main__":
    main()
