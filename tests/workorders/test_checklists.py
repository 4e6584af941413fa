"""Checklists in the back office and the service: versions, pinning, answer rules, the
completion guard on `resolve`, and the batch read for many orders."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.auth.models import Role
from app.errors import ValidationFailedError
from app.workorders import checklists
from app.workorders.checklist_models import Checklist, ChecklistAnswer, ChecklistItem, ChecklistItemKind
from app.workorders.lifecycle import Action, transition
from app.workorders.models import EventKind, Status, WorkOrderEvent, WorkType
from tests.factories import ContactFactory, EngineerFactory, WorkOrderFactory
from tests.workorders.checklist_helpers import REPAIR_ITEMS, REQUIRED_KEYS, job_on_site, photo, publish

API = "/api/v1/checklists"


def answer(session, order, answers, *, device_time=None, version=None):
    return checklists.record_answers(session, order=order, actor=order.scheduled_engineer.user,
                                     answers=[{"item_key": k, "value": v} for k, v in answers.items()],
                                     device_time=device_time, version=version)


def resolve(session, order):
    return transition(session, order=order, action=Action.RESOLVE, actor=order.scheduled_engineer.user,
                      resolution_code="repaired")


# --- versions ---------------------------------------------------------------------------------

def test_publishing_again_makes_the_next_version_and_retires_the_previous(client, as_role, session):
    _, manager = as_role(Role.MANAGER)
    _, agent = as_role(Role.AGENT)
    first = client.post(API, headers=manager, json={"work_type": "repair", "name": "Repair", "items": REPAIR_ITEMS})
    second = client.post(API, headers=manager, json={"work_type": "repair", "name": "Repair, with photos before",
                                                     "items": REPAIR_ITEMS[:1]})
    other_type = client.post(API, headers=manager, json={"work_type": "inspection", "name": "Inspection",
                                                         "items": REPAIR_ITEMS})

    assert (first.status_code, second.status_code, other_type.status_code) == (201, 201, 201)
    assert (first.json["version"], second.json["version"], other_type.json["version"]) == (1, 2, 1)
    assert [(i["key"], i["kind"], i["required"], i["min_value"], i["max_value"], i["unit"])
            for i in first.json["items"]] == [
        ("power_isolated", "check", True, None, None, None), ("fault_observed", "text", False, None, None, None),
        ("outlet_temperature", "number", False, 0, 40, "°C"), ("photo_after", "photo", True, None, None, None)]
    active = client.get(f"{API}?work_type=repair", headers=agent)
    every = client.get(f"{API}?work_type=repair&include_inactive=true", headers=agent)
    retired = client.get(f"{API}/{first.json['id']}", headers=agent)
    assert [c["version"] for c in active.json] == [2]
    assert [(c["version"], c["is_active"]) for c in every.json] == [(2, True), (1, False)]
    assert retired.json["deactivated_at"] is not None and len(retired.json["items"]) == 4
    assert {c["work_type"] for c in client.get(API, headers=agent).json} == {"repair", "inspection"}


def test_a_published_version_never_changes_in_the_database(session):
    checklist = publish()
    with pytest.raises(DBAPIError, match="never change"):
        with session.begin_nested():
            session.execute(text("UPDATE checklist_items SET label_en = 'x' WHERE checklist_id = :id"),
                            {"id": checklist.id})
    with pytest.raises(DBAPIError, match="never changes"):
        with session.begin_nested():
            session.execute(text("UPDATE checklists SET name = 'x' WHERE id = :id"), {"id": checklist.id})
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add(Checklist(work_type=WorkType.REPAIR, version=1, name="again", is_active=False,
                                  published_at=checklist.published_at, deactivated_at=checklist.published_at))
            session.flush()
    checklists.deactivate_checklist(session, checklist=checklist)   # switching off is allowed
    assert not checklist.is_active


@pytest.mark.parametrize("items, where, message", [
    ([REPAIR_ITEMS[0], {**REPAIR_ITEMS[1], "key": "power_isolated"}], ("1", "key"), "duplicate key"),
    ([{**REPAIR_ITEMS[2], "min_value": 50}], ("0", "min_value"), "greater than max_value"),
    ([{**REPAIR_ITEMS[0], "min_value": 1}], ("0", "min_value"), "only number items"),
    ([{**REPAIR_ITEMS[1], "unit": "°C"}], ("0", "unit"), "only number items"),
    ([{**REPAIR_ITEMS[0], "key": "Power Isolated"}], ("0", "key"), "must match"),
    ([{**REPAIR_ITEMS[0], "label_zh": "   "}], ("0", "label_zh"), "non-empty"),
])
def test_bad_items_are_refused_by_index(client, as_role, items, where, message):
    _, manager = as_role(Role.MANAGER)
    refused = client.post(API, headers=manager, json={"work_type": "repair", "name": "Repair", "items": items})

    assert refused.status_code == 422 and refused.json["status"] == "validation_error"
    index, field = where
    assert message in " ".join(refused.json["errors"]["items"][index][field])
    assert client.get(API, headers=manager).json == []


@pytest.mark.parametrize("body", [
    {"work_type": "repair", "name": "R", "items": [{**REPAIR_ITEMS[0], "kind": "signature"}]},
    {"work_type": "repair", "name": "R", "items": []},
    {"work_type": "lunch", "name": "R", "items": REPAIR_ITEMS},
    {"work_type": "repair", "name": "R", "items": [{**REPAIR_ITEMS[0], "colour": "red"}]},
    {"work_type": "repair", "name": "R", "items": REPAIR_ITEMS, "is_active": False},
])
def test_bad_bodies_are_refused(client, as_role, body):
    _, manager = as_role(Role.MANAGER)
    refused = client.post(API, headers=manager, json=body)
    assert refused.status_code == 422 and refused.json["status"] == "validation_error"


def test_who_may_read_publish_and_deactivate(client, as_role):
    checklist = publish()
    body = {"work_type": "repair", "name": "R", "items": REPAIR_ITEMS}
    for role in (Role.AGENT, Role.DISPATCHER, Role.MANAGER):
        _, headers = as_role(role)
        assert client.get(API, headers=headers).status_code == 200
        assert client.get(f"{API}/{checklist.id}", headers=headers).status_code == 200
    for role in (Role.AGENT, Role.DISPATCHER, Role.ENGINEER, Role.WAREHOUSE, Role.CUSTOMER):
        _, headers = as_role(role)
        assert client.post(API, headers=headers, json=body).status_code == 403
        assert client.post(f"{API}/{checklist.id}/deactivate", headers=headers, json={}).status_code == 403
    for role in (Role.ENGINEER, Role.PARTNER_ENGINEER, Role.CUSTOMER):
        _, headers = as_role(role)
        assert client.get(API, headers=headers).status_code == 403
    _, admin = as_role(Role.ADMIN)
    assert client.post(API, headers=admin, json=body).status_code == 201
    assert client.get(f"{API}/999999", headers=admin).json["status"] == "not_found"


def test_query_arguments_are_checked(client, as_role):
    _, agent = as_role(Role.AGENT)
    for query in ("colour=red", "work_type=lunch", "include_inactive=perhaps"):
        refused = client.get(f"{API}?{query}", headers=agent)
        assert refused.status_code == 422 and refused.json["status"] == "validation_error", query


def test_deactivating_leaves_pinned_orders_their_version_and_frees_the_others(client, as_role, session):
    checklist = publish()
    pinned, unpinned = job_on_site(), job_on_site()
    answer(session, pinned, {"fault_observed": "no cooling"})
    _, manager = as_role(Role.MANAGER)

    off = client.post(f"{API}/{checklist.id}/deactivate", headers=manager, json={})
    again = client.post(f"{API}/{checklist.id}/deactivate", headers=manager, json={})

    assert off.status_code == 200 and not off.json["is_active"] and again.status_code == 200
    assert client.post(f"{API}/{checklist.id}/deactivate", headers=manager, json={"now": True}).status_code == 422
    views = checklists.checklists_for_orders(session, [pinned, unpinned])
    assert list(views) == [pinned.id] and views[pinned.id].missing == tuple(REQUIRED_KEYS)
    resolve(session, unpinned)
    with pytest.raises(checklists.ChecklistIncompleteError):
        resolve(session, pinned)


# --- pinning ----------------------------------------------------------------------------------

def test_the_first_answer_pins_the_version_and_publishing_later_changes_nothing(session):
    first = publish()
    started, fresh = job_on_site(), job_on_site()
    assert not checklists.checklist_for_order(session, order=started).pinned   # reading pins nothing

    answer(session, started, {"power_isolated": True})
    second = publish(REPAIR_ITEMS + [{"key": "site_cleaned", "label_zh": "现场已清理", "label_en": "Cleaned up",
                                      "kind": "check", "required": True}])

    started_view = checklists.checklist_for_order(session, order=started)
    fresh_view = checklists.checklist_for_order(session, order=fresh)
    assert (started_view.checklist_id, started_view.version, started_view.pinned) == (first.id, 1, True)
    assert started_view.missing == ("photo_after",)
    assert (fresh_view.checklist_id, fresh_view.version, fresh_view.pinned) == (second.id, 2, False)
    assert fresh_view.missing == ("power_isolated", "photo_after", "site_cleaned")


def test_the_phone_pins_the_version_it_showed(session):
    publish()
    order = job_on_site()
    publish(REPAIR_ITEMS[:2])   # version 2 arrives while the phone still shows version 1

    recorded = answer(session, order, {"photo_after": photo(order).id}, version=1)

    assert recorded.view.version == 1 and recorded.changed == ("photo_after",)
    with pytest.raises(checklists.ChecklistVersionChangedError) as changed:
        answer(session, order, {"power_isolated": True}, version=2)
    assert changed.value.details["pinned_version"] == 1
    with pytest.raises(ValidationFailedError):
        answer(session, job_on_site(), {"power_isolated": True}, version=7)


# --- answers ----------------------------------------------------------------------------------

def _item(kind: str, **fields) -> ChecklistItem:
    return ChecklistItem(key="x", label_zh="x", label_en="x", kind=ChecklistItemKind(kind), required=False,
                         **fields)


@pytest.mark.parametrize("kind, fields, value, cleaned", [
    ("check", {}, True, True),
    ("check", {}, False, False),
    ("number", {"min_value": 0, "max_value": 40}, 0, 0),
    ("number", {"min_value": 0, "max_value": 40}, 40, 40),
    ("number", {"min_value": 0, "max_value": 40}, 12.5, 12.5),
    ("number", {"min_value": -20}, 1e6, 1e6),
    ("number", {}, -3, -3),
    ("text", {}, "  压缩机不启动  ", "压缩机不启动"),
    ("text", {}, "x" * 2000, "x" * 2000),
    ("photo", {}, 17, 17),
    ("photo", {}, None, None),
])
def test_answers_each_kind_accepts(kind, fields, value, cleaned):
    assert checklists.clean_answer_value(_item(kind, **fields), value) == cleaned


@pytest.mark.parametrize("kind, fields, value, reason", [
    ("check", {}, "yes", "true or false"),
    ("check", {}, 1, "true or false"),
    ("number", {"min_value": 0, "max_value": 40, "unit": "°C"}, 40.5, "at most 40 °C"),
    ("number", {"min_value": 0, "max_value": 40}, -0.1, "at least 0"),
    ("number", {}, True, "a number"),
    ("number", {}, "12", "a number"),
    ("number", {}, float("inf"), "a number"),
    ("text", {}, "x" * 2001, "at most 2000"),
    ("text", {}, "   ", "blank"),
    ("text", {}, 12, "a string"),
    ("photo", {}, "after.jpg", "image attachment"),
    ("photo", {}, True, "image attachment"),
    ("photo", {}, 0, "image attachment"),
])
def test_answers_each_kind_refuses(kind, fields, value, reason):
    with pytest.raises(ValueError, match=reason):
        checklists.clean_answer_value(_item(kind, **fields), value)


def test_a_photo_must_be_an_image_of_the_same_job(session):
    publish()
    order, other = job_on_site(), job_on_site()
    with pytest.raises(ValidationFailedError) as not_its_own:
        answer(session, order, {"photo_after": photo(other).id})
    with pytest.raises(ValidationFailedError) as not_an_image:
        answer(session, order, {"photo_after": photo(order, content_type="application/pdf").id})
    with pytest.raises(ValidationFailedError) as unknown:
        answer(session, order, {"photo_after": 99999999})

    assert "not a file of this job" in not_its_own.value.errors["answers"]["photo_after"][0]
    assert "not an image" in not_an_image.value.errors["answers"]["photo_after"][0]
    assert "not a file of this job" in unknown.value.errors["answers"]["photo_after"][0]
    assert answer(session, order, {"photo_after": photo(order, content_type="image/heic").id}).changed


def test_a_later_answer_by_the_phone_clock_wins_and_a_repeat_changes_nothing(session):
    publish()
    order = job_on_site()
    now = datetime.now(timezone.utc)

    answer(session, order, {"outlet_temperature": 14}, device_time=now - timedelta(minutes=5))
    late = answer(session, order, {"outlet_temperature": 22, "fault_observed": "漏水"},
                  device_time=now - timedelta(minutes=30))   # queued offline, arrives after
    repeat = answer(session, order, {"outlet_temperature": 14.0}, device_time=now)

    stored = {a.item_key: a for a in session.scalars(select(ChecklistAnswer))}
    assert late.stale == ("outlet_temperature",) and late.changed == ("fault_observed",)
    assert stored["outlet_temperature"].value == 14
    assert stored["outlet_temperature"].device_time == now - timedelta(minutes=5)
    assert stored["outlet_temperature"].answered_at > stored["outlet_temperature"].device_time
    assert repeat.changed == () and repeat.event is None
    events = session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.kind == EventKind.CHECKLIST)).all()
    assert [e.payload["answers"] for e in events] == [
        [{"item_key": "outlet_temperature", "value": 14}], [{"item_key": "fault_observed", "value": "漏水"}]]
    assert events[1].payload["stale"] == ["outlet_temperature"] and events[0].payload["pinned"] is True


def test_answers_are_taken_on_site_only(session):
    publish()
    engineer = EngineerFactory()
    for status in (Status.ASSIGNED, Status.EN_ROUTE, Status.RESOLVED):
        with pytest.raises(checklists.JobNotOnSiteError) as refused:
            answer(session, job_on_site(engineer, status=status), {"power_isolated": True})
        assert refused.value.details["current_status"] == status.value
    held_before_arrival = job_on_site(engineer, status=Status.ON_HOLD, status_before_hold=Status.ACCEPTED)
    with pytest.raises(checklists.JobNotOnSiteError):
        answer(session, held_before_arrival, {"power_isolated": True})
    held_on_site = job_on_site(engineer, status=Status.ON_HOLD, status_before_hold=Status.ON_SITE)
    assert answer(session, held_on_site, {"power_isolated": True}).changed == ("power_isolated",)


# --- the completion guard -----------------------------------------------------------------------

def test_required_items_hold_back_resolving_until_done(client, token_for, session):
    publish()
    order = job_on_site()
    headers = token_for(order.scheduled_engineer.user)
    url = f"/api/v1/work-orders/{order.id}/resolve"

    blocked = client.post(url, headers=headers, json={"resolution_code": "replaced_part"})
    answer(session, order, {"power_isolated": False, "photo_after": photo(order).id})
    unchecked = client.post(url, headers=headers, json={"resolution_code": "replaced_part"})
    answer(session, order, {"power_isolated": True})
    resolved = client.post(url, headers=headers, json={"resolution_code": "replaced_part"})

    assert blocked.status_code == 409 and blocked.json["status"] == "checklist_incomplete"
    assert blocked.json["details"]["missing"] == REQUIRED_KEYS and blocked.json["details"]["version"] == 1
    assert unchecked.status_code == 409 and unchecked.json["details"]["missing"] == ["power_isolated"]
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"


def test_orders_without_a_checklist_are_not_held_back(session):
    publish(work_type=WorkType.INSPECTION)
    order = job_on_site()   # a repair: no repair checklist
    assert checklists.checklists_for_orders(session, [order]) == {}
    with pytest.raises(checklists.NoChecklistError):
        checklists.checklist_for_order(session, order=order)
    with pytest.raises(checklists.NoChecklistError):
        answer(session, order, {"power_isolated": True})
    assert resolve(session, order).status is Status.RESOLVED


def test_clearing_a_required_answer_makes_it_missing_again(session):
    publish()
    order = job_on_site()
    answer(session, order, {"power_isolated": True, "photo_after": photo(order).id})
    assert checklists.checklist_for_order(session, order=order).complete

    cleared = answer(session, order, {"photo_after": None})

    assert cleared.changed == ("photo_after",) and cleared.view.missing == ("photo_after",)
    assert session.scalar(select(func.count()).select_from(ChecklistAnswer)) == 2   # the row keeps its time


# --- the order's checklist for the consoles -----------------------------------------------------

def test_the_consoles_read_an_orders_checklist_with_its_answers(client, as_role, token_for, session):
    publish()
    order = job_on_site()
    answer(session, order, {"outlet_temperature": 12.5, "power_isolated": True})
    url = f"/api/v1/work-orders/{order.id}/checklist"

    for role in (Role.AGENT, Role.DISPATCHER, Role.MANAGER, Role.WAREHOUSE, Role.ADMIN):
        _, headers = as_role(role)
        read = client.get(url, headers=headers)
        assert read.status_code == 200, role
    body = read.json
    assert (body["work_order_id"], body["version"], body["pinned"], body["complete"]) == (order.id, 1, True, False)
    assert body["missing"] == ["photo_after"]
    by_key = {i["key"]: i for i in body["items"]}
    assert by_key["outlet_temperature"]["answer"]["value"] == 12.5 and by_key["outlet_temperature"]["unit"] == "°C"
    assert by_key["power_isolated"]["done"] and by_key["fault_observed"]["answer"] is None
    assert client.get(url, headers=token_for(order.scheduled_engineer.user)).status_code == 200

    contact = ContactFactory(customer=order.customer, user=as_role(Role.CUSTOMER)[0])
    assert client.get(url, headers=token_for(contact.user)).status_code == 403
    assert client.get(url, headers=token_for(EngineerFactory().user)).status_code == 404
    _, agent = as_role(Role.AGENT)
    no_checklist = client.get(f"/api/v1/work-orders/{WorkOrderFactory(work_type=WorkType.INSTALLATION).id}/checklist",
                              headers=agent)
    assert no_checklist.status_code == 404 and no_checklist.json["status"] == "no_checklist"


def test_customers_do_not_see_checklist_entries_in_the_timeline(client, as_role, token_for, session):
    publish()
    order = job_on_site()
    answer(session, order, {"fault_observed": "压缩机过热"})
    contact = ContactFactory(customer=order.customer, user=as_role(Role.CUSTOMER)[0])
    _, agent = as_role(Role.AGENT)

    staff_kinds = [e["kind"] for e in client.get(f"/api/v1/work-orders/{order.id}/timeline", headers=agent).json]
    customer_kinds = [e["kind"] for e in client.get(f"/api/v1/work-orders/{order.id}/timeline",
                                                    headers=token_for(contact.user)).json]
    assert "checklist" in staff_kinds and "checklist" not in customer_kinds


# --- many orders at once ------------------------------------------------------------------------

def _statements_for(session, orders) -> tuple[int, dict]:
    # Nothing read before counts: the orders are loaded afresh, checklists and answers are not.
    session.expire_all()
    for order in orders:
        order.work_type
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        views = checklists.checklists_for_orders(session, orders)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements), views


def test_checklists_for_orders_takes_the_same_few_queries_for_one_order_or_ten(session):
    publish()
    publish(work_type=WorkType.INSPECTION)
    engineer = EngineerFactory()
    orders = [job_on_site(engineer, work_type=WorkType.REPAIR if n % 3 else WorkType.INSPECTION)
              for n in range(10)]
    for order in orders[::2]:
        answer(session, order, {"power_isolated": True})
    publish()   # version 2 of repair: pinned orders keep version 1, the others show version 2
    orders.append(WorkOrderFactory(work_type=WorkType.INSTALLATION))   # no checklist

    one, _ = _statements_for(session, orders[:1])
    eleven, views = _statements_for(session, orders)

    assert one == eleven <= 4, (one, eleven)
    assert set(views) == {o.id for o in orders[:10]}
    versions = {(o.work_type, bool(views[o.id].answers), views[o.id].version) for o in orders[:10]}
    assert versions == {(WorkType.REPAIR, True, 1), (WorkType.REPAIR, False, 2), (WorkType.INSPECTION, True, 1),
                        (WorkType.INSPECTION, False, 1)}
    assert all(views[o.id].missing == ("photo_after",) for o in orders[:10:2])
    assert checklists.checklists_for_orders(session, []) == {}
