"""Messages to customers wait for the transaction that made their link: the link ids are
collected on the session and handed to the queue only after it commits, so a rolled-back
resolve sends nothing and the worker never looks for a link that is not there yet."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
PENDING = "gongdan_pending_customer_links"
Enqueue = Callable[[int], Any]
_enqueue: list[Enqueue] = []


def install(enqueue: Enqueue) -> None:
    """Set how a committed link's message reaches the background worker (the app factory does)."""
    _enqueue[:] = [enqueue]


def queue_link_message(session: Session, link_id: int) -> None:
    """Send the message carrying link `link_id` once the session's transaction commits."""
    pending = session.info.setdefault(PENDING, [])
    if link_id not in pending:
        pending.append(link_id)


def pending_link_messages(session: Session) -> list[int]:
    """The link ids waiting for the current transaction to commit."""
    return list(session.info.get(PENDING, []))


@event.listens_for(Session, "after_commit")
def _send_committed(session: Session) -> None:
    for link_id in session.info.pop(PENDING, []):
        if not _enqueue:
            log.info("customer messages not configured; would send the message of link %s", link_id)
            continue
        try:
            _enqueue[0](link_id)
        except Exception:   # the change is committed; a lost message must not turn it into an error
            log.exception("could not queue the message of customer link %s", link_id)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)
