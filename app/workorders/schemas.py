"""Request and response bodies for work orders, their templates and the orders map layer."""
from __future__ import annotations


import marshmallow as ma

from app.api import SchemaBase
from app.db import utcnow
from app.customers.models import CustomerTier
from app.geo_fields import BoundingBoxField, GeoJSONPoint
from app.workorders.models import Channel, FieldKind, Priority, Status, WorkType
from app.workorders.service import MAX_TAGS, SORT_KEYS, TAG_PATTERN, TimeWindow
from sla.clock import TargetKind
from sla.summary import SlaFilter, SlaState, summarize

MAX_DURATION_MIN = 7 * 24 * 60


# --- reusable fields --------------------------------------------------------------------------

class WorkOrderPeriodSchema(ma.Schema):
    start = ma.fields.AwareDateTime()
    end = ma.fields.AwareDateTime()


class Period(ma.fields.Nested):
    """`{start, end}` dumped from two attributes of the object (null when unset)."""

    def __init__(self, start_attribute: str, end_attribute: str, **kwargs):
        super().__init__(WorkOrderPeriodSchema, dump_only=True, allow_none=True, **kwargs)
        self.start_attribute = start_attribute
        self.end_attribute = end_attribute

    def serialize(self, attr, obj, accessor=None, **kwargs):
        start = getattr(obj, self.start_attribute)
        value = None if start is None else {"start": start, "end": getattr(obj, self.end_attribute)}
        return self._serialize(value, attr, obj, **kwargs)


class AppointmentWindowSchema(SchemaBase):
    start = ma.fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    end = ma.fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset, after start"})

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if data["end"] <= data["start"]:
            raise ma.ValidationError("must be after start", "end")

    @ma.post_load
    def _to_window(self, data, **kwargs):
        return TimeWindow(start=data["start"], end=data["end"])


class SkillRequirementSchema(SchemaBase):
    skill = ma.fields.String(required=True, attribute="skill_code", validate=ma.validate.Length(min=1, max=40),
                             metadata={"description": "A code of the skill catalogue, e.g. `hvac`"})
    level = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=3))


def _unique_skills(requirements: list[dict]) -> None:
    skills = [r["skill_code"] for r in requirements]
    if len(set(skills)) != len(skills):
        raise ma.ValidationError("each skill may appear once")


def _unique_tags(tags: list[str]) -> None:
    if len(set(tags)) != len(tags):
        raise ma.ValidationError("each tag may appear once")


Tag = ma.fields.String(validate=ma.validate.Regexp(TAG_PATTERN, error="tags are 1-40 lower-case letters, "
                                                   "digits, '-', '_' or Chinese characters"),
                       metadata={"example": "vip-escalation"})


# --- work orders: responses -------------------------------------------------------------------

class WorkOrderCustomerSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    tier = ma.fields.Enum(CustomerTier, by_value=True)


class WorkOrderSiteSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    address = ma.fields.String()
    district = ma.fields.String(allow_none=True)
    location = GeoJSONPoint()
    geofence_radius_m = ma.fields.Integer()
    access_notes = ma.fields.String(allow_none=True)


class WorkOrderAssetSchema(ma.Schema):
    id = ma.fields.Integer()
    model = ma.fields.String()
    serial_number = ma.fields.String()


class WorkOrderEngineerSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class _IdSchema(ma.Schema):
    id = ma.fields.Integer()


class WorkOrderSlaSchema(ma.Schema):
    state = ma.fields.Enum(SlaState, by_value=True, metadata={"description": (
        "`overdue` (a running target is past its deadline), `breached` (a target was missed), "
        "`running`, `paused`, `met`, or `none` (no SLA policy covers the order)")})
    deadline = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "The earliest deadline of a running target; null when none runs"})
    kind = ma.fields.Enum(TargetKind, by_value=True, allow_none=True, metadata={
        "description": "The target of that deadline"})


class SlaSummaryField(ma.fields.Nested):
    """The summary of the order's SLA clocks as of now (`sla.summary.summarize`)."""

    def __init__(self, **kwargs):
        super().__init__(WorkOrderSlaSchema, dump_only=True, **kwargs)

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(summarize(obj.sla_clocks, utcnow()), attr, obj, **kwargs)


