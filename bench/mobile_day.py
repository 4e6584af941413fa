"""Latency of the phone's "my day" for an engineer with 12 jobs, under 16 concurrent
clients. Prints p50/p95/p99 and requests per second.

    PORT=5057 make run &                                   # the demo server
    .venv/bin/python -m bench.mobile_day --url http://127.0.0.1:5057

Signs in as the demo dispatcher and the demo engineer. So as not to disturb today's
demo plan, it reads a day 90 days ahead, which it first fills up to 12 jobs by
assigning unassigned demo orders to the engineer (an override: the bench is about
reading, not planning).
"""
from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench._common import table
from bench.inventory_throughput import Client
from bench.inventory_walkthrough import signed_in

ZONE = ZoneInfo("Asia/Shanghai")
JOBS = 12


def fill_day(dispatcher: Client, engineer: Client, day: date) -> int:
    """Assign unassigned orders to the engineer on `day` until they have JOBS jobs."""
    status, me = engineer.call("GET", "/mobile/v1/me")
    assert status == 200, me
    status, current = engineer.call("GET", f"/mobile/v1/my-day?date={day.isoformat()}")
    assert status == 200, current
    missing = JOBS - len(current["jobs"])
    if missing <= 0:
        return len(current["jobs"])
    status, orders = dispatcher.call("GET", f"/api/v1/work-orders?status=new&page_size={missing}")
    assert status == 200 and len(orders) == missing, f"not enough unassigned demo orders: {orders}"
    for k, order in enumerate(orders):
        start = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=8, minutes=40 * k)
        status, body = dispatcher.call("POST", f"/api/v1/work-orders/{order['id']}/assign", {
            "engineer_id": me["engineer_id"], "scheduled_start": start.isoformat(), "override": True})
        assert status == 200, body
    status, current = engineer.call("GET", f"/mobile/v1/my-day?date={day.isoformat()}")
    return len(current["jobs"])


def measure(url: str, token: dict, day: date, clients: int, requests: int) -> tuple[float, list[float], set]:
    def one(_: int) -> tuple[float, int, int]:
        client = Client(url)
        client.headers.update(token)
        started = time.perf_counter()
        status, body = client.call("GET", f"/mobile/v1/my-day?date={day.isoformat()}")
        return time.perf_counter() - started, status, len(body["jobs"]) if status == 200 else -1

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(clients)))          # warm-up: connections, caches
        started = time.perf_counter()
        results = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    return wall, [r[0] for r in results], {(r[1], r[2]) for r in results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=1600)
    args = parser.parse_args()

    dispatcher, engineer = signed_in(args.url, "dispatcher"), signed_in(args.url, "engineer")
    day = datetime.now(ZONE).date() + timedelta(days=90)
    jobs = fill_day(dispatcher, engineer, day)
    token = {"Authorization": engineer.headers["Authorization"]}
    wall, latencies, answers = measure(args.url, token, day, args.clients, args.requests)
    ms = sorted(1000 * s for s in latencies)
    quantiles = statistics.quantiles(ms, n=100)
    print(f"my day of the demo engineer on {day} ({jobs} jobs), {args.clients} concurrent clients, "
          f"{args.requests} requests; answers (status, jobs): {sorted(answers)}")
    print(table(["requests/s", "p50 ms", "p95 ms", "p99 ms", "max ms"],
                [[round(len(ms) / wall, 1), round(quantiles[49], 1), round(quantiles[94], 1),
                  round(quantiles[98], 1), round(ms[-1], 1)]]))


if __name__ == "__main__":
    main()
