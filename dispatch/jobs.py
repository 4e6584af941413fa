"""Background jobs of dispatch, run by the RQ worker.

`run_dispatch` solves a queued run. Progress goes to the run's row (what the API
shows) and to the RQ job's meta; each step is its own short transaction, and the
solver runs between them holding none.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from flask import has_app_context
from rq import get_current_job

from app.db import unit_of_work
from dispatch import service
from dispatch.solver import ProblemError, solve

log = logging.getLogger(__name__)
# At most one progress write per this many seconds: the search reports far more often.
PROGRESS_INTERVAL_S = 1.0


def run_dispatch(run_id: int) -> dict[str, Any] | None:
    """Solve dispatch run `run_id` and store its plan. Returns the plan's summary, or
    None when the run was discarded before it finished."""
    if has_app_context():
        return _run(run_id)
    from app.factory import create_app  # the worker process builds the app once per job
    with create_app().app_context():
        return _run(run_id)


def _run(run_id: int) -> dict[str, Any] | None:
    with unit_of_work() as session:
        run = service.start_run(session, run_id=run_id)
        if run is None:
            return None
        problem, time_limit_s = run.problem, run.time_limit_s

    job = get_current_job()
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
