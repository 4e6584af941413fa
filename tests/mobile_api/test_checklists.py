"""The job's checklist on the phone: reading it, answering all-or-none, offline order by
device time, retries with Idempotency-Key, and who may see and answer which job."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.workorders.checklist_models import ChecklistAnswer, WorkOrderChecklist
from app.workorders.models import EventKind, Status, WorkOrderEvent, WorkType
from tests.factories import EngineerFactory, PartnerCompanyFactory, UserFactory
from tests.workorders.checklist_helpers import REPAIR_ITEMS, REQUIRED_KEYS, job_on_site, photo, publish

MOBILE = "/mobile/v1"


def url(order) -> str:
    return f"{MOBILE}/jobs/{order.id}/checklist"


def checklist_events(session, order) -> list[WorkOrderEvent]:
    return session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id,
                                                        WorkOrderEvent.kind == EventKind.CHECKLIST)
                           .order_by(WorkOrderEvent.id)).all()


def stored_answers(session) -> int:
    return session.scalar(select(func.count()).select_from(ChecklistAnswer))


@pytest.fixture
def job(token_for):
    """A repair job on site with the repair checklist, and its engineer's headers."""
    publish()
    order = job_on_site()
    return order, token_for(order.scheduled_engineer.user)


def test_the_engineer_reads_the_checklist_of_the_job(client, job):
    order, headers = job
    read = client.get(url(order), headers=headers)

    assert read.status_code == 200
    body = read.json
    assert (body["version"], body["pinned"], body["complete"], body["missing"]) == (1, False, False, REQUIRED_KEYS)
    assert [(i["key"], i["label_zh"], i["label_en"], i["kind"], i["answer"]) for i in body["items"]] == [
        (i["key"], i["label_zh"], i["label_en"], i["kind"], None) for i in REPAIR_ITEMS]
    assert body["items"][2]["min_value"] == 0 and body["items"][2]["max_value"] == 40


def test_answers_of_every_kind_are_recorded_in_one_call(client, job, session):
    order, headers = job
    picture = photo(order)
    device_time = datetime.now(timezone.utc) - timedelta(minutes=3)

    answered = client.post(url(order), headers=headers, json={
        "device_time": device_time.isoformat(), "version": 1, "answers": [
            {"item_key": "power_isolated", "value": True},
            {"item_key": "fault_observed", "value": " 室外机风扇不转 "},
            {"item_key": "outlet_temperature", "value": 13.5},
            {"item_key": "photo_after", "value": picture.id}]})

    assert answered.status_code == 200, answered.json
    body = answered.json
    assert body["complete"] and body["missing"] == [] and body["pinned"] and body["stale"] == []
    assert body["changed"] == ["power_isolated", "fault_observed", "outlet_temperature", "photo_after"]
    values = {i["key"]: i["answer"]["value"] for i in body["items"]}
    assert values == {"power_isolated": True, "fault_observed": "室外机风扇不转", "outlet_temperature": 13.5,
                      "photo_after": picture.id}
    assert datetime.fromisoformat(body["items"][0]["answer"]["device_time"]) == device_time
    [event] = checklist_events(session, order)
    assert event.device_time == device_time and event.actor_id == order.scheduled_engineer.user_id
    assert [a["item_key"] for a in event.payload["answers"]] == body["changed"] and event.payload["version"] == 1
    assert client.get(url(order), headers=headers).json["complete"]


@pytest.mark.parametrize("answers, bad_key, reason", [
    ([{"item_key": "outlet_temperature", "value": 41}], "outlet_temperature", "at most 40 °C"),
    ([{"item_key": "outlet_temperature", "value": "cold"}], "outlet_temperature", "a number"),
    ([{"item_key": "power_isolated", "value": "yes"}], "power_isolated", "true or false"),
    ([{"item_key": "fault_observed", "value": "x" * 2001}], "fault_observed", "at most 2000"),
    ([{"item_key": "photo_after", "value": 99999999}], "photo_after", "not a file of this job"),
    ([{"item_key": "coffee_break", "value": True}], "coffee_break", "no such item"),
    ([{"item_key": "power_isolated", "value": True}, {"item_key": "power_isolated", "value": False}],
     "power_isolated", "more than once"),
])
def test_one_bad_answer_refuses_the_whole_call_and_names_the_item(client, job, session, answers, bad_key, reason):
    order, headers = job
    refused = client.post(url(order), headers=headers, json={"answers": [
        {"item_key": "fault_observed", "value": "ok"} if bad_key != "fault_observed" else
        {"item_key": "power_isolated", "value": True}, *answers]})

    assert refused.status_code == 422 and refused.json["status"] == "validation_error"
    assert reason in refused.json["errors"]["answers"][bad_key][0]
    assert list(refused.json["errors"]["answers"]) == [bad_key]
    assert stored_answers(session) == 0 and checklist_events(session, order) == []
    assert session.get(WorkOrderChecklist, order.id) is None