class WorkOrderSchema(ma.Schema):
    """A work order as the back office sees it."""
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "WO-2026-000123"})
    channel = ma.fields.Enum(Channel, by_value=True)
    work_type = ma.fields.Enum(WorkType, by_value=True)
    priority = ma.fields.Enum(Priority, by_value=True)
    status = ma.fields.Enum(Status, by_value=True)
    title = ma.fields.String()
    description = ma.fields.String()
    customer = ma.fields.Nested(WorkOrderCustomerSchema)
    site = ma.fields.Nested(WorkOrderSiteSchema)
    asset = ma.fields.Nested(WorkOrderAssetSchema, allow_none=True)
    parent_id = ma.fields.Integer(allow_none=True)
    children = ma.fields.Pluck(_IdSchema, "id", many=True,
                               metadata={"description": "Ids of the child orders"})
    required_skills = ma.fields.List(ma.fields.Nested(SkillRequirementSchema))
    estimated_duration_min = ma.fields.Integer()
    window = Period("window_start", "window_end",
                    metadata={"description": "The customer's appointment window; null when none"})
    scheduled_engineer = ma.fields.Nested(WorkOrderEngineerSchema, allow_none=True)
    scheduled = Period("scheduled_start", "scheduled_end",
                       metadata={"description": "The planned visit; null until assigned"})
    custom_fields = ma.fields.Dict(keys=ma.fields.String())
    team_id = ma.fields.Integer(allow_none=True, metadata={"description": "The team whose queue the order is in"})
    tags = ma.fields.List(ma.fields.String(), metadata={"description": "Labels, set by people and automation rules"})
    hold_reason = ma.fields.String(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)
    resolution_code = ma.fields.String(allow_none=True)
    resolution_notes = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer(metadata={"description": "Row version; changes on every write"})
    sla = SlaSummaryField(metadata={
        "description": "The order's SLA at a glance (`GET /work-orders/{id}/sla` has every clock)"})

    @ma.post_dump(pass_original=True)
    def _sorted_children(self, data, order, **kwargs):
        if "children" in data:
            data["children"] = sorted(data["children"])
        return data


# --- work orders: requests --------------------------------------------------------------------

class _WorkOrderFieldsSchema(SchemaBase):
    """Fields both creation and editing accept."""
    priority = ma.fields.Enum(Priority, by_value=True)
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(validate=ma.validate.Length(max=10000))
    work_type = ma.fields.Enum(WorkType, by_value=True)
    asset_id = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=1),
                                 metadata={"description": "An asset installed at the order's site"})
    required_skills = ma.fields.List(ma.fields.Nested(SkillRequirementSchema), validate=_unique_skills)
    estimated_duration_min = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_DURATION_MIN))
    window = ma.fields.Nested(AppointmentWindowSchema, allow_none=True,
                              metadata={"description": "The customer's appointment window"})
    custom_fields = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "Values for the fields of the work type's active template"})
    team_id = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=1),
                                metadata={"description": "A team (`GET /teams`); not for customers"})
    tags = ma.fields.List(Tag, validate=[ma.validate.Length(max=MAX_TAGS), _unique_tags], metadata={
        "description": f"The whole list of labels (at most {MAX_TAGS}); not for customers"})

    @ma.post_load
    def _skills_by_code(self, data, **kwargs):
        if "required_skills" in data:
            data["required_skills"] = {r["skill_code"]: r["level"] for r in data["required_skills"]}
        return data


class WorkOrderCreateSchema(_WorkOrderFieldsSchema):
    channel = ma.fields.Enum(Channel, by_value=True, metadata={
        "description": "Required, except for customers (always `web`)"})
    customer_id = ma.fields.Integer(validate=ma.validate.Range(min=1), metadata={
        "description": "Required, except for customers (always their own)"})
    site_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))
    parent_id = ma.fields.Integer(validate=ma.validate.Range(min=1))

    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    work_type = ma.fields.Enum(WorkType, by_value=True, required=True)


class WorkOrderUpdateSchema(_WorkOrderFieldsSchema):
    """Only the fields sent change. Status, engineer and schedule change through the
    lifecycle actions."""

    @ma.validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("send at least one field to change")


class WorkOrderQueryArgsSchema(ma.Schema):
    status = ma.fields.List(ma.fields.Enum(Status, by_value=True),
                            metadata={"description": "Repeat for several: `?status=new&status=assigned`"})
    priority = ma.fields.List(ma.fields.Enum(Priority, by_value=True))
    work_type = ma.fields.List(ma.fields.Enum(WorkType, by_value=True))
    channel = ma.fields.List(ma.fields.Enum(Channel, by_value=True))
    customer_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    site_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    asset_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    engineer_id = ma.fields.Integer(validate=ma.validate.Range(min=1),
                                    metadata={"description": "The scheduled engineer"})
    unassigned = ma.fields.Boolean(metadata={"description": "true: no engineer yet; false: has one"})
    created_from = ma.fields.AwareDateTime(metadata={"description": "Inclusive, ISO 8601 with offset"})
    created_to = ma.fields.AwareDateTime(metadata={"description": "Exclusive, ISO 8601 with offset"})
    scheduled_from = ma.fields.AwareDateTime(metadata={"description": "Scheduled start, inclusive"})
    scheduled_to = ma.fields.AwareDateTime(metadata={"description": "Scheduled start, exclusive"})
    q = ma.fields.String(validate=ma.validate.Length(min=1, max=200), metadata={
        "description": "Text in the number, title, description or customer name (any case)"})
    bbox = BoundingBoxField()
    team_id = ma.fields.Integer(validate=ma.validate.Range(min=1), metadata={"description": "The team's queue"})
    tag = ma.fields.String(validate=ma.validate.Length(min=1, max=40), metadata={"description": "Carrying this tag"})
    sla = ma.fields.Enum(SlaFilter, by_value=True, metadata={"description": (
        "`overdue`: a running SLA target is past its deadline; `breached`: overdue, or a target "
        "was already missed")})
    sort = ma.fields.String(load_default="priority", validate=ma.validate.OneOf(SORT_KEYS), metadata={
        "description": "`priority` (most urgent first, the default), `created_at`, `sla_deadline` "
                       "(the nearest running SLA deadline first), `scheduled_start`, `number`, `status`; "
                       "a leading `-` reverses `created_at`, `scheduled_start` and `number`"})

    @ma.validates_schema
    def _ranges_ordered(self, data, **kwargs):
        for lower, upper in (("created_from", "created_to"), ("scheduled_from", "scheduled_to")):
            if lower in data and upper in data and data[upper] <= data[lower]:
                raise ma.ValidationError(f"must be after {lower}", upper)


