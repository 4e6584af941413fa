"""Solve a dispatch problem: pre-checks, the routing search, and the plan in the
format's JSON shape, verified before it is returned."""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dispatch.solver.check import check_plan
from dispatch.solver.explain import allowed_engineers
from dispatch.solver.parallel import default_workers
from dispatch.solver.problem import Problem, parse_problem
from dispatch.solver.split import MAX_PART_JOBS, merge_plans, repair_borders, split_problem
from dispatch.solver.routing import (DEFAULT_FIRST_SOLUTION, DEFAULT_METAHEURISTIC, DEFAULT_REGION_SEARCH, Instance,
                                     SearchResult, VehicleBreak, VehicleRoute, solve_instance)
from dispatch.solver.travel import HaversineTravel, TravelProvider
from dispatch.solver.workday import fit_days

ProgressHook = Callable[[float, dict[str, int]], None]
# Up to this many jobs a greedy descent over the whole day is quick (tens of
# milliseconds), so ruin-and-recreate rebuilds the whole day instead of regions. It
# served more on the 50-job days (849 vs 833–846 priority on seed 101's) and as much
# on 120 jobs; on 200–500 jobs regions served more (bench/README.md).
SINGLE_REGION_JOBS = 150
# On such a day, the share of the time limit spent last on travel alone, the visits
# served fixed (`routing._polish_travel`). With a quarter kept back, the four small
# benchmark days served the same priority and jobs as without, with less driving
# (seed 102's 20×120: 161313 s instead of 167781; VROOM 166735); with half, that day
# served less. Larger days keep all their time for the regions, which still find
# more priority at the end.
TRAVEL_POLISH_SHARE = 0.25
# A one-region day of more than this many jobs gives the whole-day ruins only the first
# RUINS_FIRST_SHARE of the time, then regions take over from their plan (the travel
# polish still last). The whole-day ruins find the day's shape; on 120-150 jobs each
# of their descents is slow, and the regions, whose routes can trade visits
# (`regions.py`), go on from there faster. Side by side with the whole-day ruins
# alone on twenty days of 120-150 jobs (30 s) this was better on 14 and worse on 6,
# 155 more priority in all (20x120 s2 1578 / 89 against 1565 / 87; VROOM 1554 / 88).
# Regions alone from the start settled on s2 at 1551.
RUINS_THEN_REGIONS_JOBS = 100
RUINS_FIRST_SHARE = 0.4


class SolverError(RuntimeError):
    """The solver produced a plan its own checker refuses: a bug, never a user error."""


