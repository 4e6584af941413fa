"""Why a job cannot be placed at all, decided before the search.

For each job: which engineers could do it alone — right skills, the pinned one if
pinned, able to start inside its window and still finish the shift. A job with
nobody gets its reason now (`skill_unavailable`, `pinned_engineer_unavailable`,
`window_unreachable`); the others go to the search with exactly those engineers
allowed, and any the search leaves out are `capacity`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dispatch.solver.problem import Engineer, Job, Problem

# (engineer index, job index) -> travel seconds from its start / to its end
TravelLookup = Callable[[int, int], int]


@dataclass(frozen=True)
class Unplaceable:
    job: str
    reason: str
    detail: str


def lacks(engineer: Engineer, job: Job) -> list[tuple[str, int]]:
    """The (skill, level) pairs of `job` that `engineer` does not reach."""
    return [(skill, level) for skill, level in sorted(job.skills.items()) if engineer.skills.get(skill, 0) < level]


def can_reach(problem: Problem, engineer_index: int, job: Job, *, to_job_s: int, to_end_s: int) -> bool:
    """Whether the engineer, doing nothing else, can start the job in its window and
    be done (and back, when the route returns) by the end of the shift."""
    engineer = problem.engineers[engineer_index]
    if engineer.max_jobs == 0:
        return False
    start = engineer.shift_start + to_job_s
    if job.window is not None:
        start = max(start, job.window[0])
        if start > job.window[1]:
            return False
    return start + job.duration + to_end_s <= engineer.shift_end


def allowed_engineers(problem: Problem, *, travel_to: TravelLookup,
                      travel_back: TravelLookup) -> tuple[dict[int, list[int]], list[Unplaceable]]:
    """Per job index the engineers that could do it alone, and the jobs nobody can do."""
    allowed: dict[int, list[int]] = {}
    unplaceable: list[Unplaceable] = []
    for j, job in enumerate(problem.jobs):
        if job.pinned_to is not None:
            candidates = [problem.engineer_index[job.pinned_to]]
        else:
            candidates = list(range(len(problem.engineers)))
        skilled = [e for e in candidates if not lacks(problem.engineers[e], job)]
        reachable = [e for e in skilled
                     if can_reach(problem, e, job, to_job_s=travel_to(e, j), to_end_s=travel_back(e, j))]
        if reachable:
            allowed[j] = reachable
            continue
        if job.pinned_to is not None:
            engineer = problem.engineers[candidates[0]]
            missing = lacks(engineer, job)
            why = (f"lacks {_levels(missing)}" if missing
                   else "cannot start it inside its window and finish within the shift")
            unplaceable.append(Unplaceable(job.id, "pinned_engineer_unavailable", f"{job.pinned_to} {why}"))
        elif not skilled:
            unplaceable.append(Unplaceable(job.id, "skill_unavailable", _skill_detail(problem, job)))
        else:
            when = ("at any time" if job.window is None else
                    f"between {problem.time(job.window[0], job.zone)} and {problem.time(job.window[1], job.zone)}")
            unplaceable.append(Unplaceable(job.id, "window_unreachable",
                                           f"none of the {len(skilled)} engineers with the skills can start it "
                                           f"{when} and finish within their shift"))
    return allowed, unplaceable


def _levels(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{skill} ≥ {level}" for skill, level in pairs)


def _skill_detail(problem: Problem, job: Job) -> str:
    for skill, level in sorted(job.skills.items()):
        if not any(engineer.skills.get(skill, 0) >= level for engineer in problem.engineers):
            return f"no engineer has {skill} ≥ {level}"
    return f"no engineer has all of {_levels(sorted(job.skills.items()))}"
