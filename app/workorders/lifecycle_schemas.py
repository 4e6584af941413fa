"""Request bodies of the lifecycle actions and the timeline's events."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import SchemaBase
from app.auth.schemas import PersonSchema
from app.geo_fields import GeoJSONPoint
from app.workorders.lifecycle import CANCEL_REASONS, DECLINE_REASONS, HOLD_REASONS, Action
from app.workorders.models import EventKind, Status


class _FieldAction(SchemaBase):
    device_time = ma.fields.AwareDateTime(metadata={
        "description": "When it happened on the phone (ISO 8601 with offset); recorded beside server time"})


class AssignSchema(SchemaBase):
    engineer_id = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    scheduled_start = ma.fields.AwareDateTime(required=True)
    scheduled_end = ma.fields.AwareDateTime(metadata={"description": "Default: start + estimated duration"})
    override = ma.fields.Boolean(load_default=False, metadata={"description": (
        "Assign despite blocking warnings (missing skill, time off, another booking, the day's job "
        "limit); the warnings are recorded in the event")})


class AcceptSchema(_FieldAction):
    pass


class DeclineSchema(_FieldAction):
    reason = ma.fields.String(required=True, validate=validate.OneOf(DECLINE_REASONS))
    comment = ma.fields.String(validate=validate.Length(max=1000))


class MovementSchema(_FieldAction):
    position = GeoJSONPoint(metadata={"description": "Where the phone is (GeoJSON Point)"})


class HoldSchema(_FieldAction):
    reason = ma.fields.String(required=True, validate=validate.OneOf(HOLD_REASONS))
    comment = ma.fields.String(validate=validate.Length(max=1000))
    expected_resume = ma.fields.AwareDateTime()


class ResumeSchema(_FieldAction):
    comment = ma.fields.String(validate=validate.Length(max=1000))


class ResolveSchema(_FieldAction):
    resolution_code = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,49}$"))
    resolution_notes = ma.fields.String(validate=validate.Length(max=5000))
    time_spent_min = ma.fields.Integer(validate=validate.Range(min=1, max=24 * 60))


class EmptySchema(SchemaBase):
    pass


class CloseSchema(SchemaBase):
    comment = ma.fields.String(validate=validate.Length(max=1000))


class CancelSchema(SchemaBase):
    reason = ma.fields.String(required=True, validate=validate.OneOf(CANCEL_REASONS))
    comment = ma.fields.String(validate=validate.Length(max=1000))


ACTION_SCHEMAS: dict[Action, type[ma.Schema]] = {
    Action.ASSIGN: AssignSchema,
    Action.ACCEPT: AcceptSchema,
    Action.DECLINE: DeclineSchema,
    Action.START_TRAVEL: MovementSchema,
    Action.CHECK_IN: MovementSchema,
    Action.HOLD: HoldSchema,
    Action.RESUME: ResumeSchema,
    Action.RESOLVE: ResolveSchema,
    Action.REQUEST_FEEDBACK: EmptySchema,
    Action.CLOSE: CloseSchema,
    Action.CANCEL: CancelSchema,
}


class EventSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Enum(EventKind, by_value=True)
    action = ma.fields.String(allow_none=True)
    from_status = ma.fields.Enum(Status, by_value=True, allow_none=True)
    to_status = ma.fields.Enum(Status, by_value=True, allow_none=True)
    actor = ma.fields.Nested(PersonSchema, allow_none=True)
    server_time = ma.fields.DateTime()
    device_time = ma.fields.DateTime(allow_none=True)
    payload = ma.fields.Dict()


class AllowedActionsSchema(ma.Schema):
    work_order_id = ma.fields.Integer()
    status = ma.fields.Enum(Status, by_value=True)
    actions = ma.fields.List(ma.fields.Enum(Action, by_value=True), metadata={
        "description": "In the order of the lifecycle; empty when the caller may do nothing now"})
