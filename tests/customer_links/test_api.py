"""The staff's view of an order's customer links, resending the rating link, and the
JSON the tracking page polls."""
from __future__ import annotations

import pytest

from app.auth.models import Role
from app.workorders.lifecycle import Action, transition
from app.workorders.models import Status, WorkOrder
from customer_links import service
from customer_links.models import LinkKind
from tests.customer_links.conftest import make_order, resolve
from tests.factories import ContactFactory, CustomerFactory, RatingFactory

API = "/api/v1/work-orders"


@pytest.fixture
def agent(as_role):
    return as_role(Role.AGENT)[1]


def test_staff_see_the_links_and_their_state(client, session, as_role, visit):
    resolve(session, visit)
    [link] = service.links_of(session, visit.id)
    for role in (Role.AGENT, Role.MANAGER, Role.DISPATCHER, Role.ADMIN):
        answer = client.get(f"{API}/{visit.id}/customer-links", headers=as_role(role)[1])
        assert answer.status_code == 200, role
    [shown] = answer.json
    assert shown | {"created_at": None, "expires_at": None} == {
        "id": link.id, "kind": "rating", "status": "pending", "channel": "email", "address": "wang.fang@example.com",
        "contact_id": link.contact_id, "created_at": None, "expires_at": None, "sent_at": None, "send_attempts": 0,
        "last_error": None, "used_at": None, "revoked_at": None}


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.PARTNER_ENGINEER, Role.CUSTOMER, Role.WAREHOUSE])
def test_field_customer_and_warehouse_roles_may_not_see_or_resend(client, as_role, visit, role):
    _, headers = as_role(role)
    # Even the order's own engineer: links carry the customer's address, not the engineer's business.
    for path, method in ((f"{API}/{visit.id}/customer-links", "GET"),
                         (f"{API}/{visit.id}/customer-links/rating/resend", "POST")):
        answer = client.open(path, method=method, headers=headers, json={} if method == "POST" else None)
        assert answer.status_code == 403 and answer.json["status"] == "forbidden", (role, path)


def test_the_orders_own_engineer_may_not_resend_either(client, token_for, visit):
    answer = client.post(f"{API}/{visit.id}/customer-links/rating/resend",
                         headers=token_for(visit.scheduled_engineer.user), json={})
    assert answer.status_code == 403


def test_a_dispatcher_sees_but_may_not_resend(client, as_role, session, visit):
    resolve(session, visit)
    answer = client.post(f"{API}/{visit.id}/customer-links/rating/resend", headers=as_role(Role.DISPATCHER)[1], json={})
    assert answer.status_code == 403


def test_resending_replaces_the_link(client, session, agent, visit):
    resolve(session, visit)
    [old] = service.links_of(session, visit.id)

    answer = client.post(f"{API}/{visit.id}/customer-links/rating/resend", headers=agent, json={})

    assert answer.status_code == 201, answer.json
    assert answer.json["status"] == "pending" and answer.json["id"] != old.id
    listed = client.get(f"{API}/{visit.id}/customer-links", headers=agent).json
    assert [(x["id"], x["status"]) for x in listed] == [(answer.json["id"], "pending"), (old.id, "revoked")]
    session.expire_all()
    with pytest.raises(service.LinkRevokedError):
        service.submit_rating(session, link_id=old.id, csat=5)


def test_resending_to_a_chosen_contact(client, session, agent, customer, visit):
    resolve(session, visit)
    mobile_only = ContactFactory(customer=customer, phone="+86 138 1111 2222", email=None)
    answer = client.post(f"{API}/{visit.id}/customer-links/rating/resend", headers=agent,
                         json={"contact_id": mobile_only.id})
    assert answer.status_code == 201
    assert (answer.json["channel"], answer.json["address"], answer.json["contact_id"]) == (
        "sms", "+86 138 1111 2222", mobile_only.id)


def test_a_resolved_order_whose_customer_was_unreachable_can_ask_again(client, session, agent, engineer):
    customer = CustomerFactory()
    order = resolve(session, make_order(customer, engineer))
    order_id = order.id
    assert order.status is Status.RESOLVED
    nobody = client.post(f"{API}/{order_id}/customer-links/rating/resend", headers=agent, json={})
    assert nobody.status_code == 409 and nobody.json["status"] == "no_reachable_contact"

    ContactFactory(customer=customer, email="new.person@example.com")
    answer = client.post(f"{API}/{order_id}/customer-links/rating/resend", headers=agent, json={})
    assert answer.status_code == 201 and answer.json["address"] == "new.person@example.com"
    session.expire_all()
    assert session.get(WorkOrder, order_id).status is Status.AWAITING_FEEDBACK


@pytest.mark.parametrize("body, field", [({"contact_id": 0}, "contact_id"), ({"contact_id": "x"}, "contact_id"),
                                         ({"email": "a@b.c"}, "email"), ({"contact_id": 10**8}, "contact_id")])
def test_bad_resend_bodies_are_refused(client, session, agent, visit, body, field):
    resolve(session, visit)
    order_id, [before_id] = visit.id, [link.id for link in service.links_of(session, visit.id)]
    answer = client.post(f"{API}/{order_id}/customer-links/rating/resend", headers=agent, json=body)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"
    assert field in str(answer.json["errors"])
    session.expire_all()
    assert [(link.id, service.link_status(link)) for link in service.links_of(session, order_id)] == [
        (before_id, "pending")]


def test_a_contact_of_another_customer_is_refused(client, session, agent, visit):
    resolve(session, visit)
    stranger = ContactFactory(email="someone@else.example.com")
    answer = client.post(f"{API}/{visit.id}/customer-links/rating/resend", headers=agent,
                         json={"contact_id": stranger.id})
    assert answer.status_code == 422 and "contact_id" in answer.json["errors"]


def test_resend_conflicts(client, session, agent, visit, customer, engineer):
    early = client.post(f"{API}/{visit.id}/customer-links/rating/resend", headers=agent, json={})
    assert early.status_code == 409 and early.json["status"] == "not_awaiting_feedback"
    rated = make_order(customer, engineer, status=Status.RESOLVED)
    RatingFactory(work_order_id=rated.id)
    again = client.post(f"{API}/{rated.id}/customer-links/rating/resend", headers=agent, json={})
    assert again.status_code == 409 and again.json["status"] == "already_rated"
    assert client.get(f"{API}/999999/customer-links", headers=agent).status_code == 404
    assert client.post(f"{API}/999999/customer-links/rating/resend", headers=agent, json={}).status_code == 404


def test_the_tracking_json(client, session, customer, engineer, token):
    order = make_order(customer, engineer, status=Status.ACCEPTED)
    transition(session, order=order, action=Action.START_TRAVEL, actor=engineer.user, position=(121.44, 31.22))
    [link] = service.links_of(session, order.id)

    answer = client.get(f"/t/{token(link)}/status")

    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.json
    assert body["state"] == "on_the_way" and body["number"] == order.number and body["refresh_s"] <= 15
    assert body["engineer_position"]["type"] == "Point" and body["engineer_position"]["coordinates"] != [121.44, 31.22]
    assert body["eta"] and body["site"]["coordinates"] == [121.4737, 31.2304]


def test_the_tracking_json_refuses_bad_tokens_clearly(client, session, visit, token):
    resolve(session, visit)
    [rating_link] = service.links_of(session, visit.id)
    for bad in ("nonsense", token(rating_link), token(rating_link)[:-1] + "x"):
        answer = client.get(f"/t/{bad}/status")
        assert answer.status_code == 404 and answer.json["status"] == "link_not_found", bad
    assert LinkKind(rating_link.kind) is LinkKind.RATING
