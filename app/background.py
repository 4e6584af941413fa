"""Running project code inside an RQ job: the worker process has no Flask app until a
job builds one (the configuration, the database binding and the event hooks come with it)."""
from __future__ import annotations

from flask import has_app_context


def with_app(function, *args, **kwargs):
    """Call `function` inside an application context, building the app when the job
    runs outside one (in the worker); inside one (tests, CLI) it is reused."""
    if has_app_context():
        return function(*args, **kwargs)
    from app.factory import create_app  # the worker process builds the app once per job
    with create_app().app_context():
        return function(*args, **kwargs)
