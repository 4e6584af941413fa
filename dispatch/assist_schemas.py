"""Bodies of the dispatcher's manual tools: candidates, assignment checks, urgent
insertion and the day's routes."""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase
from app.geo_fields import GeoJSONPoint


class CandidateQueryArgsSchema(ma.Schema):
    date = ma.fields.Date(metadata={"description": "Default: the order's scheduled or window day, else today"})
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=200))


class CandidateSchema(ma.Schema):
    engineer_id = ma.fields.Integer()
    name = ma.fields.String()
    feasible = ma.fields.Boolean(metadata={"description": "Fits without moving any booking and with no blocking warning"})
    eta = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "Arrival at the site"})
    start = ma.fields.AwareDateTime(allow_none=True)
    end = ma.fields.AwareDateTime(allow_none=True)
    added_travel_s = ma.fields.Integer(allow_none=True, metadata={"description": "Travel the order adds to the day"})
    distance_m = ma.fields.Integer(metadata={"description": "Straight-line metres from where the engineer is now"})
    position_source = ma.fields.String(metadata={"description": "`last_position` (fresh) or `home_base`"})
    jobs_that_day = ma.fields.Integer()
    booked_minutes = ma.fields.Integer()
    warnings = ma.fields.List(ma.fields.String(), metadata={"description": (
        "`skill_mismatch`, `no_shift`, `max_jobs`, `no_room` (no gap long enough), `window_unreachable`")})


class AssignmentCheckSchema(SchemaBase):
    engineer_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    scheduled_start = ma.fields.AwareDateTime(required=True)
    scheduled_end = ma.fields.AwareDateTime(metadata={"description": "Default: start + estimated duration"})


class AssignmentWarningSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": (
        "Blocking: `skill_mismatch`, `time_off`, `overlap`, `max_jobs`. Soft: `outside_shift`, "
        "`outside_appointment_window`")})
    message = ma.fields.String()
    blocking = ma.fields.Boolean()


class AssignmentCheckResultSchema(ma.Schema):
    feasible = ma.fields.Boolean(metadata={"description": "No blocking warning: `assign` will accept it"})
    warnings = ma.fields.List(ma.fields.Nested(AssignmentWarningSchema))


class InsertionCreateSchema(SchemaBase):
    order_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))


class RouteQueryArgsSchema(ma.Schema):
    date = ma.fields.Date(required=True)
    engineer_id = ma.fields.Integer(validate=ma.validate.Range(min=1))


class RouteStopSchema(ma.Schema):
    order_id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    priority = ma.fields.String()
    location = GeoJSONPoint()
    planned_arrival = ma.fields.AwareDateTime(allow_none=True)
    scheduled_start = ma.fields.AwareDateTime()
    scheduled_end = ma.fields.AwareDateTime()


class RouteLegSchema(ma.Schema):
    from_order_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: from the home base"})
    to_order_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: back to the home base"})
    depart = ma.fields.AwareDateTime()
    arrive = ma.fields.AwareDateTime()
    distance_m = ma.fields.Integer()
    travel_s = ma.fields.Integer()
    tight = ma.fields.Boolean(metadata={"description": (
        "The drive does not fit between the previous visit's end (or the shift start) and this arrival")})


class RouteBreakSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "`lunch`, `time_off` or `off_shift` (between working periods)"})
    start = ma.fields.AwareDateTime()
    end = ma.fields.AwareDateTime()
    fits = ma.fields.Boolean(metadata={"description": (
        "false: no gap of the lunch window is long enough; the lunch is shown at the window's start")})


class ShiftSchema(ma.Schema):
    start = ma.fields.AwareDateTime()
    end = ma.fields.AwareDateTime()


class RouteSchema(ma.Schema):
    engineer_id = ma.fields.Integer()
    engineer_key = ma.fields.String(metadata={"description": "The engineer's id in dispatch problems and plans"})
    name = ma.fields.String()
    home_base = GeoJSONPoint()
    shift = ma.fields.Nested(ShiftSchema, allow_none=True, metadata={
        "description": "The working hours of that weekday; null when the engineer does not work that day"})
    stops = ma.fields.List(ma.fields.Nested(RouteStopSchema))
    legs = ma.fields.List(ma.fields.Nested(RouteLegSchema), metadata={
        "description": "Travel into each stop and home after the last, in time order"})
    breaks = ma.fields.List(ma.fields.Nested(RouteBreakSchema))
