"""Plain helpers of the automation tests (reading orders and timelines over HTTP)."""
from __future__ import annotations

API = "/api/v1"
RULES = f"{API}/automation/rules"


def timeline(client, headers, order_id: int) -> list[dict]:
    answer = client.get(f"{API}/work-orders/{order_id}/timeline", headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json


def rule_entries(client, headers, order_id: int) -> list[dict]:
    """The payloads of the order's `rule_applied` audit entries, oldest first."""
    return [e["payload"] for e in timeline(client, headers, order_id) if e["kind"] == "rule"]


def get_order(client, headers, order_id: int) -> dict:
    answer = client.get(f"{API}/work-orders/{order_id}", headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json
