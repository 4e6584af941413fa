"""Bodies of the engineers' app: the day's jobs, job actions and parts on site."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import SchemaBase
from app.auth.schemas import PersonSchema
from app.geo_fields import GeoJSONPoint
from app.workorders.checklists_schemas import OrderChecklistSchema
from app.workorders.lifecycle import DECLINE_REASONS, HOLD_REASONS
from app.workorders.models import NoteVisibility, Priority, Status, WorkType
from app.workorders.schemas import WorkOrderSiteSchema


# --- reading the day ---------------------------------------------------------------------------

class MyDayQueryArgsSchema(ma.Schema):
    date = ma.fields.Date(metadata={"description": "The day (organisation time zone); default today"})


class JobContactSchema(ma.Schema):
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)


class JobCustomerSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    tier = ma.fields.String(attribute="tier.value")


class AssetVisitSchema(ma.Schema):
    work_order_id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    work_type = ma.fields.String()
    visited_at = ma.fields.DateTime(allow_none=True)
    engineer = ma.fields.String(allow_none=True)
    resolution_code = ma.fields.String(allow_none=True)
    resolution_notes = ma.fields.String(allow_none=True)


class JobAssetSchema(ma.Schema):
    id = ma.fields.Integer()
    model = ma.fields.String()
    serial_number = ma.fields.String()
    installed_on = ma.fields.Date(allow_none=True)
    warranty_until = ma.fields.Date(allow_none=True)


class ReservedPartSchema(ma.Schema):
    part_id = ma.fields.Integer()
    sku = ma.fields.String()
    name = ma.fields.String()
    unit = ma.fields.String()
    serial_tracked = ma.fields.Boolean()
    quantity = ma.fields.Integer()
    location_id = ma.fields.Integer()
    location = ma.fields.String()


class JobNoteSchema(ma.Schema):
    id = ma.fields.Integer()
    author = ma.fields.Nested(PersonSchema)
    visibility = ma.fields.Enum(NoteVisibility, by_value=True)
    body = ma.fields.String()
    created_at = ma.fields.DateTime()


class SkillNeedSchema(ma.Schema):
    skill = ma.fields.String(attribute="skill_code")
    level = ma.fields.Integer()


class JobSchema(ma.Schema):
    """A job as the phone shows it; most fields come from the work order."""
    id = ma.fields.Integer(attribute="order.id")
    number = ma.fields.String(attribute="order.number")
    sequence = ma.fields.Integer(metadata={"description": "Position in the day's route (1 = first)"})
    title = ma.fields.String(attribute="order.title")
    description = ma.fields.String(attribute="order.description")
    work_type = ma.fields.Enum(WorkType, by_value=True, attribute="order.work_type")
    priority = ma.fields.Enum(Priority, by_value=True, attribute="order.priority")
    status = ma.fields.Enum(Status, by_value=True, attribute="order.status")
    version = ma.fields.Integer(attribute="order.version")
    hold_reason = ma.fields.String(attribute="order.hold_reason", allow_none=True)
    scheduled_start = ma.fields.DateTime(attribute="order.scheduled_start", allow_none=True)
    scheduled_end = ma.fields.DateTime(attribute="order.scheduled_end", allow_none=True)
    eta = ma.fields.DateTime(attribute="order.planned_arrival", allow_none=True, metadata={
        "description": "When the plan expects the engineer at the site"})
    appointment_window_start = ma.fields.DateTime(attribute="order.window_start", allow_none=True)
    appointment_window_end = ma.fields.DateTime(attribute="order.window_end", allow_none=True)
    estimated_duration_min = ma.fields.Integer(attribute="order.estimated_duration_min")
    customer = ma.fields.Nested(JobCustomerSchema, attribute="order.customer")
    contacts = ma.fields.List(ma.fields.Nested(JobContactSchema))
    site = ma.fields.Nested(WorkOrderSiteSchema, attribute="order.site")
    asset = ma.fields.Nested(JobAssetSchema, attribute="order.asset", allow_none=True)
    asset_visits = ma.fields.List(ma.fields.Nested(AssetVisitSchema), metadata={
        "description": "The asset's last visits, newest first"})
    required_skills = ma.fields.List(ma.fields.Nested(SkillNeedSchema), attribute="order.required_skills")
    reserved_parts = ma.fields.List(ma.fields.Nested(ReservedPartSchema))
    checklist = ma.fields.Nested(OrderChecklistSchema, allow_none=True, metadata={
        "description": "The job's checklist with the answers so far (null when its work type has none)"})
    notes = ma.fields.List(ma.fields.Nested(JobNoteSchema), metadata={"description": "The newest notes, oldest first"})
    custom_fields = ma.fields.Dict(attribute="order.custom_fields")
    allowed_actions = ma.fields.List(ma.fields.String(), metadata={
        "description": "What the caller may do now: accept, decline, start_travel, check_in, hold, resume, resolve"})


class MyDaySchema(ma.Schema):
    date = ma.fields.Date()
    engineer_id = ma.fields.Integer()
    jobs = ma.fields.List(ma.fields.Nested(JobSchema))


# --- job actions ---------------------------------------------------------------------------------

class _JobAction(SchemaBase):
    device_time = ma.fields.AwareDateTime(required=True, metadata={
        "description": "When it happened on the phone (ISO 8601 with offset); recorded beside server time, and "
                       "what the SLA clocks count (never later than the server received it)"})


class _PositionedAction(_JobAction):
    position = GeoJSONPoint(metadata={"description": "Where the phone was (GeoJSON Point), if it had a fix"})
    accuracy_m = ma.fields.Float(validate=validate.Range(min=0, max=10_000),
                                 metadata={"description": "The fix's accuracy radius in metres"})


class AcceptJobSchema(_PositionedAction):
    pass


class DeclineJobSchema(_JobAction):
    reason = ma.fields.String(required=True, validate=validate.OneOf(DECLINE_REASONS))
    comment = ma.fields.String(validate=validate.Length(max=1000))


class TravelSchema(_PositionedAction):
    pass


class CheckInSchema(_PositionedAction):
    pass


class HoldJobSchema(_PositionedAction):
    reason = ma.fields.String(required=True, validate=validate.OneOf(HOLD_REASONS))
    comment = ma.fields.String(validate=validate.Length(max=1000))
    expected_resume = ma.fields.AwareDateTime()


class ResumeJobSchema(_PositionedAction):
    comment = ma.fields.String(validate=validate.Length(max=1000))


class CompleteJobSchema(_PositionedAction):
    resolution_code = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,49}$"),
                                       metadata={"example": "replaced_part"})
    resolution_notes = ma.fields.String(validate=validate.Length(max=5000))
    time_spent_min = ma.fields.Integer(validate=validate.Range(min=1, max=24 * 60))


class JobEventSchema(ma.Schema):
    action = ma.fields.String(allow_none=True)
    from_status = ma.fields.Enum(Status, by_value=True, allow_none=True)
    to_status = ma.fields.Enum(Status, by_value=True, allow_none=True)
    server_time = ma.fields.DateTime()
    device_time = ma.fields.DateTime(allow_none=True)
    payload = ma.fields.Dict(metadata={"description": "Reasons, position, `distance_m` to the site and "
                                                      "`within_geofence` for a check-in"})


class JobStateSchema(ma.Schema):
    """A job's state after an action (and the server's state in a sync conflict)."""
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.Enum(Status, by_value=True)
    version = ma.fields.Integer()
    assigned_to_you = ma.fields.Boolean()
    scheduled_start = ma.fields.DateTime(allow_none=True)
    scheduled_end = ma.fields.DateTime(allow_none=True)
    allowed_actions = ma.fields.List(ma.fields.String())
    event = ma.fields.Nested(JobEventSchema, allow_none=True, metadata={"description": "What the action recorded"})


# --- parts on site -------------------------------------------------------------------------------

class VanStockSchema(ma.Schema):
    part_id = ma.fields.Integer()
    sku = ma.fields.String()
    name = ma.fields.String()
    unit = ma.fields.String()
    serial_tracked = ma.fields.Boolean()
    on_hand = ma.fields.Integer()
    reserved = ma.fields.Integer()
    available = ma.fields.Integer()
    serials = ma.fields.List(ma.fields.String(), metadata={"description": "Units in the van (serial-tracked parts)"})


class VanSchema(ma.Schema):
    location_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String(allow_none=True)
    parts = ma.fields.List(ma.fields.Nested(VanStockSchema))


class PartUsedSchema(_JobAction):
    part_id = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    quantity = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    serials = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=100)),
                             validate=validate.Length(max=10_000),
                             metadata={"description": "One per unit, for serial-tracked parts"})
    note = ma.fields.String(validate=validate.Length(max=1000))


class PartUsedAnswerSchema(ma.Schema):
    movement_id = ma.fields.Integer(attribute="id")
    part_id = ma.fields.Integer()
    quantity = ma.fields.Integer()
    serials = ma.fields.List(ma.fields.String())
    unit_cost_cents = ma.fields.Integer()
    from_location_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()


class JobPartRequestSchema(_JobAction):
    part_id = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    quantity = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    note = ma.fields.String(validate=validate.Length(max=1000))


class JobPartRequestAnswerSchema(ma.Schema):
    id = ma.fields.Integer()
    part_id = ma.fields.Integer()
    quantity = ma.fields.Integer()
    status = ma.fields.String(attribute="status.value")
    to_location_id = ma.fields.Integer()
    expected_date = ma.fields.Date(allow_none=True)
    created_at = ma.fields.DateTime()


class JobPartsSchema(ma.Schema):
    used = ma.fields.List(ma.fields.Dict(), metadata={"description": "Per part: issued, returned, kept, cost"})
    reserved = ma.fields.List(ma.fields.Nested(ReservedPartSchema))
    requests = ma.fields.List(ma.fields.Nested(JobPartRequestAnswerSchema))