def solve(problem_data: dict[str, Any], *, time_limit_s: float = 30.0, on_progress: ProgressHook | None = None,
          travel: TravelProvider | None = None, first_solution: str = DEFAULT_FIRST_SOLUTION,
          metaheuristic: str = DEFAULT_METAHEURISTIC, region_search: bool = DEFAULT_REGION_SEARCH,
          workers: int | None = None) -> dict[str, Any]:
    """Plan the problem (format version 1) within `time_limit_s` seconds and return the
    plan dict. Raises ProblemError for a malformed problem.

    `region_search` spends the time after the first solution improving the plan
    region by region (`regions.py`); a day of at most
    `SINGLE_REGION_JOBS` is one region, improved by ruin-and-recreate over all of it
    (above `RUINS_THEN_REGIONS_JOBS`, only at first, then by regions), with the last
    `TRAVEL_POLISH_SHARE` of the time spent on travel alone. Off, the
    metaheuristic has all the time. `workers` processes search regions, and the
    whole-day ruins of a small day, side by side (`parallel.py`; by default one per
    core, 1 for none).

    `on_progress(percent_of_time_limit, objective)` is called at each better solution,
    with the objective's parts (`priority_served`, `assigned`, `travel_s`; the last
    includes the lateness cost when jobs have a `due`)."""
    started = time.monotonic()
    problem = parse_problem(problem_data)
    workers = default_workers() if workers is None else workers
    if len(problem.jobs) > MAX_PART_JOBS and len(problem.engineers) > 1:
        return _solve_in_parts(problem_data, problem, time_limit_s=time_limit_s, started=started, travel=travel,
                               first_solution=first_solution, metaheuristic=metaheuristic,
                               region_search=region_search, workers=workers, on_progress=on_progress)
    provider = travel or HaversineTravel(problem.travel.speed_kmh, problem.travel.road_factor)
    layout = _Layout(problem, provider)
    # Breaks inside the shifts where the day allows, and no job for an engineer whose
    # day cannot fit at all (`workday.py`): the model needs every empty route possible.
    problem, off_duty = fit_days(problem, commute_s=layout.commute)
    layout.refit(problem, off_duty)
    allowed, unplaceable = allowed_engineers(problem, travel_to=layout.to_job, travel_back=layout.to_end)

    model_jobs = sorted(allowed)
    routes: list[VehicleRoute] = []
    dropped: list[int] = []
    if model_jobs and problem.engineers:
        instance, scale = layout.instance(model_jobs, allowed)
        searchable_weight = sum(problem.jobs[j].weight for j in model_jobs)

        def report(percent: float, cost: int) -> None:
            on_progress(percent, scale.decode(cost, total_weight=searchable_weight, total_jobs=len(model_jobs)))

        remaining = max(0.5, time_limit_s - (time.monotonic() - started))
        one_region = len(model_jobs) <= SINGLE_REGION_JOBS
        if region_search and RUINS_THEN_REGIONS_JOBS < len(model_jobs) <= SINGLE_REGION_JOBS:
            result = _ruins_then_regions(instance, time_limit_s=remaining, first_solution=first_solution,
                                         metaheuristic=metaheuristic, workers=workers,
                                         on_solution=report if on_progress is not None else None)
        else:
            result = solve_instance(instance, time_limit_s=remaining, first_solution=first_solution,
                                    metaheuristic=metaheuristic,
                                    region_search=region_search and not one_region,
                                    travel_polish_share=TRAVEL_POLISH_SHARE if region_search and one_region else 0.0,
                                    ruin_and_recreate=region_search and one_region, workers=workers,
                                    on_solution=report if on_progress is not None else None)
        routes = result.routes
        # Instance nodes 0..len(model_jobs)-1 are the model's jobs, in that order.
        dropped = [model_jobs[node] for node in result.dropped]
        for route in routes:
            route.visits = [(model_jobs[node], start) for node, start in route.visits]

    plan = layout.plan(routes, dropped=dropped, unplaceable=unplaceable, solve_s=time.monotonic() - started)
    violations = check_plan(problem, plan, travel=layout.between)
    if violations:
        raise SolverError("the plan breaks its own rules: " + "; ".join(violations[:5]))
    return plan


def _ruins_then_regions(instance: Instance, *, time_limit_s: float, first_solution: str, metaheuristic: str,
                        workers: int,
                        on_solution: Callable[[float, int], None] | None) -> SearchResult:
    """Search `instance` by whole-day ruin-and-recreate for `RUINS_FIRST_SHARE` of
    `time_limit_s`, then region by region from its plan, with the last
    `TRAVEL_POLISH_SHARE` of the whole time on travel alone (see
    `RUINS_THEN_REGIONS_JOBS`). Progress stays a percentage of the whole time, and
    only a better objective is news."""
    started = time.monotonic()
    best: list[int] = []

    def progress_from(offset: float, share: float) -> Callable[[float, int], None] | None:
        if on_solution is None:
            return None

        def report(percent: float, cost: int) -> None:
            if not best or cost < best[0]:
                best[:] = [cost]
                on_solution(offset + share * percent, cost)
        return report

    ruins_s = RUINS_FIRST_SHARE * time_limit_s
    ruined = solve_instance(instance, time_limit_s=ruins_s, first_solution=first_solution, metaheuristic=metaheuristic,
                            ruin_and_recreate=True, workers=workers, on_solution=progress_from(0.0, RUINS_FIRST_SHARE))
    if not ruined.found:
        return ruined
    rest_s = max(0.5, time_limit_s - (time.monotonic() - started))
    searched = solve_instance(instance, time_limit_s=rest_s, metaheuristic=metaheuristic,
                              initial_routes=[[node for node, _ in route.visits] for route in ruined.routes],
                              region_search=True, workers=workers,
                              travel_polish_share=min(0.9, TRAVEL_POLISH_SHARE * time_limit_s / rest_s),
                              on_solution=progress_from(100.0 * RUINS_FIRST_SHARE, 1.0 - RUINS_FIRST_SHARE))
    # Should the model fail to restore the ruins' plan, that plan is still the answer.
    return searched if searched.found else ruined


