"""Declarative base, the session, and `unit_of_work()`.

Services receive a session, flush and never commit. Whoever started the work (a
route, a CLI command, a background job) owns the transaction through
`unit_of_work()`: commit on success, roll back on any exception.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, Engine, MetaData, create_engine, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# One session per thread (per request under gunicorn); removed at app-context teardown.
session_factory = sessionmaker(expire_on_commit=False)
db_session = scoped_session(session_factory)


def make_engine(url: str, **kwargs) -> Engine:
    return create_engine(url, pool_pre_ping=True, **kwargs)


def configure(engine: Engine, **session_options) -> None:
    """Bind the session factory (the app factory and the tests call this)."""
    db_session.remove()
    session_factory.configure(bind=engine, **session_options)


def get_session() -> Session:
    """The current thread's session, for reads outside a unit of work."""
    return db_session()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yield the session; commit when the block succeeds, roll back when it raises."""
    session = db_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
