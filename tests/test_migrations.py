"""The schema Alembic builds is the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.config import Config
from geoalchemy2 import alembic_helpers
from sqlalchemy import text

from app.model_registry import metadata


def _include(obj, name, type_, reflected, compare_to):
    if type_ == "table" and reflected and compare_to is None and name not in metadata.tables:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _include, "compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_single_head_and_descriptive_messages():
    script = ScriptDirectory.from_config(Config("alembic.ini"))
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        assert revision.doc and len(revision.doc.split()) >= 3, f"{revision.revision} needs a descriptive message"


def test_postgis_is_installed(session):
    assert session.execute(text("SELECT postgis_lib_version()")).scalar()


def test_event_log_is_append_only(session):
    from tests.factories import WorkOrderFactory
    from app.workorders.models import EventKind, WorkOrderEvent
    from app.db import utcnow
    import pytest
    from sqlalchemy.exc import DBAPIError

    order = WorkOrderFactory()
    event = WorkOrderEvent(work_order_id=order.id, kind=EventKind.CREATED, server_time=utcnow())
    session.add(event)
    session.flush()
    with pytest.raises(DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(text("UPDATE work_order_events SET action = 'x' WHERE id = :id"), {"id": event.id})
