"""Very large days on many RQ workers: the problem is split into territories
(`dispatch.solver.split`), each part is one RQ job that any worker on any host can
take, and the plans are merged and repaired at the borders when all are done.

`solve_across_workers` waits for the parts itself (for the CLI and benchmarks); a
dispatch run instead queues a finishing job that depends on the parts, so no worker
sits waiting.
"""
from __future__ import annotations

import math
import time
from typing import Any

from rq import Queue
from rq.job import Job, JobStatus

from dispatch.solver import parse_problem, solve
from dispatch.solver.split import MAX_PART_JOBS, explain_leftovers, merge_plans, repair_borders, split_problem

PART_FUNCTION = "dispatch.jobs.solve_part"


def part_count(data: dict[str, Any]) -> int:
    return max(1, math.ceil(len(data["jobs"]) / MAX_PART_JOBS))


def enqueue_parts(queue: Queue, data: dict[str, Any], *, part_time_s: float) -> list[Job]:
    """One job per territory, each solving its part within `part_time_s`."""
    parse_problem(data)  # refuse a malformed problem before any worker sees it
    parts = split_problem(data, part_count(data))
    return [queue.enqueue(PART_FUNCTION, part, part_time_s, job_timeout=int(part_time_s) + 300,
                          result_ttl=3600, description=f"dispatch part {k + 1}/{len(parts)}")
            for k, part in enumerate(parts)]


def finished_plans(jobs: list[Job]) -> list[dict[str, Any]] | None:
    """The parts' plans when all are done; None while some still run. Raises
    RuntimeError when a part failed."""
    plans = []
    for job in jobs:
        job.refresh()
        status = job.get_status()
        if status == JobStatus.FAILED:
            raise RuntimeError(f"{job.description} failed")
        if status != JobStatus.FINISHED:
            return None
        plans.append(job.return_value())
    return plans


def combine(data: dict[str, Any], plans: list[dict[str, Any]], *, repair_s: float) -> dict[str, Any]:
    """Merge the parts' plans and offer what they left out across the borders."""
    merged = merge_plans(plans)
    repaired = repair_borders(data, merged, lambda problem, seconds: solve(problem, time_limit_s=seconds),
                              budget_s=repair_s)
    return explain_leftovers(data, repaired)


def solve_across_workers(queue: Queue, data: dict[str, Any], *, part_time_s: float, repair_s: float,
                         timeout_s: float = 3600) -> dict[str, Any]:
    """Split, let the workers solve the parts, wait, combine."""
    started = time.monotonic()
    jobs = enqueue_parts(queue, data, part_time_s=part_time_s)
    while (plans := finished_plans(jobs)) is None:
        if time.monotonic() - started > timeout_s:
            raise TimeoutError("the parts did not finish in time")
        time.sleep(0.5)
    plan = combine(data, plans, repair_s=repair_s)
    plan["summary"]["solve_s"] = round(time.monotonic() - started, 3)
    return plan
