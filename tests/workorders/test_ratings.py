"""The customer's rating of a visit: taken once, recorded in the timeline, closes an
order that waits for feedback."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.workorders.models import EventKind, Status, WorkOrderEvent
from tests.factories import WorkOrderFactory

API = "/api/v1/work-orders"


@pytest.fixture
def agent(as_role):
    return as_role(Role.AGENT)[1]


def test_an_agent_takes_down_a_rating_and_the_order_closes(client, agent, session):
    order = WorkOrderFactory(status=Status.AWAITING_FEEDBACK)

    answer = client.post(f"{API}/{order.id}/rating", headers=agent, json={"csat": 4, "nps": 9, "comment": "准时，专业"})

    assert answer.status_code == 201
    assert answer.json | {"rated_at": None} == {"work_order_id": order.id, "csat": 4, "nps": 9, "comment": "准时，专业",
                                                "source": "agent", "rated_at": None}
    assert client.get(f"{API}/{order.id}/rating", headers=agent).json["csat"] == 4
    session.expire_all()
    assert order.status is Status.CLOSED
    events = session.execute(select(WorkOrderEvent.kind, WorkOrderEvent.action, WorkOrderEvent.payload)
                             .where(WorkOrderEvent.work_order_id == order.id).order_by(WorkOrderEvent.id)).all()
    assert [(k, a) for k, a, _ in events] == [(EventKind.RATED, "rated"), (EventKind.STATUS_CHANGED, "close")]
    assert events[0].payload == {"csat": 4, "nps": 9, "source": "agent", "has_comment": True}
    assert events[1].payload["via"] == "rating"


def test_a_resolved_order_can_be_rated_and_stays_resolved(client, agent, session):
    order = WorkOrderFactory(status=Status.RESOLVED)
    assert client.post(f"{API}/{order.id}/rating", headers=agent, json={"csat": 2}).status_code == 201
    session.expire_all()
    assert order.status is Status.RESOLVED


def test_an_order_is_rated_once_and_only_when_resolved(client, agent):
    rated, open_order = WorkOrderFactory(status=Status.RESOLVED).id, WorkOrderFactory(status=Status.ON_SITE).id
    client.post(f"{API}/{rated}/rating", headers=agent, json={"csat": 5})
    again = client.post(f"{API}/{rated}/rating", headers=agent, json={"csat": 1})
    assert again.status_code == 409 and again.json["status"] == "already_rated"

    early = client.post(f"{API}/{open_order}/rating", headers=agent, json={"csat": 5})
    assert early.status_code == 409 and early.json["status"] == "conflict"
    assert client.get(f"{API}/{open_order}/rating", headers=agent).status_code == 404


@pytest.mark.parametrize("body", [{}, {"csat": 0}, {"csat": 6}, {"csat": 3, "nps": 11}, {"csat": 3, "nps": -1},
                                  {"csat": "good"}, {"csat": 3, "stars": 5}, {"csat": 3, "comment": "x" * 2001}])
def test_bad_ratings_are_refused(client, agent, body):
    order = WorkOrderFactory(status=Status.RESOLVED)
    answer = client.post(f"{API}/{order.id}/rating", headers=agent, json=body)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.DISPATCHER, Role.WAREHOUSE, Role.CUSTOMER])
def test_only_the_back_office_takes_ratings(client, as_role, role):
    order_id = WorkOrderFactory(status=Status.RESOLVED).id
    headers, agent = as_role(role)[1], as_role(Role.AGENT)[1]
    answer = client.post(f"{API}/{order_id}/rating", headers=headers, json={"csat": 5})
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"
    assert client.post(f"{API}/999999/rating", headers=agent, json={"csat": 5}).status_code == 404
