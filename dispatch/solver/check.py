"""An independent check of a plan against its problem: every rule of the format, and
the objective recomputed. Used after every solve, by the tests and by the benchmarks
(also on the reference solver's plans).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from dispatch.solver.problem import Break, Problem
from dispatch.solver.travel import HaversineTravel

# Up to this many break rules an engineer's breaks may be paired with them in any order.
MAX_BREAK_ORDERS = 6
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
        errors += _break_errors(engineer_id, breaks, engineer.breaks)
        for (_, end), (start, _) in zip(breaks, breaks[1:]):
            if start < end:
                errors.append(f"{engineer_id}: breaks overlap")

        position, free_at = engineer.start, engineer.shift_start
        from_shift_start = True
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
            errors += _gap_errors(f"{job.id}", free_at, arrival, start, seconds, breaks,
                                  from_shift_start=from_shift_start)
            if job.window is not None and not job.window[0] <= start <= job.window[1]:
                errors.append(f"{job.id}: starts outside its window")
            if end - start != job.duration:
                errors.append(f"{job.id}: lasts {end - start}s, not {job.duration}s")
            position, free_at, from_shift_start = job.location, end, False
        if engineer.end is not None:
            metres, seconds = travel(position, engineer.end)
            route_travel += seconds
            route_distance += metres
            if route.get("return") is None:
                errors.append(f"{engineer_id}: no return time")
            else:
                back = at(route["return"])
                errors += _gap_errors(f"{engineer_id} return", free_at, back, back, seconds, breaks,
                                      from_shift_start=from_shift_start)
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


def _break_errors(engineer_id: str, taken: list[tuple[int, int]], rules: Sequence[Break]) -> list[str]:
    """How the breaks `taken` (start, end) fail the engineer's break `rules`: one
    taken per rule, each inside its rule's window and as long as it says. Rules whose
    windows overlap may be taken in either order, so any pairing that fits will do
    (up to MAX_BREAK_ORDERS rules; beyond that they are paired in window order)."""
    if len(taken) != len(rules):
        return [f"{engineer_id} takes {len(taken)} breaks, must take {len(rules)}"]

    def fits(pairing: Sequence[Break]) -> bool:
        return all(rule.earliest_start <= start <= rule.latest_start and end - start == rule.duration
                   for (start, end), rule in zip(taken, pairing))

    in_window_order = sorted(rules, key=lambda rule: (rule.earliest_start, rule.latest_start))
    if fits(in_window_order):
        return []
    if len(rules) <= MAX_BREAK_ORDERS and any(fits(order) for order in itertools.permutations(rules)):
        return []
    errors = []
    for (start, end), rule in zip(taken, in_window_order):
        if not rule.earliest_start <= start <= rule.latest_start:
            errors.append(f"{engineer_id}: a break starts outside its window")
        if end - start != rule.duration:
            errors.append(f"{engineer_id}: a break lasts {end - start}s, not {rule.duration}s")
    return errors or [f"{engineer_id}: the breaks taken match no order of the break rules"]


def _gap_errors(what: str, free_at: int, arrival: int, start: int, travel_s: int,
                breaks: list[tuple[int, int]], *, from_shift_start: bool = False) -> list[str]:
    """Between being free and starting the next thing there must be room for the
    travel and every break taken in between; no break may overlap work. Before the
    first departure (`from_shift_start`: `free_at` is the start of the shift) the
    engineer is not at work yet, so a break may begin before the shift does: only its
    part inside the shift takes time from the drive."""
    errors = []
    taken_s = 0
    for break_start, break_end in breaks:
        if not (break_start < start and break_end > free_at):
            continue  # no time in common with the gap
        if break_start >= free_at and break_end <= start:
            taken_s += break_end - break_start
        elif from_shift_start and break_start < free_at and break_end <= start:
            taken_s += break_end - free_at
        else:
            errors.append(f"{what}: a break overlaps work")
    if start - free_at < travel_s + taken_s:
        errors.append(f"{what}: not enough time for the travel ({travel_s}s) and breaks")
    if not free_at + travel_s <= arrival <= start:
        errors.append(f"{what}: arrival inconsistent with travel")
    return errors
