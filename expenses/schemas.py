"""Bodies and answers of the expense endpoints (mobile and back office)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import SchemaBase
from app.auth.schemas import PersonSchema
from expenses.models import DEFAULT_CURRENCY, DistanceSource, ExpenseKind

MAX_AMOUNT_CENTS = 10_000_000      # ¥100,000: beyond that it is a typo, not a toll
MAX_DISTANCE_M = 2_000_000         # 2,000 km
PAGINATION_ARGS = ("page", "page_size")


class ExpenseCreateSchema(SchemaBase):
    kind = ma.fields.Enum(ExpenseKind, by_value=True, required=True)
    amount_cents = ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_AMOUNT_CENTS), metadata={
        "description": "In minor units (fen for CNY). Required for tolls, parking and other; for travel, "
                       "leave out to have distance × the mileage rate"})
    currency = ma.fields.String(load_default=DEFAULT_CURRENCY, validate=validate.Regexp(r"^[A-Z]{3}$"),
                                metadata={"description": f"ISO 4217 code, default {DEFAULT_CURRENCY}"})
    distance_m = ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_DISTANCE_M), metadata={
        "description": "Travel only: the distance entered by hand. Leave out to measure it along the GPS "
                       "pings between start of travel and check-in (422 `no_gps_track` if there are too few)"})
    receipt_attachment_id = ma.fields.Integer(strict=True, validate=validate.Range(min=1), metadata={
        "description": "A photo or PDF already attached to this job (recommended for tolls and parking)"})
    note = ma.fields.String(validate=validate.Length(max=2000))
    device_time = ma.fields.AwareDateTime(metadata={
        "description": "When it was spent on the phone (ISO 8601 with offset); recorded beside server time"})


class ExpenseEngineerSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(attribute="user.name")


class ExpenseReceiptSchema(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()


class ExpenseSchema(ma.Schema):
    id = ma.fields.Integer()
    work_order_id = ma.fields.Integer()
    engineer = ma.fields.Nested(ExpenseEngineerSchema)
    kind = ma.fields.Enum(ExpenseKind, by_value=True)
    amount_cents = ma.fields.Integer()
    currency = ma.fields.String()
    distance_m = ma.fields.Integer(allow_none=True)
    distance_source = ma.fields.Enum(DistanceSource, by_value=True, allow_none=True, metadata={
        "description": "`gps` (measured along the pings) or `entered`"})
    rate_cents_per_km = ma.fields.Integer(allow_none=True, metadata={
        "description": "The mileage rate the amount was computed at; empty when the amount was entered"})
    receipt = ma.fields.Nested(ExpenseReceiptSchema, allow_none=True)
    note = ma.fields.String(allow_none=True)
    device_time = ma.fields.DateTime(allow_none=True)
    created_by = ma.fields.Nested(PersonSchema)
    created_at = ma.fields.DateTime()


class ExpenseTotalSchema(ma.Schema):
    kind = ma.fields.Enum(ExpenseKind, by_value=True)
    currency = ma.fields.String()
    count = ma.fields.Integer()
    amount_cents = ma.fields.Integer()
    distance_m = ma.fields.Integer(allow_none=True, metadata={"description": "Travel: the distances added up"})


class OrderExpensesSchema(ma.Schema):
    work_order_id = ma.fields.Integer()
    expenses = ma.fields.List(ma.fields.Nested(ExpenseSchema))
    totals_by_kind = ma.fields.List(ma.fields.Nested(ExpenseTotalSchema))
    totals = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), metadata={
        "description": "Amount in minor units per currency, all kinds together", "example": {"CNY": 4550}})


class ExpenseQueryArgsSchema(SchemaBase):
    engineer_id = ma.fields.Integer(validate=validate.Range(min=1))
    from_ = ma.fields.Date(data_key="from", metadata={"description": "First day (organisation's time zone)"})
    to = ma.fields.Date(metadata={"description": "Last day, included"})
    kind = ma.fields.Enum(ExpenseKind, by_value=True)

    @ma.pre_load
    def _leave_pagination_to_paginate(self, data, **kwargs):
        # `page` and `page_size` are read by flask-smorest's pagination; any other
        # unknown argument is still refused.
        return {key: data[key] for key in data if key not in PAGINATION_ARGS}

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ma.ValidationError("`to` is before `from`", field_name="to")
