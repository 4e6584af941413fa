"""Pushes wait for the transaction that caused them: they are collected on the session
and handed to the queue only after it commits (a rolled-back assignment pushes nothing,
and the worker never reads an order before its change is visible)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
PENDING = "gongdan_pending_pushes"
Enqueue = Callable[[list[int], dict[str, str]], Any]
_enqueue: list[Enqueue] = []


def install(enqueue: Enqueue) -> None:
    """Set how a committed push reaches the background worker (the app factory does)."""
    _enqueue[:] = [enqueue]


def queue_push(session: Session, user_ids: Iterable[int], data: dict[str, str]) -> None:
    """Push `data` to every device of `user_ids` once the session's transaction commits."""
    users = sorted({u for u in user_ids if u is not None})
    if users:
        session.info.setdefault(PENDING, []).append((users, data))


@event.listens_for(Session, "after_commit")
def _send_committed(session: Session) -> None:
    pending = session.info.pop(PENDING, [])
    for users, data in pending:
        if not _enqueue:
            log.info("push not configured; would push %s to users %s", data, users)
            continue
        try:
            _enqueue[0](users, data)
        except Exception:   # the change is committed; a lost push must not turn it into an error
            log.exception("could not queue push %s to users %s", data, users)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)
