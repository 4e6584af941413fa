"""Domain errors: a stable machine-readable `code` and an HTTP status, no Flask.

Routes let these propagate; the app factory turns them into the API's error shape
``{code, status, message, errors}`` where ``status`` is the stable string below.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, errors: dict[str, Any] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.details = details


class NotFoundError(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDeniedError(DomainError):
    code = "forbidden"
    http_status = 403


class ValidationFailedError(DomainError):
    """Input that is well-formed but breaks a business rule (422)."""
    code = "validation_error"
    http_status = 422


class ConflictError(DomainError):
    code = "conflict"
    http_status = 409


class InvalidTransitionError(ConflictError):
    code = "invalid_transition"


class OpenChildrenError(ConflictError):
    code = "open_children"


class PreconditionFailedError(DomainError):
    code = "precondition_failed"
    http_status = 412
