"""An independent check of a plan against its problem: every rule of the format, and
the objective recomputed. Used after every solve, by the tests and by the benchmarks
(also on the reference solver's plans).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dispatch.solver.problem import Problem
from dispatch.solver.travel import HaversineTravel

REASONS = {"skill_unavailable", "pinned_engineer_unavailable", "window_unreachable", "capacity"}
Travel = Callable[[tuple[float, float], tuple[float, float]], tuple[int, int]]  # -> (metres, seconds)


def format_travel(problem: Problem) -> Travel:
    model = HaversineTravel(problem.travel.speed_kmh, problem.travel.road_factor)
    return model.between


def check_plan(problem: Problem, plan: dict[str, Any], *, travel: Travel | None = None) -> list[str]:
    """Every way `plan` breaks the rules of `problem`; empty when it is valid."""
    travel = travel or format_travel(problem)
    errors: list[str] = []
    jobs = {job.id: job for job in problem.jobs}
    seen: dict[str, int] = {}

    def at(value: str) -> int:
        return int((datetime.fromisoformat(value) - problem.origin).total_seconds())

    routes_seen = set()
    total_travel = total_distance = served_weight = served = 0
    for route in plan.get("routes", []):
        engineer_id = route.get("engineer")
        if engineer_id not in problem.engineer_index:
            errors.append(f"route of unknown engineer {engineer_id!r}")
            continue
        if engineer_id in routes_seen:
            errors.append(f"{engineer_id} has two routes")
        routes_seen.add(engineer_id)
        engineer = problem.engineers[problem.engineer_index[engineer_id]]
        stops = route.get("stops", [])
        if engineer.max_jobs is not None and len(stops) > engineer.max_jobs:
            errors.append(f"{engineer_id} has {len(stops)} jobs, max {engineer.max_jobs}")
        breaks = sorted((at(b["start"]), at(b["end"])) for b in route.get("breaks", []))
        expected = sorted(engineer.breaks, key=lambda b: b.earliest_start)
        if len(breaks) != len(expected):
            errors.append(f"{engineer_id} takes {len(breaks)} breaks, must take {len(expected)}")
        else:
            for (start, end), rule in zip(breaks, expected):
                if not rule.earliest_start <= start <= rule.latest_start:
                    errors.append(f"{engineer_id}: a break starts outside its window")
                if end - start != rule.duration:
                    errors.append(f"{engineer_id}: a break lasts {end - start}s, not {rule.duration}s")
        for (_, end), (start, _) in zip(breaks, breaks[1:]):
            if start < end:
                errors.append(f"{engineer_id}: breaks overlap")

        position, free_at = engineer.start, engineer.shift_start
        route_travel = route_distance = 0
        for stop in stops:
            job = jobs.get(stop.get("job"))
            if job is None:
                errors.append(f"{engineer_id}: unknown job {stop.get('job')!r}")
                continue
            seen[job.id] = seen.get(job.id, 0) + 1
            served_weight += job.weight
            served += 1
            missing = [s for s, level in job.skills.items() if engineer.skills.get(s, 0) < level]
            if missing:
                errors.append(f"{job.id}: {engineer_id} lacks {', '.join(missing)}")
            if job.pinned_to is not None and job.pinned_to != engineer_id:
                errors.append(f"{job.id}: pinned to {job.pinned_to}, planned for {engineer_id}")
            arrival, start, end = at(stop["arrival"]), at(stop["start"]), at(stop["end"])
            metres, seconds = travel(position, job.location)
            route_travel += seconds
            route_distance += metres
            errors += _gap_errors(f"{job.id}", free_at, arrival, start, seconds, breaks)
            if job.window is not None and not job.window[0] <= start <= job.window[1]:
                errors.append(f"{job.id}: starts outside its window")
            if end - start != job.duration:
                errors.append(f"{job.id}: lasts {end - start}s, not {job.duration}s")
            position, free_at = job.location, end
        if engineer.end is not None:
            metres, seconds = travel(position, engineer.end)
            route_travel += seconds
            route_distance += metres
            if route.get("return") is None:
                errors.append(f"{engineer_id}: no return time")
            else:
                back = at(route["return"])
                errors += _gap_errors(f"{engineer_id} return", free_at, back, back, seconds, breaks)
                if back > engineer.shift_end:
                    errors.append(f"{engineer_id}: back after the end of the shift")
        elif free_at > engineer.shift_end:
            errors.append(f"{engineer_id}: works past the end of the shift")
        if route.get("travel_s") != route_travel:
            errors.append(f"{engineer_id}: travel_s {route.get('travel_s')} but the legs sum to {route_travel}")
        if route.get("distance_m") != route_distance:
            errors.append(f"{engineer_id}: distance_m {route.get('distance_m')} but the legs sum to {route_distance}")
        total_travel += route_travel
        total_distance += route_distance

    for entry in plan.get("unassigned", []):
        job_id = entry.get("job")
        if job_id not in jobs:
            errors.append(f"unassigned: unknown job {job_id!r}")
            continue
        seen[job_id] = seen.get(job_id, 0) + 1
        if entry.get("reason") not in REASONS:
            errors.append(f"{job_id}: unknown reason {entry.get('reason')!r}")
        if not entry.get("detail"):
            errors.append(f"{job_id}: unassigned without a detail")
    for job_id in jobs:
        if seen.get(job_id, 0) != 1:
            errors.append(f"{job_id} appears {seen.get(job_id, 0)} times")

    summary = plan.get("summary", {})
    for name, value in (("assigned", served), ("unassigned", len(plan.get("unassigned", []))),
                        ("priority_served", served_weight), ("travel_s", total_travel),
                        ("distance_m", total_distance)):
        if summary.get(name) != value:
            errors.append(f"summary.{name} is {summary.get(name)}, should be {value}")
    return errors


def _gap_errors(what: str, free_at: int, arrival: int, start: int, travel_s: int,
                breaks: list[tuple[int, int]]) -> list[str]:
    """Between being free and starting the next thing there must be room for the
    travel and every break taken in between; no break may overlap work."""
    errors = []
    inside = [(s, e) for s, e in breaks if s >= free_at and e <= start]
    overlapping = [(s, e) for s, e in breaks if s < start and e > free_at and (s, e) not in inside]
    if overlapping:
        errors.append(f"{what}: a break overlaps work")
    if start - free_at < travel_s + sum(e - s for s, e in inside):
        errors.append(f"{what}: not enough time for the travel ({travel_s}s) and breaks")
    if not free_at + travel_s <= arrival <= start:
        errors.append(f"{what}: arrival inconsistent with travel")
    return errors
