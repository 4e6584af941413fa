"""Odd but valid problems through the solver and the checker: the corners of the
format that the field-service days never reach.

    .venv/bin/python -m bench.odd_days --count 1000 --time-limit 0.3
    .venv/bin/python -m bench.odd_days --count 40 --seed 5000 --engineers 10 40 --jobs 150 300 --time-limit 2 --workers 2

Each problem mixes what the format allows and a busy city day rarely has: times in
several UTC offsets, night shifts across midnight, shifts of an hour, jobs and breaks
of no length, windows of one instant or long before the shift, several breaks per
engineer with overlapping windows (or windows outside the shift), open routes
(`end: null`), `max_jobs` of 0, engineers without skills, jobs asking for none or
for level 0, jobs pinned to engineers who cannot do them, jobs at an engineer's
door, no jobs at all, and travel from walking pace to motorway speed. A problem
passes when the solver answers (no exception) with a plan the checker finds no fault
in. Prints every failure, then how many passed.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from bench._common import table
from dispatch.solver import parse_problem, solve
from dispatch.solver.check import check_plan

SKILLS = ["hvac", "electrical", "plumbing", "gas"]
SHANGHAI = timezone(timedelta(hours=8))
DAY = datetime(2026, 11, 23, tzinfo=SHANGHAI)


def odd_problem(seed: int, *, engineers: tuple[int, int] = (1, 8), jobs: tuple[int, int] = (0, 40)
                ) -> dict[str, Any]:
    """A reproducible odd-but-valid problem with between `engineers` and `jobs`
    (inclusive ranges) engineers and jobs."""
    rng = random.Random(seed)
    zones = [SHANGHAI, timezone(timedelta(hours=rng.choice([0, 8, -5, 5.5]))), timezone.utc]

    def at(minutes: int) -> str:
        # Minutes from midnight in Shanghai, written in one of the problem's offsets.
        return (DAY + timedelta(minutes=minutes)).astimezone(rng.choice(zones)).isoformat()

    def place() -> list[float]:
        return [round(121.47 + rng.uniform(-0.3, 0.3), 5), round(31.23 + rng.uniform(-0.2, 0.2), 5)]

    def skills(most: int) -> dict[str, int]:
        return {skill: rng.randint(0, 3) for skill in rng.sample(SKILLS, rng.randint(0, most))}

    crew: list[dict[str, Any]] = []
    for k in range(rng.randint(*engineers)):
        begins = rng.choice([0, 300, 480, 510, 600, 1200, 1380])   # 20:00 and 23:00 run past midnight
        length = rng.choice([60, 240, 480, 540, 600, 720])
        home = place()
        engineer: dict[str, Any] = {"id": f"E{k}", "start": home, "end": rng.choice([home, place(), None]),
                                    "shift": [at(begins), at(begins + length)], "skills": skills(3)}
        if rng.random() < 0.7:
            engineer["max_jobs"] = rng.choice([0, 1, 2, 5, 8, 20])
        breaks = []
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            earliest = rng.randint(begins - 120, begins + length)
            breaks.append({"window": [at(earliest), at(earliest + rng.choice([0, 30, 120]))],
                           "duration_s": rng.choice([0, 600, 1800, 3600])})
        if breaks or rng.random() < 0.5:
            engineer["breaks"] = breaks
        crew.append(engineer)
    work: list[dict[str, Any]] = []
    for k in range(rng.randint(*jobs)):
        job: dict[str, Any] = {"id": f"J{k}", "location": rng.choice([place(), crew[0]["start"]]),
                               "duration_s": rng.choice([0, 60, 1800, 3600, 7200, 36000]),
                               "skills": skills(2), "priority": rng.randint(1, 4)}
        if rng.random() < 0.6:
            opens = rng.randint(-300, 1700)
            job["window"] = [at(opens), at(opens + rng.choice([0, 1, 60, 240, 2000]))]
        if rng.random() < 0.15:
            job["pinned_to"] = rng.choice(crew)["id"]
        elif rng.random() < 0.1:
            job["pinned_to"] = None
        work.append(job)
    travel = {"model": "haversine", "speed_kmh": rng.choice([5, 30, 80]), "road_factor": rng.choice([1.0, 1.3, 2.0])}
    return {"travel": travel, "engineers": crew, "jobs": work}


def faults(data: dict[str, Any], *, time_limit_s: float, workers: int = 1) -> list[str]:
    """What went wrong solving `data`: the exception, or the checker's findings;
    empty when the plan is valid."""
    try:
        plan = solve(data, time_limit_s=time_limit_s, workers=workers)
    except Exception as error:  # noqa: BLE001 - any exception is the finding
        return [f"{type(error).__name__}: {error}"]
    return check_plan(parse_problem(data), plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0, help="the first problem's seed; each next takes the next")
    parser.add_argument("--time-limit", type=float, default=0.3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--engineers", type=int, nargs=2, default=[1, 8], metavar=("FEWEST", "MOST"))
    parser.add_argument("--jobs", type=int, nargs=2, default=[0, 40], metavar=("FEWEST", "MOST"))
    args = parser.parse_args()
    failures = []
    started = time.monotonic()
    for seed in range(args.seed, args.seed + args.count):
        data = odd_problem(seed, engineers=tuple(args.engineers), jobs=tuple(args.jobs))
        found = faults(data, time_limit_s=args.time_limit, workers=args.workers)
        if found:
            failures.append([seed, len(data["engineers"]), len(data["jobs"]), "; ".join(found[:3])[:160]])
            print(f"seed {seed}: {found[:3]}", flush=True)
    if failures:
        print(table(["seed", "engineers", "jobs", "faults"], failures))
    print(f"{args.count - len(failures)} of {args.count} problems solved with a valid plan "
          f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
