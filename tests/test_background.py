"""Background jobs run in an app built once per worker process, not once per job."""
from __future__ import annotations

from flask import current_app

from app import background


def test_jobs_outside_an_app_context_share_one_app_per_process(app, monkeypatch):
    built = []
    monkeypatch.setattr("app.factory.create_app", lambda: built.append(app) or app)
    monkeypatch.setattr(background, "_app", None, raising=False)

    seen = [background.with_app(lambda: current_app._get_current_object()) for _ in range(3)]

    assert len(built) == 1 and seen == [app, app, app]


def test_inside_an_app_context_jobs_use_that_app(app, monkeypatch):
    monkeypatch.setattr("app.factory.create_app", lambda: (_ for _ in ()).throw(AssertionError("built")))
    with app.app_context():
        assert background.with_app(lambda: current_app._get_current_object()) is app


def test_the_worker_builds_the_app_before_it_forks_a_horse_per_job(app, queue, monkeypatch):
    built = []
    monkeypatch.setattr("app.factory.create_app", lambda: built.append(app) or app)
    monkeypatch.setattr(background, "_app", None, raising=False)

    worker = background.AppWorker([queue], connection=queue.connection)

    assert len(built) == 1 and background._app is app
    background.with_app(lambda: None)   # a job in a horse: no second build
    assert len(built) == 1 and worker.queue_names() == [queue.name]
