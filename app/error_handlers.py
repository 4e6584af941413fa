"""Turn domain and database errors into the API's error shape (never a 500 for bad input)."""
from __future__ import annotations

from flask import Flask, jsonify
from psycopg import errors as pg_errors
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.errors import DomainError

# A constraint the input broke, by SQLSTATE class: the data was wrong, not the server.
_INTEGRITY_STATUS = {
    pg_errors.UniqueViolation: (409, "already_exists", "A record with these values already exists"),
    pg_errors.ForeignKeyViolation: (422, "unknown_reference", "A referenced record does not exist"),
    pg_errors.CheckViolation: (422, "constraint_violation", "A value breaks a rule of the data model"),
    pg_errors.NotNullViolation: (422, "validation_error", "A required value is missing"),
    pg_errors.ExclusionViolation: (409, "conflict", "The record overlaps another one"),
}


def _body(code: int, status: str, message: str, errors=None, details=None):
    body = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    if details:
        body["details"] = details
    return jsonify(body), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        return _body(error.http_status, error.code, error.message, error.errors, error.details)

    @app.errorhandler(IntegrityError)
    def _integrity_error(error: IntegrityError):
        for exc_type, (code, status, message) in _INTEGRITY_STATUS.items():
            if isinstance(error.orig, exc_type):
                constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
                return _body(code, status, message, details={"constraint": constraint} if constraint else None)
        app.logger.exception("unexpected integrity error")
        return _body(500, "internal_error", "Unexpected database error")

    @app.errorhandler(StaleDataError)
    def _stale(error: StaleDataError):
        return _body(412, "precondition_failed", "The record was changed by someone else; reload and retry")
