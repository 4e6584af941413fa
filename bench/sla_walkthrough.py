"""The SLA walkthrough, from outside over HTTP, against a running server (`make run`:
gunicorn, the worker and the cron process) with the demo data: a manager sets a
two-minute policy and two automation rules, an agent files an order, the rules act on
it, the background sweeper raises the warning and then the breach — once each — the
breach rule escalates the order, inboxes fill, and the KPIs answer in JSON and CSV.
Prints each step and exits non-zero at the first thing that is not right.

    PORT=5057 make run &
    .venv/bin/python -m bench.sla_walkthrough --url http://127.0.0.1:5057

Leaves the demo as it found it: its policy and rules are switched off at the end.
"""
from __future__ import annotations

import argparse
import time
import uuid
from datetime import date, timedelta

from bench.inventory_throughput import Client
from bench.inventory_walkthrough import check, signed_in

API = "/api/v1"


def walkthrough(url: str, wait_s: int) -> None:
    manager, agent, dispatcher = (signed_in(url, r) for r in ("manager", "agent", "dispatcher"))
    run = uuid.uuid4().hex[:6]

    print("a manager sets a two-minute first response for API inspections, and two rules")
    _, calendars = manager.call("GET", f"{API}/sla/calendars")
    status, policy = manager.call("POST", f"{API}/sla/policies", {
        "name": f"Walkthrough {run}", "position": 1, "calendar_id": calendars[0]["id"], "channels": ["api"],
        "work_types": ["inspection"], "thresholds": [50, 100],
        "targets": [{"kind": "first_response", "minutes": 2, "business_time": False}]})
    check("policy created", status == 201, policy)
    status, leak_rule = manager.call("POST", f"{API}/automation/rules", {
        "name": f"Leaks are high {run}", "trigger": "created", "position": 1,
        "conditions": [{"field": "text", "op": "keywords", "value": ["漏水", "leak"]}],
        "actions": [{"type": "set_priority", "priority": "high"}, {"type": "add_tag", "tag": f"leak-{run}"}]})
    check("rule: leaks are high priority", status == 201, leak_rule)
    status, breach_rule = manager.call("POST", f"{API}/automation/rules", {
        "name": f"Breached first response {run}", "trigger": "sla_breach", "position": 1,
        "conditions": [{"field": "sla_target", "op": "equals", "value": "first_response"}],
        "actions": [{"type": "set_priority", "priority": "urgent"}, {"type": "add_tag", "tag": f"breached-{run}"},
                    {"type": "notify", "to": ["managers"], "title": "{number} breached"}]})
    check("rule: a breached first response becomes urgent", status == 201, breach_rule)

    try:
        print("an agent files an order; the rules act on it")
        _, customers = agent.call("GET", f"{API}/customers?page_size=1")
        _, sites = agent.call("GET", f"{API}/sites?customer_id={customers[0]['id']}&page_size=1")
        _, templates = agent.call("GET", f"{API}/work-order-templates?work_type=inspection&is_active=true")
        status, order = agent.call("POST", f"{API}/work-orders", {
            "channel": "api", "work_type": "inspection", "customer_id": customers[0]["id"],
            "site_id": sites[0]["id"], "title": f"会议室天花板漏水 Leak in the meeting room {run}",
            "custom_fields": _required_fields(templates[0]["fields"] if templates else [])})
        check("order created", status == 201, order)
        check("the leak rule made it high priority and tagged it",
              order["priority"] == "high" and f"leak-{run}" in order["tags"], (order["priority"], order["tags"]))
        _, timeline = agent.call("GET", f"{API}/work-orders/{order['id']}/timeline?page_size=100")
        audit = [e for e in timeline if e["kind"] == "rule"]
        check("the rule's audit entry is in the timeline", len(audit) == 1, audit)
        _, clocks = agent.call("GET", f"{API}/work-orders/{order['id']}/sla")
        first = next(c for c in clocks if c["kind"] == "first_response")
        check("its first-response clock runs under the two-minute policy",
              first["state"] == "running" and first["policy_id"] == policy["id"], first)

        print(f"the worker's sweeper raises the warning (1 min) and the breach (2 min); waiting up to {wait_s} s")
        deadline = time.monotonic() + wait_s
        raised = []
        while time.monotonic() < deadline:
            _, events = dispatcher.call("GET", f"{API}/sla/events?page_size=100")
            raised = sorted(e["threshold"] for e in events if e["work_order_id"] == order["id"])
            if 100 in raised:
                break
            time.sleep(5)
        check("warning and breach raised, once each", raised == [50, 100], raised)
        time.sleep(2)
        _, timeline = agent.call("GET", f"{API}/work-orders/{order['id']}/timeline?page_size=100")
        sla = [e["action"] for e in timeline if e["kind"] == "sla"]
        check("both are in the order's timeline", sla == ["sla_warning", "sla_breach"], sla)
        status, now = agent.call("GET", f"{API}/work-orders/{order['id']}")
        check("the breach rule made it urgent and tagged it",
              now["priority"] == "urgent" and f"breached-{run}" in now["tags"], (now["priority"], now["tags"]))
        _, inbox = dispatcher.call("GET", f"{API}/notifications?work_order_id={order['id']}")
        check("dispatchers were told", {n["kind"] for n in inbox} >= {"sla_warning", "sla_breach"},
              [n["title"] for n in inbox])
        _, inbox = manager.call("GET", f"{API}/notifications?work_order_id={order['id']}")
        kinds = sorted(n["kind"] for n in inbox)
        check("the manager heard of the breach (from the sweeper and from the rule)",
              kinds == ["rule", "sla_breach"], kinds)

        print("KPIs")
        today = date.today()
        window = f"from={(today - timedelta(days=400)).isoformat()}&to={today.isoformat()}&period=month"
        status, volume = manager.call("GET", f"{API}/kpis/volume-by-channel?{window}")
        check("volume by channel answers", status == 200 and volume, status)
        api_this_month = sum(row.get("orders", 0) for row in volume if row.get("channel") == "api"
                             and row["bucket"] == today.replace(day=1).isoformat())
        check("this month's API orders include the one just filed", api_this_month >= 1, api_this_month)
        status, compliance = manager.call("GET", f"{API}/kpis/sla-compliance?{window}")
        check("SLA compliance answers", status == 200, status)
        csv_client = Client(url)
        csv_client.headers = {**manager.headers, "Accept": "text/csv"}
        request_status, _ = _raw(csv_client, f"{API}/kpis/csat?{window}")
        check("CSAT as CSV", request_status == 200, request_status)
    finally:
        manager.call("PATCH", f"{API}/sla/policies/{policy['id']}", {"is_active": False})
        for rule in (leak_rule, breach_rule):
            manager.call("PATCH", f"{API}/automation/rules/{rule['id']}", {"is_active": False})
        print("the walkthrough's policy and rules are switched off again")


def _required_fields(fields: list[dict]) -> dict:
    """A plausible value for each required custom field of the order's template."""
    sample = {"choice": lambda f: f["choices"][0], "multi_choice": lambda f: f["choices"][:1],
              "boolean": lambda f: False, "text": lambda f: "walkthrough", "number": lambda f: 1,
              "date": lambda f: date.today().isoformat()}
    return {f["key"]: sample[f["kind"]](f) for f in fields if f["required"]}


def _raw(client: Client, path: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request
    request = urllib.request.Request(client.url + path, headers=client.headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--wait", type=int, default=240, help="seconds to wait for the sweeper")
    args = parser.parse_args()
    walkthrough(args.url, args.wait)
    print("all ok")


if __name__ == "__main__":
    main()
