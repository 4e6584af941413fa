"""The work-order lifecycle (DESIGN.md §3): one transition table, one function
that applies it, and an immutable event for every transition.

Anything the table does not allow is refused with 409 `invalid_transition`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2 import Geography
from sqlalchemy import cast, func, select
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.customers.models import Site
from app.db import utcnow
from app.engineers.models import Engineer
from app.engineers.positions import update_last_position
from app.errors import (ConflictError, InvalidTransitionError, NotFoundError, OpenChildrenError,
                        PermissionDeniedError, ValidationFailedError)
from app.geo import make_point
from app.workorders.assignment import assignment_warnings, missing_skills
from app.workorders.checklists import ensure_checklist_complete
from app.workorders.events import bounded_device_time, record_event
from app.workorders.hooks import run_transition_hooks
from app.workorders.models import OPEN_STATUSES, EventKind, Status, WorkOrder

HOLD_REASONS = ("waiting_parts", "customer_unavailable", "awaiting_approval", "access_denied", "other")
DECLINE_REASONS = ("too_far", "missing_skill", "schedule_conflict", "vehicle_issue", "sick", "other")
CANCEL_REASONS = ("customer_request", "duplicate", "resolved_remotely", "out_of_contract", "other")


class Action(str, enum.Enum):
    ASSIGN = "assign"
    ACCEPT = "accept"
    DECLINE = "decline"
    START_TRAVEL = "start_travel"
    CHECK_IN = "check_in"
    HOLD = "hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    REQUEST_FEEDBACK = "request_feedback"
    CLOSE = "close"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status | None           # None: computed (resume returns to where the hold began)
    office_roles: frozenset[Role]   # back-office roles that may act on any visible order
    field: bool                     # engineers / partner engineers assigned to the order may act


FIELD_ROLES = frozenset({Role.ENGINEER, Role.PARTNER_ENGINEER})


def _t(sources, target, office_roles=(), field=False) -> Transition:
    return Transition(frozenset(sources), target, frozenset(office_roles) | {Role.ADMIN}, field)


S = Status
TRANSITIONS: dict[Action, Transition] = {
    Action.ASSIGN: _t({S.NEW, S.ASSIGNED, S.ACCEPTED}, S.ASSIGNED, {Role.DISPATCHER, Role.MANAGER}),
    Action.ACCEPT: _t({S.ASSIGNED}, S.ACCEPTED, field=True),
    Action.DECLINE: _t({S.ASSIGNED, S.ACCEPTED}, S.NEW, field=True),
    Action.START_TRAVEL: _t({S.ACCEPTED}, S.EN_ROUTE, field=True),
    Action.CHECK_IN: _t({S.ACCEPTED, S.EN_ROUTE}, S.ON_SITE, field=True),
    Action.HOLD: _t({S.NEW, S.ASSIGNED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE}, S.ON_HOLD,
                    {Role.DISPATCHER, Role.MANAGER, Role.AGENT}, field=True),
    Action.RESUME: _t({S.ON_HOLD}, None, {Role.DISPATCHER, Role.MANAGER, Role.AGENT}, field=True),
    Action.RESOLVE: _t({S.ON_SITE}, S.RESOLVED, field=True),
    Action.REQUEST_FEEDBACK: _t({S.RESOLVED}, S.AWAITING_FEEDBACK, {Role.AGENT, Role.MANAGER}),
    Action.CLOSE: _t({S.RESOLVED, S.AWAITING_FEEDBACK}, S.CLOSED, {Role.AGENT, Role.MANAGER}),
    Action.CANCEL: _t({S.NEW, S.ASSIGNED, S.ACCEPTED, S.EN_ROUTE, S.ON_HOLD}, S.CANCELLED,
                      {Role.AGENT, Role.DISPATCHER, Role.MANAGER, Role.CUSTOMER}),
}
del S


def allowed_actions(order: WorkOrder, user: User) -> list[Action]:
    """The actions `user` could take on `order` now (for clients to show buttons)."""
    return [a for a, t in TRANSITIONS.items()
            if order.status in t.sources and _may_act(order, user, a, t)]


def _may_act(order: WorkOrder, user: User, action: Action, transition: Transition) -> bool:
    if user.role in transition.office_roles:
        # A customer may only cancel its own order before anyone is on the way.
        return user.role is not Role.CUSTOMER or order.status is Status.NEW
    if transition.field and user.role in FIELD_ROLES:
        engineer = order.scheduled_engineer
        return engineer is not None and engineer.user_id == user.id
    return False


def transition(session: Session, *, order: WorkOrder, action: Action, actor: User,
               device_time: datetime | None = None, via: str | None = None, **params: Any) -> WorkOrder:
    """Apply `action` to a (locked) order on behalf of `actor` and record the event.

    `via` names another part of the system that takes the action as a consequence of
    its own, already authorised, operation (the parts desk puts an order on hold
    when parts are unavailable): the actor's role is then not checked against the
    table, and the event records `via`.

    Raises InvalidTransitionError (409) when the table does not allow it from the
    current status, PermissionDeniedError (403) when the actor may not, and the
    action's own errors (validation 422, conflicts 409)."""
    rule = TRANSITIONS[action]
    if order.status not in rule.sources:
        raise InvalidTransitionError(
            f"Cannot {action.value} an order that is {order.status.value}",
            action=action.value, current_status=order.status.value,
            allowed_from=sorted(s.value for s in rule.sources))
    if via is None and not _may_act(order, actor, action, rule):
        raise PermissionDeniedError(f"You may not {action.value} this order", action=action.value)

    now = utcnow()
    device_time = bounded_device_time(device_time, now)
    from_status = order.status
    # When a reported position was observed: the phone's time when it gave one.
    params["_observed_at"] = device_time or now
    payload = _APPLY[action](session, order, actor, params) or {}
    if params.get("position") is not None and "position" not in payload:
        # Any field action may carry where the phone was; travel and check-in use it themselves.
        payload.update(_position_payload(session, order, params["position"], params["_observed_at"],
                                         params.get("accuracy_m")))
    if via is not None:
        payload["via"] = via
    order.status = rule.target if rule.target is not None else payload.pop("_resume_to")
    session.flush()
    run_transition_hooks(session, order, actor, from_status)
    record_event(session, order=order, kind=EventKind.STATUS_CHANGED, actor=actor, action=action.value,
                 from_status=from_status, to_status=order.status, device_time=device_time, payload=payload)
    return order


