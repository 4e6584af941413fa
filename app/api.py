"""flask-smorest set-up shared by the back-office and mobile APIs.

Every error leaves as ``{code, status, message, errors?}``; ``status`` is a stable
snake_case string a client can branch on (never the HTTP reason phrase).
"""
from __future__ import annotations

from functools import wraps

import flask_smorest
import marshmallow as ma
from flask import Flask, current_app, request
from flask_jwt_extended import current_user, verify_jwt_in_request
from flask_smorest.error_handler import ErrorSchema as _SmorestErrorSchema
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import UnsupportedMediaType

from app.auth.models import Role
from app.errors import PermissionDeniedError

STATUS_BY_HTTP_CODE = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ErrorSchema(_SmorestErrorSchema):
    """The error body of every 4xx/5xx answer."""
    status = ma.fields.String(metadata={
        "description": "Stable machine-readable error code, e.g. `invalid_transition`, `not_found`"})


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        payload, code, headers = super().handle_http_exception(error)
        payload["status"] = STATUS_BY_HTTP_CODE.get(code, "error")
        payload.setdefault("message", error.description or error.name)
        return payload, code, headers


class SchemaBase(ma.Schema):
    """Base for request schemas: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = ma.RAISE


class ArgumentsParser(FlaskParser):
    """webargs' Flask parser plus the location ``multipart``: the fields and files of
    one multipart/form-data body as one mapping, so that one schema (with `Upload`
    fields) validates the whole form and the OpenAPI document shows it as one request
    body — stacking a ``form`` and a ``files`` schema documents it wrongly."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req, schema):
        """Form fields and files together; 415 for a body that is not multipart/form-data."""
        if req.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("Send this request as multipart/form-data")
        fields = MultiDict(req.form)
        for name, file in req.files.items(multi=True):
            fields.add(name, file)
        return self._makeproxy(fields, schema)


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose views declare which roles may call them."""

    ARGUMENTS_PARSER = ArgumentsParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}

    def requires_role(self, *roles: Role):
        """Require a valid access token whose user has one of `roles` (admin always may).

        Documents the 401 and 403 answers in the OpenAPI spec.
        """
        allowed = frozenset(roles) | {Role.ADMIN}

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                check_roles(allowed)
                return func(*args, **kwargs)

            # Read by `authorise_before_parsing` (and copied outwards by functools.wraps).
            wrapper.required_roles = allowed

            wrapper = self.alt_response(401, schema=ErrorSchema, description="Missing, expired or revoked token")(wrapper)
            wrapper = self.alt_response(403, schema=ErrorSchema, description="The caller's role is not allowed")(wrapper)
            return wrapper

        return decorator


def check_roles(allowed: frozenset[Role]) -> None:
    """401 without a valid token, 403 when the user's role is not in `allowed`."""
    verify_jwt_in_request()
    if current_user.role not in allowed:
        raise PermissionDeniedError(f"Role {current_user.role.value!r} may not do this",
                                    allowed_roles=sorted(r.value for r in allowed))


def _required_roles_of_endpoint() -> frozenset[Role] | None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    return getattr(view, "required_roles", None)


def authorise_before_parsing(app: Flask) -> None:
    """Check the token and role before flask-smorest parses the body, so an anonymous
    or unauthorised caller gets 401/403 rather than a validation error that would
    tell them about the schema."""
    @app.before_request
    def _authorise():
        roles = _required_roles_of_endpoint()
        if roles is not None:
            check_roles(roles)


api = Api()
