"""Dispatch runs over HTTP: start an optimisation, watch it, apply or discard its plan."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask.views import MethodView
from flask_jwt_extended import current_user
from redis.exceptions import RedisError

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work, utcnow
from app.errors import DomainError
from app.pagination import paginate
from app.queue import get_queue
from dispatch import service
from dispatch.planning import PlanningSettings
from dispatch.schemas import RunCreateSchema, RunQueryArgsSchema, RunSchema, RunSummarySchema

blp = Blueprint("dispatch_runs", __name__, url_prefix="/api/v1/dispatch/runs",
                description="Optimisation runs: a day planned by the solver, previewed, then applied")

PLANNERS = (Role.DISPATCHER, Role.MANAGER)
READERS = (Role.DISPATCHER, Role.MANAGER, Role.AGENT)


class QueueUnavailableError(DomainError):
    http_status = 503
    code = "queue_unavailable"


@blp.route("")
class Runs(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(RunQueryArgsSchema, location="query")
    @blp.response(200, RunSummarySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List dispatch runs, newest first, optionally of one `date` or `status`."""
        return paginate(get_session(), service.runs_query(plan_date=args.get("date"), status=args.get("status")),
                        pagination_parameters)

    @blp.requires_role(*PLANNERS)
    @blp.arguments(RunCreateSchema)
    @blp.response(202, RunSchema)
    @blp.alt_response(503, schema=ErrorSchema, description="The job queue is down (`queue_unavailable`)")
    def post(self, data):
        """Optimise a day.

        The problem is built now from the database: engineers on shift that day (their
        working hours cut by time off, with a lunch break), new orders whose appointment
        window opens that day, orders assigned for that day but not yet accepted, and
        accepted or travelling orders pinned to their engineer. The solver then runs in
        the background for `time_limit_s`; follow it with `GET …/runs/{id}` (`progress_pct`,
        `best_objective`). When it has succeeded, `changes` shows what applying would do."""
        config = current_app.config
        with unit_of_work() as session:
            run = service.create_run(
                session, actor=current_user, day=data["date"], zone=ZoneInfo(config["ORG_TIMEZONE"]),
                now=utcnow(), settings=PlanningSettings.from_config(config),
                time_limit_s=data.get("time_limit_s", config["DISPATCH_DEFAULT_TIME_LIMIT_S"]),
                order_ids=data["order_ids"], engineer_ids=data["engineer_ids"])
        try:
            job = get_queue(config["REDIS_URL"]).enqueue(
                "dispatch.jobs.run_dispatch", run.id, job_timeout=run.time_limit_s + 300, result_ttl=86400)
        except RedisError as error:
            with unit_of_work() as session:
                service.fail_run(session, run_id=run.id, message=f"Could not queue the run: {error}")
            raise QueueUnavailableError("The job queue is unavailable; try again shortly") from error
        with unit_of_work() as session:
            service.set_job_id(session, run_id=run.id, job_id=job.id)
            run = service.get_run(session, run.id)
        return run, 202, {"Location": url_for("dispatch_runs.RunById", run_id=run.id)}


@blp.route("/<int:run_id>")
class RunById(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, RunSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such run (`not_found`)")
    def get(self, run_id):
        """A run with its progress and, once finished, its plan and the changes it makes."""
        return service.get_run(get_session(), run_id)


@blp.route("/<int:run_id>/problem")
class RunProblem(MethodView):
    @blp.requires_role(*PLANNERS)
    @blp.response(200, description="The problem in the solver's public format (replay it with "
                                   "`python -m dispatch solve`)")
    @blp.alt_response(404, schema=ErrorSchema, description="No such run (`not_found`)")
    def get(self, run_id):
        """The exact problem the run solved."""
        return service.get_run(get_session(), run_id).problem


@blp.route("/<int:run_id>/apply")
class ApplyRun(MethodView):
    @blp.requires_role(*PLANNERS)
    @blp.response(200, RunSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such run (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description=(
        "The run has not succeeded or was already applied or discarded (`run_not_ready`), or an order "
        "changed since the run started (`plan_stale`, with the order numbers in `details.changed`)"))
    def post(self, run_id):
        """Apply a succeeded run's plan, all or nothing.

        New and assigned orders are assigned (an `assign` event each, carrying the run
        id) with the plan's start, end and arrival; accepted and travelling orders keep
        their status and take the new times. Orders the plan left out keep what they
        had. `applied_counts` tells how many changes of each kind were made."""
        with unit_of_work() as session:
            return service.apply_run(session, run_id=run_id, actor=current_user)


@blp.route("/<int:run_id>/discard")
class DiscardRun(MethodView):
    @blp.requires_role(*PLANNERS)
    @blp.response(200, RunSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such run (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description="Already applied or discarded (`run_not_ready`)")
    def post(self, run_id):
        """Discard a run; a run still solving stops counting and its plan is never stored."""
        with unit_of_work() as session:
            return service.discard_run(session, run_id=run_id)
