"""POST/GET /mobile/v1/jobs/{job_id}/expenses: expenses filed from the phone."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.db import utcnow
from app.workorders.models import EventKind, Status, WorkOrderEvent
from expenses.models import Expense
from tests.expenses.helpers import TRACK_M, attach, travelled_job
from tests.factories import EngineerFactory, PartnerCompanyFactory, UserFactory, WorkOrderFactory


def url(order_id: int) -> str:
    return f"/mobile/v1/jobs/{order_id}/expenses"


def expenses_of(session, order_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Expense).where(Expense.work_order_id == order_id))


def expense_events(session, order_id: int) -> int:
    return session.scalar(select(func.count()).select_from(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.kind == EventKind.EXPENSE))


@pytest.fixture
def job(session):
    return travelled_job()


def test_travel_measured_along_the_track_at_the_configured_rate(client, token_for, job, app, monkeypatch):
    monkeypatch.setitem(app.config, "MILEAGE_RATE_CENTS_PER_KM", 200)
    spent_at = (utcnow() - timedelta(minutes=2)).isoformat()

    answer = client.post(url(job.order.id), headers=token_for(job.engineer.user),
                         json={"kind": "travel", "device_time": spent_at})

    assert answer.status_code == 201, answer.json
    expense = answer.json
    assert expense["distance_source"] == "gps" and expense["rate_cents_per_km"] == 200
    assert expense["distance_m"] == pytest.approx(TRACK_M, rel=0.005)
    assert expense["amount_cents"] == (expense["distance_m"] * 200 + 500) // 1000
    assert expense["engineer"] == {"id": job.engineer.id, "name": job.engineer.user.name}
    assert expense["created_by"]["id"] == job.engineer.user.id and expense["device_time"] is not None


def test_no_gps_track_tells_the_phone_to_enter_the_distance(client, token_for, session):
    job = travelled_job(pings_on_the_way=1)
    headers = token_for(job.engineer.user)

    refused = client.post(url(job.order.id), headers=headers, json={"kind": "travel"})
    entered = client.post(url(job.order.id), headers=headers, json={"kind": "travel", "distance_m": 8400})

    assert refused.status_code == 422 and refused.json["status"] == "no_gps_track"
    assert entered.status_code == 201
    assert (entered.json["distance_source"], entered.json["amount_cents"]) == ("entered", 1260)   # 8.4 km × 150
    assert expenses_of(session, job.order.id) == 1 and expense_events(session, job.order.id) == 1


def test_a_toll_with_its_receipt_and_the_jobs_list(client, token_for, job, session):
    receipt = attach(job.order)
    headers = token_for(job.engineer.user)
    toll = client.post(url(job.order.id), headers=headers, json={
        "kind": "toll", "amount_cents": 4500, "receipt_attachment_id": receipt.id, "note": "S20 outer ring"})
    client.post(url(job.order.id), headers=headers, json={"kind": "parking", "amount_cents": 1000})

    listed = client.get(url(job.order.id), headers=headers)

    assert toll.status_code == 201, toll.json
    assert toll.json["receipt"] == {"id": receipt.id, "filename": "receipt.jpg", "content_type": "image/jpeg"}
    assert listed.status_code == 200
    assert [e["kind"] for e in listed.json["expenses"]] == ["toll", "parking"]
    assert listed.json["totals"] == {"CNY": 5500}
    assert [(t["kind"], t["amount_cents"], t["count"]) for t in listed.json["totals_by_kind"]] == [
        ("toll", 4500, 1), ("parking", 1000, 1)]
    timeline = client.get(f"/api/v1/work-orders/{job.order.id}/timeline", headers=headers).json
    assert [(e["payload"]["kind"], e["payload"]["amount_cents"]) for e in timeline if e["kind"] == "expense"] == [
        ("toll", 4500), ("parking", 1000)]


def test_a_receipt_from_another_job_is_refused(client, token_for, job, session):
    other = travelled_job(engineer=job.engineer)
    answer = client.post(url(job.order.id), headers=token_for(job.engineer.user), json={
        "kind": "toll", "amount_cents": 4500, "receipt_attachment_id": attach(other.order).id})
    assert answer.status_code == 422 and answer.json["status"] == "invalid_receipt"
    assert expenses_of(session, job.order.id) == 0


def test_the_same_idempotency_key_files_nothing_new(client, token_for, job, session):
    headers = {**token_for(job.engineer.user), "Idempotency-Key": "expense-parking-1"}
    body = {"kind": "parking", "amount_cents": 1200}

    first = client.post(url(job.order.id), headers=headers, json=body)
    retry = client.post(url(job.order.id), headers=headers, json=body)
    reused = client.post(url(job.order.id), headers=headers, json={**body, "amount_cents": 1300})

    assert first.status_code == retry.status_code == 201
    assert retry.json == first.json and retry.headers.get("Idempotent-Replayed") == "true"
    assert reused.status_code == 422 and reused.json["status"] == "idempotency_key_reused"
    assert expenses_of(session, job.order.id) == 1 and expense_events(session, job.order.id) == 1


@pytest.mark.parametrize("status", [Status.NEW, Status.ACCEPTED, Status.CANCELLED])
def test_not_before_setting_off_nor_on_a_cancelled_job(client, token_for, session, status):
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=status, scheduled_engineer=engineer)
    answer = client.post(url(order.id), headers=token_for(engineer.user), json={"kind": "toll", "amount_cents": 1})
    assert answer.status_code == 409 and answer.json["status"] == "expense_not_allowed"
    assert answer.json["details"]["current_status"] == status.value
    assert expenses_of(session, order.id) == 0


def test_a_closed_job_still_takes_expenses(client, token_for):
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=Status.CLOSED, scheduled_engineer=engineer)
    answer = client.post(url(order.id), headers=token_for(engineer.user), json={"kind": "other", "amount_cents": 600})
    assert answer.status_code == 201


@pytest.mark.parametrize("body, field", [
    ({"kind": "fuel", "amount_cents": 100}, "kind"),
    ({"amount_cents": 100}, "kind"),
    ({"kind": "toll", "amount_cents": -5}, "amount_cents"),
    ({"kind": "toll", "amount_cents": 12.5}, "amount_cents"),
    ({"kind": "toll", "amount_cents": "100"}, "amount_cents"),
    ({"kind": "toll", "amount_cents": 100, "currency": "yuan"}, "currency"),
    ({"kind": "travel", "distance_m": 0}, "distance_m"),
    ({"kind": "toll", "amount_cents": 100, "device_time": "2026-03-02T08:00:00"}, "device_time"),
    ({"kind": "toll", "amount_cents": 100, "tip": 1}, "tip"),
])
def test_bad_bodies_are_422_and_write_nothing(client, token_for, job, session, body, field):
    answer = client.post(url(job.order.id), headers=token_for(job.engineer.user), json=body)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"
    assert field in answer.json["errors"]["json"]
    assert expenses_of(session, job.order.id) == 0


@pytest.mark.parametrize("body, field", [
    ({"kind": "toll"}, "amount_cents"),
    ({"kind": "parking", "amount_cents": 100, "distance_m": 500}, "distance_m"),
    ({"kind": "toll", "amount_cents": 100, "device_time": (utcnow() + timedelta(hours=1)).isoformat()},
     "device_time"),
])
def test_rules_of_the_kinds_are_422(client, token_for, job, session, body, field):
    answer = client.post(url(job.order.id), headers=token_for(job.engineer.user), json=body)
    assert answer.status_code == 422 and field in answer.json["errors"]
    assert expenses_of(session, job.order.id) == 0 and expense_events(session, job.order.id) == 0


def test_another_engineers_job_is_403_and_an_unknown_one_404(client, token_for, job):
    stranger = token_for(EngineerFactory().user)
    for answer in (client.get(url(job.order.id), headers=stranger),
                   client.post(url(job.order.id), headers=stranger, json={"kind": "toll", "amount_cents": 100})):
        assert answer.status_code == 403 and answer.json["status"] == "forbidden"
    assert client.get(url(999_999), headers=stranger).status_code == 404


def test_partner_engineers_see_and_file_for_their_companys_jobs_only(client, token_for, session):
    company = PartnerCompanyFactory()
    def partner_engineer(of):
        return EngineerFactory(user=UserFactory(role=Role.PARTNER_ENGINEER, partner_company=of), partner_company=of)
    colleague_job = travelled_job(engineer=partner_engineer(company))
    me = token_for(partner_engineer(company).user)
    outsider_job = travelled_job(engineer=partner_engineer(PartnerCompanyFactory()))

    filed = client.post(url(colleague_job.order.id), headers=me, json={"kind": "parking", "amount_cents": 700})
    assert filed.status_code == 201
    assert client.get(url(colleague_job.order.id), headers=me).json["totals"] == {"CNY": 700}
    assert client.get(url(outsider_job.order.id), headers=me).status_code == 403
    assert client.post(url(outsider_job.order.id), headers=me,
                       json={"kind": "parking", "amount_cents": 700}).status_code == 403


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.MANAGER, Role.AGENT, Role.WAREHOUSE, Role.CUSTOMER])
def test_the_phone_endpoints_are_for_field_engineers(client, as_role, job, role):
    _, headers = as_role(role)
    assert client.get(url(job.order.id), headers=headers).status_code == 403
    assert client.post(url(job.order.id), headers=headers,
                       json={"kind": "toll", "amount_cents": 100}).status_code == 403
