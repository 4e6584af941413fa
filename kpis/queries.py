"""The KPI queries: aggregation in PostgreSQL, one statement per KPI, never an order
loaded into Python.

The rules every KPI shares are `RULES` below, written into the API documentation with
the definitions of `kpis.catalogue`.

Each function returns plain dicts `{bucket, group_id, group_name, …values}` ordered by
bucket, then group name, then group id; percentages and minutes are rounded to two
decimals, money is in integer cents.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

PERIODS = ("day", "week", "month")
DIMENSIONS = ("team", "engineer", "customer", "work_type")
# A follow-up visit on the same asset within this long makes a fix not first-time.
FOLLOW_UP_WINDOW = timedelta(days=30)
# A travel or on-site stint counts until the order's next status change, at most this
# long: an order left on site overnight (a forgotten status, a multi-day job) must not
# book a night of work. It also bounds how far back the utilisation query looks.
STINT_CAP = timedelta(hours=12)

RULES = """\
- **Range and buckets.** `from` and `to` are local dates (both included) in the
  organisation's time zone (`ORG_TIMEZONE`, default Asia/Shanghai). A moment belongs to
  the bucket of its local date: `day`, `week` (weeks start on Monday, the bucket is
  named by its Monday) or `month` (named by its 1st). The range is not widened to whole
  weeks or months: the first and last buckets hold only the days inside the range.
- **When an event counts:** `LEAST(COALESCE(device_time, server_time), server_time)` —
  as the engineer's phone saw it, but never later than the server received it (the
  same rule as the SLA clocks).
- **Milestones** of an order, each the *first* `status_changed` event of its kind:
  response — the first change to a status other than `new` and `cancelled` (the event
  that stops the first-response SLA clock, normally the assignment); arrival — the first
  change to `on_site` (check-in); resolution — the change to `resolved`. A duration runs
  from the order's `created_at` to the milestone (never negative) and counts in the
  bucket of the milestone.
- **Groupings** (`by`): `team` — the order's team, else the team of its scheduled
  engineer; `engineer` — the order's scheduled engineer (`scheduled_engineer_id`, the
  engineer who did the work); `customer`; `work_type`. Without `by` there is one row per
  bucket with `group_id` and `group_name` null; with `by`, null is the group of orders
  that have no team / engineer.
- **Now.** Numbers of past buckets can still change: a late rating, a follow-up visit
  within 30 days, a clock going overdue. Running clocks and open stints are measured
  against the time of the request.
