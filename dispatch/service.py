"""Dispatch runs: create one, follow its progress, keep its plan, apply or discard it.

No Flask here: routes and the background job own the transactions. A run's solving
happens outside any transaction (it takes seconds to minutes); the steps around it —
start, progress, finish — are each short.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.errors import ConflictError, NotFoundError
from dispatch.models import DispatchRun, RunKind, RunStatus
from dispatch.planning import PlanningSettings, apply_changes, build_problem, plan_changes


class RunNotReadyError(ConflictError):
    code = "run_not_ready"


def create_run(session: Session, *, actor: User, day: date, zone: ZoneInfo, now: datetime,
               settings: PlanningSettings, time_limit_s: int, order_ids: Collection[int] = (),
               engineer_ids: Collection[int] = ()) -> DispatchRun:
    """Build the day's problem now (so the plan is checked against the orders as they
    are at this moment) and record a queued run; the caller enqueues the job after
    committing."""
    built = build_problem(session, day=day, zone=zone, now=now, settings=settings,
                          order_ids=order_ids, engineer_ids=engineer_ids)
    run = DispatchRun(kind=RunKind.OPTIMISE, status=RunStatus.QUEUED, plan_date=day, time_limit_s=time_limit_s,
                      requested_by_id=actor.id,
                      scope={"order_ids": sorted(order_ids), "engineer_ids": sorted(engineer_ids)},
                      problem=built.problem, order_versions=built.order_versions, progress_pct=0)
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: int, *, for_update: bool = False) -> DispatchRun:
    query = select(DispatchRun).where(DispatchRun.id == run_id)
    if for_update:
        query = query.with_for_update()
    run = session.scalar(query)
    if run is None:
        raise NotFoundError(f"Dispatch run {run_id} not found", run_id=run_id)
    return run


def runs_query(*, plan_date: date | None = None, status: RunStatus | None = None) -> Select:
    """Runs, newest first, optionally of one day or status."""
    query = select(DispatchRun).order_by(DispatchRun.created_at.desc(), DispatchRun.id.desc())
    if plan_date is not None:
        query = query.where(DispatchRun.plan_date == plan_date)
    if status is not None:
        query = query.where(DispatchRun.status == status)
    return query


def set_job_id(session: Session, *, run_id: int, job_id: str) -> None:
    get_run(session, run_id, for_update=True).job_id = job_id
    session.flush()


# --- the steps of the background job ------------------------------------------------------------

def start_run(session: Session, *, run_id: int) -> DispatchRun | None:
    """Mark a queued run as running; None when it was discarded (or already taken)."""
    run = get_run(session, run_id, for_update=True)
    if run.status is not RunStatus.QUEUED:
        return None
    run.status = RunStatus.RUNNING
    run.started_at = utcnow()
    session.flush()
    return run


def record_progress(session: Session, *, run_id: int, percent: float, best_objective: dict[str, Any]) -> None:
    run = get_run(session, run_id, for_update=True)
    if run.status is RunStatus.RUNNING:
        run.progress_pct = max(run.progress_pct, min(99, int(percent)))
        run.best_objective = best_objective
        session.flush()


def finish_run(session: Session, *, run_id: int, plan: dict[str, Any]) -> DispatchRun | None:
    """Store the plan and what it would change; None when the run was discarded meanwhile."""
    run = get_run(session, run_id, for_update=True)
    if run.status is not RunStatus.RUNNING:
        return None
    run.plan = plan
    run.changes = plan_changes(session, plan)
    run.best_objective = objective_of(plan)
    run.progress_pct = 100
    run.status = RunStatus.SUCCEEDED
    run.finished_at = utcnow()
    session.flush()
    return run


def fail_run(session: Session, *, run_id: int, message: str) -> None:
    run = get_run(session, run_id, for_update=True)
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        run.status = RunStatus.FAILED
        run.error = message[:4000]
        run.finished_at = utcnow()
        session.flush()


def objective_of(plan: dict[str, Any]) -> dict[str, Any]:
    """The lexicographic objective's parts from a plan's summary."""
    summary = plan["summary"]
    return {"priority_served": summary["priority_served"], "assigned": summary["assigned"],
            "travel_s": summary["travel_s"]}


# --- after the run ------------------------------------------------------------------------------

def apply_run(session: Session, *, run_id: int, actor: User) -> DispatchRun:
    """Apply a finished run's plan in the caller's transaction. Raises RunNotReadyError
    unless the run has succeeded and was not applied or discarded, PlanStaleError when
    an order changed since the run started."""
    run = get_run(session, run_id, for_update=True)
    if run.status is not RunStatus.SUCCEEDED:
        raise RunNotReadyError(f"Dispatch run {run_id} is {run.status.value}; only a succeeded run can be applied",
                               run_status=run.status.value)
    counts = apply_changes(session, changes=run.changes or [], order_versions=run.order_versions or {},
                           actor=actor, run_id=run.id)
    run.status = RunStatus.APPLIED
    run.applied_at = utcnow()
    run.applied_by_id = actor.id
    run.applied_counts = counts
    session.flush()
    return run


def discard_run(session: Session, *, run_id: int) -> DispatchRun:
    """Drop a run that is queued, running or finished but not applied."""
    run = get_run(session, run_id, for_update=True)
    if run.status in (RunStatus.APPLIED, RunStatus.DISCARDED):
        raise RunNotReadyError(f"Dispatch run {run_id} is already {run.status.value}", run_status=run.status.value)
    run.status = RunStatus.DISCARDED
    run.finished_at = run.finished_at or utcnow()
    session.flush()
    return run
