"""The KPIs on offer: name (the URL segment), definition, the columns of their rows,
the query that computes them and who may read them. The definitions are served by
`GET /api/v1/kpis` and written into the OpenAPI document."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.auth.models import Role
from kpis import queries
from kpis.queries import DIMENSIONS, UTILISATION_DIMENSIONS

# Managers and admins read every KPI; dispatchers, who plan the days, read the
# operational ones but not customers' verdicts or the parts money.
MANAGERS = (Role.ADMIN, Role.MANAGER)
OPERATIONS = (Role.ADMIN, Role.MANAGER, Role.DISPATCHER)

COMMON_COLUMNS = (
    ("bucket", "First local date of the bucket (a Monday for weeks, the 1st for months)"),
    ("group_id", "Team, engineer or customer id, or the work type; null without `by` or for orders without one"),
    ("group_name", "Team name, engineer's name, customer name or work type"),
)


@dataclass(frozen=True)
class Kpi:
    name: str
    title: str
    definition: str
    columns: tuple[tuple[str, str], ...]
    compute: Callable
    groupings: tuple[str | None, ...] = (None, *DIMENSIONS)
    roles: tuple[Role, ...] = OPERATIONS

    @property
    def all_columns(self) -> tuple[str, ...]:
        return tuple(name for name, _ in COMMON_COLUMNS + self.columns)


_DURATION_COLUMNS = (
    ("orders", "Orders whose milestone fell in the bucket"),
    ("mean_minutes", "Mean minutes from creation to the milestone"),
    ("median_minutes", "Median minutes (interpolated between the two middle values)"),
    ("p90_minutes", "90th percentile of the minutes (interpolated linearly, like the median)"),
)

KPIS: dict[str, Kpi] = {kpi.name: kpi for kpi in (
    Kpi("volume-by-channel", "Volume by channel",
        "Orders created in the bucket (by `work_orders.created_at`), counted per intake channel "
        "(phone, email, web, wechat, api, import). Cancelled orders count: they were received.",
        (("channel", "Intake channel"), ("orders", "Orders created")),
        queries.volume_by_channel),
    Kpi("volume-by-status", "Volume by status",
        "Orders created in the bucket (by `work_orders.created_at`), counted per the status each is in now: "
        "the `to_status` of its latest `status_changed` event by server time, `new` for an order without one. "
        "A bucket's counts move as its orders progress.",
        (("status", "The order's status now"), ("orders", "Orders created")),
        queries.volume_by_status),
    Kpi("first-response-time", "First response time",
        "From `created_at` to the order's first `status_changed` event to a status other than `new` and "
        "`cancelled` (normally the assignment; the event that stops the first-response SLA clock), at the "
        "time the event counts; in the bucket of that response. Orders never responded to are not counted.",
        _DURATION_COLUMNS, queries.first_response_time),
    Kpi("time-to-site", "Time to site",
        "From `created_at` to the order's first `status_changed` event to `on_site` (the first check-in), "
        "in the bucket of the check-in. Later visits to the same order do not count again.",
        _DURATION_COLUMNS, queries.time_to_site),
    Kpi("time-to-resolve", "Mean time to resolve",
        "From `created_at` to the order's `status_changed` event to `resolved`, in the bucket of the "
        "resolution. Time on hold is included (this is the customer's wait, not the SLA's business time).",
        _DURATION_COLUMNS, queries.time_to_resolve),
    Kpi("sla-compliance", "SLA compliance",
        "Per SLA target (first_response, arrival, resolution), from the stored clocks: clocks that stopped "
        "in the bucket (`stopped_at`) as `met` or `breached`, plus clocks still `running` whose deadline has "
        "passed, counted as breaches (`overdue`) in the bucket of their deadline. Compliance % = met / "
        "(met + breached + overdue) × 100. Paused and cancelled clocks do not count.",
        (("target", "SLA target kind"), ("met", "Clocks stopped by their deadline"),
         ("breached", "Clocks stopped after their deadline"),
         ("overdue", "Running clocks past a deadline that fell in the bucket"),
         ("compliance_pct", "met / (met + breached + overdue) × 100")),
        queries.sla_compliance),
    Kpi("first-time-fix", "First-time fix rate",
        "Of the non-cancelled orders with an asset resolved in the bucket: the share for which no other "
        "non-cancelled order on the same asset was created within 30 days after the resolution "
        "(`resolved_at < created_at ≤ resolved_at + 30 days`). Resolutions of the last 30 days can still "
        "lose their first-time status.",
        (("resolved_orders", "Orders with an asset resolved in the bucket"),
         ("followed_up", "Of those, followed by another order on the asset within 30 days"),
         ("fixed_first_time", "resolved_orders − followed_up"),
         ("first_time_fix_pct", "fixed_first_time / resolved_orders × 100")),
        queries.first_time_fix),
    Kpi("repeat-visits", "Repeat-visit rate",
        "Of the non-cancelled orders with an asset created in the bucket: the share created within 30 days "
        "after another non-cancelled order on the same asset was resolved "
        "(`created_at − 30 days ≤ resolved_at < created_at`).",
        (("orders", "Orders with an asset created in the bucket"),
         ("repeat_orders", "Of those, created within 30 days after a resolution on the asset"),
         ("repeat_visit_pct", "repeat_orders / orders × 100")),
        queries.repeat_visits),
    Kpi("csat", "Customer satisfaction (CSAT)",
        "Ratings given in the bucket (`rated_at`), grouped by the rated order: the mean CSAT score (1–5) "
        "and the share of satisfied customers (4 or 5).",
        (("ratings", "Ratings given"), ("csat_mean", "Mean CSAT, 1–5"), ("satisfied", "Ratings of 4 or 5"),
         ("satisfied_pct", "satisfied / ratings × 100")),
        queries.csat, roles=MANAGERS),
    Kpi("nps", "Net promoter score (NPS)",
        "Ratings given in the bucket that answered the NPS question (0–10): % promoters (9–10) − % "
        "detractors (0–6), from −100 to 100.",
        (("responses", "Ratings with an NPS answer"), ("promoters", "Answers 9–10"), ("passives", "Answers 7–8"),
         ("detractors", "Answers 0–6"), ("nps", "(promoters − detractors) / responses × 100")),
        queries.nps, roles=MANAGERS),
    Kpi("engineer-utilisation", "Engineer utilisation",
        "(Travel + work) / shift time, per engineer, summed over a team's engineers (their current team) or "
        "over everyone. Travel is time in `en_route`, work is time in `on_site`: from the status change into "
        "it to the order's next status change (or now), cut at 12 hours, split across bucket boundaries, "
        "from the orders of which the engineer is the scheduled engineer. Shift is the sum of the engineer's "
        "weekly working hours over the dates of the bucket (by weekday; public holidays are not taken out) "
        "minus their time off. Time outside the shift counts as work, so overtime shows above 100 %.",
        (("travel_hours", "Hours en route"), ("work_hours", "Hours on site"), ("shift_hours", "Hours of shift"),
         ("utilisation_pct", "(travel + work) / shift × 100; null without shift time")),
        queries.engineer_utilisation, groupings=UTILISATION_DIMENSIONS),
    Kpi("parts-cost", "Parts cost per order",
        "Orders resolved in the bucket and the cost of their parts from the stock ledger: issued to the "
        "order minus returned from it, at the ledger's unit costs, in cents (as `GET "
        "/inventory/work-orders/{id}/parts-cost`). The mean is over all those orders, parts or not, "
        "rounded to the cent.",
        (("resolved_orders", "Orders resolved in the bucket"), ("orders_with_parts", "Of those, orders with parts"),
         ("parts_cost_cents", "Total parts cost, cents"), ("mean_parts_cost_cents", "Mean per resolved order, cents")),
        queries.parts_cost_per_order, roles=MANAGERS),
)}


def describe_all() -> str:
    """The definitions as Markdown, for the API documentation."""
    lines = [f"- **`{kpi.name}`** — {kpi.title}: {kpi.definition}" for kpi in KPIS.values()]
    return "\n".join(lines)
