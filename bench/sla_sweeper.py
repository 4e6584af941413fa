"""What the SLA sweeper costs with 100,000 open orders and 300,000 running clocks.

    .venv/bin/python -m bench.sla_sweeper [--orders 100000] [--due 1000]

Builds its own database (`bench_sla` on the dev cluster unless `--database-url`),
migrated to head, with the open orders and three running clocks each written in SQL;
`--due` of the orders have their first warning owed now. Then it measures, printing a
table:
- an idle tick (nothing due): the sweeper's query alone, with its plan;
- the same query without the partial index on `next_due_at` (dropped and restored), to
  show what the index buys;
- a busy tick: raising the owed warnings (SLA event, timeline event, notifications,
  the clock's next threshold) — time and warnings per second;
- two sweepers (two processes, as two workers) at once on the rest.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench._common import table

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/bench_sla"
DUE_QUERY = """
SELECT wo.id FROM work_orders wo
WHERE wo.id IN (SELECT work_order_id FROM sla_clocks WHERE next_due_at <= now())
ORDER BY (SELECT min(next_due_at) FROM sla_clocks c WHERE c.work_order_id = wo.id), wo.id
LIMIT 200 FOR UPDATE OF wo SKIP LOCKED"""


def create_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def build(url: str, orders: int, due: int) -> None:
    from app.cli import upgrade_database
    upgrade_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        calendar_id = conn.scalar(text("SELECT id FROM business_calendars ORDER BY id LIMIT 1"))
        policy_id = conn.scalar(text(
            "INSERT INTO sla_policies (name, position, is_active, calendar_id, customer_tiers, priorities, "
            "work_types, channels, pause_on_hold_reasons, thresholds) VALUES ('Bench', 1, true, :c, '[]', '[]', "
            "'[]', '[]', '[]', '[50, 75, 100]') RETURNING id"), {"c": calendar_id})
        conn.execute(text("INSERT INTO sla_targets (policy_id, kind, minutes, business_time) VALUES "
                          "(:p, 'first_response', 60, false), (:p, 'arrival', 240, false), "
                          "(:p, 'resolution', 480, false)"), {"p": policy_id})
        conn.execute(text("INSERT INTO users (email, username, name, role, password_hash, is_active, locale) "
                          "VALUES ('dispatcher@bench', 'dispatcher', 'Dispatcher', 'dispatcher', 'x', true, 'en')"))
        customer_id = conn.scalar(text("INSERT INTO customers (name, tier) VALUES ('Bench', 'standard') "
                                       "RETURNING id"))
        site_id = conn.scalar(text(
            "INSERT INTO sites (customer_id, name, address, location, geofence_radius_m) VALUES "
            "(:c, 'Bench', 'Shanghai', ST_SetSRID(ST_MakePoint(121.47, 31.23), 4326), 200) RETURNING id"),
            {"c": customer_id})
        # Orders 1..due were created 40 minutes ago: their first response is past 50 %.
        # The rest were created within the last 20 minutes: nothing due for 10 more.
        conn.execute(text("""
            INSERT INTO work_orders (number, channel, work_type, priority, status, title, description,
                                     customer_id, site_id, estimated_duration_min, version, created_at)
            SELECT 'B-' || g, 'phone', 'repair', 'normal', 'new', 'Bench order ' || g, '', :c, :s, 60, 1,
                   CASE WHEN g <= :due THEN now() - interval '40 minutes'
                        ELSE now() - (g % 1200) * interval '1 second' END
            FROM generate_series(1, :n) AS g"""), {"c": customer_id, "s": site_id, "n": orders, "due": due})
        conn.execute(text("""
            INSERT INTO work_order_events (work_order_id, kind, to_status, server_time, payload)
            SELECT id, 'created', 'new', created_at, '{}' FROM work_orders"""))
        conn.execute(text("""
            INSERT INTO sla_clocks (work_order_id, kind, policy_id, target_minutes, business_time, state,
                                    started_at, deadline, elapsed_s, paused_s, next_threshold, next_due_at,
                                    computed_at)
            SELECT wo.id, t.kind, :p, t.minutes, false, 'running', wo.created_at,
                   wo.created_at + t.minutes * interval '1 minute', 0, 0, 50,
                   wo.created_at + t.minutes * interval '30 seconds', now()
            FROM work_orders wo CROSS JOIN sla_targets t WHERE t.policy_id = :p"""), {"p": policy_id})
        conn.execute(text("ANALYZE"))
    engine.dispose()


def timed(conn, sql: str, runs: int = 5) -> float:
    """Median milliseconds of `sql` (rolled back each time, so its locks do not linger)."""
    samples = []
    for _ in range(runs):
        with conn.begin() as transaction:
            started = time.perf_counter()
            conn.execute(text(sql)).all()
            samples.append((time.perf_counter() - started) * 1000)
            transaction.rollback()
    return statistics.median(samples)


def plan(conn, sql: str) -> str:
    with conn.begin() as transaction:
        lines = conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)).scalars().all()
        transaction.rollback()
    return "\n".join("    " + line for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    url = args.database_url
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:56379/15")

    started = time.perf_counter()
    create_database(url)
    build(url, args.orders, args.due)
    print(f"built {args.orders:,} open orders, {3 * args.orders:,} running clocks, {args.due:,} owing a warning "
          f"in {time.perf_counter() - started:.1f} s")

    engine = create_engine(url)
    rows = []
    with engine.connect() as conn:
        clocks = conn.scalar(text("SELECT count(*) FROM sla_clocks WHERE state = 'running'"))
        conn.commit()
        # Idle: look at a moment when nothing is due (the owed ones are 40 min old; ask
        # for what was due 45 minutes ago).
        idle_sql = DUE_QUERY.replace("<= now()", "<= now() - interval '45 minutes'")
        rows.append(["idle tick, partial index", f"{clocks:,}", 0, f"{timed(conn, idle_sql):.2f} ms", ""])
        idle_plan = plan(conn, idle_sql)
        due_ms = timed(conn, DUE_QUERY)
        rows.append(["first batch of 200 due, partial index", f"{clocks:,}", 200, f"{due_ms:.2f} ms", ""])
        conn.execute(text("DROP INDEX ix_sla_clocks_due"))
        conn.commit()
        rows.append(["idle tick, no index (seq scan)", f"{clocks:,}", 0, f"{timed(conn, idle_sql):.2f} ms", ""])
        conn.execute(text("CREATE INDEX ix_sla_clocks_due ON sla_clocks (next_due_at) "
                          "WHERE next_due_at IS NOT NULL"))
        conn.commit()

    from app.factory import create_app
    app = create_app()
    half = args.due // 2
    with app.app_context():
        # One sweeper, half of the owed warnings (100 orders per transaction).
        started = time.perf_counter()
        totals = _sweep_some(app, half)
        seconds = time.perf_counter() - started
        rows.append(["busy tick, one sweeper", f"{clocks:,}", totals, f"{seconds:.2f} s",
                     f"{totals / seconds:.0f} warnings/s"])

    # Two sweepers at once on the rest, each a process of its own as two RQ workers are.
    started = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_sweep_all, [url, url]))
    seconds = time.perf_counter() - started
    raised = sum(r["raised"] for r in results)
    rows.append(["busy tick, two sweepers", f"{clocks:,}", raised, f"{seconds:.2f} s",
                 f"{raised / seconds:.0f} warnings/s ({results[0]['raised']} + {results[1]['raised']})"])

    with engine.connect() as conn:
        events = conn.scalar(text("SELECT count(*) FROM sla_events"))
        distinct = conn.scalar(text("SELECT count(DISTINCT (clock_id, threshold)) FROM sla_events"))
        timeline = conn.scalar(text("SELECT count(*) FROM work_order_events WHERE kind = 'sla'"))
    engine.dispose()

    print(table(["measure", "running clocks", "warnings", "time", "rate"], rows))
    print(f"\nsla_events {events:,} (distinct clock+threshold {distinct:,}), timeline events {timeline:,}: "
          f"{'each raised once' if events == distinct == timeline == args.due else 'MISMATCH'}")
    print("\nplan of the idle tick:\n" + idle_plan)


def _sweep_some(app, orders: int) -> int:
    """Sweep until about `orders` orders are done (batches of 100)."""
    from app.db import unit_of_work
    from sla import sweeper
    raised = 0
    while orders > 0:
        with unit_of_work() as session:
            report = sweeper.sweep(session, limit=min(100, orders))
        if report.orders == 0:
            break
        orders -= report.orders
        raised += report.raised
    return raised


def _sweep_all(url: str) -> dict:
    """One worker process: its own app, engine and connections."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:56379/15")
    from app.factory import create_app
    from sla.jobs import sweep_due_clocks
    with create_app().app_context():
        return sweep_due_clocks(batch_orders=100, budget_s=600)


if __name__ == "__main__":
    main()
