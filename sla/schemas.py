"""Request and response bodies of the SLA API."""
from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import marshmallow as ma

from app.api import SchemaBase
from app.customers.models import CustomerTier
from app.workorders.lifecycle import HOLD_REASONS
from app.workorders.models import Channel, Priority, WorkType
from sla.clock import ClockState, TargetKind
from sla.models import DayKind


def _check_hours(intervals: list[list[str]]) -> None:
    """Ordered, non-overlapping ["HH:MM", "HH:MM"] pairs; "00:00" as an end is midnight."""
    previous_end = time(0)
    for pair in intervals:
        if len(pair) != 2:
            raise ma.ValidationError("Each interval is [start, end]")
        try:
            start, end = time.fromisoformat(pair[0]), time.fromisoformat(pair[1])
        except (TypeError, ValueError):
            raise ma.ValidationError("Times are HH:MM") from None
        if start < previous_end or (end != time(0) and end <= start):
            raise ma.ValidationError("Intervals must be ordered, each ending after it starts, not overlapping")
        if end == time(0):
            previous_end = time.max
        else:
            previous_end = end


def _check_weekly(weekly: dict) -> None:
    for day, intervals in weekly.items():
        if day not in {str(d) for d in range(7)}:
            raise ma.ValidationError("Weekdays are \"0\" (Monday) to \"6\" (Sunday)")
        _check_hours(intervals)


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ma.ValidationError("Unknown time zone") from None


_Hours = ma.fields.List(ma.fields.List(ma.fields.String()), validate=_check_hours)


class CalendarCreateSchema(SchemaBase):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    timezone = ma.fields.String(load_default="Asia/Shanghai", validate=_check_zone)
    weekly_hours = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.List(ma.fields.String())),
                                  required=True, validate=_check_weekly, metadata={
                                      "description": 'Weekday ("0" = Monday) → [["09:00", "18:00"], …]'})


class CalendarSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    timezone = ma.fields.String()
    weekly_hours = ma.fields.Dict()


class CalendarDayPutSchema(SchemaBase):
    kind = ma.fields.Enum(DayKind, by_value=True, required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    hours = ma.fields.List(ma.fields.List(ma.fields.String()), validate=_check_hours, allow_none=True, metadata={
        "description": "For a working day; default the calendar's Monday hours"})


class CalendarDaySchema(ma.Schema):
    day = ma.fields.Date()
    kind = ma.fields.Enum(DayKind, by_value=True)
    name = ma.fields.String()
    hours = ma.fields.List(ma.fields.List(ma.fields.String()), allow_none=True)


class CalendarDaysArgsSchema(ma.Schema):
    year = ma.fields.Integer(validate=ma.validate.Range(min=2000, max=2100))


class TargetSchema(SchemaBase):
    kind = ma.fields.Enum(TargetKind, by_value=True, required=True)
    minutes = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=60 * 24 * 365))
    business_time = ma.fields.Boolean(load_default=True, metadata={
        "description": "Measured in the calendar's working hours (else around the clock)"})


def _values(enum_cls):
    return ma.fields.List(ma.fields.String(validate=ma.validate.OneOf([e.value for e in enum_cls])), load_default=list)


class PolicyCreateSchema(SchemaBase):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    position = ma.fields.Integer(strict=True, load_default=100, validate=ma.validate.Range(min=0, max=10_000),
                                 metadata={"description": "Lower wins when several policies match"})
    is_active = ma.fields.Boolean(load_default=True)
    calendar_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    customer_tiers = _values(CustomerTier)
    priorities = _values(Priority)
    work_types = _values(WorkType)
    channels = _values(Channel)
    pause_on_hold_reasons = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(HOLD_REASONS)),
                                           load_default=lambda: ["waiting_parts", "customer_unavailable"])
    thresholds = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=1000)),
                                load_default=lambda: [50, 75, 100], validate=ma.validate.Length(min=1, max=10))
    targets = ma.fields.List(ma.fields.Nested(TargetSchema), required=True, validate=ma.validate.Length(min=1, max=3))

    @ma.validates("targets")
    def _one_per_kind(self, targets, **kwargs):
        kinds = [t["kind"] for t in targets]
        if len(set(kinds)) != len(kinds):
            raise ma.ValidationError("One target per kind")


class PolicyUpdateSchema(PolicyCreateSchema):
    """Any of the fields of a new policy; those left out stay as they are."""

    def __init__(self, *args, **kwargs):
        # `partial` is a load option, not a Meta option: set it for every load.
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class TargetOutSchema(ma.Schema):
    kind = ma.fields.Enum(TargetKind, by_value=True)
    minutes = ma.fields.Integer()
    business_time = ma.fields.Boolean()


class PolicySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    position = ma.fields.Integer()
    is_active = ma.fields.Boolean()
    calendar_id = ma.fields.Integer()
    customer_tiers = ma.fields.List(ma.fields.String())
    priorities = ma.fields.List(ma.fields.String())
    work_types = ma.fields.List(ma.fields.String())
    channels = ma.fields.List(ma.fields.String())
    pause_on_hold_reasons = ma.fields.List(ma.fields.String())
    thresholds = ma.fields.List(ma.fields.Integer())
    targets = ma.fields.List(ma.fields.Nested(TargetOutSchema))


class ClockSchema(ma.Schema):
    kind = ma.fields.Enum(TargetKind, by_value=True)
    state = ma.fields.Enum(ClockState, by_value=True)
    policy_id = ma.fields.Integer(allow_none=True)
    target_minutes = ma.fields.Integer()
    business_time = ma.fields.Boolean()
    started_at = ma.fields.DateTime()
    stopped_at = ma.fields.DateTime(allow_none=True)
    deadline = ma.fields.DateTime(allow_none=True, metadata={"description": "None while paused"})
    elapsed_s = ma.fields.Integer(metadata={"description": "Running time used, pauses excluded"})
    paused_s = ma.fields.Integer()
    next_threshold = ma.fields.Integer(allow_none=True)
    next_due_at = ma.fields.DateTime(allow_none=True)


class SlaEventArgsSchema(SchemaBase):
    since = ma.fields.AwareDateTime(metadata={"description": "Raised at or after (ISO 8601 with offset)"})
    breaches_only = ma.fields.Boolean(load_default=False)


class SlaEventSchema(ma.Schema):
    id = ma.fields.Integer()
    work_order_id = ma.fields.Integer()
    target = ma.fields.Function(lambda event: event.clock.kind.value,
                                metadata={"description": "first_response, arrival or resolution"})
    threshold = ma.fields.Integer(metadata={"description": "Percent of the target; 100 and above is a breach"})
    breach = ma.fields.Function(lambda event: event.threshold >= 100)
    due_at = ma.fields.DateTime()
    raised_at = ma.fields.DateTime()
