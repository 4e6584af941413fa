"""Messages to customers: composed in both languages, logged by default, mailed through a
real (local) SMTP server with `CUSTOMER_MESSAGES=smtp`, failures counted and retried."""
from __future__ import annotations

import logging
import socket

import pytest

from app.db import utcnow
from app.workorders.lifecycle import Action, transition
from app.workorders.models import EventKind, Status, WorkOrderEvent
from customer_links import service
from customer_links.jobs import RETRY, send_link_message
from customer_links.messages import CustomerMessage, LogTransport, SmtpSettings, make_transports
from customer_links.models import LinkKind, MessageChannel
from tests.customer_links.conftest import make_order, resolve
from tests.customer_links.smtp_server import start_smtp_server


@pytest.fixture(autouse=True)
def app_context(app):
    """The jobs run in the test's app (and its transaction), as in-line in the CLI."""
    with app.app_context():
        yield


@pytest.fixture
def smtp(app):
    """A local SMTP server, with the app sending through it."""
    state, server = start_smtp_server()
    saved = {key: app.config[key] for key in ("CUSTOMER_MESSAGES", "SMTP_HOST", "SMTP_PORT")}
    app.config.update(CUSTOMER_MESSAGES="smtp", SMTP_HOST=state.host, SMTP_PORT=state.port)
    yield state
    app.config.update(saved)
    server.shutdown()
    server.server_close()


@pytest.fixture
def rating_link(session, visit):
    resolve(session, visit)
    [link] = service.links_of(session, visit.id)
    return link


def sent_events(session, order_id):
    return session.query(WorkOrderEvent).filter_by(work_order_id=order_id, kind=EventKind.CUSTOMER_LINK).all()


def test_by_default_the_message_is_logged_with_its_link(app, session, visit, rating_link, token, caplog):
    with caplog.at_level(logging.INFO, logger="customer_links.messages"):
        assert send_link_message(rating_link.id) == "sent"
    logged = caplog.text
    assert "wang.fang@example.com" in logged and app.config["PUBLIC_BASE_URL"] + "/r/" + token(rating_link) in logged
    assert visit.number in logged and "请评价本次服务" in logged and "Please rate our visit" in logged
    assert rating_link.sent_at is not None and rating_link.send_attempts == 1
    assert service.link_status(rating_link) == "sent"
    [event] = sent_events(session, visit.id)
    assert (event.action, event.payload) == ("rating_link_sent", {"link_id": rating_link.id, "channel": "email"})
    # Sent is sent: the job run again (a retry after a lost acknowledgement) sends nothing.
    assert send_link_message(rating_link.id) == "skipped"
    assert len(sent_events(session, visit.id)) == 1


def test_smtp_delivers_the_rating_link_by_mail(app, session, visit, rating_link, token, smtp):
    assert send_link_message(rating_link.id) == "sent"

    [mail] = smtp.received
    assert mail.recipients == ["wang.fang@example.com"] and mail.sender == app.config["SMTP_FROM"]
    assert mail.message["To"] == "wang.fang@example.com" and visit.number in mail.message["Subject"]
    body = mail.message.get_content()
    assert app.config["PUBLIC_BASE_URL"] + "/r/" + token(rating_link) in body
    assert "为本次服务打分" in body and "expires" in body


def test_a_mail_server_that_is_down_is_counted_and_retried(app, session, rating_link):
    with socket.socket() as probe:   # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    saved = {key: app.config[key] for key in ("CUSTOMER_MESSAGES", "SMTP_PORT")}
    app.config.update(CUSTOMER_MESSAGES="smtp", SMTP_PORT=port)
    try:
        with pytest.raises(OSError):
            send_link_message(rating_link.id)
    finally:
        app.config.update(saved)
    session.refresh(rating_link)
    assert rating_link.sent_at is None and rating_link.send_attempts == 1
    assert "ConnectionRefusedError" in rating_link.last_error
    assert service.link_status(rating_link) == "failing"
    assert RETRY.max == 4   # RQ tries again, backing off
    # The next attempt (the server is back: log transport) succeeds and clears the error.
    assert send_link_message(rating_link.id) == "sent"
    assert rating_link.last_error is None and rating_link.send_attempts == 2


def test_a_link_used_or_replaced_before_its_message_left_is_not_sent(session, visit, rating_link):
    service.submit_rating(session, link_id=rating_link.id, csat=5)
    assert send_link_message(rating_link.id) == "skipped"
    assert send_link_message(10**9) == "skipped"


def test_texts_are_logged_in_either_mode():
    assert isinstance(make_transports("log").sms, LogTransport)
    smtp = make_transports("smtp", SmtpSettings(host="127.0.0.1", port=25, sender="a@example.com"))
    assert isinstance(smtp.sms, LogTransport)
    with pytest.raises(ValueError):
        make_transports("carrier-pigeon")
    with pytest.raises(ValueError):
        smtp.email.send(CustomerMessage(MessageChannel.SMS, "+86 139", "s", "b"))


def test_the_tracking_message_names_the_engineer(session, app, customer, engineer, caplog):
    order = make_order(customer, engineer, status=Status.ACCEPTED)
    transition(session, order=order, action=Action.START_TRAVEL, actor=engineer.user)
    [link] = service.links_of(session, order.id)
    assert link.kind is LinkKind.TRACKING and link.expires_at > utcnow()
    with caplog.at_level(logging.INFO, logger="customer_links.messages"):
        send_link_message(link.id)
    assert engineer.user.name in caplog.text and "/t/" in caplog.text and "on the way" in caplog.text
