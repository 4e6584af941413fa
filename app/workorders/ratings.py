"""The customer's rating of a resolved visit: CSAT 1–5, NPS 0–10 and a comment.

One rating per order. It arrives through the customer's rating link, or an agent takes
it down on the phone; either way the order's timeline gets a `rated` event (automation
rules and KPIs follow it) and an order waiting for feedback is closed.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.errors import ConflictError
from app.workorders.events import record_event
from app.workorders.lifecycle import Action, transition
from app.workorders.models import EventKind, Rating, Status, WorkOrder

RATEABLE = (Status.RESOLVED, Status.AWAITING_FEEDBACK)


class AlreadyRatedError(ConflictError):
    code = "already_rated"


def rating_of(session: Session, order_id: int) -> Rating | None:
    return session.scalar(select(Rating).where(Rating.work_order_id == order_id))


def record_rating(session: Session, *, order: WorkOrder, csat: int, nps: int | None = None,
                  comment: str | None = None, source: str, recorded_by: User | None) -> Rating:
    """Rate a (locked) resolved order once; an order awaiting feedback is then closed."""
    if rating_of(session, order.id) is not None:
        raise AlreadyRatedError(f"Order {order.number} has been rated already", work_order_id=order.id)
    if order.status not in RATEABLE:
        raise ConflictError(f"Only a resolved order can be rated; {order.number} is {order.status.value}",
                            current_status=order.status.value)
    rating = Rating(work_order_id=order.id, csat=csat, nps=nps, comment=comment or None, source=source,
                    rated_at=utcnow(), recorded_by_id=recorded_by.id if recorded_by else None)
    session.add(rating)
    session.flush()
    record_event(session, order=order, kind=EventKind.RATED, actor=recorded_by, action="rated",
                 payload={"csat": csat, "nps": nps, "source": source, "has_comment": bool(comment)})
    if order.status is Status.AWAITING_FEEDBACK:
        transition(session, order=order, action=Action.CLOSE, actor=recorded_by, via="rating",
                   comment="closed by the customer's rating")
    return rating
