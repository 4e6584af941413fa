"""Request and response bodies of dispatch runs."""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase
from dispatch.models import RunKind, RunStatus

MAX_TIME_LIMIT_S = 600
MAX_SCOPE_IDS = 5000


class RunCreateSchema(SchemaBase):
    date = ma.fields.Date(required=True, metadata={"description": "The day to plan, in the organisation's time zone"})
    time_limit_s = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_TIME_LIMIT_S),
                                     metadata={"description": "Search time; default from configuration (30 s)"})
    order_ids = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1)),
                               validate=ma.validate.Length(max=MAX_SCOPE_IDS), load_default=list,
                               metadata={"description": "Plan only these orders (the day's pinned work still counts)"})
    engineer_ids = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1)),
                                  validate=ma.validate.Length(max=MAX_SCOPE_IDS), load_default=list,
                                  metadata={"description": "Plan with only these engineers"})


class RunQueryArgsSchema(ma.Schema):
    date = ma.fields.Date()
    status = ma.fields.Enum(RunStatus, by_value=True)


class ObjectiveSchema(ma.Schema):
    priority_served = ma.fields.Integer(metadata={"description": "Sum of the weights of assigned jobs (maximised first)"})
    assigned = ma.fields.Integer(metadata={"description": "Jobs assigned (maximised second)"})
    travel_s = ma.fields.Integer(metadata={"description": "Total travel time (minimised last)"})


class ChangeSchema(ma.Schema):
    order_id = ma.fields.Integer()
    number = ma.fields.String()
    kind = ma.fields.String(metadata={"description": (
        "`assign`, `reassign`, `reschedule`, `unchanged`, `unplanned` (keeps its current "
        "assignment when applied) or `unassigned` (with `reason` and `detail`)")})
    status = ma.fields.String()
    priority = ma.fields.String()
    engineer_id = ma.fields.Integer(allow_none=True)
    previous_engineer_id = ma.fields.Integer(allow_none=True)
    previous_start = ma.fields.String(allow_none=True)
    position = ma.fields.Integer(allow_none=True, metadata={"description": "1-based place in the engineer's route"})
    arrival = ma.fields.String(allow_none=True)
    start = ma.fields.String(allow_none=True)
    end = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True, metadata={"description": (
        "`skill_unavailable`, `pinned_engineer_unavailable`, `window_unreachable` or `capacity`")})
    detail = ma.fields.String(allow_none=True)


class RunSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Enum(RunKind, by_value=True)
    status = ma.fields.Enum(RunStatus, by_value=True)
    plan_date = ma.fields.Date()
    time_limit_s = ma.fields.Integer()
    progress_pct = ma.fields.Integer(metadata={"description": "Share of the time limit used so far"})
    best_objective = ma.fields.Nested(ObjectiveSchema, allow_none=True)
    scope = ma.fields.Dict()
    error = ma.fields.String(allow_none=True)
    requested_by_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    applied_at = ma.fields.DateTime(allow_none=True)
    applied_by_id = ma.fields.Integer(allow_none=True)
    applied_counts = ma.fields.Dict(allow_none=True)


class RunSchema(RunSummarySchema):
    plan = ma.fields.Dict(allow_none=True, metadata={
        "description": "The solver's plan (routes with stops, breaks, travel; unassigned with reasons)"})
    changes = ma.fields.List(ma.fields.Nested(ChangeSchema), allow_none=True, metadata={
        "description": "The plan compared with the current assignments: what applying it would do"})
