"""Accounts and tokens: create users, check credentials, revoke tokens."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from app.auth.models import PartnerCompany, RevokedToken, Role, User
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.db import utcnow
from app.errors import ConflictError, NotFoundError, ValidationFailedError

MIN_PASSWORD_LENGTH = 10
_USERNAME_RE = re.compile(r"^[a-z0-9_.-]{2,64}$")


class InvalidCredentialsError(ValidationFailedError):
    code = "invalid_credentials"
    http_status = 401


def create_user(session: Session, *, email: str, name: str, role: Role, password: str,
                username: str | None = None, phone: str | None = None,
                partner_company_id: int | None = None, locale: str = "zh_CN") -> User:
    """Create an account. Raises ValidationFailedError (weak password, partner rules)
    and ConflictError (e-mail or username taken)."""
    email = email.strip().lower()
    username = username.lower() if username else _free_username(session, email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailedError(f"Password must have at least {MIN_PASSWORD_LENGTH} characters",
                                    errors={"password": ["too short"]})
    if not _USERNAME_RE.match(username):
        raise ValidationFailedError("Username may hold a-z, 0-9, '.', '_', '-' (2–64)",
                                    errors={"username": ["invalid"]})
    if (role is Role.PARTNER_ENGINEER) != (partner_company_id is not None):
        raise ValidationFailedError("A partner engineer, and only a partner engineer, belongs to a partner company",
                                    errors={"partner_company_id": ["required for partner_engineer only"]})
    if partner_company_id is not None and session.get(PartnerCompany, partner_company_id) is None:
        raise NotFoundError("Partner company not found", partner_company_id=partner_company_id)
    if session.scalar(select(exists().where((User.email == email) | (User.username == username)))):
        raise ConflictError("A user with this e-mail or username exists", errors={"email": ["taken"]})
    user = User(email=email, username=username, name=name, role=role, phone=phone, locale=locale,
                password_hash=hash_password(password), partner_company_id=partner_company_id)
    session.add(user)
    session.flush()
    return user


def _free_username(session: Session, email: str) -> str:
    """A mention handle derived from the e-mail's local part, made unique."""
    base = re.sub(r"[^a-z0-9_.-]", "", email.split("@")[0])[:56].ljust(2, "0")
    candidate, n = base, 1
    while session.scalar(select(exists().where(User.username == candidate))):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def authenticate(session: Session, *, email: str, password: str) -> User:
    """Return the active user with these credentials or raise InvalidCredentialsError.
    Upgrades the stored hash when the hashing parameters have changed."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise InvalidCredentialsError("Wrong e-mail or password")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def revoke_token(session: Session, *, jti: str, user_id: int, expires_at: datetime) -> None:
    """Record a token as revoked (idempotent) and forget revocations that have expired."""
    now = utcnow()
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    if not session.scalar(select(exists().where(RevokedToken.jti == jti))):
        session.add(RevokedToken(jti=jti, user_id=user_id, revoked_at=now, expires_at=expires_at))
    session.flush()


def is_token_revoked(session: Session, jti: str) -> bool:
    return bool(session.scalar(select(exists().where(RevokedToken.jti == jti))))


def expiry_from_claims(claims: dict) -> datetime:
    return datetime.fromtimestamp(claims["exp"], tz=timezone.utc)
