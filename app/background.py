"""Running project code inside an RQ job: the worker process has no Flask app until one
is built (the configuration, the database binding and the event hooks come with it).

Importing the project and building the app costs seconds of CPU (the two OpenAPI
documents are generated at start-up), so it happens once per process, not per job: the
`AppWorker` (`rq worker --worker-class app.background.AppWorker`) builds it before it
forks a work horse per job, and every horse inherits it. Built per job, a queue of
pushes after a busy minute of assignments took as many seconds as it had jobs.
"""
from __future__ import annotations

from flask import Flask, has_app_context
from rq import Worker
from sqlalchemy import Engine

from app import db

_app: Flask | None = None


def background_app() -> Flask:
    """The app background jobs run in, built on first use and kept for the process."""
    global _app
    if _app is None:
        from app.factory import create_app   # not at import: the factory imports every job module
        _app = create_app()
    return _app


def with_app(function, *args, **kwargs):
    """Call `function` inside an application context: the current one (tests, CLI), else
    the process's background app."""
    if has_app_context():
        return function(*args, **kwargs)
    with background_app().app_context():
        return function(*args, **kwargs)


class AppWorker(Worker):
    """RQ's forking worker with the app built once, in the worker, before any fork."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        background_app()

    def main_work_horse(self, job, queue):
        # A pooled database connection must never be shared with the parent; the worker
        # itself does not use the database, but make sure the horse opens its own.
        bind = db.session_factory.kw.get("bind")
        if isinstance(bind, Engine):
            bind.dispose(close=False)
        return super().main_work_horse(job, queue)
