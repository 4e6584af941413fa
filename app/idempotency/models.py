"""Answers of mutating requests that carried an `Idempotency-Key`, so that a retry
gets the first answer instead of a second effect."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_records_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(128))
    # method, path and body hashed: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Null until the first answer is stored, right after its effect was committed.
    status_code: Mapped[int | None]
    body: Mapped[Any | None] = mapped_column(JSONB)
    created_at: Mapped[datetime]