"""


@dataclass(frozen=True)
class Window:
    """What to compute: local dates (both included), bucket size, grouping, time zone."""
    date_from: date
    date_to: date
    period: str = "day"
    by: str | None = None
    tz: str = "Asia/Shanghai"

    def __post_init__(self):
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {PERIODS}")
        if self.by is not None and self.by not in DIMENSIONS:
            raise ValueError(f"by must be one of {DIMENSIONS}")
        if self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        ZoneInfo(self.tz)   # an unknown zone raises here rather than in the database

    @property
    def lo(self) -> datetime:
        """The first moment of the range (local midnight of `date_from`), in UTC."""
        return _local_midnight(self.date_from, self.tz)

    @property
    def hi(self) -> datetime:
        """The moment after the range (local midnight after `date_to`), in UTC."""
        return _local_midnight(self.date_to + timedelta(days=1), self.tz)

    def params(self, now: datetime | None = None) -> dict[str, Any]:
        return {"lo": self.lo, "hi": self.hi, "tz": self.tz, "period": self.period,
                "step": f"1 {self.period}", "now": now or datetime.now(timezone.utc),
                "date_from": self.date_from, "date_to": self.date_to}


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def event_time(alias: str) -> str:
    """SQL for when an event of `alias` counts (device time bounded by server receipt).
    The KPI indexes of migration 0009 are built on exactly this expression."""
    return f"LEAST(COALESCE({alias}.device_time, {alias}.server_time), {alias}.server_time)"


def bucket(moment: str) -> str:
    """SQL for the bucket (a local date) of a timestamptz expression."""
    return f"date_trunc(:period, ({moment}) AT TIME ZONE :tz)::date"


# -- groupings: the key of an order `o` (its engineer joined as `oe` when needed) and the
#    name of a key `r.group_id` ---------------------------------------------------------------

_ORDER_KEYS = {
    None: ("NULL::integer", ""),
    "team": ("COALESCE(o.team_id, oe.team_id)", "LEFT JOIN engineers oe ON oe.id = o.scheduled_engineer_id"),
    "engineer": ("o.scheduled_engineer_id", ""),
    "customer": ("o.customer_id", ""),
    "work_type": ("o.work_type", ""),
}
# (name, join): the name of group `r.group_id`.
_NAMES = {
    None: ("NULL::text", ""),
    "team": ("n.name", "LEFT JOIN teams n ON n.id = r.group_id"),
    "engineer": ("n.name", "LEFT JOIN engineers ng ON ng.id = r.group_id LEFT JOIN users n ON n.id = ng.user_id"),
    "customer": ("n.name", "LEFT JOIN customers n ON n.id = r.group_id"),
    "work_type": ("r.group_id", ""),
}


def _key(window: Window) -> tuple[str, str]:
    return _ORDER_KEYS[window.by]


def _orders_of(window: Window, order_id: str) -> str:
    """The join to the order of `order_id` that the grouping needs: none without `by`."""
    return f"JOIN work_orders o ON o.id = {order_id} {_key(window)[1]}" if window.by else ""


def _run(session: Session, window: Window, inner: str, *, then_by: str = "", now: datetime | None = None,
         **extra: Any) -> list[dict[str, Any]]:
    """Name the groups of the aggregated rows of `inner` and return them as dicts."""
    name, join = _NAMES[window.by]
    order = "r.bucket, group_name, r.group_id" + (f", {then_by}" if then_by else "")
    sql = f"SELECT r.*, {name} AS group_name FROM ({inner}) r {join} ORDER BY {order}"
    # JIT compilation, which PostgreSQL starts for queries it deems costly, took up to
    # 2.9 of 6.7 s of a year of check-ins over 1M orders and never paid for itself here.
    session.execute(text("SET LOCAL jit = off"))
    rows = session.execute(text(sql), {**window.params(now), **extra}).mappings()
    return [{key: _plain(value) for key, value in row.items()} for row in rows]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    return value


def _pct(part: str, whole: str) -> str:
    return f"round(100.0 * ({part}) / NULLIF({whole}, 0), 2)"


# -- volume ---------------------------------------------------------------------------------

def volume_by_channel(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Orders created in each bucket, per channel."""
    key, join = _key(window)
    inner = f"""
        SELECT {bucket('o.created_at')} AS bucket, {key} AS group_id, o.channel, count(*) AS orders
        FROM work_orders o {join}
        WHERE o.created_at >= :lo AND o.created_at < :hi
        GROUP BY 1, 2, 3"""
    return _run(session, window, inner, then_by="r.channel", now=now)


