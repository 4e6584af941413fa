"""Lifecycle actions (`POST /work-orders/{id}/<action>`) and the timeline.

One endpoint per action so each has its own documented body; all go through
`lifecycle.transition`, which holds the one transition table.
"""
from __future__ import annotations

from flask import current_app, request
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.workorders import lifecycle, notes
from app.workorders.access import get_visible_order
from app.workorders.etag import order_etag_data
from app.workorders.lifecycle import TRANSITIONS, Action
from app.workorders.lifecycle_schemas import ACTION_SCHEMAS, AllowedActionsSchema, EventSchema
from app.workorders.schemas import WorkOrderSchema

blp = Blueprint("work-order-lifecycle", __name__, url_prefix="/api/v1",
                description="Work-order lifecycle actions and the event timeline")

ACTION_DOCS = {
    Action.ASSIGN: ("Assign (or reassign) an engineer and a scheduled window.",
                    "The engineer needs every required skill at the required level (422 `skill_mismatch`), "
                    "no time off, no overlapping booking and room under their daily job limit "
                    "(409 `engineer_unavailable`). A start outside the customer's appointment window is "
                    "allowed but recorded as a warning in the event."),
    Action.ACCEPT: ("The assigned engineer accepts the job.", ""),
    Action.DECLINE: ("The assigned engineer declines the job, with a reason.",
                     "The order returns to `new` without an engineer."),
    Action.START_TRAVEL: ("The engineer sets off to the site.", "An optional GPS position updates the engineer's last known position."),
    Action.CHECK_IN: ("The engineer checks in at the site.",
                      "With a GPS position the distance to the site is computed in PostGIS and the event "
                      "records whether the check-in was inside the site's geofence."),
    Action.HOLD: ("Put the order on hold with a reason (waiting for parts, customer unavailable…).",
                  "`resume` returns it to the status it had."),
    Action.RESUME: ("Resume an order on hold.", "It returns to the status it had when held (or `new` if it lost its engineer)."),
    Action.RESOLVE: ("The engineer completes the job with a resolution code.",
                     "Refused with 409 `open_children` while a child order is open, and with 409 "
                     "`checklist_incomplete` while required items of the order's checklist are not done "
                     "(their keys under `details.missing`)."),
    Action.REQUEST_FEEDBACK: ("Ask the customer for feedback on a resolved order.", ""),
    Action.CLOSE: ("Close a resolved order (with or without feedback).", ""),
    Action.CANCEL: ("Cancel an order before resolution, with a reason.",
                    "A customer may cancel its own order only while it is still `new`."),
}


def _roles_for(action: Action) -> tuple[Role, ...]:
    rule = TRANSITIONS[action]
    roles = set(rule.office_roles)
    if rule.field:
        roles |= lifecycle.FIELD_ROLES
    return tuple(sorted(roles, key=lambda r: r.value))


def _make_action_view(action: Action):
    summary, details = ACTION_DOCS[action]

    def view(data, order_id):
        with unit_of_work() as session:
            order = get_visible_order(session, order_id, current_user, for_update=True)
            # Optional here (a phone acts on what it was told to do), but honoured when
            # sent: a console acting on a stale view gets 412 instead of a surprise.
            if request.if_match:
                blp.check_etag(order_etag_data(order))
            device_time = data.pop("device_time", None)
            if action is Action.ASSIGN:
                data["timezone"] = current_app.config["ORG_TIMEZONE"]
            if "position" in data and data["position"] is None:
                data.pop("position")
            lifecycle.transition(session, order=order, action=action, actor=current_user,
                                 device_time=device_time, **data)
        blp.set_etag(order_etag_data(order))
        return order

    view.__name__ = f"{action.value}_work_order"
    view.__doc__ = f"{summary}\n\n{details}\n\nAllowed from: " + ", ".join(
        sorted(f"`{s.value}`" for s in TRANSITIONS[action].sources)) + "."
    view = blp.requires_role(*_roles_for(action))(view)
    view = blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller")(view)
    view = blp.alt_response(412, schema=ErrorSchema,
                            description="`If-Match` was sent and the order has changed since (`precondition_failed`)")(view)
    view = blp.alt_response(409, schema=ErrorSchema,
                            description="`invalid_transition` from the current status, or a rule of the action")(view)
    view = blp.response(200, WorkOrderSchema)(view)
    view = blp.arguments(ACTION_SCHEMAS[action])(view)
    view = blp.etag(view)
    slug = action.value.replace("_", "-")
    blp.route(f"/work-orders/<int:order_id>/{slug}", methods=["POST"], endpoint=action.value)(view)


for _action in Action:
    _make_action_view(_action)


@blp.route("/work-orders/<int:order_id>/timeline", methods=["GET"])
@blp.response(200, EventSchema(many=True))
@blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller")
@blp.requires_role(*Role)
def order_timeline(order_id):
    """The order's immutable event log, oldest first.

    Each event has the actor, the status change, server time and — for actions
    from a phone — device time, and a payload (reasons, positions, distances,
    changed fields). Automation rules write a `rule` event (`rule_applied`) with the
    rule, what each action changed (before, after) and what it skipped and why; the
    changes themselves are ordinary events marked `via_rule`. Customers do not see
    internal notes and files, nor the rules' entries."""
    session = get_session()
    order = get_visible_order(session, order_id, current_user)
    return notes.timeline(session, order=order, viewer=current_user)


@blp.route("/work-orders/<int:order_id>/allowed-actions", methods=["GET"])
@blp.requires_role(*Role)
@blp.response(200, AllowedActionsSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller")
def order_allowed_actions(order_id):
    """The lifecycle actions the caller may take on the order now, for clients to offer
    exactly those: what the transition table allows from the current status to the
    caller's role (field actions only to the order's own engineer). Each action is
    `POST /work-orders/{id}/<action>` with `_` written `-`."""
    order = get_visible_order(get_session(), order_id, current_user)
    return {"work_order_id": order.id, "status": order.status,
            "actions": lifecycle.allowed_actions(order, current_user)}