def _solve_in_parts(problem_data: dict[str, Any], problem: Problem, *, time_limit_s: float, started: float,
                    travel: TravelProvider | None, first_solution: str, metaheuristic: str, region_search: bool,
                    workers: int, on_progress: ProgressHook | None) -> dict[str, Any]:
    """A large day as territories (`dispatch.solver.split`): jobs nobody could do are
    explained first, the rest split, each part solved, the plans merged, and what a
    part could not fit offered across the borders."""
    model = HaversineTravel(problem.travel.speed_kmh, problem.travel.road_factor)
    lookup = (lambda a, b: model.between(a, b)[1]) if travel is None else None
    if lookup is None:
        seconds, _ = travel.matrix([e.start for e in problem.engineers] + [e.end or e.start for e in problem.engineers]
                                   + [job.location for job in problem.jobs])
        n_eng = len(problem.engineers)
        to_job = lambda e, j: seconds[e][2 * n_eng + j]  # noqa: E731
        to_end = lambda e, j: 0 if problem.engineers[e].end is None else seconds[2 * n_eng + j][n_eng + e]  # noqa: E731
    else:
        to_job = lambda e, j: lookup(problem.engineers[e].start, problem.jobs[j].location)  # noqa: E731
        to_end = lambda e, j: (0 if problem.engineers[e].end is None  # noqa: E731
                               else lookup(problem.jobs[j].location, problem.engineers[e].end))

    def commute(e: int) -> int:
        engineer = problem.engineers[e]
        if engineer.end is None:
            return 0
        return seconds[e][n_eng + e] if lookup is None else lookup(engineer.start, engineer.end)

    problem, _ = fit_days(problem, commute_s=commute)
    allowed, unplaceable = allowed_engineers(problem, travel_to=to_job, travel_back=to_end)
    placeable = {problem.jobs[j].id for j in allowed}
    workable = {**problem_data, "jobs": [job for job in problem_data["jobs"] if job["id"] in placeable]}
    parts = math.ceil(len(workable["jobs"]) / MAX_PART_JOBS)

    def solver(data: dict[str, Any], seconds_: float) -> dict[str, Any]:
        return solve(data, time_limit_s=seconds_, travel=travel, first_solution=first_solution,
                     metaheuristic=metaheuristic, region_search=region_search, workers=workers)

    plans = []
    sub_problems = split_problem(workable, parts) if parts > 1 else [workable]
    for k, sub in enumerate(sub_problems):
        # Most of the time to the parts, shared by what each still has to do.
        share = (time_limit_s * 0.85 - (time.monotonic() - started)) / (len(sub_problems) - k)
        plans.append(solver(sub, max(1.0, share)))
        if on_progress is not None:
            so_far = merge_plans(plans)["summary"]
            on_progress(min(100.0, 100.0 * (time.monotonic() - started) / time_limit_s),
                        {key: so_far[key] for key in ("priority_served", "assigned", "travel_s")})
    merged = merge_plans(plans)
    repaired = repair_borders(workable, merged, solver, budget_s=max(0.0, time_limit_s - (time.monotonic() - started)))
    # Jobs still out were placeable by someone: what stopped them is room, not skills.
    for entry in repaired["unassigned"]:
        if entry["reason"] != "capacity":
            entry["reason"], entry["detail"] = "capacity", ("could be done alone, but no route had room for it "
                                                            "alongside work of equal or higher priority")
    order = {job.id: k for k, job in enumerate(problem.jobs)}
    repaired["unassigned"] += [{"job": u.job, "reason": u.reason, "detail": u.detail} for u in unplaceable]
    repaired["unassigned"].sort(key=lambda entry: order[entry["job"]])
    repaired["summary"]["unassigned"] = len(repaired["unassigned"])
    repaired["summary"]["solve_s"] = round(time.monotonic() - started, 3)
    if travel is None:
        violations = check_plan(problem, repaired)
        if violations:
            raise SolverError("the merged plan breaks its own rules: " + "; ".join(violations[:5]))
    return repaired


