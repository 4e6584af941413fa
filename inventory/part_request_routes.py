"""Part requests under /api/v1/inventory/part-requests: asked for by engineers and the
back office, worked by the warehouse as a queue."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.idempotency.web import IDEMPOTENCY_KEY_PARAMETER, idempotent
from app.pagination import paginate
from app.workorders.access import get_visible_order, visible_orders_clause
from inventory import part_requests
from inventory.routes import FIELD
from inventory.schemas import (CancelRequestSchema, EmptyBodySchema, FulfilSchema, PartRequestCreateSchema,
                               PartRequestQueryArgsSchema, PartRequestSchema, UnavailableSchema)

blp = Blueprint("part-requests", __name__, url_prefix="/api/v1/inventory/part-requests",
                description="Parts asked for a work order; the warehouse's queue")

DESK = (Role.WAREHOUSE, Role.MANAGER)
REQUESTERS = (Role.DISPATCHER, Role.AGENT, Role.MANAGER, Role.WAREHOUSE, *FIELD)


@blp.route("")
class PartRequests(MethodView):
    @blp.requires_role(*REQUESTERS)
    @blp.arguments(PartRequestQueryArgsSchema, location="query")
    @blp.response(200, PartRequestSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """The queue: pending requests by default, the soonest visit first, then the
        oldest request. Engineers see the requests of their own orders."""
        query = part_requests.queue_query(statuses=args.get("status"), work_order_id=args.get("work_order_id"),
                                          to_location_id=args.get("to_location_id"))
        if current_user.role in FIELD:
            query = query.where(visible_orders_clause(current_user))
        return paginate(get_session(), query, pagination_parameters)

    @blp.requires_role(*REQUESTERS)
    @idempotent
    @blp.arguments(PartRequestCreateSchema)
    @blp.response(201, PartRequestSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown order, part or location (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description="The order is closed or cancelled (`conflict`)")
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def post(self, data):
        """Ask for parts for an open order. They go to the van of the order's engineer
        unless `to_location_id` says otherwise (engineers: their own van only). The
        order's timeline records the request."""
        with unit_of_work() as session:
            get_visible_order(session, data["work_order_id"], current_user)
            return part_requests.create(session, actor=current_user, **data)


@blp.route("/<int:request_id>")
class PartRequestItem(MethodView):
    @blp.requires_role(*REQUESTERS)
    @blp.response(200, PartRequestSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such request visible to the caller (`not_found`)")
    def get(self, request_id):
        """One request."""
        session = get_session()
        request = part_requests.get(session, request_id)
        get_visible_order(session, request.work_order_id, current_user)
        return request


def _action(slug: str, schema, function, roles, summary: str, conflicts: str, extra=None) -> None:
    def view(data, request_id):
        with unit_of_work() as session:
            request = part_requests.get(session, request_id)
            get_visible_order(session, request.work_order_id, current_user)
            return function(session, actor=current_user, request_id=request_id, **data, **(extra() if extra else {}))

    view.__doc__ = summary
    view.__name__ = f"{slug.replace('-', '_')}_part_request"
    decorated = blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])(view)
    decorated = blp.alt_response(409, schema=ErrorSchema, description=conflicts)(decorated)
    decorated = blp.alt_response(404, schema=ErrorSchema, description="Unknown request or location (`not_found`)")(decorated)
    decorated = blp.response(200, PartRequestSchema)(decorated)
    decorated = blp.arguments(schema)(decorated)
    decorated = idempotent(decorated)
    decorated = blp.requires_role(*roles)(decorated)
    blp.route(f"/<int:request_id>/{slug}", methods=["POST"], endpoint=view.__name__)(decorated)


_action("pick", EmptyBodySchema, part_requests.pick, DESK,
        "Take a request off the queue to pick it, so nobody else does.",
        "The request is done, cancelled, or someone else is picking it (`conflict`)")
_action("fulfil", FulfilSchema, part_requests.fulfil, DESK,
        "Send the parts: a transfer from `from_location_id` to the request's van and a reservation "
        "there for the order. An order this desk put on hold for parts resumes when nothing else it "
        "waits for is pending.",
        "Not enough stock (`insufficient_stock`), serials not there (`serial_conflict`), the request is "
        "done or the order closed (`conflict`)")
_action("unavailable", UnavailableSchema, part_requests.mark_unavailable, DESK,
        "No stock to send: record when it is expected. With `hold_order` the order goes on hold "
        "(`waiting_parts`) until the parts are sent.",
        "The request is done or cancelled (`conflict`)",
        extra=lambda: {"timezone": current_app.config["ORG_TIMEZONE"]})


_action("cancel", CancelRequestSchema, part_requests.cancel, (Role.DISPATCHER, Role.AGENT, *DESK, *FIELD),
        "Withdraw a pending request (engineers: their own). An order held for it resumes when "
        "nothing else it waits for is pending.",
        "The request is done or already cancelled (`conflict`)")