@pytest.mark.parametrize("body", [
    {"answers": [{"item_key": "power_isolated", "value": True}], "signature": "x"},
    {"answers": [{"item_key": "power_isolated", "value": True, "note": "x"}]},
    {"answers": [{"item_key": "power_isolated"}]},
    {"answers": []},
    {},
    {"answers": [{"item_key": "power_isolated", "value": True}], "device_time": "2026-11-23T10:00:00"},
    {"answers": [{"item_key": "power_isolated", "value": True}], "version": 0},
])
def test_malformed_bodies_are_refused(client, job, session, body):
    order, headers = job
    refused = client.post(url(order), headers=headers, json=body)
    assert refused.status_code == 422 and refused.json["status"] == "validation_error"
    assert stored_answers(session) == 0


def test_a_device_time_in_the_future_is_refused(client, job, session):
    order, headers = job
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    refused = client.post(url(order), headers=headers, json={
        "device_time": future, "answers": [{"item_key": "power_isolated", "value": True}]})
    assert refused.status_code == 422 and refused.json["errors"] == {"device_time": ["in the future"]}


def test_an_answer_synced_late_does_not_overwrite_a_newer_one(client, job, session):
    order, headers = job
    now = datetime.now(timezone.utc)
    newer = client.post(url(order), headers=headers, json={
        "device_time": (now - timedelta(minutes=2)).isoformat(),
        "answers": [{"item_key": "fault_observed", "value": "复查后：电容损坏"}]})
    older = client.post(url(order), headers=headers, json={
        "device_time": (now - timedelta(minutes=20)).isoformat(),
        "answers": [{"item_key": "fault_observed", "value": "初判：缺氟"}]})

    assert newer.status_code == older.status_code == 200
    assert older.json["stale"] == ["fault_observed"] and older.json["changed"] == []
    assert older.json["items"][1]["answer"]["value"] == "复查后：电容损坏"
    assert len(checklist_events(session, order)) == 1


def test_sending_the_same_answers_again_changes_nothing(client, job, session):
    order, headers = job
    body = {"answers": [{"item_key": "power_isolated", "value": True}, {"item_key": "outlet_temperature", "value": 9}]}
    first = client.post(url(order), headers=headers, json=body)
    again = client.post(url(order), headers=headers, json={**body, "device_time": datetime.now(timezone.utc).isoformat()})

    assert first.json["changed"] == ["power_isolated", "outlet_temperature"]
    assert again.status_code == 200 and again.json["changed"] == [] and again.json["stale"] == []
    assert len(checklist_events(session, order)) == 1 and stored_answers(session) == 2


def test_a_retry_with_the_same_key_gets_the_first_answer(client, job, session):
    order, headers = job
    keyed = {**headers, "Idempotency-Key": "chk-7f3a"}
    body = {"answers": [{"item_key": "outlet_temperature", "value": 18}]}
    first = client.post(url(order), headers=keyed, json=body)
    client.post(url(order), headers=headers, json={"answers": [{"item_key": "outlet_temperature", "value": 19}]})
    retry = client.post(url(order), headers=keyed, json=body)
    reused = client.post(url(order), headers=keyed, json={"answers": [{"item_key": "outlet_temperature", "value": 20}]})

    assert retry.status_code == 200 and retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json == first.json and retry.json["changed"] == ["outlet_temperature"]
    assert reused.status_code == 422 and reused.json["status"] == "idempotency_key_reused"
    assert [e.payload["answers"][0]["value"] for e in checklist_events(session, order)] == [18, 19]
    assert session.scalar(select(ChecklistAnswer.value)) == 19   # the retry did not write 18 again


def test_answers_wait_for_the_engineer_to_be_on_site(client, token_for, session):
    publish()
    engineer = EngineerFactory()
    headers = token_for(engineer.user)
    body = {"answers": [{"item_key": "power_isolated", "value": True}]}

    travelling = client.post(url(job_on_site(engineer, status=Status.EN_ROUTE)), headers=headers, json=body)
    held_on_site = client.post(url(job_on_site(engineer, status=Status.ON_HOLD, status_before_hold=Status.ON_SITE)),
                               headers=headers, json=body)

    assert travelling.status_code == 409 and travelling.json["status"] == "job_not_on_site"
    assert travelling.json["details"]["current_status"] == "en_route"
    assert held_on_site.status_code == 200


