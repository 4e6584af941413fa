"""flask-jwt-extended wiring: identity, user lookup, revocation, error bodies."""
from __future__ import annotations

from flask import jsonify
from flask_jwt_extended import JWTManager

from app.auth import service
from app.auth.models import User
from app.db import get_session

jwt = JWTManager()


def _error(message: str, status: str, code: int = 401):
    return jsonify(code=code, status=status, message=message), code


@jwt.user_identity_loader
def _identity(user: User) -> str:
    return str(user.id)


@jwt.additional_claims_loader
def _claims(user: User) -> dict:
    return {"role": user.role.value}


@jwt.user_lookup_loader
def _lookup(_header, payload) -> User | None:
    user = get_session().get(User, int(payload["sub"]))
    return user if user is not None and user.is_active else None


@jwt.token_in_blocklist_loader
def _revoked(_header, payload) -> bool:
    return service.is_token_revoked(get_session(), payload["jti"])


@jwt.unauthorized_loader
def _missing(reason: str):
    return _error(f"Missing token: {reason}", "unauthorized")


@jwt.invalid_token_loader
def _invalid(reason: str):
    return _error(f"Invalid token: {reason}", "invalid_token")


@jwt.expired_token_loader
def _expired(_header, _payload):
    return _error("Token has expired", "token_expired")


@jwt.revoked_token_loader
def _revoked_answer(_header, _payload):
    return _error("Token has been revoked", "token_revoked")


@jwt.user_lookup_error_loader
def _unknown_user(_header, _payload):
    return _error("The token's user no longer exists or is disabled", "unauthorized")


@jwt.needs_fresh_token_loader
def _not_fresh(_header, _payload):
    return _error("A fresh token is required", "fresh_token_required")


@jwt.token_verification_failed_loader
def _verification_failed(_header, _payload):
    return _error("Token verification failed", "invalid_token")
