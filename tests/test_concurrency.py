"""Races between real requests: several gunicorn workers, each with its own database
connection, hit the same work order at the same moment."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sqlalchemy import func, select

from app.auth.models import Role
from app.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent
from tests.factories import TEST_PASSWORD, UserFactory, WorkOrderFactory
from tests.live import _live_server_process, live_db, live_server  # noqa: F401  (fixtures)

RACERS = 8


def race(calls):
    """Run the calls at once (released together by a barrier) and return their answers."""
    barrier = Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def event_count(session, order_id: int, kind: EventKind) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.kind == kind))


def test_of_edits_made_from_the_same_etag_exactly_one_wins(live_db, live_server):
    agent = UserFactory(role=Role.AGENT)
    order = WorkOrderFactory()
    live_db.commit()
    headers = live_server.login(agent.email, TEST_PASSWORD)
    path = f"/api/v1/work-orders/{order.id}"
    etag = live_server.call("GET", path, headers=headers).headers["ETag"]

    answers = race([
        (lambda n=n: live_server.call("PATCH", path, headers={**headers, "If-Match": etag},
                                      json_body={"description": f"edit {n}"}))
        for n in range(RACERS)])

    statuses = sorted(answer.status for answer in answers)
    assert statuses == [200] + [412] * (RACERS - 1)
    assert all(a.body["status"] == "precondition_failed" for a in answers if a.status == 412)
    winner = next(a for a in answers if a.status == 200)
    live_db.expire_all()
    assert live_db.get(WorkOrder, order.id).description == winner.body["description"]
    assert event_count(live_db, order.id, EventKind.UPDATED) == 1


def test_a_transition_raced_from_many_clients_happens_once(live_db, live_server):
    agent = UserFactory(role=Role.AGENT)
    order = WorkOrderFactory()
    live_db.commit()
    headers = live_server.login(agent.email, TEST_PASSWORD)
    path = f"/api/v1/work-orders/{order.id}/cancel"

    answers = race([
        (lambda: live_server.call("POST", path, headers=headers, json_body={"reason": "duplicate"}))
        for _ in range(RACERS)])

    assert sorted(a.status for a in answers) == [200] + [409] * (RACERS - 1)
    assert all(a.body["status"] == "invalid_transition" for a in answers if a.status == 409)
    live_db.expire_all()
    assert live_db.get(WorkOrder, order.id).status is Status.CANCELLED
    assert event_count(live_db, order.id, EventKind.STATUS_CHANGED) == 1


def test_a_transition_with_a_stale_if_match_is_refused(live_db, live_server):
    agent = UserFactory(role=Role.AGENT)
    order = WorkOrderFactory()
    live_db.commit()
    headers = live_server.login(agent.email, TEST_PASSWORD)
    path = f"/api/v1/work-orders/{order.id}"
    stale = live_server.call("GET", path, headers=headers).headers["ETag"]
    edited = live_server.call("PATCH", path, headers={**headers, "If-Match": stale},
                              json_body={"priority": "high"})
    assert edited.status == 200

    refused = live_server.call("POST", path + "/cancel", headers={**headers, "If-Match": stale},
                               json_body={"reason": "duplicate"})
    assert refused.status == 412 and refused.body["status"] == "precondition_failed"
    accepted = live_server.call("POST", path + "/cancel", headers={**headers, "If-Match": edited.headers["ETag"]},
                                json_body={"reason": "duplicate"})
    assert accepted.status == 200 and accepted.body["status"] == "cancelled"