# --- one function per action: check its parameters, change the order, return the event payload ---

def _apply_assign(session: Session, order: WorkOrder, actor: User, params: dict) -> dict:
    engineer = session.get(Engineer, params["engineer_id"])
    if engineer is None or not engineer.is_active:
        raise NotFoundError("Engineer not found or inactive", engineer_id=params["engineer_id"])
    start: datetime = params["scheduled_start"]
    end: datetime = params.get("scheduled_end") or start + timedelta(minutes=order.estimated_duration_min)
    if end <= start:
        raise ValidationFailedError("scheduled_end must be after scheduled_start",
                                    errors={"scheduled_end": ["not after scheduled_start"]})
    warnings = assignment_warnings(session, order=order, engineer=engineer, start=start, end=end,
                                   zone=ZoneInfo(params.get("timezone") or "Asia/Shanghai"))
    if not params.get("check_availability", True):
        # A dispatch plan was checked as a whole; only the skills are checked again here.
        warnings = [w for w in warnings if w.code == "skill_mismatch"]
    override = params.get("override", False)
    blocking = [w for w in warnings if w.blocking]
    if blocking and not override:
        details = {"warnings": [w.as_dict() for w in warnings]}
        if blocking[0].code == "skill_mismatch":
            raise SkillMismatchError("The engineer lacks required skills: " + blocking[0].message.removeprefix("Lacks "),
                                     missing=[{"skill": s, "level": lvl} for s, lvl in missing_skills(order, engineer)],
                                     **details)
        raise EngineerUnavailableError(blocking[0].message, **details)

    previous = order.scheduled_engineer_id
    order.scheduled_engineer_id = engineer.id
    order.scheduled_engineer = engineer
    order.scheduled_start, order.scheduled_end = start, end
    payload = {"engineer_id": engineer.id, "previous_engineer_id": previous,
               "scheduled_start": start.isoformat(), "scheduled_end": end.isoformat(),
               "warnings": [w.code for w in warnings], "override": bool(override and blocking)}
    if params.get("dispatch_run_id") is not None:
        payload["dispatch_run_id"] = params["dispatch_run_id"]
    return payload


class SkillMismatchError(ValidationFailedError):
    code = "skill_mismatch"


class EngineerUnavailableError(ConflictError):
    code = "engineer_unavailable"


def _apply_accept(session, order, actor, params) -> dict:
    return {"engineer_id": order.scheduled_engineer_id}


