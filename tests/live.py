"""A real server for tests that need real concurrency.

Most tests run inside one rolled-back transaction on one connection, which cannot show
what happens when two requests race. Tests that must see that use `live_db` (their
data is committed for real, and every table is emptied afterwards) and `live_server`
(gunicorn with several worker processes, each with its own database connections, on a
free local port), and talk to it over plain HTTP.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app import db

ROOT = Path(__file__).resolve().parent.parent
# Tables that belong to PostGIS or Alembic, not to the application.
# Reference data the migrations seed (the China mainland business calendar) stays.
KEEP_TABLES = {"alembic_version", "spatial_ref_sys", "business_calendars", "calendar_days"}
SERVER_WORKERS = 4
SERVER_THREADS = 4  # 16 requests in flight at once, each with its own connection


def empty_all_tables(engine: Engine) -> None:
    """TRUNCATE every application table (row triggers such as the append-only
    event log do not fire on TRUNCATE)."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        tables = [name for name in conn.scalars(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) if name not in KEEP_TABLES]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture
def live_db(session, engine) -> Iterator:
    """The scoped session bound to the engine itself: `commit()` really commits, so
    other processes see the data. Every table is emptied when the test ends."""
    db.db_session.remove()
    db.configure(engine)
    try:
        yield db.db_session
    finally:
        db.db_session.remove()
        empty_all_tables(engine)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: dict | list | None


@dataclass
class LiveServer:
    url: str

    def call(self, method: str, path: str, *, json_body=None, headers: dict[str, str] | None = None) -> Response:
        """One HTTP request; error statuses are returned, not raised."""
        data = None if json_body is None else json.dumps(json_body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, answer_headers, raw = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, raw = error.code, dict(error.headers), error.read()
        return Response(status, answer_headers, json.loads(raw) if raw else None)

    def login(self, email: str, password: str) -> dict[str, str]:
        answer = self.call("POST", "/api/v1/auth/login", json_body={"email": email, "password": password})
        assert answer.status == 200, answer.body
        return {"Authorization": f"Bearer {answer.body['access_token']}"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def _live_server_process(database_url) -> Iterator[LiveServer]:
    """gunicorn serving the app against the test database, started once for the run."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "GONGDAN_CONFIG": "testing"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", str(SERVER_WORKERS),
         "--threads", str(SERVER_THREADS), "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}")
    try:
        # Generous: four workers importing OR-Tools on a busy two-core machine take a while.
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail("gunicorn exited: " + process.stdout.read().decode(errors="replace"))
            try:
                if server.call("GET", "/api/health").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer /api/health within 90 s")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def live_server(_live_server_process, live_db) -> LiveServer:
    """The running server; the test's committed data is emptied after it."""
    return _live_server_process
