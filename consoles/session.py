"""Console sign-in: the API's own JWTs, carried in HttpOnly cookies.

A console page and the API calls its JS makes are authenticated by the same access
token, so the consoles have exactly the API's permissions. The access cookie is sent
to every path; the refresh cookie only to `/console/session/…`, where it buys a new
access token when the old one expires. Requests that change something and carry the
token in a cookie must echo the `csrf_access_token` cookie in an `X-CSRF-TOKEN` header
(or a `csrf_token` form field): flask-jwt-extended checks it, so another site cannot
make a signed-in browser act. API clients that send `Authorization: Bearer …` are
unaffected.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import (Blueprint, current_app, jsonify, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from flask_jwt_extended import (create_access_token, create_refresh_token, current_user, decode_token, get_jwt,
                                set_access_cookies, set_refresh_cookies, unset_jwt_cookies,
                                verify_jwt_in_request)
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_limiter.errors import RateLimitExceeded
from jwt.exceptions import ExpiredSignatureError, PyJWTError

from app.auth import service
from app.auth.limits import limiter, login_attempt_key, login_rate_limit
from app.auth.models import Role, User
from app.db import unit_of_work
from consoles.i18n import safe_next
from consoles.navigation import ROLE_LABELS, consoles_for

# Staff who work in a browser. Engineers use the phone app; customers their links.
CONSOLE_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER, Role.WAREHOUSE)

session_blp = Blueprint("console_session", __name__, url_prefix="/console")


def _this_page() -> str:
    return request.full_path.rstrip("?")


def console_page(*roles: Role) -> Callable:
    """Decorate a console page: signed-in staff with one of `roles` only.

    No or a broken session → the sign-in page (coming back here afterwards); an
    expired access token → a silent refresh; a signed-in user of another role → a
    403 page that says so."""
    allowed = frozenset(roles or CONSOLE_ROLES)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def page(*args, **kwargs):
            try:
                verify_jwt_in_request(locations=["cookies"])
            except ExpiredSignatureError:
                return redirect(url_for("console_session.refresh", next=_this_page()))
            except (JWTExtendedException, PyJWTError):
                return redirect(url_for("console_session.sign_in", next=_this_page()))
            if current_user.role not in allowed:
                return render_template("console/forbidden.html"), 403
            return view(*args, **kwargs)
        return page
    return decorate


def _signed_in_user() -> User | None:
    try:
        verify_jwt_in_request(locations=["cookies"], optional=True)
    except (JWTExtendedException, PyJWTError):
        return None
    return current_user if get_jwt() else None


@session_blp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, key_func=login_attempt_key, methods=["POST"])
def sign_in():
    """The sign-in form; on success the session cookies are set and the user goes on
    to where they were heading (or their console)."""
    next_page = safe_next(request.values.get("next"))
    if request.method == "GET":
        if _signed_in_user() is not None:
            return redirect(next_page)
        return render_template("console/sign_in.html", next_page=next_page, email="", error=None)
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    try:
        with unit_of_work() as session:
            user = service.authenticate(session, email=email, password=password)
            tokens = (create_access_token(identity=user, fresh=True), create_refresh_token(identity=user))
            allowed = user.role in CONSOLE_ROLES
    except service.InvalidCredentialsError:
        return render_template("console/sign_in.html", next_page=next_page, email=email,
                               error=_("Wrong e-mail or password.")), 401
    if not allowed:
        return render_template("console/sign_in.html", next_page=next_page, email=email,
                               error=_("This account works in the Gongdan mobile app, not in the consoles.")), 403
    response = redirect(next_page)
    set_access_cookies(response, tokens[0])
    set_refresh_cookies(response, tokens[1])
    return response


@session_blp.errorhandler(RateLimitExceeded)
def _too_many_attempts(_error):
    return render_template("console/sign_in.html", next_page=safe_next(request.values.get("next")),
                           email=request.form.get("email", ""),
                           error=_("Too many sign-in attempts. Wait a minute and try again.")), 429


@session_blp.get("/session/refresh")
def refresh():
    """A new access token from the refresh cookie. With `next`, a page load goes on
    there; without, the JS module gets 204 (or 401 when the session is over)."""
    next_page = request.args.get("next")
    try:
        verify_jwt_in_request(refresh=True, locations=["cookies"])
    except (JWTExtendedException, PyJWTError):
        if next_page is None:
            return jsonify(code=401, status="session_expired", message="Sign in again"), 401
        return redirect(url_for("console_session.sign_in", next=safe_next(next_page)))
    if next_page is not None:
        response = redirect(safe_next(next_page))
    else:
        response = current_app.make_response(("", 204))
    set_access_cookies(response, create_access_token(identity=current_user, fresh=False))
    return response


@session_blp.post("/session/sign-out")
def sign_out():
    """Revoke both of the session's tokens and forget the cookies.

    The form must carry the session's CSRF token, so another site cannot sign the
    user out; an expired access token still signs out."""
    config = current_app.config
    access_claims = _claims_of(request.cookies.get(config["JWT_ACCESS_COOKIE_NAME"]))
    if access_claims is None or request.form.get("csrf_token") != access_claims.get("csrf"):
        return redirect(url_for("console_home.home"))
    refresh_claims = _claims_of(request.cookies.get(config["JWT_REFRESH_COOKIE_NAME"]))
    with unit_of_work() as session:
        for claims in filter(None, (access_claims, refresh_claims)):
            service.revoke_token(session, jti=claims["jti"], user_id=int(claims["sub"]),
                                 expires_at=service.expiry_from_claims(claims))
    response = redirect(url_for("console_session.sign_in"))
    unset_jwt_cookies(response)
    return response


def _claims_of(token: str | None) -> dict | None:
    """The claims of a token we signed, even when expired; None for anything else."""
    if not token:
        return None
    try:
        return decode_token(token, allow_expired=True)
    except (JWTExtendedException, PyJWTError):
        return None


def page_context() -> dict:
    """What every console template may use: the signed-in user, their menu, the CSRF
    token for forms. Empty on pages without a session (sign-in, customer pages)."""
    try:
        claims = get_jwt()
    except RuntimeError:      # no token was verified in this request
        return {}
    if not claims or current_user is None:
        return {}
    return {"signed_in_user": current_user, "console_menu": consoles_for(current_user),
            "csrf_token": claims.get("csrf", ""), "role_labels": ROLE_LABELS}