def _apply_decline(session, order, actor, params) -> dict:
    payload = {"reason": params["reason"], "comment": params.get("comment"),
               "engineer_id": order.scheduled_engineer_id}
    order.scheduled_engineer_id = None
    order.scheduled_engineer = None
    order.scheduled_start = order.scheduled_end = None
    return payload


def _apply_start_travel(session, order, actor, params) -> dict:
    return _position_payload(session, order, params.get("position"), params["_observed_at"],
                             params.get("accuracy_m"))


def _apply_check_in(session, order, actor, params) -> dict:
    payload = _position_payload(session, order, params.get("position"), params["_observed_at"],
                                params.get("accuracy_m"))
    if not payload:
        # Checked in without a GPS fix: say so rather than leave it looking inside the fence.
        return {"position_missing": True}
    if "distance_m" in payload:
        payload["within_geofence"] = payload["distance_m"] <= order.site.geofence_radius_m
    return payload


def _position_payload(session: Session, order: WorkOrder, position: tuple[float, float] | None,
                      observed_at: datetime, accuracy_m: float | None = None) -> dict:
    """Distance from the reported position to the site, measured by PostGIS on the
    spheroid; the position also becomes the engineer's last known one unless a later
    one (a GPS ping) is already stored."""
    if position is None:
        return {}
    lon, lat = position
    point = make_point(lon, lat)
    distance = session.scalar(select(func.ST_Distance(cast(Site.location, Geography), cast(point, Geography)))
                              .where(Site.id == order.site_id))
    engineer = order.scheduled_engineer
    if engineer is not None:
        update_last_position(session, engineer=engineer, point=point, at=observed_at)
    payload = {"position": [lon, lat], "distance_m": round(float(distance), 1)}
    if accuracy_m is not None:
        payload["accuracy_m"] = accuracy_m
    return payload


def _apply_hold(session, order, actor, params) -> dict:
    order.status_before_hold = order.status
    order.hold_reason = params["reason"]
    return {"reason": params["reason"], "comment": params.get("comment"),
            "expected_resume": params["expected_resume"].isoformat() if params.get("expected_resume") else None}


def _apply_resume(session, order, actor, params) -> dict:
    resume_to = order.status_before_hold or Status.NEW
    # An order that lost its engineer while on hold goes back to the queue.
    if resume_to is not Status.NEW and order.scheduled_engineer_id is None:
        resume_to = Status.NEW
    payload = {"hold_reason": order.hold_reason, "comment": params.get("comment"), "_resume_to": resume_to}
    order.status_before_hold = None
    order.hold_reason = None
    return payload


def _apply_resolve(session, order, actor, params) -> dict:
    open_children = session.scalars(select(WorkOrder.number).where(
        WorkOrder.parent_id == order.id, WorkOrder.status.in_(OPEN_STATUSES))).all()
    if open_children:
        raise OpenChildrenError("Child orders are still open: " + ", ".join(open_children),
                                open_children=list(open_children))
    ensure_checklist_complete(session, order=order)
    order.resolution_code = params["resolution_code"]
    order.resolution_notes = params.get("resolution_notes")
    return {"resolution_code": params["resolution_code"], "time_spent_min": params.get("time_spent_min")}


def _apply_request_feedback(session, order, actor, params) -> dict:
    # The customer link that carries the request, when the caller made one.
    return {key: params[key] for key in ("link_id", "channel") if params.get(key) is not None}


def _apply_close(session, order, actor, params) -> dict:
    return {"comment": params.get("comment")}


def _apply_cancel(session, order, actor, params) -> dict:
    order.cancel_reason = params["reason"] + (f": {params['comment']}" if params.get("comment") else "")
    return {"reason": params["reason"], "comment": params.get("comment")}


_APPLY = {
    Action.ASSIGN: _apply_assign,
    Action.ACCEPT: _apply_accept,
    Action.DECLINE: _apply_decline,
    Action.START_TRAVEL: _apply_start_travel,
    Action.CHECK_IN: _apply_check_in,
    Action.HOLD: _apply_hold,
    Action.RESUME: _apply_resume,
    Action.RESOLVE: _apply_resolve,
    Action.REQUEST_FEEDBACK: _apply_request_feedback,
    Action.CLOSE: _apply_close,
    Action.CANCEL: _apply_cancel,
}
assert set(_APPLY) == set(TRANSITIONS) == set(Action)