# --- templates --------------------------------------------------------------------------------

class TemplateFieldSchema(SchemaBase):
    key = ma.fields.String(required=True, metadata={"description": "^[a-z][a-z0-9_]{0,39}$, unique"})
    label = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    kind = ma.fields.Enum(FieldKind, by_value=True, required=True)
    required = ma.fields.Boolean(load_default=False, dump_default=False)
    choices = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=100)),
                             validate=ma.validate.Length(max=100),
                             metadata={"description": "The options, for choice and multi_choice only"})
    min_value = ma.fields.Float(allow_none=True, allow_nan=False,
                                metadata={"description": "Number fields: the lowest accepted value"})
    max_value = ma.fields.Float(allow_none=True, allow_nan=False,
                                metadata={"description": "Number fields: the highest accepted value"})


class TemplateFieldOutSchema(ma.Schema):
    """A stored field definition: JSON in the database, so `kind` comes back a string."""
    key = ma.fields.String()
    label = ma.fields.String()
    kind = ma.fields.String(metadata={"description": ", ".join(k.value for k in FieldKind)})
    required = ma.fields.Boolean()
    choices = ma.fields.List(ma.fields.String())
    min_value = ma.fields.Float(metadata={"description": "Number fields with a range: the lowest value"})
    max_value = ma.fields.Float(metadata={"description": "Number fields with a range: the highest value"})


class WorkOrderTemplateSchema(ma.Schema):
    id = ma.fields.Integer()
    work_type = ma.fields.Enum(WorkType, by_value=True)
    name = ma.fields.String()
    fields = ma.fields.List(ma.fields.Nested(TemplateFieldOutSchema))
    is_active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class WorkOrderTemplateCreateSchema(SchemaBase):
    work_type = ma.fields.Enum(WorkType, by_value=True, required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    fields = ma.fields.List(ma.fields.Nested(TemplateFieldSchema), required=True,
                            validate=ma.validate.Length(min=1, max=50))
    is_active = ma.fields.Boolean(load_default=True, metadata={
        "description": "An active template replaces the work type's active one"})


class WorkOrderTemplateUpdateSchema(SchemaBase):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    is_active = ma.fields.Boolean()

    @ma.validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("send name, is_active or both")


class WorkOrderTemplateQueryArgsSchema(ma.Schema):
    work_type = ma.fields.Enum(WorkType, by_value=True)
    is_active = ma.fields.Boolean()


# --- the orders map layer ---------------------------------------------------------------------

class OrderMapQueryArgsSchema(ma.Schema):
    date = ma.fields.Date(required=True, metadata={"description": "YYYY-MM-DD in the organisation's time zone"})
    status = ma.fields.List(ma.fields.Enum(Status, by_value=True), metadata={
        "description": "Repeatable; without it every status but cancelled"})


class OrderFeaturePropertiesSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.Enum(Status, by_value=True)
    priority = ma.fields.Enum(Priority, by_value=True)
    work_type = ma.fields.Enum(WorkType, by_value=True)
    title = ma.fields.String()
    customer_name = ma.fields.String(attribute="customer.name")
    engineer_id = ma.fields.Integer(attribute="scheduled_engineer_id", allow_none=True)
    engineer_name = ma.fields.Method("_engineer_name", metadata={"type": "string", "nullable": True})
    window = Period("window_start", "window_end")
    scheduled = Period("scheduled_start", "scheduled_end")
    planned_arrival = ma.fields.AwareDateTime(allow_none=True)
    estimated_duration_min = ma.fields.Integer()
    district = ma.fields.String(attribute="site.district", allow_none=True, metadata={
        "description": "The site's district, for filtering the day's orders"})
    required_skills = ma.fields.List(ma.fields.Nested(SkillRequirementSchema))

    def _engineer_name(self, order):
        return order.scheduled_engineer.name if order.scheduled_engineer else None


class OrderFeatureSchema(ma.Schema):
    """Dumps `{"id", "geometry": <site location>, "properties": <WorkOrder>}`."""
    type = ma.fields.Constant("Feature")
    id = ma.fields.Integer()
    geometry = GeoJSONPoint(metadata={"description": "The site's location"})
    properties = ma.fields.Nested(OrderFeaturePropertiesSchema)


class OrderFeatureCollectionSchema(ma.Schema):
    type = ma.fields.Constant("FeatureCollection")
    features = ma.fields.List(ma.fields.Nested(OrderFeatureSchema))
