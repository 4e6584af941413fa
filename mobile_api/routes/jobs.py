"""The engineer's day and the actions on a job, from the phone."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import FIELD_ROLES
from app.db import get_session, unit_of_work
from app.idempotency.web import IDEMPOTENCY_KEY_PARAMETER, idempotent
from app.workorders.access import get_field_order
from app.workorders.lifecycle import Action
from mobile_api import field_work, my_day
from mobile_api.schemas import (AcceptJobSchema, CheckInSchema, CompleteJobSchema, DeclineJobSchema,
                                HoldJobSchema, JobSchema, JobStateSchema, MyDayQueryArgsSchema, MyDaySchema,
                                ResumeJobSchema, TravelSchema)

blp = Blueprint("mobile-jobs", __name__, url_prefix="/mobile/v1",
                description="The engineer's day and the actions on a job")

NOT_YOURS = "The job is another engineer's (`forbidden`), or the caller's role may not"


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["ORG_TIMEZONE"])


@blp.route("/my-day", methods=["GET"])
@blp.requires_role(*FIELD_ROLES)
@blp.arguments(MyDayQueryArgsSchema, location="query", unknown=ma.RAISE)
@blp.response(200, MyDaySchema)
def my_day_view(args):
    """My jobs of a day (default today), in route order.

    Each job comes with its scheduled window, ETA, the customer's appointment window,
    the customer and contacts, the site (GeoJSON point, address, access notes,
    geofence), the asset and its last visits, required skills, reserved parts, the
    newest notes and the actions allowed now. One request, a fixed number of queries."""
    zone = _zone()
    day = args.get("date") or datetime.now(zone).date()
    session = get_session()
    engineer = my_day.engineer_of(session, current_user)
    return {"date": day, "engineer_id": engineer.id,
            "jobs": my_day.jobs_of_day(session, user=current_user, day=day, zone=zone)}


@blp.route("/jobs/<int:job_id>", methods=["GET"])
@blp.requires_role(*FIELD_ROLES)
@blp.response(200, JobSchema)
@blp.alt_response(403, schema=ErrorSchema, description=NOT_YOURS)
@blp.alt_response(404, schema=ErrorSchema, description="No such job (`not_found`)")
def job_view(job_id):
    """One job with everything the day view shows for it (after a push, say)."""
    session = get_session()
    order = get_field_order(session, job_id, current_user)
    return my_day.describe_jobs(session, orders=[order], viewer=current_user)[0]


ACTIONS = [
    (Action.ACCEPT, "accept", AcceptJobSchema, "Accept the job.", ""),
    (Action.DECLINE, "decline", DeclineJobSchema, "Decline the job, with a reason.",
     "It goes back to the dispatcher's queue without an engineer."),
    (Action.START_TRAVEL, "start-travel", TravelSchema, "Set off to the site.",
     "The position, when given, becomes the engineer's last known one."),
    (Action.CHECK_IN, "check-in", CheckInSchema, "Arrive: check in at the site.",
     "With a position, the distance to the site is measured in PostGIS and the event records "
     "`within_geofence` (inside the site's geofence radius or not); without one, `position_missing`."),
    (Action.HOLD, "hold", HoldJobSchema, "Pause the job (hold) with a reason.",
     "Waiting for parts, customer absent…; the SLA clocks pause for the reasons the policy names. "
     "`resume` returns the job to where it was."),
    (Action.RESUME, "resume", ResumeJobSchema, "Resume a paused job.", ""),
    (Action.RESOLVE, "complete", CompleteJobSchema, "Complete the job.",
     "With a resolution code, notes and the time spent. Refused with 409 while a child order is open "
     "(`open_children`) or required checklist items are unanswered (`checklist_incomplete`)."),
]


def _make_action_view(action: Action, slug: str, schema, summary: str, details: str) -> None:
    def view(data, job_id):
        with unit_of_work() as session:
            device_time = data.pop("device_time")
            order, event = field_work.act(session, user=current_user, job_id=job_id, action=action,
                                          device_time=device_time, **data)
            return field_work.job_state(session, user=current_user, job_id=job_id, order=order, event=event)

    view.__name__ = f"job_{action.value}"
    view.__doc__ = f"{summary}\n\n{details}\n\nDevice time is required; it is recorded beside server time."
    decorated = blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])(view)
    decorated = blp.alt_response(409, schema=ErrorSchema, description=(
        "`invalid_transition`: the job is not where the phone thought (cancelled, reassigned, already done), "
        "or a rule of the action"))(decorated)
    decorated = blp.alt_response(404, schema=ErrorSchema, description="No such job (`not_found`)")(decorated)
    decorated = blp.alt_response(403, schema=ErrorSchema, description=NOT_YOURS)(decorated)
    decorated = blp.response(200, JobStateSchema)(decorated)
    decorated = blp.arguments(schema)(decorated)
    decorated = idempotent(decorated)
    decorated = blp.requires_role(*FIELD_ROLES)(decorated)
    blp.route(f"/jobs/<int:job_id>/{slug}", methods=["POST"], endpoint=view.__name__)(decorated)


for _action in ACTIONS:
    _make_action_view(*_action)
