"""The dispatcher's manual tools over HTTP."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work, utcnow
from app.workorders.access import get_visible_order
from dispatch import assist
from dispatch.assist_schemas import (AssignmentCheckResultSchema, AssignmentCheckSchema, CandidateQueryArgsSchema,
                                     CandidateSchema, InsertionCreateSchema, RouteQueryArgsSchema, RouteSchema)
from dispatch.planning import PlanningSettings
from dispatch.schemas import RunSchema

blp = Blueprint("dispatch_assist", __name__, url_prefix="/api/v1",
                description="Manual dispatch: candidates, assignment checks, urgent insertion, routes of a day")

PLANNERS = (Role.DISPATCHER, Role.MANAGER)
READERS = (Role.DISPATCHER, Role.MANAGER, Role.AGENT)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["ORG_TIMEZONE"])


@blp.route("/work-orders/<int:order_id>/candidates")
class Candidates(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(CandidateQueryArgsSchema, location="query")
    @blp.response(200, CandidateSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such order (`not_found`)")
    def get(self, args, order_id):
        """Engineers ranked for one order.

        For each active engineer: the cheapest place in its day where the order fits
        without moving any booking (travel by the dispatch model), the ETA there, the
        travel it adds, the straight-line distance from where the engineer is now
        (last reported position when fresh, home base otherwise), its load that day and
        its warnings. Feasible candidates come first, then the least added travel."""
        session, now = get_session(), utcnow()
        order = get_visible_order(session, order_id, current_user)
        day = args.get("date") or assist.order_day(order, zone=_zone(), now=now)
        ranked = assist.candidates_for(session, order=order, day=day, zone=_zone(), now=now,
                                       settings=PlanningSettings.from_config(current_app.config), limit=args["limit"])
        return [assist.candidate_as_dict(candidate) for candidate in ranked]


@blp.route("/work-orders/<int:order_id>/assignment-check")
class AssignmentCheck(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(AssignmentCheckSchema)
    @blp.response(200, AssignmentCheckResultSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order or engineer (`not_found`)")
    def post(self, data, order_id):
        """Check a manual assignment or reschedule without making it.

        Blocking warnings make `assign` refuse unless it is sent with `override: true`;
        soft ones are only recorded."""
        session = get_session()
        order = get_visible_order(session, order_id, current_user)
        warnings = assist.check_assignment(session, order=order, engineer_id=data["engineer_id"],
                                           start=data["scheduled_start"], end=data.get("scheduled_end"), zone=_zone())
        return {"feasible": not any(w.blocking for w in warnings), "warnings": [w.as_dict() for w in warnings]}


@blp.route("/dispatch/insertions")
class Insertions(MethodView):
    @blp.requires_role(*PLANNERS)
    @blp.arguments(InsertionCreateSchema)
    @blp.response(201, RunSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description=(
        "The order is not new (`conflict`), or nobody has room without moving booked work (`no_room`, "
        "ranked candidates in `details.candidates`)"))
    def post(self, data):
        """Propose where an urgent order fits into the live day, for one click.

        Nobody's booked work moves: the order goes into the gap that adds the least
        travel among engineers with the skills and the shift for it. The answer is a
        succeeded run of kind `insertion` with one change; apply it with
        `POST /api/v1/dispatch/runs/{id}/apply`."""
        with unit_of_work() as session:
            order = get_visible_order(session, data["order_id"], current_user)
            return assist.propose_insertion(session, order=order, actor=current_user, zone=_zone(), now=utcnow(),
                                            settings=PlanningSettings.from_config(current_app.config)), 201


@blp.route("/dispatch/routes")
class Routes(MethodView):
    @blp.requires_role(*READERS, Role.ENGINEER, Role.PARTNER_ENGINEER)
    @blp.arguments(RouteQueryArgsSchema, location="query", unknown=ma.RAISE)
    @blp.response(200, RouteSchema(many=True))
    @blp.alt_response(422, schema=ErrorSchema, description="A missing or bad `date` (`validation_error`)")
    def get(self, args):
        """The routes of a day as booked: each engineer's open orders in order of start,
        with planned arrivals, and what a timeline of the day needs: the engineer's
        shift, home base, the travel legs (dispatch travel model, from the home base and
        back to it) and the breaks (lunch in the first free gap of its window, time off,
        gaps between working periods). Engineers see only their own route."""
        return assist.day_routes(get_session(), viewer=current_user, day=args["date"], zone=_zone(),
                                 settings=PlanningSettings.from_config(current_app.config),
                                 engineer_id=args.get("engineer_id"))
