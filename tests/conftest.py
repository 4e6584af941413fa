"""Test harness: the real PostGIS database, schema by migrations, one rolled-back
transaction per test (the app's commits become savepoints inside it)."""
from __future__ import annotations

import os

import pytest
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import text

from app import db
from app.auth.limits import limiter
from app.auth.models import Role
from app.cli import upgrade_database
from app.queue import get_queue
from app.factory import create_app
from config import TestingConfig
from tests import factories


@pytest.fixture(scope="session")
def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.exit("DATABASE_URL is not set: run the suite with `make test`", returncode=2)
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    """A fresh schema built by `alembic upgrade head`, once per test session."""
    engine = db.make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(engine):
    app = create_app(TestingConfig())
    return app


@pytest.fixture(autouse=True)
def session(app, engine):
    """The scoped session, bound to a connection whose transaction is rolled back."""
    connection = engine.connect()
    outer = connection.begin()
    db.configure(connection, join_transaction_mode="create_savepoint")
    try:
        yield db.db_session
    finally:
        db.db_session.remove()
        outer.rollback()
        connection.close()
        db.configure(engine)


class _CommittingClient(FlaskClient):
    """Commits the test's pending work (a savepoint inside the outer transaction)
    before each request: the request then sees it, and a request that fails and
    rolls back cannot take the test's fixtures with it."""

    def open(self, *args, **kwargs):
        db.db_session.commit()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = _CommittingClient
    return app.test_client()


@pytest.fixture
def reset_rate_limits(app):
    with app.app_context():
        limiter.reset()
    yield
    with app.app_context():
        limiter.reset()


@pytest.fixture
def queue(app):
    """The app's RQ queue on the test Redis, emptied before and after the test."""
    queue = get_queue(app.config["REDIS_URL"])
    queue.empty()
    yield queue
    queue.empty()


@pytest.fixture
def file_store(app, tmp_path):
    """Uploads go to a LocalFileStore in this test's tmp dir (the configured size limit kept)."""
    from app.files import configured
    from app.files.local import LocalFileStore
    store = LocalFileStore(tmp_path / "uploads")
    previous = configured.configure(store=store, max_bytes=app.config["UPLOAD_MAX_BYTES"])
    yield store
    configured.restore(previous)


@pytest.fixture
def token_for(app):
    """token_for(user) -> Authorization headers with a fresh access token."""
    def make(user, refresh: bool = False) -> dict[str, str]:
        db.db_session.commit()
        with app.test_request_context():
            token = create_refresh_token(identity=user) if refresh else create_access_token(identity=user, fresh=True)
        return {"Authorization": f"Bearer {token}"}
    return make


@pytest.fixture
def as_role(token_for):
    """as_role(role, **user_fields) -> (user, headers) for a new user of that role."""
    def make(role: Role | str, **fields):
        role = Role(role)
        if role is Role.PARTNER_ENGINEER and "partner_company" not in fields:
            fields["partner_company"] = factories.PartnerCompanyFactory()
        user = factories.UserFactory(role=role, **fields)
        return user, token_for(user)
    return make


def pytest_collection_modifyitems(items):
    # Browser tests are slowest; run them last so a quick failure shows first.
    items.sort(key=lambda item: "e2e" in item.nodeid)
