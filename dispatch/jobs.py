"""Background jobs of dispatch, run by the RQ worker.

`run_dispatch` solves a queued run. Progress goes to the run's row (what the API
shows) and to the RQ job's meta; each step is its own short transaction, and the
solver runs between them holding none. A run with more than `TERRITORY_RUN_JOBS`
jobs is split into territories solved by all the workers in parallel
(`dispatch.territories`), and `finish_territories` combines them.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from rq import Queue, get_current_job
from rq.job import Job

from app.background import with_app
from app.db import unit_of_work
from dispatch import service, territories
from dispatch.solver import ProblemError, solve

log = logging.getLogger(__name__)
# At most one progress write per this many seconds: the search reports far more often.
PROGRESS_INTERVAL_S = 1.0
# Above this many jobs a run is shared out among the workers as territories.
TERRITORY_RUN_JOBS = 2000
# Of a territory run's time limit, the share for the parts (the rest repairs borders).
PARTS_SHARE = 0.8


def run_dispatch(run_id: int) -> dict[str, Any] | None:
    """Solve dispatch run `run_id` and store its plan. Returns the plan's summary, or
    None when the run was discarded before it finished (or was shared out)."""
    return with_app(_run, run_id)


def finish_territories(run_id: int, part_job_ids: list[str]) -> dict[str, Any] | None:
    """Combine the territories of a large run (queued to run after all of them)."""
    return with_app(_finish_territories, run_id, part_job_ids)


def _run(run_id: int) -> dict[str, Any] | None:
    with unit_of_work() as session:
        run = service.start_run(session, run_id=run_id)
        if run is None:
            return None
        problem, time_limit_s = run.problem, run.time_limit_s

    job = get_current_job()
    if len(problem["jobs"]) > TERRITORY_RUN_JOBS and job is not None:
        queue = Queue(job.origin, connection=job.connection)
        parts = territories.enqueue_parts(queue, problem, part_time_s=max(1.0, time_limit_s * PARTS_SHARE))
        queue.enqueue(finish_territories, run_id, [part.id for part in parts], depends_on=parts,
                      job_timeout=int(time_limit_s) + 600)
        return None
    last_write = 0.0

    def on_progress(percent: float, objective: dict[str, Any]) -> None:
        nonlocal last_write
        now = time.monotonic()
        if now - last_write < PROGRESS_INTERVAL_S:
            return
        last_write = now
        with unit_of_work() as session:
            service.record_progress(session, run_id=run_id, percent=percent, best_objective=objective)
        if job is not None:
            job.meta.update(progress_pct=int(percent), best_objective=objective)
            job.save_meta()

    try:
        plan = solve(problem, time_limit_s=time_limit_s, on_progress=on_progress)
    except ProblemError as error:
        with unit_of_work() as session:
            service.fail_run(session, run_id=run_id, message=f"Invalid problem: {error}")
        return None
    except Exception as error:
        log.exception("dispatch run %s failed", run_id)
        with unit_of_work() as session:
            service.fail_run(session, run_id=run_id, message=f"{type(error).__name__}: {error}")
        raise
    with unit_of_work() as session:
        finished = service.finish_run(session, run_id=run_id, plan=plan)
    return finished.plan["summary"] if finished else None


def solve_part(problem: dict[str, Any], time_limit_s: float) -> dict[str, Any]:
    """One territory of a large day (`dispatch.territories`): pure solving, the plan
    is the job's result. In this process alone: the parts themselves are what runs
    side by side, one per RQ worker."""
    return solve(problem, time_limit_s=time_limit_s, workers=1)


def _finish_territories(run_id: int, part_job_ids: list[str]) -> dict[str, Any] | None:
    job = get_current_job()
    parts = Job.fetch_many(part_job_ids, connection=job.connection)
    with unit_of_work() as session:
        run = service.get_run(session, run_id)
        problem, time_limit_s = run.problem, run.time_limit_s
    try:
        plans = territories.finished_plans(parts)
        if plans is None:
            raise RuntimeError("a territory had not finished")
        plan = territories.combine(problem, plans, repair_s=max(1.0, time_limit_s * (1 - PARTS_SHARE)))
    except Exception as error:
        log.exception("dispatch run %s: combining territories failed", run_id)
        with unit_of_work() as session:
            service.fail_run(session, run_id=run_id, message=f"{type(error).__name__}: {error}")
        raise
    with unit_of_work() as session:
        finished = service.finish_run(session, run_id=run_id, plan=plan)
    return finished.plan["summary"] if finished else None
