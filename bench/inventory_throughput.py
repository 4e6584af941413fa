"""Issue throughput through the HTTP API: 16 concurrent clients issuing parts to a work
order, on one hot part (every request fights for the same row lock) and spread over
1,000 different parts. Prints movements per second and latency percentiles.

    PORT=5057 make run &                                   # the demo server
    .venv/bin/python -m bench.inventory_throughput --url http://127.0.0.1:5057

Uses the demo accounts (warehouse, dispatcher) and one open demo order; creates its
own parts, named BENCH-…, in a warehouse of its own.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench._common import table

PASSWORD = "gongdan-demo"


class Client:
    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.headers = {"Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def login(self, email: str) -> None:
        status, body = self.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        assert status == 200, body
        self.headers["Authorization"] = f"Bearer {body['access_token']}"


def prepare(client: Client, parts: int, stock_each: int) -> tuple[int, list[int], int]:
    run = uuid.uuid4().hex[:6]
    status, place = client.call("POST", "/api/v1/inventory/locations",
                                {"kind": "warehouse", "name": f"Bench DC {run}"})
    assert status == 201, place
    part_ids = []
    for k in range(parts):
        status, part = client.call("POST", "/api/v1/inventory/parts",
                                   {"sku": f"BENCH-{run}-{k}", "name": f"Bench part {k}", "unit_cost_cents": 100})
        assert status == 201, part
        status, _ = client.call("POST", "/api/v1/inventory/receipts", {
            "part_id": part["id"], "location_id": place["id"], "quantity": stock_each, "unit_cost_cents": 100})
        assert status == 201
        part_ids.append(part["id"])
    status, orders = client.call("GET", "/api/v1/work-orders?status=assigned&page_size=1")
    assert status == 200 and orders, orders
    return place["id"], part_ids, orders[0]["id"]


def hammer(url: str, token: dict, location_id: int, part_ids: list[int], order_id: int, requests: int,
           clients: int) -> tuple[float, list[float], dict[int, int]]:
    def one(k: int) -> tuple[float, int]:
        client = Client(url)
        client.headers.update(token)
        body = {"part_id": part_ids[k % len(part_ids)], "location_id": location_id, "work_order_id": order_id,
                "quantity": 1}
        started = time.perf_counter()
        status, _ = client.call("POST", "/api/v1/inventory/issues", body)
        return time.perf_counter() - started, status

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    statuses: dict[int, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    return wall, sorted(latency for latency, _ in results), statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    keeper = Client(args.url)
    keeper.login("warehouse@demo.gongdan.dev")
    rows = []
    for label, parts in (("one hot part", 1), ("1,000 parts", 1000)):
        location_id, part_ids, order_id = prepare(keeper, parts, stock_each=args.requests)
        wall, latencies, statuses = hammer(args.url, {"Authorization": keeper.headers["Authorization"]},
                                           location_id, part_ids, order_id, args.requests, args.clients)
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        rows.append([label, args.requests, args.clients, round(args.requests / wall, 1), round(p50, 1),
                     round(p99, 1), json.dumps(statuses)])
        print(f"{label}: {args.requests / wall:.1f} movements/s, p99 {p99:.1f} ms", flush=True)
    print()
    print(table(["case", "issues", "clients", "movements/s", "p50 ms", "p99 ms", "statuses"], rows))


if __name__ == "__main__":
    main()
