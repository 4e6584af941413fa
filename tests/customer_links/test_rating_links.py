"""The rating link: made when a visit is resolved, used once, refused clearly otherwise;
unanswered orders close after the feedback window."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.db import utcnow
from app.workorders.lifecycle import Action, transition
from app.workorders.models import EventKind, Rating, Status, WorkOrder, WorkOrderEvent
from customer_links import outbox, service
from customer_links.models import CustomerLink, LinkKind, MessageChannel
from customer_links.tokens import BadLinkToken, read_link_id, sign_link_id
from tests.customer_links.conftest import make_order, resolve
from tests.factories import ContactFactory, CustomerFactory, UserFactory
from tests.live import live_db  # noqa: F401  (fixture)


def events(session, order):
    return session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id)
                           .order_by(WorkOrderEvent.id)).all()


def test_resolving_makes_a_rating_link_and_waits_for_feedback(session, visit, queue):
    resolve(session, visit)

    assert visit.status is Status.AWAITING_FEEDBACK
    [link] = service.links_of(session, visit.id)
    assert (link.kind, link.channel, link.address) == (LinkKind.RATING, MessageChannel.EMAIL, "wang.fang@example.com")
    assert link.expires_at - utcnow() > timedelta(days=6, hours=23)
    assert service.link_status(link) == "pending" and link.used_at is None
    changes = [(e.action, e.from_status, e.to_status, e.actor_id) for e in events(session, visit)
               if e.kind is EventKind.STATUS_CHANGED]
    assert changes == [("resolve", Status.ON_SITE, Status.RESOLVED, visit.scheduled_engineer.user_id),
                       ("request_feedback", Status.RESOLVED, Status.AWAITING_FEEDBACK, None)]
    assert events(session, visit)[-1].payload == {"via": "customer_links", "link_id": link.id, "channel": "email"}
    # The message waits for the commit, then goes to the worker's queue.
    assert outbox.pending_link_messages(session) == [link.id] and queue.count == 0
    session.commit()
    [job] = queue.get_jobs()
    assert job.func_name == "customer_links.jobs.send_link_message" and job.args == (link.id,)


def test_a_rolled_back_resolve_sends_nothing(session, visit, queue):
    nested = session.begin_nested()
    resolve(session, visit)
    nested.rollback()
    session.commit()
    assert queue.count == 0 and session.scalar(select(func.count()).select_from(CustomerLink)) == 0


def test_a_customer_without_a_reachable_contact_stays_resolved_and_the_timeline_says_why(session, engineer):
    customer = CustomerFactory(phone="+86 21 5555 1234")   # a landline takes no text
    ContactFactory(customer=customer, phone=None, email=None)
    order = resolve(session, make_order(customer, engineer))

    assert order.status is Status.RESOLVED and service.links_of(session, order.id) == []
    last = events(session, order)[-1]
    assert (last.kind, last.action, last.payload["reason"]) == (
        EventKind.CUSTOMER_LINK, "feedback_not_requested", "no_reachable_contact")


def test_a_contact_with_only_a_mobile_number_gets_a_text(session, engineer):
    customer = CustomerFactory(email="office@example.com")
    ContactFactory(customer=customer, phone="+86 139 0000 1111")
    order = resolve(session, make_order(customer, engineer))
    [link] = service.links_of(session, order.id)
    assert (link.channel, link.address) == (MessageChannel.SMS, "+86 139 0000 1111")


def test_the_customers_own_address_is_the_last_resort(session, engineer):
    order = resolve(session, make_order(CustomerFactory(email="office@example.com"), engineer))
    [link] = service.links_of(session, order.id)
    assert (link.channel, link.address, link.contact_id) == (MessageChannel.EMAIL, "office@example.com", None)


def test_an_agents_request_for_feedback_sends_a_link_too(session, customer, engineer):
    order = make_order(customer, engineer, status=Status.RESOLVED)
    transition(session, order=order, action=Action.REQUEST_FEEDBACK, actor=UserFactory(role=Role.AGENT))
    [link] = service.links_of(session, order.id)
    assert link.kind is LinkKind.RATING and service.link_status(link) == "pending"


def test_the_customer_rates_once_and_the_order_closes(session, visit):
    resolve(session, visit)
    [link] = service.links_of(session, visit.id)

    rating = service.submit_rating(session, link_id=link.id, csat=5, nps=9, comment="  很准时  ")

    assert (rating.csat, rating.nps, rating.comment, rating.source, rating.recorded_by_id) == (5, 9, "很准时", "link", None)
    assert visit.status is Status.CLOSED and link.used_at is not None
    assert service.link_status(link) == "used"
    with pytest.raises(service.LinkUsedError):
        service.submit_rating(session, link_id=link.id, csat=1)
    assert session.scalar(select(func.count()).select_from(Rating).where(Rating.work_order_id == visit.id)) == 1


def test_expired_replaced_and_closed_links_are_refused(session, customer, engineer):
    expired_order, replaced_order, closed_order = (resolve(session, make_order(customer, engineer)) for _ in range(3))
    [expired] = service.links_of(session, expired_order.id)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    [replaced] = service.links_of(session, replaced_order.id)
    newer = service.resend_rating_link(session, order=replaced_order, actor=UserFactory(role=Role.AGENT))
    [closed] = service.links_of(session, closed_order.id)
    transition(session, order=closed_order, action=Action.CLOSE, actor=UserFactory(role=Role.MANAGER))
    session.flush()

    with pytest.raises(service.LinkExpiredError):
        service.submit_rating(session, link_id=expired.id, csat=4)
    with pytest.raises(service.LinkRevokedError):
        service.submit_rating(session, link_id=replaced.id, csat=4)
    with pytest.raises(service.OrderNotAwaitingFeedbackError):
        service.submit_rating(session, link_id=closed.id, csat=4)
    assert [service.link_status(x) for x in (expired, replaced, newer)] == ["expired", "revoked", "pending"]
    assert service.submit_rating(session, link_id=newer.id, csat=3).csat == 3
    with pytest.raises(service.LinkNotFoundError):
        service.submit_rating(session, link_id=10**9, csat=3)


@pytest.mark.parametrize("csat, nps", [(0, None), (6, None), (3, 11), (3, -1)])
def test_scores_out_of_range_are_refused_before_anything_is_written(session, visit, csat, nps):
    resolve(session, visit)
    [link] = service.links_of(session, visit.id)
    with pytest.raises(service.ValidationFailedError):
        service.submit_rating(session, link_id=link.id, csat=csat, nps=nps)
    assert link.used_at is None and visit.status is Status.AWAITING_FEEDBACK


def test_tokens_are_signed_per_kind_and_refuse_tampering(app, session, visit):
    secret = app.config["SECRET_KEY"]
    resolve(session, visit)
    [link] = service.links_of(session, visit.id)
    token = sign_link_id(secret, LinkKind.RATING, link.id)

    assert read_link_id(secret, LinkKind.RATING, token) == link.id
    assert service.open_link(session, secret_key=secret, kind=LinkKind.RATING, token=token) is link
    payload, signature = token.split(".")
    tampered = [payload + "." + signature[:-2] + ("AA" if not signature.endswith("AA") else "BB"),
                sign_link_id(secret, LinkKind.RATING, link.id + 1).split(".")[0] + "." + signature,
                sign_link_id("another secret", LinkKind.RATING, link.id), "", "not-a-token", token + "x"]
    for bad in tampered:
        with pytest.raises(BadLinkToken):
            read_link_id(secret, LinkKind.RATING, bad)
        with pytest.raises(service.LinkNotFoundError):
            service.open_link(session, secret_key=secret, kind=LinkKind.RATING, token=bad)
    # A rating token does not open a tracking page, and a well-signed unknown id is no link.
    with pytest.raises(service.LinkNotFoundError):
        service.open_link(session, secret_key=secret, kind=LinkKind.TRACKING, token=token)
    with pytest.raises(service.LinkNotFoundError):
        service.open_link(session, secret_key=secret, kind=LinkKind.RATING,
                          token=sign_link_id(secret, LinkKind.RATING, 10**9))


def test_unanswered_orders_close_after_the_feedback_window_once(session, customer, engineer):
    waiting, also_waiting = (resolve(session, make_order(customer, engineer)) for _ in range(2))
    rated = resolve(session, make_order(customer, engineer))
    service.submit_rating(session, link_id=service.links_of(session, rated.id)[0].id, csat=4)
    later = utcnow() + timedelta(days=7, minutes=1)

    closed = service.close_unanswered(session, now=later)
    assert sorted(closed) == sorted([waiting.number, also_waiting.number])

    again = service.close_unanswered(session, now=later + timedelta(days=30))
    assert again == []
    last = events(session, waiting)[-1]
    assert (last.action, last.to_status, last.actor_id, last.payload["via"]) == (
        "close", Status.CLOSED, None, "feedback_window")
    assert "no feedback within 7 days" in last.payload["comment"]


def test_orders_inside_the_window_stay_open(session, visit):
    resolve(session, visit)
    assert service.close_unanswered(session, now=utcnow() + timedelta(days=6, hours=23)) == []
    assert visit.status is Status.AWAITING_FEEDBACK


def test_two_simultaneous_submits_make_one_rating(app, live_db, engine, customer, engineer):
    order = resolve(live_db, make_order(customer, engineer))
    [link] = service.links_of(live_db, order.id)
    live_db.commit()
    barrier = Barrier(2)

    def submit(csat):
        with app.app_context(), Session(engine) as own:
            barrier.wait()
            try:
                service.submit_rating(own, link_id=link.id, csat=csat)
                own.commit()
                return "rated"
            except service.LinkUsedError:
                own.rollback()
                return "used"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(submit, (2, 5)))

    assert outcomes == ["rated", "used"]
    live_db.expire_all()
    assert live_db.scalar(select(func.count()).select_from(Rating).where(Rating.work_order_id == order.id)) == 1
    assert live_db.get(WorkOrder, order.id).status is Status.CLOSED
    closes = live_db.scalar(select(func.count()).select_from(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.action == "close"))
    assert closes == 1