def test_the_job_is_pinned_to_the_version_the_phone_showed(client, job, as_role):
    order, headers = job
    shown = client.get(url(order), headers=headers).json["version"]
    _, manager = as_role(Role.MANAGER)
    assert client.post("/api/v1/checklists", headers=manager, json={
        "work_type": "repair", "name": "Repair v2", "items": REPAIR_ITEMS[:1]}).status_code == 201

    answered = client.post(url(order), headers=headers, json={
        "version": shown, "answers": [{"item_key": "outlet_temperature", "value": 20}]})
    behind = client.post(url(order), headers=headers, json={
        "version": 2, "answers": [{"item_key": "power_isolated", "value": True}]})

    assert answered.status_code == 200 and answered.json["version"] == 1
    assert client.get(url(order), headers=headers).json["version"] == 1
    assert behind.status_code == 409 and behind.json["status"] == "checklist_version_changed"
    assert behind.json["details"]["pinned_version"] == 1


def test_a_job_without_a_checklist_says_so(client, token_for):
    publish()
    order = job_on_site(work_type=WorkType.MAINTENANCE)
    headers = token_for(order.scheduled_engineer.user)
    read = client.get(url(order), headers=headers)
    answered = client.post(url(order), headers=headers, json={"answers": [{"item_key": "power_isolated",
                                                                           "value": True}]})
    assert read.status_code == answered.status_code == 404
    assert read.json["status"] == answered.json["status"] == "no_checklist"


# --- who may ----------------------------------------------------------------------------------

def test_another_engineers_job_is_forbidden(client, job, token_for, session):
    order, _ = job
    stranger = token_for(EngineerFactory().user)
    body = {"answers": [{"item_key": "power_isolated", "value": True}]}

    read = client.get(url(order), headers=stranger)
    answered = client.post(url(order), headers=stranger, json=body)

    assert read.status_code == answered.status_code == 403
    assert read.json["status"] == answered.json["status"] == "forbidden"
    assert client.get(f"{MOBILE}/jobs/99999999/checklist", headers=stranger).status_code == 404
    assert stored_answers(session) == 0


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER, Role.MANAGER, Role.WAREHOUSE, Role.CUSTOMER])
def test_the_phone_api_is_for_field_engineers(client, job, as_role, role):
    order, _ = job
    _, headers = as_role(role)
    assert client.get(url(order), headers=headers).status_code == 403
    refused = client.post(url(order), headers=headers, json={"answers": [{"item_key": "power_isolated",
                                                                           "value": True}]})
    assert refused.status_code == 403 and refused.json["status"] == "forbidden"
    assert client.get(url(order)).status_code == 401


def test_partner_engineers_see_their_companys_jobs_and_answer_their_own(client, token_for, session):
    publish()
    company, other_company = PartnerCompanyFactory(), PartnerCompanyFactory()

    def partner(of):
        user = UserFactory(role=Role.PARTNER_ENGINEER, partner_company=of)
        return EngineerFactory(user=user, partner_company=of)

    me, colleague, outsider = partner(company), partner(company), partner(other_company)
    mine, colleagues, outsiders = job_on_site(me), job_on_site(colleague), job_on_site(outsider)
    headers = token_for(me.user)
    body = {"answers": [{"item_key": "power_isolated", "value": True}]}

    assert client.get(url(mine), headers=headers).status_code == 200
    assert client.post(url(mine), headers=headers, json=body).status_code == 200
    assert client.get(url(colleagues), headers=headers).status_code == 200
    not_mine = client.post(url(colleagues), headers=headers, json=body)
    assert not_mine.status_code == 403 and not_mine.json["status"] == "forbidden"
    assert client.get(url(outsiders), headers=headers).status_code == 403
    assert client.post(url(outsiders), headers=headers, json=body).status_code == 403
    assert stored_answers(session) == 1


def test_the_checklist_is_in_the_mobile_api_document(client):
    spec = client.get("/mobile/openapi.json").json
    operations = spec["paths"]["/mobile/v1/jobs/{job_id}/checklist"]
    assert {"get", "post"} <= set(operations)
    assert {"403", "404", "409", "422"} <= set(operations["post"]["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in operations["post"]["parameters"])


def test_after_answering_the_job_resolves(client, job, session):
    order, headers = job
    client.post(url(order), headers=headers, json={"answers": [
        {"item_key": "power_isolated", "value": True}, {"item_key": "photo_after", "value": photo(order).id}]})
    resolved = client.post(f"/api/v1/work-orders/{order.id}/resolve", headers=headers,
                           json={"resolution_code": "replaced_capacitor"})
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"
    late = client.post(url(order), headers=headers, json={"answers": [{"item_key": "fault_observed", "value": "x"}]})
    assert late.status_code == 409 and late.json["details"]["current_status"] == "resolved"
