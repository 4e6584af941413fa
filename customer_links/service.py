"""Customer links from creation to use.

- When a visit is resolved (an `after_event` hook, in the resolve's transaction) a rating
  link is made for the customer's first reachable address, the order moves on to
  `awaiting_feedback` (system actor) and the message leaves after commit. A customer
  with no e-mail address or mobile number leaves the order `resolved`, and its timeline
  says why.
- When the engineer starts travel a tracking link is made and sent the same way; it
  expires as soon as the visit ends (resolved or cancelled).
- The customer rates once: the link row is locked, so two simultaneous submits make one
  rating and the second is told the link was used.
- Orders whose customer never answers are closed after `auto_close_days`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.customers.models import Contact, Customer
from app.db import utcnow
from app.errors import ConflictError, DomainError, NotFoundError, ValidationFailedError
from app.workorders.events import record_event
from app.workorders.lifecycle import Action, transition
from app.workorders.models import EventKind, Rating, Status, WorkOrder, WorkOrderEvent
from app.workorders.ratings import AlreadyRatedError, rating_of, record_rating
from customer_links.models import CustomerLink, LinkKind, MessageChannel
from customer_links.outbox import queue_link_message
from customer_links.tokens import BadLinkToken, read_link_id

VIA = "customer_links"
AUTO_CLOSE_VIA = "feedback_window"
PATHS = {LinkKind.RATING: "/r/", LinkKind.TRACKING: "/t/"}
# Orders that still have a visit ahead or under way: the tracking page follows these.
VISIT_STATUSES = frozenset({Status.ASSIGNED, Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE, Status.ON_HOLD})


@dataclass(frozen=True)
class LinkSettings:
    """How long links live and when unanswered orders close (from the app's config)."""
    auto_close_days: int = 7
    tracking_hours: int = 12
    # The tracking page: a position older than this is not shown; positions are snapped to
    # cells this wide; travel time is estimated at this speed over straight-line distance
    # times the road factor (the dispatcher's travel model).
    position_fresh_minutes: int = 10
    position_cell_m: int = 500
    speed_kmh: float = 30.0
    road_factor: float = 1.3


_settings = [LinkSettings()]


def configure(settings: LinkSettings) -> None:
    """Set the link lifetimes (the app factory does, from the config)."""
    _settings[:] = [settings]


def settings() -> LinkSettings:
    return _settings[0]


# --- errors the customer's pages turn into a clear page ---

class LinkNotFoundError(NotFoundError):
    """Tampered, made up, or of another kind."""
    code = "link_not_found"


class LinkGoneError(DomainError):
    code = "link_gone"
    http_status = 410


class LinkExpiredError(LinkGoneError):
    code = "link_expired"


class LinkRevokedError(LinkGoneError):
    """Replaced by a newer link (an agent resent it)."""
    code = "link_revoked"


class LinkUsedError(ConflictError):
    code = "link_used"


class OrderNotAwaitingFeedbackError(ConflictError):
    """Closed meanwhile (by an agent, the feedback window) or never asked for feedback."""
    code = "not_awaiting_feedback"


class NoReachableContactError(ConflictError):
    code = "no_reachable_contact"


# --- where a message can go ---

@dataclass(frozen=True)
class Recipient:
    contact: Contact | None
    channel: MessageChannel
    address: str


def reachable_recipient(session: Session, order: WorkOrder) -> Recipient | None:
    """Where a message about `order` can go: the first contact with an e-mail address,
    else the first with a mobile number (SMS), else the customer's own e-mail address.
    None when there is nowhere (a customer's landline cannot take a text)."""
    contacts = session.scalars(select(Contact).where(Contact.customer_id == order.customer_id)
                               .order_by(Contact.id)).all()
    for contact in contacts:
        if contact.email:
            return Recipient(contact, MessageChannel.EMAIL, contact.email)
    for contact in contacts:
        if contact.phone:
            return Recipient(contact, MessageChannel.SMS, contact.phone)
    customer_email = session.scalar(select(Customer.email).where(Customer.id == order.customer_id))
    if customer_email:
        return Recipient(None, MessageChannel.EMAIL, customer_email)
    return None


def recipient_for_contact(order: WorkOrder, contact: Contact) -> Recipient:
    """Send to this contact of the order's customer: e-mail when it has one, else SMS."""
    if contact.customer_id != order.customer_id:
        raise ValidationFailedError("The contact is not one of the order's customer",
                                    errors={"contact_id": ["not a contact of this customer"]})
    if contact.email:
        return Recipient(contact, MessageChannel.EMAIL, contact.email)
    if contact.phone:
        return Recipient(contact, MessageChannel.SMS, contact.phone)
    raise ValidationFailedError("The contact has neither an e-mail address nor a phone number",
                                errors={"contact_id": ["has no e-mail address or phone number"]})


# --- making links ---

def create_link(session: Session, *, order: WorkOrder, kind: LinkKind, recipient: Recipient,
                expires_at: datetime, created_by: User | None = None) -> CustomerLink:
    """A new link of `kind` for the order, replacing (revoking) any earlier one of that kind;
    its message is sent after the transaction commits."""
    now = utcnow()
    session.execute(update(CustomerLink)
                    .where(CustomerLink.work_order_id == order.id, CustomerLink.kind == kind,
                           CustomerLink.used_at.is_(None), CustomerLink.revoked_at.is_(None))
                    .values(revoked_at=now)
                    .execution_options(synchronize_session="fetch"))
    link = CustomerLink(kind=kind, work_order_id=order.id, contact_id=recipient.contact.id if recipient.contact else None,
                        channel=recipient.channel, address=recipient.address, expires_at=expires_at,
                        created_by_id=created_by.id if created_by else None)
    session.add(link)
    session.flush()
    queue_link_message(session, link.id)
    return link


def live_link(session: Session, order_id: int, kind: LinkKind) -> CustomerLink | None:
    """The order's unused, unrevoked, unexpired link of `kind`."""
    return session.scalar(select(CustomerLink).where(
        CustomerLink.work_order_id == order_id, CustomerLink.kind == kind, CustomerLink.used_at.is_(None),
        CustomerLink.revoked_at.is_(None), CustomerLink.expires_at > utcnow()))


def request_feedback(session: Session, *, order: WorkOrder, actor: User | None = None) -> CustomerLink | None:
    """Ask the customer of a (locked) resolved order for a rating: make the rating link and
    move the order to `awaiting_feedback`. Without a reachable contact the order stays
    `resolved` and a `customer_link` event (`feedback_not_requested`) says why; answers None."""
    recipient = reachable_recipient(session, order)
    if recipient is None:
        record_event(session, order=order, kind=EventKind.CUSTOMER_LINK, actor=actor,
                     action="feedback_not_requested",
                     payload={"reason": "no_reachable_contact",
                              "message": "The customer has no contact with an e-mail address or mobile number"})
        return None
    link = create_link(session, order=order, kind=LinkKind.RATING, recipient=recipient,
                       expires_at=utcnow() + timedelta(days=settings().auto_close_days), created_by=actor)
    transition(session, order=order, action=Action.REQUEST_FEEDBACK, actor=actor, via=VIA,
               link_id=link.id, channel=link.channel.value)
    return link


def send_tracking_link(session: Session, *, order: WorkOrder) -> CustomerLink | None:
    """Tell the customer the engineer is on the way, with a link to follow them; None when
    there is nowhere to send it or a live tracking link was sent already."""
    if live_link(session, order.id, LinkKind.TRACKING) is not None:
        return None
    recipient = reachable_recipient(session, order)
    if recipient is None:
        return None
    return create_link(session, order=order, kind=LinkKind.TRACKING, recipient=recipient,
                       expires_at=utcnow() + timedelta(hours=settings().tracking_hours))


def end_tracking(session: Session, *, order: WorkOrder) -> int:
    """Expire the order's live tracking links now (the visit is over); answers how many."""
    now = utcnow()
    result = session.execute(update(CustomerLink)
                             .where(CustomerLink.work_order_id == order.id, CustomerLink.kind == LinkKind.TRACKING,
                                    CustomerLink.revoked_at.is_(None), CustomerLink.expires_at > now)
                             .values(expires_at=now)
                             .execution_options(synchronize_session="fetch"))
    return result.rowcount


def links_after_event(session: Session, order: WorkOrder, event: WorkOrderEvent) -> None:
    """The `after_event` hook: resolving asks for feedback and ends tracking, starting
    travel sends the tracking link, cancelling ends it, and an agent's own request for
    feedback gets a link too. Registered last, so the other hooks have seen the resolve
    before the order moves on."""
    if event.kind is not EventKind.STATUS_CHANGED:
        return
    if event.to_status is Status.RESOLVED and order.status is Status.RESOLVED:
        end_tracking(session, order=order)
        request_feedback(session, order=order)
    elif event.to_status is Status.CANCELLED:
        end_tracking(session, order=order)
    elif event.action == Action.START_TRAVEL.value and order.status is Status.EN_ROUTE:
        send_tracking_link(session, order=order)
    elif (event.to_status is Status.AWAITING_FEEDBACK and (event.payload or {}).get("via") != VIA
          and live_link(session, order.id, LinkKind.RATING) is None):
        recipient = reachable_recipient(session, order)
        if recipient is None:
            record_event(session, order=order, kind=EventKind.CUSTOMER_LINK, actor=None,
                         action="feedback_not_requested", payload={"reason": "no_reachable_contact"})
        else:
            create_link(session, order=order, kind=LinkKind.RATING, recipient=recipient,
                        expires_at=utcnow() + timedelta(days=settings().auto_close_days))


def resend_rating_link(session: Session, *, order: WorkOrder, actor: User,
                       contact: Contact | None = None) -> CustomerLink:
    """A new rating link for a (locked) order that is resolved or awaiting feedback and not
    rated; the previous link stops working. Sent to `contact` when given, else to the first
    reachable address. A resolved order moves on to `awaiting_feedback`."""
    if order.status not in (Status.RESOLVED, Status.AWAITING_FEEDBACK):
        raise OrderNotAwaitingFeedbackError(
            f"Only a resolved order can be rated; {order.number} is {order.status.value}",
            current_status=order.status.value)
    if rating_of(session, order.id) is not None:
        raise AlreadyRatedError(f"Order {order.number} has been rated already", work_order_id=order.id)
    recipient = recipient_for_contact(order, contact) if contact is not None else reachable_recipient(session, order)
    if recipient is None:
        raise NoReachableContactError("The customer has no contact with an e-mail address or mobile number",
                                      work_order_id=order.id)
    link = create_link(session, order=order, kind=LinkKind.RATING, recipient=recipient,
                       expires_at=utcnow() + timedelta(days=settings().auto_close_days), created_by=actor)
    record_event(session, order=order, kind=EventKind.CUSTOMER_LINK, actor=actor, action="rating_link_resent",
                 payload={"link_id": link.id, "channel": link.channel.value})
    if order.status is Status.RESOLVED:
        transition(session, order=order, action=Action.REQUEST_FEEDBACK, actor=actor, via=VIA,
                   link_id=link.id, channel=link.channel.value)
    return link


# --- the customer's side ---

def open_link(session: Session, *, secret_key: str, kind: LinkKind, token: str) -> CustomerLink:
    """The link behind a URL token, whatever its state; raises LinkNotFoundError for a
    tampered or made-up token (no database query) and for an unknown id."""
    try:
        link_id = read_link_id(secret_key, kind, token)
    except BadLinkToken:
        raise LinkNotFoundError("This link is not valid") from None
    link = session.get(CustomerLink, link_id)
    if link is None or link.kind is not kind:
        raise LinkNotFoundError("This link is not valid")
    return link


def check_usable(link: CustomerLink, now: datetime | None = None) -> None:
    """Raise why the link no longer works (used, replaced, expired), or return."""
    now = now or utcnow()
    if link.used_at is not None:
        raise LinkUsedError("This link has been used already", used_at=link.used_at.isoformat())
    if link.revoked_at is not None:
        raise LinkRevokedError("This link has been replaced by a newer one")
    if link.expires_at <= now:
        raise LinkExpiredError("This link has expired", expired_at=link.expires_at.isoformat())


def submit_rating(session: Session, *, link_id: int, csat: int, nps: int | None = None,
                  comment: str | None = None) -> Rating:
    """Rate through a rating link, once. The link row is locked first, so of two
    simultaneous submits one rates and closes the order and the other gets LinkUsedError."""
    if not 1 <= csat <= 5 or (nps is not None and not 0 <= nps <= 10):
        raise ValidationFailedError("Scores out of range", errors={"csat": ["1 to 5"], "nps": ["0 to 10"]})
    link = session.scalar(select(CustomerLink).where(CustomerLink.id == link_id, CustomerLink.kind == LinkKind.RATING)
                          .with_for_update())
    if link is None:
        raise LinkNotFoundError("This link is not valid")
    check_usable(link)
    order = session.scalar(select(WorkOrder).where(WorkOrder.id == link.work_order_id).with_for_update())
    if rating_of(session, order.id) is not None:
        raise LinkUsedError("This visit has been rated already")
    if order.status is not Status.AWAITING_FEEDBACK:
        raise OrderNotAwaitingFeedbackError(f"Order {order.number} is {order.status.value}",
                                            current_status=order.status.value)
    rating = record_rating(session, order=order, csat=csat, nps=nps, comment=(comment or "").strip() or None,
                           source="link", recorded_by=None)
    link.used_at = utcnow()
    session.flush()
    return rating


@dataclass(frozen=True)
class VisitSummary:
    """What the rating page shows about the visit."""
    number: str
    title: str
    site_name: str
    engineer_name: str | None
    arrived_at: datetime | None
    resolved_at: datetime | None
    work_done: str | None


def visit_summary(session: Session, order: WorkOrder) -> VisitSummary:
    """The order's visit: who came, when they arrived and finished, what they did."""
    def last(to_status: Status) -> datetime | None:
        return session.scalar(select(func.max(func.least(func.coalesce(WorkOrderEvent.device_time,
                                                                         WorkOrderEvent.server_time),
                                                           WorkOrderEvent.server_time)))
                              .where(WorkOrderEvent.work_order_id == order.id,
                                     WorkOrderEvent.kind == EventKind.STATUS_CHANGED,
                                     WorkOrderEvent.to_status == to_status))
    engineer = order.scheduled_engineer
    return VisitSummary(number=order.number, title=order.title, site_name=order.site.name,
                        engineer_name=engineer.user.name if engineer is not None else None,
                        arrived_at=last(Status.ON_SITE), resolved_at=last(Status.RESOLVED),
                        work_done=order.resolution_notes or order.resolution_code)


# --- the staff's side ---

def links_of(session: Session, order_id: int) -> list[CustomerLink]:
    """Every link of the order, newest first."""
    return list(session.scalars(select(CustomerLink).where(CustomerLink.work_order_id == order_id)
                                .order_by(CustomerLink.created_at.desc(), CustomerLink.id.desc())))


def link_status(link: CustomerLink, now: datetime | None = None) -> str:
    """used, revoked, expired, sent, failing (delivery attempts failed, still retried) or pending."""
    now = now or utcnow()
    if link.used_at is not None:
        return "used"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    if link.sent_at is not None:
        return "sent"
    return "failing" if link.send_attempts else "pending"


def link_path(kind: LinkKind, token: str) -> str:
    """The path of the customer's page for a link token."""
    return PATHS[kind] + token


# --- the feedback window ---

def close_unanswered(session: Session, *, older_than: timedelta | None = None, limit: int = 200,
                     now: datetime | None = None) -> list[str]:
    """Close orders that have waited for feedback longer than `older_than` (default: the
    configured days), oldest first, at most `limit`; answers their numbers. Orders locked
    by someone else (a customer rating right now) are skipped and seen next time; closed
    orders are not selected again, so running it twice changes nothing more."""
    now = now or utcnow()
    older_than = older_than if older_than is not None else timedelta(days=settings().auto_close_days)
    asked_at = (select(func.max(WorkOrderEvent.server_time))
                .where(WorkOrderEvent.work_order_id == WorkOrder.id, WorkOrderEvent.kind == EventKind.STATUS_CHANGED,
                       WorkOrderEvent.to_status == Status.AWAITING_FEEDBACK)
                .correlate(WorkOrder).scalar_subquery())
    waiting_since = func.coalesce(asked_at, WorkOrder.updated_at)
    orders = session.scalars(select(WorkOrder)
                             .where(and_(WorkOrder.status == Status.AWAITING_FEEDBACK, waiting_since < now - older_than))
                             .order_by(waiting_since, WorkOrder.id).limit(limit)
                             .with_for_update(of=WorkOrder, skip_locked=True)).all()
    days = round(older_than / timedelta(days=1), 2)
    for order in orders:
        transition(session, order=order, action=Action.CLOSE, actor=None, via=AUTO_CLOSE_VIA,
                   comment=f"closed automatically: no feedback within {days:g} days")
    return [order.number for order in orders]
