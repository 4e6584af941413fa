"""The demo company behind `flask demo load`: its size, its coherence, and its accounts.

The dataset is built once per test inside the test's rolled-back transaction, so it
never leaks into other tests.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.customers.models import Asset, Customer, Site
from app.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, SHANGHAI, database_is_empty, load_demo
from app.engineers.models import Engineer
from app.errors import ConflictError
from app.geo import lon_lat
from app.workorders.checklist_models import Checklist, ChecklistItemKind
from app.workorders.checklists import checklist_for_order
from app.workorders.models import (OPEN_STATUSES, Attachment, AttachmentKind, EventKind, Status, WorkOrder,
                                   WorkOrderEvent, WorkOrderTemplate, WorkType)
from app.workorders.templates import validate_custom_fields

REFERENCE_DAY = date(2026, 11, 23)
# Shanghai's municipal area, generously: every demo place must fall inside it.
SHANGHAI_BOX = (120.85, 30.67, 122.0, 31.88)


@pytest.fixture
def demo(session, file_store):
    counts = load_demo(session, seed=7, today=REFERENCE_DAY)
    # Released to the test's outer transaction (still rolled back at the end), so an
    # app context torn down by another fixture cannot discard it.
    session.commit()
    return counts


def test_demo_has_the_promised_size(session, demo):
    assert 35 <= session.scalar(select(func.count()).select_from(Engineer)) <= 50
    assert session.scalar(select(func.count()).select_from(Customer)) == 200
    open_orders = session.scalar(select(func.count()).select_from(WorkOrder)
                                 .where(WorkOrder.status.in_(list(OPEN_STATUSES))))
    assert 280 <= open_orders <= 320
    assert {user.role for user in session.scalars(select(User))} == set(Role)
    assert session.scalar(select(func.count()).select_from(Asset)) > session.scalar(
        select(func.count()).select_from(Site))
    assert not database_is_empty(session)


def test_demo_places_lie_in_shanghai(session, demo):
    west, south, east, north = SHANGHAI_BOX
    points = [lon_lat(site.location) for site in session.scalars(select(Site))]
    points += [lon_lat(engineer.home_base) for engineer in session.scalars(select(Engineer))]
    assert points
    assert all(west < lon < east and south < lat < north for lon, lat in points)


def test_open_orders_fall_on_the_next_three_days_with_sane_windows(session, demo):
    first = datetime.combine(REFERENCE_DAY + timedelta(days=1), datetime.min.time(), tzinfo=SHANGHAI)
    last = first + timedelta(days=3)
    orders = session.scalars(select(WorkOrder).where(WorkOrder.status.in_(list(OPEN_STATUSES)))).all()
    for order in orders:
        assert order.window_start is not None and order.window_end > order.window_start
        assert first <= order.window_start < last, order.number
        assert order.site.customer_id == order.customer_id
        if order.asset is not None:
            assert order.asset.site_id == order.site_id


def test_assigned_orders_respect_skills_windows_and_overlaps(session, demo):
    assigned = session.scalars(select(WorkOrder).where(WorkOrder.status == Status.ASSIGNED)).all()
    assert len(assigned) > 30
    by_engineer: dict[int, list[WorkOrder]] = {}
    for order in assigned:
        engineer = order.scheduled_engineer
        levels = {row.skill_code: row.level for row in engineer.skills}
        for need in order.required_skills:
            assert levels.get(need.skill_code, 0) >= need.level, (order.number, need.skill_code)
        assert order.window_start <= order.scheduled_start <= order.window_end, order.number
        assert order.scheduled_end > order.scheduled_start
        by_engineer.setdefault(engineer.id, []).append(order)
    for orders in by_engineer.values():
        orders.sort(key=lambda o: o.scheduled_start)
        for earlier, later in zip(orders, orders[1:]):
            assert earlier.scheduled_end <= later.scheduled_start, (earlier.number, later.number)


def test_custom_fields_fit_their_templates(session, demo):
    templates = {t.id: t for t in session.scalars(select(WorkOrderTemplate))}
    assert templates
    for order in session.scalars(select(WorkOrder).where(WorkOrder.template_id.is_not(None))):
        assert validate_custom_fields(templates[order.template_id].fields, order.custom_fields) == order.custom_fields


def test_every_work_type_has_an_active_bilingual_checklist(session, demo):
    active = {c.work_type: c for c in session.scalars(select(Checklist).where(Checklist.is_active))}
    assert set(active) == set(WorkType) and demo["checklists"] == len(WorkType)
    for checklist in active.values():
        kinds = {item.kind for item in checklist.items}
        assert {ChecklistItemKind.CHECK, ChecklistItemKind.PHOTO} <= kinds, checklist.work_type
        assert any(item.required for item in checklist.items)
        for item in checklist.items:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in item.label_zh), item.key
            assert item.label_en.isascii() and item.label_en[0].isupper(), item.key
    repair = {item.key: item for item in active[WorkType.REPAIR].items}
    assert (repair["outlet_temperature"].min_value, repair["outlet_temperature"].max_value) == (0, 40)
    assert repair["power_isolated"].required and repair["power_isolated"].kind is ChecklistItemKind.CHECK


def test_yesterdays_repairs_wait_for_a_rating_with_checklist_photos_and_signature(session, demo, file_store):
    resolved = session.scalars(select(WorkOrder).where(WorkOrder.status == Status.RESOLVED)).all()
    assert len(resolved) == demo["resolved visits awaiting a rating"] >= 2
    yesterday = REFERENCE_DAY - timedelta(days=1)
    for order in resolved:
        assert order.work_type is WorkType.REPAIR and order.scheduled_engineer is not None
        assert order.scheduled_start.astimezone(SHANGHAI).date() == yesterday
        files = {a.kind: a for a in session.scalars(select(Attachment).where(Attachment.work_order_id == order.id))}
        assert set(files) == {AttachmentKind.PHOTO, AttachmentKind.SIGNATURE}
        assert files[AttachmentKind.SIGNATURE].signer_name
        for attachment in files.values():
            content = file_store.read(attachment.storage_key)
            assert content.startswith(b"\x89PNG") and len(content) == attachment.size_bytes
        view = checklist_for_order(session, order=order)
        assert view.pinned and view.complete and not view.missing
        photo_answer = view.answers["photo_after"].value
        assert session.get(Attachment, photo_answer).work_order_id == order.id
        events = session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id)
                                 .order_by(WorkOrderEvent.server_time)).all()
        assert [e.action for e in events if e.kind is EventKind.STATUS_CHANGED] == [
            "assign", "accept", "start_travel", "check_in", "resolve"]
        assert events[-1].to_status is Status.RESOLVED and events[-1].device_time is not None
        assert {EventKind.CHECKLIST, EventKind.ATTACHMENT_ADDED} <= {e.kind for e in events}


def test_number_fields_of_the_templates_have_ranges(session, demo):
    installation = session.scalar(select(WorkOrderTemplate).where(WorkOrderTemplate.work_type == WorkType.INSTALLATION))
    units = next(field for field in installation.fields if field["key"] == "units")
    assert (units["min_value"], units["max_value"]) == (1, 50)


def test_the_demo_loads_only_into_an_empty_database(session, demo):
    with pytest.raises(ConflictError):
        load_demo(session, seed=7, today=REFERENCE_DAY)


def test_every_demo_account_signs_in(client, demo, reset_rate_limits):
    for role, email in DEMO_ACCOUNTS:
        response = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 200, (role, response.json)
        assert response.json["user"]["role"] == Role(role).value
