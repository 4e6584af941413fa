"""Large days solved as territories: split, solve each part, merge, repair the borders.

Building a first plan for thousands of jobs at once grows much faster than linearly,
so a day with more than `MAX_PART_JOBS` jobs is cut into parts by automatic
clustering of the job locations (k-means); each engineer joins the part nearest its
start, in proportion to each part's work; pinned jobs follow their engineer. Parts
are independent problems in the same format, solved one after the other here (or in
parallel by whoever calls `split_problem` and `merge_plans`). Jobs a part left out are
then offered, most important first, to the nearest able engineers of any part.
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from dispatch.solver.explain import allowed_engineers
from dispatch.solver.problem import PRIORITY_WEIGHTS, parse_problem
from dispatch.solver.travel import HaversineTravel

MAX_PART_JOBS = 500
Solver = Callable[[dict[str, Any], float], dict[str, Any]]  # (problem, seconds) -> plan


def split_problem(data: dict[str, Any], parts: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """Cut a problem into `parts` sub-problems of the same format."""
    jobs, engineers = data["jobs"], data["engineers"]
    points = np.array([job["location"] for job in jobs], dtype=float)
    scale = math.cos(math.radians(float(points[:, 1].mean()))) if len(points) else 1.0
    xy = points * np.array([scale, 1.0])
    labels, centres = _kmeans(xy, parts, seed=seed)
    # Engineers in proportion to each part's hours of work, each to a near part.
    work = np.array([sum(job["duration_s"] for job, label in zip(jobs, labels) if label == k) + 1.0
                     for k in range(parts)])
    quota = np.maximum(1, np.floor(work / work.sum() * len(engineers))).astype(int)
    starts = np.array([engineer["start"] for engineer in engineers], dtype=float) * np.array([scale, 1.0])
    distances = np.linalg.norm(starts[:, None, :] - centres[None, :, :], axis=2)
    engineer_part = np.full(len(engineers), -1)
    taken = np.zeros(parts, dtype=int)
    # Closest (engineer, part) pairs first, while the part still has room.
    for flat in np.argsort(distances, axis=None):
        e, k = divmod(int(flat), parts)
        if engineer_part[e] == -1 and taken[k] < quota[k]:
            engineer_part[e], taken[k] = k, taken[k] + 1
    for e in np.where(engineer_part == -1)[0]:
        k = int(np.argmin(distances[e]))
        engineer_part[e], taken[k] = k, taken[k] + 1
    part_of_engineer = {engineer["id"]: int(engineer_part[e]) for e, engineer in enumerate(engineers)}
    sub_problems = [{"travel": data.get("travel", {}), "engineers": [], "jobs": []} for _ in range(parts)]
    for engineer in engineers:
        sub_problems[part_of_engineer[engineer["id"]]]["engineers"].append(engineer)
    for job, label in zip(jobs, labels):
        part = part_of_engineer[job["pinned_to"]] if job.get("pinned_to") else int(label)
        sub_problems[part]["jobs"].append(job)
    return sub_problems


def _kmeans(xy: np.ndarray, k: int, *, seed: int, rounds: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = xy[rng.choice(len(xy), size=k, replace=False)]
    labels = np.zeros(len(xy), dtype=int)
    for _ in range(rounds):
        labels = np.argmin(np.linalg.norm(xy[:, None, :] - centres[None, :, :], axis=2), axis=1)
        moved = np.array([xy[labels == c].mean(axis=0) if np.any(labels == c) else centres[c] for c in range(k)])
        if np.allclose(moved, centres):
            break
        centres = moved
    return labels, centres


def merge_plans(plans: list[dict[str, Any]]) -> dict[str, Any]:
    """One plan from the plans of disjoint parts."""
    routes = [route for plan in plans for route in plan["routes"]]
    unassigned = [entry for plan in plans for entry in plan["unassigned"]]
    summary = {key: sum(plan["summary"][key] for plan in plans)
               for key in ("assigned", "unassigned", "priority_served", "travel_s", "distance_m")}
    summary["solve_s"] = round(sum(plan["summary"]["solve_s"] for plan in plans), 3)
    return {"routes": routes, "unassigned": unassigned, "summary": summary}


def repair_borders(data: dict[str, Any], plan: dict[str, Any], solver: Solver, *, budget_s: float,
                   per_try_s: float = 0.3, candidates: int = 3) -> dict[str, Any]:
    """Offer each job its part left out, most important first, to the nearest
    engineers of any part that have the skills: re-plan that one engineer's day with
    its jobs and the newcomer, and keep the new day when it is better by the format's
    objective (more priority, then more jobs, then less travel). A job it pushes out
    is offered on in turn."""
    deadline = time.monotonic() + budget_s
    jobs = {job["id"]: job for job in data["jobs"]}
    engineers = {engineer["id"]: engineer for engineer in data["engineers"]}
    routes = {route["engineer"]: route for route in plan["routes"]}
    reasons = {entry["job"]: entry for entry in plan["unassigned"]}
    queue = sorted(reasons, key=lambda job_id: jobs[job_id].get("priority", 3))
    offered: set[str] = set()

    def score(route: dict | None) -> tuple[int, int, int]:
        if route is None:
            return 0, 0, 0
        return (sum(PRIORITY_WEIGHTS[jobs[stop["job"]].get("priority", 3)] for stop in route["stops"]),
                len(route["stops"]), -route["travel_s"])

    while queue and time.monotonic() + per_try_s <= deadline:
        job_id = queue.pop(0)
        if job_id in offered:
            continue
        offered.add(job_id)
        job = jobs[job_id]
        for engineer_id in _nearest_able(job, engineers)[:candidates]:
            if time.monotonic() + per_try_s > deadline:
                break
            route = routes.get(engineer_id)
            current = [stop["job"] for stop in route["stops"]] if route else []
            single = {"travel": data.get("travel", {}), "engineers": [engineers[engineer_id]],
                      "jobs": [{**copy.deepcopy(jobs[j]), "pinned_to": engineer_id} for j in current + [job_id]]}
            attempt = solver(single, per_try_s)
            new_route = attempt["routes"][0] if attempt["routes"] else None
            if new_route is None or job_id not in {stop["job"] for stop in new_route["stops"]}:
                continue
            if score(new_route) <= score(route):
                continue
            routes[engineer_id] = new_route
            del reasons[job_id]
            kept = {stop["job"] for stop in new_route["stops"]}
            for pushed in (j for j in current if j not in kept):
                reasons[pushed] = {"job": pushed, "reason": "capacity", "detail": "pushed out by more important work"}
                queue.append(pushed)
            break
    return _rebuild(routes, list(reasons.values()), jobs, data, plan)


def _nearest_able(job: dict[str, Any], engineers: dict[str, dict]) -> list[str]:
    """Engineers with the skills (and the pinned one, if pinned), nearest start first."""
    able = []
    for engineer_id, engineer in engineers.items():
        if job.get("pinned_to") not in (None, engineer_id):
            continue
        if any(engineer["skills"].get(skill, 0) < level for skill, level in job.get("skills", {}).items()):
            continue
        lon, lat = engineer["start"]
        able.append((math.hypot(lon - job["location"][0], lat - job["location"][1]), engineer_id))
    return [engineer_id for _, engineer_id in sorted(able)]


def _rebuild(routes: dict[str, dict], unassigned: list[dict], jobs: dict[str, dict], data: dict[str, Any],
             plan: dict[str, Any]) -> dict[str, Any]:
    order = {job["id"]: k for k, job in enumerate(data["jobs"])}
    engineer_order = {engineer["id"]: k for k, engineer in enumerate(data["engineers"])}
    kept = sorted((route for route in routes.values() if route["stops"]),
                  key=lambda route: engineer_order[route["engineer"]])
    assigned = [stop["job"] for route in kept for stop in route["stops"]]
    unassigned.sort(key=lambda entry: order[entry["job"]])
    return {"routes": kept, "unassigned": unassigned, "summary": {
        "assigned": len(assigned), "unassigned": len(unassigned),
        "priority_served": sum(PRIORITY_WEIGHTS[jobs[j].get("priority", 3)] for j in assigned),
        "travel_s": sum(route["travel_s"] for route in kept),
        "distance_m": sum(route["distance_m"] for route in kept),
        "solve_s": plan["summary"]["solve_s"]}}


def explain_leftovers(data: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """Give jobs left out with a part's reason (nobody *in that part* could do them)
    the reason that holds for the whole day: `capacity` when some engineer anywhere
    could have done them alone, the day-wide pre-check's reason otherwise."""
    local = [entry for entry in plan["unassigned"] if entry["reason"] != "capacity"]
    if not local:
        return plan
    ids = {entry["job"] for entry in local}
    subset = {**data, "jobs": [job for job in data["jobs"] if job["id"] in ids]}
    problem = parse_problem(subset)
    model = HaversineTravel(problem.travel.speed_kmh, problem.travel.road_factor)

    def to_job(e: int, j: int) -> int:
        return model.between(problem.engineers[e].start, problem.jobs[j].location)[1]

    def to_end(e: int, j: int) -> int:
        end = problem.engineers[e].end
        return 0 if end is None else model.between(problem.jobs[j].location, end)[1]

    _, unplaceable = allowed_engineers(problem, travel_to=to_job, travel_back=to_end)
    day_wide = {u.job: u for u in unplaceable}
    for entry in local:
        reason = day_wide.get(entry["job"])
        if reason is None:
            entry["reason"], entry["detail"] = "capacity", ("could be done alone, but no route had room for it "
                                                            "alongside work of equal or higher priority")
        else:
            entry["reason"], entry["detail"] = reason.reason, reason.detail
    return plan