def volume_by_status(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Orders created in each bucket, per the status each is in now (its last status
    change in the event log; `new` when it has none)."""
    key, join = _key(window)
    inner = f"""
        SELECT {bucket('o.created_at')} AS bucket, {key} AS group_id,
               COALESCE(s.to_status, 'new') AS status, count(*) AS orders
        FROM work_orders o {join}
        LEFT JOIN LATERAL (
            SELECT e.to_status FROM work_order_events e
            WHERE e.work_order_id = o.id AND e.kind = 'status_changed'
            ORDER BY e.server_time DESC, e.id DESC LIMIT 1) s ON true
        WHERE o.created_at >= :lo AND o.created_at < :hi
        GROUP BY 1, 2, 3"""
    return _run(session, window, inner, then_by="r.status", now=now)


# -- durations to a milestone ---------------------------------------------------------------

MILESTONES = {
    # Only a change out of `new` can be the first to a status other than new/cancelled:
    # naming `from_status` lets the query use the narrow index of migration 0009.
    "response": "{e}.from_status = 'new' AND {e}.to_status <> 'cancelled'",
    "arrival": "{e}.to_status = 'on_site'",
    "resolution": "{e}.to_status = 'resolved'",
}
# An order is resolved once: no transition leaves `resolved` for an earlier status
# (app.workorders.lifecycle), so its one resolution needs no search for an earlier one.
HAPPENS_ONCE = {"resolution"}


def first_milestones(milestone: str) -> str:
    """SQL selecting `(work_order_id, at)` for every order whose first `milestone` event
    counts inside [:lo, :hi): its earliest such event in the range, when it has none
    before the range."""
    matches = MILESTONES[milestone]
    at, earlier_at = event_time("e"), event_time("p")
    if milestone in HAPPENS_ONCE:
        return f"""
            SELECT e.work_order_id, {at} AS at
            FROM work_order_events e
            WHERE e.kind = 'status_changed' AND {matches.format(e='e')} AND {at} >= :lo AND {at} < :hi"""
    in_range = f"""
        SELECT e.work_order_id, min({at}) AS at
        FROM work_order_events e
        WHERE e.kind = 'status_changed' AND {matches.format(e='e')} AND {at} >= :lo AND {at} < :hi
        GROUP BY e.work_order_id"""
    # Each candidate's first such event overall is one index-only descent into
    # ix_work_order_events_first_response / _first_arrival: the cost follows the range
    # asked for. An anti-join against the earlier events (what PostgreSQL picks for a
    # NOT EXISTS here) reads all of history before :lo, whichever month is asked.
    return f"""
        SELECT c.work_order_id, c.at
        FROM ({in_range}) c
        CROSS JOIN LATERAL (
            SELECT min({earlier_at}) AS first_at FROM work_order_events p
            WHERE p.work_order_id = c.work_order_id AND p.kind = 'status_changed' AND {matches.format(e='p')}) f
        WHERE f.first_at >= :lo"""


def _durations(session: Session, window: Window, milestone: str, now: datetime | None) -> list[dict]:
    key, join = _key(window)
    inner = f"""
        WITH firsts AS ({first_milestones(milestone)})
        SELECT {bucket('f.at')} AS bucket, {key} AS group_id, count(*) AS orders,
               round(avg(d.minutes)::numeric, 2) AS mean_minutes,
               round((percentile_cont(0.5) WITHIN GROUP (ORDER BY d.minutes))::numeric, 2) AS median_minutes,
               round((percentile_cont(0.9) WITHIN GROUP (ORDER BY d.minutes))::numeric, 2) AS p90_minutes
        FROM firsts f
        JOIN work_orders o ON o.id = f.work_order_id {join}
        CROSS JOIN LATERAL (SELECT GREATEST(EXTRACT(EPOCH FROM f.at - o.created_at), 0) / 60 AS minutes) d
        GROUP BY 1, 2"""
    return _run(session, window, inner, now=now)


def first_response_time(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Minutes from creation to the first response, by the bucket of the response."""
    return _durations(session, window, "response", now)


def time_to_site(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Minutes from creation to the first check-in, by the bucket of the check-in."""
    return _durations(session, window, "arrival", now)


def time_to_resolve(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Minutes from creation to resolution, by the bucket of the resolution."""
    return _durations(session, window, "resolution", now)


# -- SLA ------------------------------------------------------------------------------------

def sla_compliance(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Per target kind: clocks that stopped in the bucket, met or breached, plus running
    clocks already past a deadline that fell in the bucket (overdue, counted as breaches)."""
    key = _key(window)[0]
    inner = f"""
        WITH outcomes AS (
            SELECT c.work_order_id, c.kind, c.stopped_at AS at, c.state AS outcome
            FROM sla_clocks c
            WHERE c.state IN ('met', 'breached') AND c.stopped_at >= :lo AND c.stopped_at < :hi
            UNION ALL
            SELECT c.work_order_id, c.kind, c.deadline, 'overdue'
            FROM sla_clocks c
            WHERE c.state = 'running' AND c.deadline >= :lo AND c.deadline < :hi AND c.deadline < :now)
        SELECT {bucket('x.at')} AS bucket, {key} AS group_id, x.kind AS target,
               count(*) FILTER (WHERE x.outcome = 'met') AS met,
               count(*) FILTER (WHERE x.outcome = 'breached') AS breached,
               count(*) FILTER (WHERE x.outcome = 'overdue') AS overdue,
               {_pct("count(*) FILTER (WHERE x.outcome = 'met')", "count(*)")} AS compliance_pct
        FROM outcomes x {_orders_of(window, 'x.work_order_id')}
        GROUP BY 1, 2, 3"""
    return _run(session, window, inner, then_by="r.target", now=now)


# -- fixes and repeat visits ----------------------------------------------------------------

def first_time_fix(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Of the orders with an asset resolved in the bucket, those no other non-cancelled
    order on the same asset followed within 30 days after the resolution."""
    key, join = _key(window)
    inner = f"""
        WITH fixes AS (
            SELECT r.work_order_id, r.at, o.asset_id, {key} AS group_id
            FROM ({first_milestones('resolution')}) r
            JOIN work_orders o ON o.id = r.work_order_id {join}
            WHERE o.asset_id IS NOT NULL AND o.status <> 'cancelled'),
        followed AS (
            -- the range on n.created_at follows from the one on f.at; written out, it lets
            -- the planner read only those orders
            SELECT f.work_order_id FROM fixes f
            WHERE EXISTS (
                SELECT 1 FROM work_orders n
                WHERE n.asset_id = f.asset_id AND n.id <> f.work_order_id AND n.status <> 'cancelled'
                  AND n.created_at > f.at AND n.created_at <= f.at + :follow_up
                  AND n.created_at > :lo AND n.created_at <= :hi + :follow_up))
        SELECT {bucket('f.at')} AS bucket, f.group_id, count(*) AS resolved_orders,
               count(d.work_order_id) AS followed_up,
               count(*) - count(d.work_order_id) AS fixed_first_time,
               {_pct("count(*) - count(d.work_order_id)", "count(*)")} AS first_time_fix_pct
        FROM fixes f LEFT JOIN followed d ON d.work_order_id = f.work_order_id
        GROUP BY 1, 2"""
    return _run(session, window, inner, now=now, follow_up=FOLLOW_UP_WINDOW)


def repeat_visits(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Of the non-cancelled orders with an asset created in the bucket, those created
    within 30 days after another order on the same asset was resolved."""
    key, join = _key(window)
    resolved_at = event_time("e")
    inner = f"""
        WITH visits AS (
            SELECT o.id, o.asset_id, o.created_at, {key} AS group_id
            FROM work_orders o {join}
            WHERE o.created_at >= :lo AND o.created_at < :hi AND o.asset_id IS NOT NULL
              AND o.status <> 'cancelled'),
        resolutions AS MATERIALIZED (
            SELECT b.asset_id, b.id, {resolved_at} AS at
            FROM work_order_events e
            JOIN work_orders b ON b.id = e.work_order_id
            WHERE e.kind = 'status_changed' AND e.to_status = 'resolved'
              AND {resolved_at} >= :lo - :follow_up AND {resolved_at} < :hi
              AND b.asset_id IS NOT NULL AND b.status <> 'cancelled'),
        -- A join on the asset (hashed), not a correlated EXISTS: with stale statistics the
        -- planner ran the EXISTS as a nested loop over every resolution, for minutes.
        repeats AS (
            SELECT DISTINCT v.id FROM visits v
            JOIN resolutions r ON r.asset_id = v.asset_id AND r.id <> v.id
                              AND r.at >= v.created_at - :follow_up AND r.at < v.created_at)
        SELECT {bucket('v.created_at')} AS bucket, v.group_id, count(*) AS orders,
               count(p.id) AS repeat_orders,
               {_pct("count(p.id)", "count(*)")} AS repeat_visit_pct
        FROM visits v LEFT JOIN repeats p ON p.id = v.id
        GROUP BY 1, 2"""
    return _run(session, window, inner, now=now, follow_up=FOLLOW_UP_WINDOW)


# -- customers' verdicts --------------------------------------------------------------------

def csat(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Ratings given in the bucket: mean CSAT (1–5) and the share of satisfied (4–5)."""
    key = _key(window)[0]
    inner = f"""
        SELECT {bucket('g.rated_at')} AS bucket, {key} AS group_id, count(*) AS ratings,
               round(avg(g.csat), 2) AS csat_mean,
               count(*) FILTER (WHERE g.csat >= 4) AS satisfied,
               {_pct("count(*) FILTER (WHERE g.csat >= 4)", "count(*)")} AS satisfied_pct
        FROM work_order_ratings g {_orders_of(window, 'g.work_order_id')}
        WHERE g.rated_at >= :lo AND g.rated_at < :hi
        GROUP BY 1, 2"""
    return _run(session, window, inner, now=now)


def nps(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Ratings with an NPS answer given in the bucket: % promoters (9–10) − % detractors (0–6)."""
    key = _key(window)[0]
    promoters, detractors = "count(*) FILTER (WHERE g.nps >= 9)", "count(*) FILTER (WHERE g.nps <= 6)"
    inner = f"""
        SELECT {bucket('g.rated_at')} AS bucket, {key} AS group_id, count(*) AS responses,
               {promoters} AS promoters, count(*) FILTER (WHERE g.nps IN (7, 8)) AS passives,
               {detractors} AS detractors,
               {_pct(f"{promoters} - {detractors}", "count(*)")} AS nps
        FROM work_order_ratings g {_orders_of(window, 'g.work_order_id')}
        WHERE g.rated_at >= :lo AND g.rated_at < :hi AND g.nps IS NOT NULL
        GROUP BY 1, 2"""
    return _run(session, window, inner, now=now)


# -- engineers' time ------------------------------------------------------------------------

UTILISATION_DIMENSIONS = (None, "team", "engineer")
# The status changes that start or end a stint of travel or work (the predicate of the
# partial index of migration 0009 that the utilisation query reads).
STINT_CHANGES = "({e}.to_status IN ('en_route', 'on_site') OR {e}.from_status IN ('en_route', 'on_site'))"


def engineer_utilisation(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """(Travel + work) / shift per engineer, summed over a team's engineers or over all."""
    if window.by not in UTILISATION_DIMENSIONS:
        raise ValueError("utilisation is grouped by team or engineer only")
    at = event_time("e")
    key = {None: "NULL::integer", "team": "g.team_id", "engineer": "g.id"}[window.by]
    inner = f"""
        WITH changes AS (
            -- the changes into and out of en_route and on_site near the range, each with the
            -- order's next such change. While an order is en route or on site nothing else
            -- happens to its status, so the change after one into en_route/on_site is the
            -- one out of it: the end of the stint. A stint that started before :lo - cap
            -- ended before the range; one whose end lies beyond :hi + cap is cut at the cap.
            SELECT e.work_order_id, e.to_status, {at} AS at,
                   lead({at}) OVER (PARTITION BY e.work_order_id ORDER BY {at}, e.id) AS next_at
            FROM work_order_events e
            WHERE e.kind = 'status_changed' AND {STINT_CHANGES.format(e='e')}
              AND {at} >= :lo - :cap AND {at} < :hi + :cap),
        stints AS (
            SELECT o.scheduled_engineer_id AS engineer_id, c.to_status,
                   GREATEST(c.at, :lo) AS starts,
                   LEAST(COALESCE(c.next_at, :now), c.at + :cap, :hi) AS ends
            FROM changes c
            JOIN work_orders o ON o.id = c.work_order_id
            WHERE c.to_status IN ('en_route', 'on_site') AND o.scheduled_engineer_id IS NOT NULL),
        pieces AS (
            -- a stint is shorter than a day, so it spans at most two buckets
            SELECT engineer_id, to_status, starts, ends,
                   date_trunc(:period, starts AT TIME ZONE :tz) AS b,
                   (date_trunc(:period, starts AT TIME ZONE :tz) + CAST(:step AS interval)) AT TIME ZONE :tz AS b_end
            FROM stints WHERE ends > starts),
        busy AS (
            SELECT b::date AS bucket, engineer_id, to_status,
                   EXTRACT(EPOCH FROM LEAST(ends, b_end) - starts) AS seconds
            FROM pieces
            UNION ALL
            SELECT (b + CAST(:step AS interval))::date, engineer_id, to_status, EXTRACT(EPOCH FROM ends - b_end)
            FROM pieces WHERE ends > b_end),
        activity AS (
            SELECT bucket, engineer_id,
                   sum(seconds) FILTER (WHERE to_status = 'en_route') AS travel_s,
                   sum(seconds) FILTER (WHERE to_status = 'on_site') AS work_s
            FROM busy GROUP BY 1, 2),
        periods AS (
            SELECT h.engineer_id, d.day,
                   tstzrange((d.day + h.starts) AT TIME ZONE :tz, (d.day + h.ends) AT TIME ZONE :tz) AS span
            FROM (SELECT day::date FROM generate_series(CAST(:date_from AS date), CAST(:date_to AS date),
                                                        interval '1 day') AS day) d
            JOIN engineer_working_hours h ON h.weekday = EXTRACT(ISODOW FROM d.day)::integer - 1),
        time_off AS (
            -- the time off inside each working period, overlapping entries merged
            SELECT p.engineer_id, p.day, p.span, range_agg(tstzrange(t.starts_at, t.ends_at) * p.span) AS off
            FROM periods p
            JOIN engineer_time_off t ON t.engineer_id = p.engineer_id
                                    AND t.starts_at < upper(p.span) AND t.ends_at > lower(p.span)
            GROUP BY 1, 2, 3),
        shifts AS (
            SELECT date_trunc(:period, s.day::timestamp)::date AS bucket, s.engineer_id, sum(s.seconds) AS shift_s
            FROM (SELECT engineer_id, day, EXTRACT(EPOCH FROM upper(span) - lower(span)) AS seconds FROM periods
                  UNION ALL
                  SELECT engineer_id, day, -EXTRACT(EPOCH FROM upper(piece) - lower(piece))
                  FROM time_off, unnest(off) AS piece) s
            GROUP BY 1, 2),
        per_engineer AS (
            SELECT COALESCE(a.bucket, s.bucket) AS bucket, COALESCE(a.engineer_id, s.engineer_id) AS engineer_id,
                   COALESCE(a.travel_s, 0) AS travel_s, COALESCE(a.work_s, 0) AS work_s,
                   COALESCE(s.shift_s, 0) AS shift_s
            FROM activity a FULL JOIN shifts s ON s.bucket = a.bucket AND s.engineer_id = a.engineer_id)
        SELECT x.bucket, {key} AS group_id,
               round(sum(x.travel_s) / 3600, 2) AS travel_hours,
               round(sum(x.work_s) / 3600, 2) AS work_hours,
               round(sum(x.shift_s) / 3600, 2) AS shift_hours,
               {_pct("sum(x.travel_s) + sum(x.work_s)", "sum(x.shift_s)")} AS utilisation_pct
        FROM per_engineer x
        JOIN engineers g ON g.id = x.engineer_id
        GROUP BY 1, 2"""
    return _run(session, window, inner, now=now, cap=STINT_CAP)


# -- parts ----------------------------------------------------------------------------------

def parts_cost_per_order(session: Session, window: Window, *, now: datetime | None = None) -> list[dict]:
    """Orders resolved in the bucket: their parts cost (issued minus returned), total and
    mean per order (orders without parts count as zero)."""
    key = _key(window)[0]
    inner = f"""
        WITH resolved AS ({first_milestones('resolution')}),
        costs AS (
            SELECT m.work_order_id,
                   sum(CASE WHEN m.kind = 'issue' THEN 1 ELSE -1 END * m.quantity * m.unit_cost_cents) AS cents
            FROM stock_movements m
            WHERE m.kind IN ('issue', 'return') AND m.work_order_id IN (SELECT work_order_id FROM resolved)
            GROUP BY 1)
        SELECT {bucket('r.at')} AS bucket, {key} AS group_id, count(*) AS resolved_orders,
               count(c.work_order_id) AS orders_with_parts,
               COALESCE(sum(c.cents), 0) AS parts_cost_cents,
               round(COALESCE(sum(c.cents), 0)::numeric / count(*)) AS mean_parts_cost_cents
        FROM resolved r {_orders_of(window, 'r.work_order_id')}
        LEFT JOIN costs c ON c.work_order_id = r.work_order_id
        GROUP BY 1, 2"""
    return _run(session, window, inner, now=now)
