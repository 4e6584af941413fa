"""KPI queries over a large history: builds, in a database of its own, two years of a
field-service company in SQL (1,000,000 orders by default, about six events each,
engineers with teams and working hours, SLA clocks, ratings, parts), then times every
KPI over a year by month, a month by day and a quarter by week, grouped several ways.

    .venv/bin/python -m bench.kpis --orders 1000000
    .venv/bin/python -m bench.kpis --orders 1000000 --compare-indexes   # also without 0009's indexes
    .venv/bin/python -m bench.kpis --explain time-to-resolve            # the plans, then stop

The database (default `bench_kpis` on the dev cluster, or `--database-url`) is created
when missing and migrated to head first; the data is generated once and kept (a marker
row says how many orders it holds), `--regenerate` builds it again.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, datetime, timezone

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench._common import table

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/bench_kpis"
PROTECTED = {"gongdan", "postgres", "template0", "template1"}
# The history runs over the two years up to the end of October 2026.
HISTORY_START, HISTORY_DAYS = date(2024, 11, 1), 730
# Orders come from one reference "now" so that open orders and running clocks are coherent.
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)

SCENARIOS = [
    # label, first day, last day, period, groupings
    ("year by month", date(2025, 11, 1), date(2026, 10, 31), "month", (None, "team")),
    ("month by day", date(2026, 10, 1), date(2026, 10, 31), "day", (None, "engineer")),
    ("quarter by week", date(2026, 8, 3), date(2026, 11, 1), "week", ("customer", "work_type")),
]


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    name = parsed.database
    if name in PROTECTED or name.startswith(("main_test", "scratch")):
        raise SystemExit(f"refusing to use database {name!r}: give the benchmark a database of its own")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            print(f"created database {name}")
    admin.dispose()


def migrate(url: str, revision: str = "head", downgrade: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    from bench._common import ROOT
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    (command.downgrade if downgrade else command.upgrade)(config, revision)


# -- the data ---------------------------------------------------------------------------------

def sizes(orders: int) -> dict[str, int]:
    return {"orders": orders, "engineers": max(20, orders // 2500), "teams": max(4, orders // 25_000),
            "customers": max(100, orders // 100), "sites": max(150, orders // 25),
            "assets": max(300, orders * 3 // 20), "parts": 200}


STEPS = [
    ("teams, engineers and their hours", """
        INSERT INTO teams (name) SELECT '班组 Team ' || g FROM generate_series(1, :teams) g;
        INSERT INTO users (email, username, name, role, password_hash, is_active, locale)
        SELECT 'bench-engineer-' || g || '@example.test', 'bench_engineer_' || g, '工程师' || g, 'engineer',
               'x', true, 'zh_CN'
        FROM generate_series(1, :engineers) g;
        INSERT INTO users (email, username, name, role, password_hash, is_active, locale)
        VALUES ('bench-warehouse@example.test', 'bench_warehouse', '仓管', 'warehouse', 'x', true, 'zh_CN');
        INSERT INTO engineers (user_id, home_base, max_jobs_per_day, is_active, team_id)
        SELECT u.id, ST_SetSRID(ST_MakePoint(121.3 + random() * 0.4, 31.1 + random() * 0.3), 4326), 8, true,
               1 + (row_number() OVER (ORDER BY u.id) - 1) % :teams
        FROM users u WHERE u.role = 'engineer';
        INSERT INTO engineer_working_hours (engineer_id, weekday, starts, ends)
        SELECT e.id, d, time '08:30', time '17:30' FROM engineers e, generate_series(0, 4) d;
        INSERT INTO engineer_working_hours (engineer_id, weekday, starts, ends)
        SELECT e.id, 5, time '09:00', time '13:00' FROM engineers e WHERE e.id % 4 = 0;
        -- about twelve days off a year each, as whole local days
        INSERT INTO engineer_time_off (engineer_id, starts_at, ends_at, reason)
        SELECT e.id, (day::timestamp) AT TIME ZONE 'Asia/Shanghai',
               (day::timestamp + interval '1 day') AT TIME ZONE 'Asia/Shanghai', 'leave'
        FROM engineers e,
             LATERAL (SELECT DISTINCT CAST(:history_start AS date) + (random() * :history_days)::int AS day
                      FROM generate_series(1, 24 + e.id % 2)) days"""),
    ("customers, sites, assets, parts", """
        INSERT INTO customers (name, tier)
        SELECT '客户 Customer ' || g, CASE WHEN g % 10 = 0 THEN 'vip' ELSE 'standard' END
        FROM generate_series(1, :customers) g;
        INSERT INTO sites (customer_id, name, address, location, geofence_radius_m)
        SELECT 1 + (g - 1) % :customers, 'Site ' || g, 'Shanghai',
               ST_SetSRID(ST_MakePoint(121.2 + random() * 0.6, 31.0 + random() * 0.5), 4326), 200
        FROM generate_series(1, :sites) g;
        INSERT INTO assets (site_id, model, serial_number)
        SELECT 1 + (g - 1) % :sites, 'Model ' || (g % 37), 'BENCH-' || g FROM generate_series(1, :assets) g;
        INSERT INTO parts (sku, name, unit, unit_cost_cents, serial_tracked, compatible_models)
        SELECT 'BP-' || g, 'Part ' || g, 'pcs', 500 + (random() * 50000)::int, false, '[]'
        FROM generate_series(1, :parts) g;
        INSERT INTO stock_locations (kind, name, is_active) VALUES ('warehouse', 'Bench DC', true)"""),
    ("orders and their timelines", """
        CREATE TEMP TABLE timeline AS
        SELECT g AS id, o.created_at, o.asset_id, o.fate, o.held,
               o.created_at + (5 + random() * 115) * interval '1 minute' AS assigned_at,
               o.created_at + (130 + random() * 60) * interval '1 minute' AS accepted_at,
               o.visit_at - (15 + random() * 60) * interval '1 minute' AS travel_at,
               o.visit_at,
               o.visit_at + (30 + random() * 210) * interval '1 minute' AS resolved_at,
               1 + (random() * (:engineers - 1))::int AS engineer_id
        FROM generate_series(1, :orders) g,
             LATERAL (SELECT c.created_at, c.fate, c.held, c.asset_id,
                             c.created_at + (4 + random() * 44) * interval '1 hour' AS visit_at
                      -- orders arrive in id order, as in life: the heap follows time
                      FROM (SELECT CAST(:history_start AS timestamptz)
                                       + (g - random()) / :orders * :history_days * interval '1 day' AS created_at,
                                   CASE WHEN random() < 0.03 THEN 'cancelled'
                                        WHEN random() < 0.03 THEN 'open' ELSE 'done' END AS fate,
                                   random() < 0.1 AS held,
                                   CASE WHEN random() < 0.7 THEN 1 + (random() * (:assets - 1))::int END AS asset_id
                            WHERE g > 0) c) o;
        -- an order still open at NOW has not reached its later steps
        UPDATE timeline SET fate = 'open' WHERE fate = 'done' AND resolved_at > :now;
        INSERT INTO work_orders (id, number, channel, work_type, priority, status, title, description, customer_id,
                                 site_id, asset_id, estimated_duration_min, version, created_at, updated_at, team_id,
                                 scheduled_engineer_id)
        SELECT t.id, 'BENCH-' || t.id,
               (ARRAY['phone', 'phone', 'phone', 'email', 'web', 'wechat', 'wechat', 'api', 'import'])
                   [1 + (random() * 8)::int],
               (ARRAY['repair', 'repair', 'repair', 'maintenance', 'maintenance', 'installation', 'inspection'])
                   [1 + (random() * 6)::int],
               (ARRAY['urgent', 'high', 'normal', 'normal', 'normal', 'low'])[1 + (random() * 5)::int],
               CASE t.fate WHEN 'cancelled' THEN 'cancelled' WHEN 'open' THEN 'assigned' ELSE 'closed' END,
               'Bench order ' || t.id, '', 1 + (s.site - 1) % :customers, s.site, t.asset_id, 90, 1,
               t.created_at, t.created_at,
               CASE WHEN t.id % 2 = 0 THEN 1 + t.id % :teams END,
               CASE WHEN t.fate <> 'cancelled' THEN t.engineer_id END
        FROM timeline t,
             LATERAL (SELECT COALESCE(1 + (t.asset_id - 1) % :sites, 1 + t.id % :sites) AS site) s;
        SELECT setval('work_orders_id_seq', :orders)"""),
    ("events", """
        INSERT INTO work_order_events (work_order_id, kind, action, from_status, to_status, server_time,
                                       device_time, payload)
        SELECT id, kind, action, from_status, to_status, at + lag, CASE WHEN field THEN at END, '{}'
        FROM (
            SELECT t.id, s.*, CASE WHEN s.field THEN random() * interval '3 minutes' ELSE interval '0' END AS lag
            FROM timeline t
            CROSS JOIN LATERAL (VALUES
                (1, 'created', NULL, NULL, 'new', t.created_at, false, true),
                (2, 'status_changed', 'cancel', 'new', 'cancelled', t.assigned_at, false, t.fate = 'cancelled'),
                (3, 'status_changed', 'assign', 'new', 'assigned', t.assigned_at, false, t.fate <> 'cancelled'),
                (4, 'status_changed', 'accept', 'assigned', 'accepted', t.accepted_at, true, t.fate = 'done'),
                (5, 'status_changed', 'start_travel', 'accepted', 'en_route', t.travel_at, true, t.fate = 'done'),
                (6, 'status_changed', 'check_in', 'en_route', 'on_site', t.visit_at, true, t.fate = 'done'),
                (7, 'status_changed', 'hold', 'on_site', 'on_hold', t.visit_at + interval '20 minutes', true,
                 t.fate = 'done' AND t.held),
                (8, 'status_changed', 'resume', 'on_hold', 'on_site', t.visit_at + interval '2 hours', true,
                 t.fate = 'done' AND t.held),
                (9, 'status_changed', 'resolve', 'on_site', 'resolved',
                 t.resolved_at + CASE WHEN t.held THEN interval '2 hours' ELSE interval '0' END, true,
                 t.fate = 'done'),
                (10, 'status_changed', 'close', 'resolved', 'closed', t.resolved_at + interval '2 days', false,
                 t.fate = 'done')
            ) AS s(step, kind, action, from_status, to_status, at, field, happens)
            WHERE s.happens AND s.at < :now
            ORDER BY s.at) e"""),
    ("SLA clocks", """
        INSERT INTO sla_clocks (work_order_id, kind, target_minutes, business_time, state, started_at, stopped_at,
                                deadline, elapsed_s, paused_s, computed_at)
        SELECT t.id, k.kind, k.minutes, false,
               CASE WHEN t.fate = 'cancelled' THEN 'cancelled'
                    WHEN k.stop IS NULL OR k.stop > :now THEN 'running'
                    WHEN k.stop <= t.created_at + k.minutes * interval '1 minute' THEN 'met' ELSE 'breached' END,
               t.created_at,
               CASE WHEN t.fate = 'cancelled' THEN t.assigned_at WHEN k.stop <= :now THEN k.stop END,
               t.created_at + k.minutes * interval '1 minute', 0, 0, :now
        FROM timeline t
        CROSS JOIN LATERAL (VALUES
            ('first_response', 60, t.assigned_at),
            ('arrival', 1440, CASE WHEN t.fate = 'done' THEN t.visit_at END),
            ('resolution', 2880, CASE WHEN t.fate = 'done' THEN t.resolved_at END)) AS k(kind, minutes, stop)"""),
    ("ratings", """
        INSERT INTO work_order_ratings (work_order_id, csat, nps, source, rated_at)
        SELECT t.id, (ARRAY[1, 2, 3, 4, 4, 5, 5, 5])[1 + (random() * 7)::int],
               CASE WHEN random() < 0.8 THEN (random() * 10)::int END, 'link',
               t.resolved_at + random() * interval '3 days'
        FROM timeline t WHERE t.fate = 'done' AND random() < 0.3 AND t.resolved_at + interval '3 days' < :now"""),
    ("parts movements", """
        INSERT INTO stock_movements (kind, part_id, from_location_id, quantity, unit_cost_cents, work_order_id,
                                     asset_id, actor_id, created_at)
        SELECT 'issue', p.id, 1, 1 + (random() * 2)::int, p.unit_cost_cents, t.id, t.asset_id,
               (SELECT id FROM users WHERE role = 'warehouse'), t.visit_at
        FROM timeline t JOIN parts p ON p.id = 1 + t.id % 200
        WHERE t.fate = 'done' AND t.id % 5 = 0;
        INSERT INTO stock_movements (kind, part_id, to_location_id, quantity, unit_cost_cents, work_order_id,
                                     asset_id, actor_id, created_at)
        SELECT 'return', m.part_id, 1, 1, m.unit_cost_cents, m.work_order_id, m.asset_id, m.actor_id,
               m.created_at + interval '1 day'
        FROM stock_movements m WHERE m.kind = 'issue' AND m.work_order_id % 35 = 0"""),
]


def generate(engine: Engine, orders: int) -> None:
    params = {**sizes(orders), "history_start": HISTORY_START, "history_days": HISTORY_DAYS, "now": NOW}
    with engine.begin() as conn:
        conn.execute(text("SELECT setseed(0.2026)"))
        for label, sql in STEPS:
            started = time.perf_counter()
            for statement in _statements(sql):
                conn.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})
            print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_marker (orders integer NOT NULL)"))
        conn.execute(text("DELETE FROM bench_marker"))
        conn.execute(text("INSERT INTO bench_marker VALUES (:orders)"), {"orders": orders})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        started = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        print(f"  vacuum analyze: {time.perf_counter() - started:.1f} s", flush=True)


def _statements(sql: str) -> list[str]:
    pieces = [piece.strip() for piece in sql.split(";")]
    return [piece for piece in pieces
            if any(line.strip() and not line.strip().startswith("--") for line in piece.splitlines())]


def generated_orders(engine: Engine) -> int | None:
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT to_regclass('bench_marker') IS NOT NULL")):
            return None
        return conn.scalar(text("SELECT orders FROM bench_marker"))


def wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.scalar(text(f"SELECT count(*) FROM {name}")) for name in
                ("work_orders", "work_order_events", "sla_clocks", "work_order_ratings", "stock_movements",
                 "engineers", "teams", "assets")}


# -- timing -----------------------------------------------------------------------------------

def time_kpis(engine: Engine, runs: int, only: list[str] | None) -> list[list]:
    from kpis.catalogue import KPIS
    from kpis.queries import Window
    results = []
    with Session(engine) as session:
        for kpi in KPIS.values():
            if only and kpi.name not in only:
                continue
            for label, first, last, period, groupings in SCENARIOS:
                # utilisation has no customer or work type: it is timed by team instead
                usable = dict.fromkeys(by if by in kpi.groupings else "team" for by in groupings)
                for by in usable:
                    window = Window(first, last, period, by)
                    timings, rows = [], []
                    for _ in range(runs):
                        started = time.perf_counter()
                        rows = kpi.compute(session, window, now=NOW)
                        timings.append((time.perf_counter() - started) * 1000)
                        session.rollback()
                    results.append([kpi.name, label, by or "-", len(rows), round(statistics.median(timings), 1)])
                    print("  " + "  ".join(str(v) for v in results[-1]), flush=True)
    return results


def explain(engine: Engine, name: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of one KPI's year-by-month and month-by-day queries."""
    from kpis.catalogue import KPIS
    from kpis.queries import Window
    kpi = KPIS[name]
    with Session(engine) as session:
        captured = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            captured.append((statement, parameters))

        from sqlalchemy import event
        for label, first, last, period, _ in SCENARIOS[:2]:
            captured.clear()
            event.listen(engine, "before_cursor_execute", capture)
            kpi.compute(session, Window(first, last, period, None), now=NOW)
            event.remove(engine, "before_cursor_execute", capture)
            statement, parameters = captured[-1]
            plan = session.connection().exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
            print(f"--- {name}, {label}")
            print("\n".join(row[0] for row in plan))
            session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_KPIS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--regenerate", action="store_true", help="Build the data again even if present")
    parser.add_argument("--runs", type=int, default=3, help="Runs per query; the median is printed")
    parser.add_argument("--kpi", action="append", help="Only this KPI (repeatable)")
    parser.add_argument("--compare-indexes", action="store_true",
                        help="Also time every query without the indexes of migration 0009")
    parser.add_argument("--explain", metavar="KPI", help="Print the query plans of one KPI and stop")
    args = parser.parse_args()

    ensure_database(args.database_url)
    engine = create_engine(args.database_url)
    present = generated_orders(engine)
    if args.regenerate or present != args.orders:
        if present is not None:
            print(f"dropping the old data ({present} orders)")
        wipe(engine)
        migrate(args.database_url)
        print(f"generating {args.orders:,} orders ...", flush=True)
        started = time.perf_counter()
        generate(engine, args.orders)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    else:
        migrate(args.database_url)
    print("rows: " + ", ".join(f"{n} {k}" for k, n in counts(engine).items()))
    with engine.connect() as conn:
        print("server: " + conn.scalar(text("SELECT version()")).split(" on ")[0] + "; " + ", ".join(
            f"{s} {conn.scalar(text(f'SHOW {s}'))}" for s in ("shared_buffers", "work_mem",
                                                             "max_parallel_workers_per_gather")))
    if args.explain:
        explain(engine, args.explain)
        return

    headers = ["KPI", "range", "by", "rows", "ms (median)"]
    print(f"\ntiming, {args.runs} runs each, with the KPI indexes (migration 0009):", flush=True)
    indexed = time_kpis(engine, args.runs, args.kpi)
    if args.compare_indexes:
        migrate(args.database_url, "0008", downgrade=True)
        try:
            print("\ntiming without the KPI indexes:", flush=True)
            plain = time_kpis(engine, args.runs, args.kpi)
        finally:
            migrate(args.database_url)
        rows = [row + [other[-1]] for row, other in zip(indexed, plain)]
        print("\n" + table(headers[:-1] + ["ms with 0009", "ms without"], rows))
    else:
        print("\n" + table(headers, indexed))


if __name__ == "__main__":
    main()
