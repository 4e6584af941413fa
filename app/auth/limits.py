"""Login throttling with flask-limiter, stored in Redis so all workers share counts."""
from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_attempt_key() -> str:
    """Throttle per client address and account, so one attacker cannot lock out a
    user from everywhere and one address cannot spray many accounts unnoticed.
    The API signs in with JSON, the console's sign-in page with a form."""
    body = request.get_json(silent=True) or request.form
    email = str(body.get("email", "")).strip().lower()[:254]
    return f"login:{get_remote_address()}:{email}"
