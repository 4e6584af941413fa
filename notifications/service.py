"""Making notifications and reading the inbox. Callers render title and body in the
recipient's language (`User.locale`); `pick` helps with the two we speak."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.db import utcnow
from app.engineers.models import Engineer, Team
from notifications.models import Notification


def pick(user: User, zh: str, en: str) -> str:
    """The text in the user's language: Simplified Chinese unless they chose English."""
    return en if (user.locale or "").lower().startswith("en") else zh


def notify(session: Session, users: Iterable[User], *, kind: str, title: tuple[str, str],
           body: tuple[str, str] = ("", ""), work_order_id: int | None = None,
           payload: dict | None = None) -> list[Notification]:
    """One notification per distinct active user; `title` and `body` are (zh, en) pairs."""
    now = utcnow()
    seen: set[int] = set()
    made = []
    for user in users:
        if user is None or user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        row = Notification(user_id=user.id, kind=kind, work_order_id=work_order_id,
                           title=pick(user, *title)[:300], body=pick(user, *body), payload=payload or {},
                           created_at=now)
        session.add(row)
        made.append(row)
    session.flush()
    return made


def engineer_user(session: Session, engineer_id: int | None) -> User | None:
    """The account of an engineer (the person an order's assignment concerns)."""
    if engineer_id is None:
        return None
    return session.scalar(select(User).join(Engineer, Engineer.user_id == User.id).where(Engineer.id == engineer_id))


def team_lead(session: Session, team_id: int | None) -> User | None:
    """The dispatcher who answers for a team's queue, if the team has one."""
    if team_id is None:
        return None
    return session.scalar(select(User).join(Team, Team.lead_user_id == User.id).where(Team.id == team_id))


def users_with_role(session: Session, *roles: Role) -> list[User]:
    """Active users holding any of `roles` (e.g. the managers to tell of a breach)."""
    return list(session.scalars(select(User).where(User.role.in_(roles), User.is_active.is_(True))
                                .order_by(User.id)))


def inbox(session: Session, user: User, *, unread_only: bool = False, work_order_id: int | None = None):
    """The user's notifications, newest first (a query, paginated by the caller)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if work_order_id is not None:
        query = query.where(Notification.work_order_id == work_order_id)
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_read(session: Session, user: User, ids: list[int] | None, *, now: datetime | None = None) -> int:
    """Mark some (ids) or all (None) of the user's unread notifications read; answers how
    many changed. Ids of other users' notifications are ignored, not revealed."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    result = session.execute(statement.values(read_at=now or utcnow()))
    return result.rowcount
