"""The KPIs against a direct count: every figure worked out again in plain Python from the
raw rows, by a literal reading of the definitions, and compared with what the SQL of
`kpis.queries` answers (overall, per bucket).

For checking a small database (the demo: `flask kpis check`, and tests/kpis/test_demo_check.py)
— it loads the rows it counts, which the KPI queries never do.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engineers.models import Engineer, TimeOff, WorkingHours
from app.workorders.models import EventKind, Rating, Status, WorkOrder, WorkOrderEvent
from inventory.queries import parts_cost_of_order, parts_lines_of_order
from kpis import queries
from kpis.queries import FOLLOW_UP_WINDOW, STINT_CAP, Window
from sla.models import SlaClock

# Minutes, percentages and hours are rounded to two decimals by both sides, cents to one;
# PostgreSQL rounds halves away from zero and Python to even, hence the tolerance.
TOLERANCE = {"cents": 1, "default": 0.011}


@dataclass(frozen=True)
class Figure:
    kpi: str
    bucket: date
    what: str          # the column, with the channel or SLA target where there is one
    kpi_value: Any
    direct_value: Any

    @property
    def agrees(self) -> bool:
        a, b = self.kpi_value, self.direct_value
        if a is None or b is None:
            return a is None and b is None
        tolerance = TOLERANCE["cents"] if "cents" in self.what else TOLERANCE["default"]
        return abs(a - b) <= tolerance if isinstance(a, float) or isinstance(b, float) or "cents" in self.what \
            else a == b


def compare(session: Session, window: Window, *, now: datetime) -> list[Figure]:
    """Every figure of every KPI (without grouping) from the SQL and from the direct count."""
    if window.by is not None:
        raise ValueError("the direct count is overall: no `by`")
    direct = DirectCount(session, window, now)
    figures: list[Figure] = []

    def add(kpi: str, rows: list[dict], expected: dict[tuple, dict[str, Any]], extra: str | None = None):
        got = {(row["bucket"], row[extra] if extra else None): row for row in rows}
        for key in sorted(set(got) | set(expected), key=lambda k: (k[0], str(k[1]))):
            mine, theirs = got.get(key, {}), expected.get(key, {})
            for column in sorted((set(mine) | set(theirs)) - {"bucket", "group_id", "group_name", extra}):
                label = f"{key[1]} {column}" if extra else column
                figures.append(Figure(kpi, key[0], label, mine.get(column), theirs.get(column)))

    add("volume-by-channel", queries.volume_by_channel(session, window, now=now), direct.volume(), "channel")
    add("volume-by-status", queries.volume_by_status(session, window, now=now), direct.volume_by_status(), "status")
    for kpi, milestone, compute in (("first-response-time", "response", queries.first_response_time),
                                    ("time-to-site", "arrival", queries.time_to_site),
                                    ("time-to-resolve", "resolution", queries.time_to_resolve)):
        add(kpi, compute(session, window, now=now), direct.durations(milestone))
    add("sla-compliance", queries.sla_compliance(session, window, now=now), direct.sla(), "target")
    add("first-time-fix", queries.first_time_fix(session, window, now=now), direct.first_time_fix())
    add("repeat-visits", queries.repeat_visits(session, window, now=now), direct.repeat_visits())
    add("csat", queries.csat(session, window, now=now), direct.csat())
    add("nps", queries.nps(session, window, now=now), direct.nps())
    add("engineer-utilisation", queries.engineer_utilisation(session, window, now=now), direct.utilisation())
    add("parts-cost", queries.parts_cost_per_order(session, window, now=now), direct.parts_cost())
    return figures


def _percentile(values: list[float], fraction: float) -> float:
    """The linearly interpolated percentile (PostgreSQL's percentile_cont)."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _pct(part: int | float, whole: int | float) -> float | None:
    return round(100 * part / whole, 2) if whole else None


class DirectCount:
    """The definitions, read literally, over rows loaded from the database."""

    def __init__(self, session: Session, window: Window, now: datetime):
        self.session, self.window, self.now = session, window, now
        self.zone = ZoneInfo(window.tz)
        self.lo, self.hi = window.lo, window.hi
        self.orders = {o.id: o for o in session.scalars(select(WorkOrder))}
        self.changes: dict[int, list[tuple[datetime, int, str | None, str]]] = defaultdict(list)
        for event in session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.kind == EventKind.STATUS_CHANGED)):
            at = min(event.device_time, event.server_time) if event.device_time else event.server_time
            self.changes[event.work_order_id].append(
                (at, event.id, event.from_status.value if event.from_status else None, event.to_status.value))
        for history in self.changes.values():
            history.sort()

    def bucket(self, moment: datetime) -> date:
        return self.bucket_of_day(moment.astimezone(self.zone).date())

    def bucket_of_day(self, day: date) -> date:
        if self.window.period == "week":
            return day - timedelta(days=day.weekday())
        if self.window.period == "month":
            return day.replace(day=1)
        return day

    def in_range(self, moment: datetime | None) -> bool:
        return moment is not None and self.lo <= moment < self.hi

    # -- orders and their milestones

    def milestone(self, order_id: int, milestone: str) -> datetime | None:
        """The first change of the order to: any status but new or cancelled (response),
        on_site (arrival), resolved (resolution)."""
        wanted = {"arrival": {"on_site"}, "resolution": {"resolved"}}.get(milestone)
        for at, _, _, to_status in self.changes.get(order_id, ()):
            if (to_status not in ("new", "cancelled")) if wanted is None else (to_status in wanted):
                return at
        return None

    def volume(self) -> dict[tuple, dict]:
        counts = Counter((self.bucket(o.created_at), o.channel.value) for o in self.orders.values()
                         if self.in_range(o.created_at))
        return {key: {"orders": n} for key, n in counts.items()}

    def durations(self, milestone: str) -> dict[tuple, dict]:
        minutes = defaultdict(list)
        for order in self.orders.values():
            at = self.milestone(order.id, milestone)
            if self.in_range(at):
                minutes[(self.bucket(at), None)].append(max((at - order.created_at).total_seconds(), 0) / 60)
        return {key: {"orders": len(m), "mean_minutes": round(statistics.mean(m), 2),
                      "median_minutes": round(statistics.median(m), 2), "p90_minutes": round(_percentile(m, 0.9), 2)}
                for key, m in minutes.items()}

    def volume_by_status(self) -> dict[tuple, dict]:
        """Orders created in the bucket by the status of their latest change (by server
        time), `new` without one."""
        latest: dict[int, tuple] = {}
        for event in self.session.scalars(select(WorkOrderEvent).where(
                WorkOrderEvent.kind == EventKind.STATUS_CHANGED)):
            if event.work_order_id not in latest or (event.server_time, event.id) > latest[event.work_order_id][:2]:
                latest[event.work_order_id] = (event.server_time, event.id, event.to_status.value)
        counts = Counter((self.bucket(o.created_at), latest.get(o.id, (None, None, "new"))[2])
                         for o in self.orders.values() if self.in_range(o.created_at))
        return {key: {"orders": n} for key, n in counts.items()}

    def sla(self) -> dict[tuple, dict]:
        outcomes = defaultdict(Counter)
        for c in self.session.scalars(select(SlaClock)):
            if c.state.value in ("met", "breached") and self.in_range(c.stopped_at):
                outcomes[(self.bucket(c.stopped_at), c.kind.value)][c.state.value] += 1
            elif c.state.value == "running" and self.in_range(c.deadline) and c.deadline < self.now:
                outcomes[(self.bucket(c.deadline), c.kind.value)]["overdue"] += 1
        return {key: {"met": n["met"], "breached": n["breached"], "overdue": n["overdue"],
                      "compliance_pct": _pct(n["met"], n["met"] + n["breached"] + n["overdue"])}
                for key, n in outcomes.items()}

    def _resolved_at(self, order_id: int) -> list[datetime]:
        return [at for at, _, _, to_status in self.changes.get(order_id, ()) if to_status == "resolved"]

    def first_time_fix(self) -> dict[tuple, dict]:
        tally = defaultdict(Counter)
        for order in self.orders.values():
            at = self.milestone(order.id, "resolution")
            if order.asset_id is None or order.status is Status.CANCELLED or not self.in_range(at):
                continue
            followed = any(other.asset_id == order.asset_id and other.id != order.id
                           and other.status is not Status.CANCELLED
                           and at < other.created_at <= at + FOLLOW_UP_WINDOW for other in self.orders.values())
            tally[(self.bucket(at), None)]["followed" if followed else "fixed"] += 1
        return {key: {"resolved_orders": n["followed"] + n["fixed"], "followed_up": n["followed"],
                      "fixed_first_time": n["fixed"], "first_time_fix_pct": _pct(n["fixed"], n["followed"] + n["fixed"])}
                for key, n in tally.items()}

    def repeat_visits(self) -> dict[tuple, dict]:
        tally = defaultdict(Counter)
        for order in self.orders.values():
            if order.asset_id is None or order.status is Status.CANCELLED or not self.in_range(order.created_at):
                continue
            repeat = any(other.asset_id == order.asset_id and other.id != order.id
                         and other.status is not Status.CANCELLED
                         and any(order.created_at - FOLLOW_UP_WINDOW <= at < order.created_at
                                 for at in self._resolved_at(other.id)) for other in self.orders.values())
            tally[(self.bucket(order.created_at), None)]["repeat" if repeat else "first"] += 1
        return {key: {"orders": n["repeat"] + n["first"], "repeat_orders": n["repeat"],
                      "repeat_visit_pct": _pct(n["repeat"], n["repeat"] + n["first"])} for key, n in tally.items()}

    # -- ratings

    def _ratings(self) -> dict[tuple, list[Rating]]:
        ratings = defaultdict(list)
        for rating in self.session.scalars(select(Rating)):
            if self.in_range(rating.rated_at):
                ratings[(self.bucket(rating.rated_at), None)].append(rating)
        return ratings

    def csat(self) -> dict[tuple, dict]:
        result = {}
        for key, ratings in self._ratings().items():
            satisfied = sum(1 for r in ratings if r.csat >= 4)
            result[key] = {"ratings": len(ratings), "csat_mean": round(statistics.mean(r.csat for r in ratings), 2),
                           "satisfied": satisfied, "satisfied_pct": _pct(satisfied, len(ratings))}
        return result

    def nps(self) -> dict[tuple, dict]:
        result = {}
        for key, ratings in self._ratings().items():
            answers = [r.nps for r in ratings if r.nps is not None]
            if not answers:
                continue
            promoters, detractors = sum(1 for a in answers if a >= 9), sum(1 for a in answers if a <= 6)
            result[key] = {"responses": len(answers), "promoters": promoters, "detractors": detractors,
                           "passives": len(answers) - promoters - detractors,
                           "nps": _pct(promoters - detractors, len(answers))}
        return result

    # -- engineers' time

    def utilisation(self) -> dict[tuple, dict]:
        seconds = defaultdict(Counter)
        for order_id, history in self.changes.items():
            engineer_id = self.orders[order_id].scheduled_engineer_id
            if engineer_id is None:
                continue
            for k, (at, _, _, to_status) in enumerate(history):
                if to_status not in ("en_route", "on_site"):
                    continue
                following = history[k + 1][0] if k + 1 < len(history) else self.now
                start, end = max(at, self.lo), min(following, at + STINT_CAP, self.hi)
                for bucket, part in self._split(start, end):
                    seconds[bucket]["travel" if to_status == "en_route" else "work"] += part
        for bucket, shift in self._shifts().items():
            seconds[bucket]["shift"] += shift
        return {(bucket, None): {"travel_hours": round(s["travel"] / 3600, 2), "work_hours": round(s["work"] / 3600, 2),
                                 "shift_hours": round(s["shift"] / 3600, 2),
                                 "utilisation_pct": _pct(s["travel"] + s["work"], s["shift"])}
                for bucket, s in seconds.items()}

    def _split(self, start: datetime, end: datetime):
        """(bucket, seconds) of [start, end), cut at local midnights."""
        while start < end:
            local = start.astimezone(self.zone)
            midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=self.zone)
            piece_end = min(end, midnight)
            yield self.bucket(start), (piece_end - start).total_seconds()
            start = piece_end

    def _shifts(self) -> dict[date, float]:
        hours = defaultdict(list)
        for period in self.session.scalars(select(WorkingHours)):
            hours[period.engineer_id].append(period)
        time_off = defaultdict(list)
        for off in self.session.scalars(select(TimeOff)):
            time_off[off.engineer_id].append((off.starts_at, off.ends_at))
        shifts: dict[date, float] = Counter()
        day = self.window.date_from
        engineers = set(self.session.scalars(select(Engineer.id)))
        while day <= self.window.date_to:
            for engineer_id in engineers:
                for period in hours.get(engineer_id, ()):
                    if period.weekday != day.weekday():
                        continue
                    start = datetime.combine(day, period.starts, tzinfo=self.zone)
                    end = datetime.combine(day, period.ends, tzinfo=self.zone)
                    shifts[self.bucket_of_day(day)] += (end - start).total_seconds() - _covered(
                        start, end, time_off.get(engineer_id, ()))
            day += timedelta(days=1)
        return shifts

    # -- parts

    def parts_cost(self) -> dict[tuple, dict]:
        costs, with_parts = defaultdict(list), Counter()
        for order in self.orders.values():
            at = self.milestone(order.id, "resolution")
            if self.in_range(at):
                costs[(self.bucket(at), None)].append(parts_cost_of_order(self.session, order.id))
                with_parts[(self.bucket(at), None)] += bool(parts_lines_of_order(self.session, order.id))
        return {key: {"resolved_orders": len(c), "orders_with_parts": with_parts[key], "parts_cost_cents": sum(c),
                      "mean_parts_cost_cents": round(sum(c) / len(c))} for key, c in costs.items()}


def _covered(start: datetime, end: datetime, spans) -> float:
    """Seconds of [start, end) inside any of `spans` (which may overlap)."""
    pieces = sorted((max(a, start), min(b, end)) for a, b in spans if a < end and b > start)
    covered, reach = 0.0, start
    for a, b in pieces:
        a = max(a, reach)
        if b > a:
            covered += (b - a).total_seconds()
            reach = b
    return covered