# A visit that starts after its `due` (the SLA's arrival deadline) costs this much per
# second late, in seconds of travel: being late is worth ten times the driving that
# would avoid it. It shares the last tier of the objective with travel, so it never
# outweighs a job or priority.
LATENESS_COST_PER_S = 10


class _Scale:
    """Drop penalties that make the objective lexicographic: any extra priority weight
    outweighs any number of jobs, and any extra job outweighs any travel (with the
    lateness cost of soft deadlines, the last tier's bound includes the worst lateness)."""

    def __init__(self, travel_bound: int, job_count: int):
        self.per_job = travel_bound + 1                   # more than any total travel
        self.per_weight = (job_count + 1) * self.per_job  # more than all jobs' per_job together

    def penalty(self, weight: int) -> int:
        return weight * self.per_weight + self.per_job

    def decode(self, cost: int, *, total_weight: int, total_jobs: int) -> dict[str, int]:
        dropped_weight, rest = divmod(cost, self.per_weight)
        dropped_jobs, travel_s = divmod(rest, self.per_job)
        return {"priority_served": total_weight - dropped_weight, "assigned": total_jobs - dropped_jobs,
                "travel_s": travel_s}


class _Layout:
    """Points and matrices of a problem: jobs first, then each engineer's start, then
    each engineer's end (an open end costs nothing to reach)."""

    def __init__(self, problem: Problem, provider: TravelProvider):
        self.problem = problem
        jobs, engineers = problem.jobs, problem.engineers
        self.job_count, self.engineer_count = len(jobs), len(engineers)
        self.off_duty: set[int] = set()
        points = ([job.location for job in jobs] + [e.start for e in engineers]
                  + [e.end if e.end is not None else e.start for e in engineers])
        self.seconds, self.metres = provider.matrix(points)
        for e, engineer in enumerate(engineers):
            if engineer.end is None:
                end = self.end_point(e)
                for row_s, row_m in zip(self.seconds, self.metres):
                    row_s[end] = row_m[end] = 0
        self._point_index = {}
        for index, point in enumerate(points):
            self._point_index.setdefault(point, index)

    def commute(self, e: int) -> int:
        """Travel seconds from engineer e's start to their end (0 for an open end)."""
        return self.seconds[self.start_point(e)][self.end_point(e)]

    def refit(self, problem: Problem, off_duty: list[int]) -> None:
        """Take `problem` (the same points, breaks fitted to the shifts); the model of
        each `off_duty` engineer's empty route then reaches its end at once."""
        self.problem = problem
        self.off_duty = set(off_duty)

    def start_point(self, e: int) -> int:
        return self.job_count + e

    def end_point(self, e: int) -> int:
        return self.job_count + self.engineer_count + e

    def to_job(self, e: int, j: int) -> int:
        return self.seconds[self.start_point(e)][j]

    def to_end(self, e: int, j: int) -> int:
        return self.seconds[j][self.end_point(e)]

    def between(self, a: tuple[float, float], b: tuple[float, float]) -> tuple[int, int]:
        """(metres, seconds) between two of the problem's points, as the model saw them."""
        i, j = self._point_index[a], self._point_index[b]
        return self.metres[i][j], self.seconds[i][j]

    def instance(self, model_jobs: list[int], allowed: dict[int, list[int]]) -> tuple[Instance, _Scale]:
        problem = self.problem
        points = (model_jobs + [self.start_point(e) for e in range(self.engineer_count)]
                  + [self.end_point(e) for e in range(self.engineer_count)])
        travel = [[self.seconds[a][b] for b in points] for a in points]
        n_jobs = len(model_jobs)
        for e in self.off_duty:
            # No job may go to them; their empty route must fit the shift all the same.
            travel[n_jobs + e][n_jobs + self.engineer_count + e] = 0
        service = [problem.jobs[j].duration for j in model_jobs] + [0] * (2 * self.engineer_count)
        windows = [problem.jobs[j].window for j in model_jobs] + [None] * (2 * self.engineer_count)
        ranges = [(e.shift_start, e.shift_end) for e in problem.engineers]
        horizon = max(end for _, end in ranges) + 1
        dues = {node: max(0, problem.jobs[j].due) for node, j in enumerate(model_jobs)
                if problem.jobs[j].due is not None}
        travel_bound = sum(max(0, end - start) for start, end in ranges)
        lateness_bound = sum(max(0, horizon - due) for due in dues.values()) * LATENESS_COST_PER_S
        scale = _Scale(travel_bound + lateness_bound, n_jobs)
        instance = Instance(
            service=service, windows=windows, cost=travel, travel=travel,
            starts=[n_jobs + e for e in range(self.engineer_count)],
            ends=[n_jobs + self.engineer_count + e for e in range(self.engineer_count)],
            vehicle_ranges=ranges, horizon=horizon, job_nodes=list(range(n_jobs)),
            penalties={node: scale.penalty(problem.jobs[j].weight) for node, j in enumerate(model_jobs)},
            allowed={node: allowed[j] for node, j in enumerate(model_jobs)
                     if len(allowed[j]) < self.engineer_count},
            max_jobs=[e.max_jobs if e.max_jobs is not None else n_jobs for e in problem.engineers],
            breaks=[[VehicleBreak(b.earliest_start, b.latest_start, b.duration) for b in e.breaks]
                    for e in problem.engineers],
            soft_deadlines=dues, lateness_cost=LATENESS_COST_PER_S)
        return instance, scale

    def plan(self, routes: list[VehicleRoute], *, dropped: list[int], unplaceable, solve_s: float) -> dict[str, Any]:
        problem = self.problem
        plan_routes, assigned_weight, assigned = [], 0, 0
        for route in routes:
            if not route.visits:
                continue
            engineer = problem.engineers[route.vehicle]
            zone = engineer.zone
            timing = self._earliest(route) or self._as_searched(route)
            stops, travel_s, distance_m = [], 0, 0
            position = self.start_point(route.vehicle)
            for (j, _), (arrival, start) in zip(route.visits, timing.visits):
                job = problem.jobs[j]
                stops.append({"job": job.id, "arrival": problem.time(arrival, zone),
                              "start": problem.time(start, zone), "end": problem.time(start + job.duration, zone)})
                travel_s += self.seconds[position][j]
                distance_m += self.metres[position][j]
                position = j
                assigned_weight += job.weight
                assigned += 1
            travel_s += self.seconds[position][self.end_point(route.vehicle)]
            distance_m += self.metres[position][self.end_point(route.vehicle)]
            plan_routes.append({
                "engineer": engineer.id, "stops": stops,
                "breaks": [{"start": problem.time(b, zone), "end": problem.time(b + d, zone)} for b, d in timing.breaks],
                "return": problem.time(timing.back, zone) if engineer.end is not None else None,
                "travel_s": travel_s, "distance_m": distance_m})
        unassigned = [{"job": u.job, "reason": u.reason, "detail": u.detail} for u in unplaceable]
        for j in dropped:
            unassigned.append({"job": problem.jobs[j].id, "reason": "capacity",
                               "detail": "could be done alone, but no route had room for it alongside "
                                         "work of equal or higher priority"})
        order = {job.id: k for k, job in enumerate(problem.jobs)}
        unassigned.sort(key=lambda entry: order[entry["job"]])
        return {
            "routes": plan_routes,
            "unassigned": unassigned,
            "summary": {"assigned": assigned, "unassigned": len(unassigned), "priority_served": assigned_weight,
                        "travel_s": sum(r["travel_s"] for r in plan_routes),
                        "distance_m": sum(r["distance_m"] for r in plan_routes), "solve_s": round(solve_s, 3)},
        }

    def _earliest(self, route: VehicleRoute) -> _Timing | None:
        """The route's visits in the searched order, each started as early as possible,
        breaks taken as late as their windows allow (but never inside a visit). None
        when that simple schedule does not fit, and the searched times are used."""
        engineer = self.problem.engineers[route.vehicle]
        pending = sorted(engineer.breaks, key=lambda b: (b.latest_start, b.earliest_start))
        taken: list[tuple[int, int]] = []
        free_at, position, visits = engineer.shift_start, self.start_point(route.vehicle), []

        def take_breaks_before(deadline_of: Callable[[list[tuple[int, int]]], int]) -> list[tuple[int, int]] | None:
            """Breaks that must start before the next activity ends, placed in this gap."""
            gap: list[tuple[int, int]] = []
            while pending and pending[0].latest_start < deadline_of(gap):
                rule = pending.pop(0)
                begin = max(gap[-1][0] + gap[-1][1] if gap else free_at, rule.earliest_start)
                if begin > rule.latest_start:
                    return None
                gap.append((begin, rule.duration))
            return gap

        for j, _ in route.visits:
            job = self.problem.jobs[j]
            leg = self.seconds[position][j]

            def visit_start(gap: list[tuple[int, int]]) -> int:
                arrival = _arrive(free_at, leg, gap)
                after_breaks = gap[-1][0] + gap[-1][1] if gap else free_at
                return max(arrival, after_breaks, job.window[0] if job.window else arrival)

            gap = take_breaks_before(lambda g: visit_start(g) + job.duration)
            if gap is None:
                return None
            start = visit_start(gap)
            if job.window is not None and start > job.window[1]:
                return None
            visits.append((_arrive(free_at, leg, gap), start))
            taken += gap
            free_at, position = start + job.duration, j
        leg = self.seconds[position][self.end_point(route.vehicle)]
        gap = take_breaks_before(lambda g: _arrive(free_at, leg, g))
        if gap is None:
            return None
        back = _arrive(free_at, leg, gap)
        taken += gap
        for rule in pending:  # after the day's work, at the end of the route
            begin = max(taken[-1][0] + taken[-1][1] if taken else back, back, rule.earliest_start)
            if begin > rule.latest_start:
                return None
            taken.append((begin, rule.duration))
        if back > engineer.shift_end:
            return None
        return _Timing(visits=visits, breaks=taken, back=back)

    def _as_searched(self, route: VehicleRoute) -> _Timing:
        """The times the search settled on, with arrivals worked out around its breaks."""
        position, free_at, visits = self.start_point(route.vehicle), route.start_time, []
        for j, start in route.visits:
            leg = self.seconds[position][j]
            visits.append((_arrive(free_at, leg, [b for b in route.breaks if free_at <= b[0] < start]), start))
            position, free_at = j, start + self.problem.jobs[j].duration
        leg = self.seconds[position][self.end_point(route.vehicle)]
        back = _arrive(free_at, leg, [b for b in route.breaks if b[0] >= free_at])
        return _Timing(visits=visits, breaks=list(route.breaks), back=back)


@dataclass
class _Timing:
    visits: list[tuple[int, int]]     # (arrival, start) per visit
    breaks: list[tuple[int, int]]     # (start, duration)
    back: int                         # arrival at the end (or the last visit's end on an open route)


def _arrive(depart: int, travel: int, breaks: list[tuple[int, int]]) -> int:
    """When travel of `travel` seconds leaving at `depart` ends, driving whenever no
    break is under way (a break that starts while driving pauses the drive)."""
    if travel == 0:
        return depart
    now, remaining = depart, travel
    for break_start, duration in sorted(breaks):
        drive = min(remaining, max(0, break_start - now))
        now += drive
        remaining -= drive
        if remaining == 0:
            return now
        now = max(now, break_start + duration)
    return now + remaining
