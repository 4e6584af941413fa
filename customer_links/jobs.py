"""Background jobs of customer links, run by the RQ worker: sending a link's message
(retried when the mail server is unavailable) and closing orders whose feedback window
has passed (enqueued by `app/cron.py`)."""
from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from flask import current_app
from rq import Retry

from app.background import with_app
from app.db import unit_of_work, utcnow
from app.workorders.events import record_event
from app.workorders.models import EventKind
from customer_links import service
from customer_links.messages import CustomerMessage, SmtpSettings, Transports, compose, make_transports
from customer_links.models import CustomerLink
from customer_links.tokens import sign_link_id

log = logging.getLogger(__name__)
# Waits between attempts of one message: quick, then backing off (about 37 min in all).
RETRY = Retry(max=4, interval=[10, 60, 300, 1800])
AUTO_CLOSE_INTERVAL_S = 3600


def send_link_message(link_id: int) -> str:
    """Send the message carrying link `link_id`: `sent`, or `skipped` when the link was
    sent, used, replaced or expired meanwhile (or is gone). A delivery failure is counted
    on the link and raised, and RQ retries."""
    return with_app(_send, link_id)


def close_unanswered_orders() -> dict[str, object]:
    """Close every order that has waited for feedback longer than FEEDBACK_AUTO_CLOSE_DAYS."""
    return with_app(_close_unanswered)


def configured_transports() -> Transports:
    """The transports CUSTOMER_MESSAGES names, with the app's SMTP settings."""
    config = current_app.config
    smtp = SmtpSettings(host=config["SMTP_HOST"], port=config["SMTP_PORT"], sender=config["SMTP_FROM"],
                        username=config["SMTP_USERNAME"], password=config["SMTP_PASSWORD"],
                        starttls=config["SMTP_STARTTLS"])
    return make_transports(config["CUSTOMER_MESSAGES"], smtp)


def link_url(link: CustomerLink) -> str:
    """The full URL of a link's page, as sent to the customer."""
    token = sign_link_id(current_app.config["SECRET_KEY"], link.kind, link.id)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + service.link_path(link.kind, token)


def _message(link: CustomerLink) -> CustomerMessage:
    order = link.work_order
    engineer = order.scheduled_engineer
    expires = link.expires_at.astimezone(ZoneInfo(current_app.config["ORG_TIMEZONE"])).strftime("%Y-%m-%d %H:%M")
    return compose(link.kind, link.channel, link.address, url=link_url(link), number=order.number,
                   title=order.title, engineer=engineer.user.name if engineer else "", expires=expires)


def _send(link_id: int) -> str:
    with unit_of_work() as session:
        link = session.get(CustomerLink, link_id)
        if link is None or link.sent_at is not None or service.link_status(link) in ("used", "revoked", "expired"):
            return "skipped"
        message = _message(link)
    # Sent outside any transaction: a slow mail server holds no locks.
    try:
        configured_transports().send(message)
    except Exception as exc:
        with unit_of_work() as session:
            link = session.get(CustomerLink, link_id, with_for_update=True)
            link.send_attempts += 1
            link.last_error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("customer link %s: sending failed (%s); will retry", link_id, exc)
        raise
    with unit_of_work() as session:
        link = session.get(CustomerLink, link_id, with_for_update=True)
        link.send_attempts += 1
        link.sent_at = utcnow()
        link.last_error = None
        record_event(session, order=link.work_order, kind=EventKind.CUSTOMER_LINK, actor=None,
                     action=f"{link.kind.value}_link_sent", payload={"link_id": link.id, "channel": link.channel.value})
    return "sent"


def _close_unanswered() -> dict[str, object]:
    closed: list[str] = []
    while True:
        with unit_of_work() as session:
            batch = service.close_unanswered(session, limit=200)
        closed += batch
        if len(batch) < 200:
            break
    if closed:
        log.info("feedback window: closed %d orders without feedback", len(closed))
    return {"closed": len(closed), "numbers": closed[:50]}
