"""The spare-parts walkthrough, from outside over HTTP, against a running server with the
demo data — what a warehouse, a dispatcher and an engineer do to replace a defective
board — then the last-units race with 50 simultaneous clients, then the ledger check.
Prints each step and exits non-zero at the first thing that is not right.

    PORT=5057 make run &
    .venv/bin/python -m bench.inventory_walkthrough --url http://127.0.0.1:5057

Creates its own parts (WALK-…, RACE-…); everything else is the demo's.
"""
from __future__ import annotations

import argparse
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from bench.inventory_throughput import Client

API = "/api/v1/inventory"


def check(what: str, condition: bool, detail: object = "") -> None:
    print(f"  {'ok ' if condition else 'FAIL'} {what}" + (f": {detail}" if detail != "" else ""))
    if not condition:
        sys.exit(1)


def signed_in(url: str, role: str) -> Client:
    client = Client(url)
    client.login(f"{role}@demo.gongdan.dev")
    return client


def walkthrough(url: str) -> None:
    keeper, dispatcher, engineer = (signed_in(url, r) for r in ("warehouse", "dispatcher", "engineer"))
    run = uuid.uuid4().hex[:6]
    print("replacing a defective board")
    status, orders = engineer.call("GET", "/api/v1/work-orders?status=assigned&status=accepted&page_size=100")
    order = next((o for o in orders if o["asset"]), None) if status == 200 else None
    check("the demo engineer has an open order on equipment", order is not None, status)
    engineer_id = order["scheduled_engineer"]["id"]
    _, locations = keeper.call("GET", f"{API}/locations?page_size=100")
    van = next(loc for loc in locations if loc["engineer_id"] == engineer_id)
    warehouse = next(loc for loc in locations if loc["kind"] == "warehouse")
    returns = next(loc for loc in locations if loc["kind"] == "returns")

    status, part = keeper.call("POST", f"{API}/parts", {"sku": f"WALK-{run}", "name": "Inverter board (walkthrough)",
                                                        "unit_cost_cents": 52000, "serial_tracked": True})
    check("warehouse adds a serial-tracked part", status == 201, part)
    serials = [f"WALK-{run}-A", f"WALK-{run}-B"]
    status, body = keeper.call("POST", f"{API}/receipts", {"part_id": part["id"], "location_id": warehouse["id"],
                                                           "quantity": 2, "unit_cost_cents": 50000, "serials": serials})
    check("warehouse receives 2 by serial", status == 201, body)
    status, body = keeper.call("POST", f"{API}/transfers", {"part_id": part["id"], "from_location_id": warehouse["id"],
                                                            "to_location_id": van["id"], "quantity": 2,
                                                            "serials": serials})
    check("warehouse transfers both to the engineer's van", status == 201, body)
    status, body = dispatcher.call("POST", f"{API}/reservations", {"part_id": part["id"], "location_id": van["id"],
                                                                   "work_order_id": order["id"], "quantity": 2})
    check("dispatcher reserves them for the order", status == 201, body)
    engineer.headers["Idempotency-Key"] = f"walk-{run}-issue"
    status, body = engineer.call("POST", f"{API}/issues", {"part_id": part["id"], "location_id": van["id"],
                                                           "work_order_id": order["id"], "quantity": 2,
                                                           "serials": serials})
    again, replay = engineer.call("POST", f"{API}/issues", {"part_id": part["id"], "location_id": van["id"],
                                                            "work_order_id": order["id"], "quantity": 2,
                                                            "serials": serials})
    del engineer.headers["Idempotency-Key"]
    check("engineer consumes both on the order", status == 201, body)
    check("a retried consume answers the same, once", again == 201 and replay == body)
    status, body = keeper.call("POST", f"{API}/returns", {"part_id": part["id"], "work_order_id": order["id"],
                                                          "to_location_id": returns["id"], "quantity": 1,
                                                          "defective": True, "serials": serials[1:]})
    check("warehouse takes one back as defective", status == 201, body)
    status, body = keeper.call("POST", f"{API}/removals", {"part_id": part["id"], "work_order_id": order["id"],
                                                           "to_location_id": returns["id"], "quantity": 1,
                                                           "serials": [f"OLD-{run}"]})
    check("warehouse books the old board taken out of the unit", status == 201, body)

    _, cost = dispatcher.call("GET", f"{API}/work-orders/{order['id']}/parts-cost")
    check("the order's parts cost is the one board kept", cost["parts_cost_cents"] == 50000, cost)
    _, history = keeper.call("GET", f"{API}/assets/{order['asset']['id']}/parts")
    mine = [(h["change"], h["serials"]) for h in history["history"] if h["sku"] == part["sku"]]
    check("the asset's history", mine == [("installed", serials), ("removed", serials[1:]),
                                          ("removed", [f"OLD-{run}"])], mine)
    check("the asset holds board A now",
          [u["serial"] for u in history["installed"] if u["sku"] == part["sku"]] == serials[:1], history["installed"])


def race(url: str, clients: int = 50, units: int = 10) -> None:
    print(f"{clients} clients issue the last {units} units")
    keeper, dispatcher = signed_in(url, "warehouse"), signed_in(url, "dispatcher")
    run = uuid.uuid4().hex[:6]
    _, part = keeper.call("POST", f"{API}/parts", {"sku": f"RACE-{run}", "name": "Race part"})
    _, locations = keeper.call("GET", f"{API}/locations?page_size=100")
    warehouse = next(loc for loc in locations if loc["kind"] == "warehouse")
    keeper.call("POST", f"{API}/receipts", {"part_id": part["id"], "location_id": warehouse["id"],
                                            "quantity": units, "unit_cost_cents": 100})
    _, orders = dispatcher.call("GET", "/api/v1/work-orders?status=new&page_size=1")
    start = Barrier(clients)

    def one(_: int) -> tuple[int, str | None]:
        client = Client(url)
        client.headers.update(dispatcher.headers)
        start.wait()
        status, body = client.call("POST", f"{API}/issues", {"part_id": part["id"], "location_id": warehouse["id"],
                                                             "work_order_id": orders[0]["id"], "quantity": 1})
        return status, (body or {}).get("status") if status != 201 else None

    with ThreadPoolExecutor(clients) as pool:
        answers = Counter(pool.map(one, range(clients)))
    check("answers", answers == Counter({(201, None): units, (409, "insufficient_stock"): clients - units}),
          dict(answers))
    _, levels = keeper.call("GET", f"{API}/levels?part_id={part['id']}")
    check("on hand ends at 0", [lvl["on_hand"] for lvl in levels] == [0], levels)
    _, issues = keeper.call("GET", f"{API}/movements?part_id={part['id']}&kind=issue&page_size=100")
    check(f"the ledger has exactly {units} issue movements", len(issues) == units, len(issues))


def reconcile(url: str) -> None:
    print("the ledger")
    status, body = signed_in(url, "warehouse").call("GET", f"{API}/reconciliation")
    check("levels and serials equal the ledger", status == 200 and body["consistent"], body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    args = parser.parse_args()
    walkthrough(args.url)
    race(args.url)
    reconcile(args.url)
    print("all good")


if __name__ == "__main__":
    main()
