"""Query arguments and rows of the KPI API."""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase
from kpis.queries import DIMENSIONS, PERIODS

# The longest range per bucket size: about a year of days, two years of weeks, five of months.
MAX_DAYS = {"day": 366, "week": 732, "month": 1830}
FORMATS = ("json", "csv")


class KpiQueryArgsSchema(SchemaBase):
    date_from = ma.fields.Date(data_key="from", required=True, metadata={
        "description": "First local date of the range (YYYY-MM-DD, organisation's time zone)"})
    date_to = ma.fields.Date(data_key="to", required=True, metadata={
        "description": "Last local date of the range, included"})
    period = ma.fields.String(load_default="day", validate=ma.validate.OneOf(PERIODS), metadata={
        "description": "Bucket size: day, week (Monday to Sunday) or month"})
    by = ma.fields.String(validate=ma.validate.OneOf(DIMENSIONS), metadata={
        "description": "Group each bucket by team, engineer, customer or work type (utilisation: team or "
                       "engineer); one row per bucket without it"})
    format = ma.fields.String(validate=ma.validate.OneOf(FORMATS), metadata={
        "description": "csv for a file; default from the Accept header (text/csv), else JSON"})

    @ma.validates_schema
    def _range(self, data, **kwargs):
        first, last = data.get("date_from"), data.get("date_to")
        if first is None or last is None:
            return
        if first > last:
            raise ma.ValidationError("`from` is after `to`", "to")
        period = data.get("period", "day")
        if (last - first).days + 1 > MAX_DAYS[period]:
            raise ma.ValidationError(f"At most {MAX_DAYS[period]} days with period={period}", "to")


class KpiColumnSchema(ma.Schema):
    name = ma.fields.String()
    description = ma.fields.String()


class KpiSchema(ma.Schema):
    name = ma.fields.String(metadata={"description": "The URL segment: GET /api/v1/kpis/{name}"})
    title = ma.fields.String()
    definition = ma.fields.String()
    columns = ma.fields.List(ma.fields.Nested(KpiColumnSchema), metadata={
        "description": "The fields of each row, in the order of the CSV columns"})
    groupings = ma.fields.List(ma.fields.String(), metadata={"description": "Values `by` accepts"})
    roles = ma.fields.List(ma.fields.String(), metadata={"description": "Roles that may read it"})


def _count(description: str):
    return ma.fields.Integer(metadata={"description": description})


def _number(description: str):
    return ma.fields.Float(allow_none=True, metadata={"description": description})


class KpiRowSchema(ma.Schema):
    """One bucket × group (× channel or SLA target); each KPI fills its own value fields
    (listed by GET /api/v1/kpis)."""
    bucket = ma.fields.Date(metadata={"description": "First local date of the bucket"})
    group_id = ma.fields.Raw(allow_none=True, metadata={
        "description": "Team, engineer or customer id (integer), or the work type (string); null without `by`"})
    group_name = ma.fields.String(allow_none=True)
    channel = ma.fields.String(metadata={"description": "volume-by-channel"})
    target = ma.fields.String(metadata={"description": "sla-compliance: first_response, arrival or resolution"})
    status = ma.fields.String(metadata={"description": "volume-by-status: the orders' status now"})
    orders = _count("Orders counted")
    mean_minutes = _number("Mean minutes to the milestone")
    median_minutes = _number("Median minutes to the milestone")
    p90_minutes = _number("90th percentile of the minutes to the milestone")
    met = _count("SLA clocks met")
    breached = _count("SLA clocks stopped after their deadline")
    overdue = _count("Running SLA clocks past their deadline")
    compliance_pct = _number("SLA compliance, %")
    resolved_orders = _count("Orders resolved")
    followed_up = _count("Resolved orders followed by another order on the asset within 30 days")
    fixed_first_time = _count("Resolved orders not followed up")
    first_time_fix_pct = _number("First-time fix rate, %")
    repeat_orders = _count("Orders created within 30 days after a resolution on the same asset")
    repeat_visit_pct = _number("Repeat-visit rate, %")
    ratings = _count("Ratings given")
    csat_mean = _number("Mean CSAT, 1–5")
    satisfied = _count("Ratings of 4 or 5")
    satisfied_pct = _number("Satisfied, %")
    responses = _count("NPS answers")
    promoters = _count("NPS 9–10")
    passives = _count("NPS 7–8")
    detractors = _count("NPS 0–6")
    nps = _number("Net promoter score, −100…100")
    travel_hours = _number("Hours en route")
    work_hours = _number("Hours on site")
    shift_hours = _number("Hours of shift")
    utilisation_pct = _number("(travel + work) / shift, %")
    orders_with_parts = _count("Resolved orders with parts")
    parts_cost_cents = _count("Parts cost, cents")
    mean_parts_cost_cents = _count("Mean parts cost per resolved order, cents")
