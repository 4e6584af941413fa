"""Users, their roles and the companies of partner engineers."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin


class Role(str, enum.Enum):
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"
    DISPATCHER = "dispatcher"
    ENGINEER = "engineer"
    PARTNER_ENGINEER = "partner_engineer"
    WAREHOUSE = "warehouse"
    CUSTOMER = "customer"


ALL_ROLES = tuple(Role)
BACK_OFFICE_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER)
FIELD_ROLES = (Role.ENGINEER, Role.PARTNER_ENGINEER)


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR + CHECK enum storing the values: migrations stay plain DDL."""
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True, length=32,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


class PartnerCompany(Base, TimestampMixin):
    __tablename__ = "partner_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact_phone: Mapped[str | None] = mapped_column(String(40))


class User(Base, TimestampMixin):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Handle used for @mentions in notes.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    partner_company_id: Mapped[int | None] = mapped_column(ForeignKey("partner_companies.id"), index=True)
    last_login_at: Mapped[datetime | None]

    partner_company: Mapped[PartnerCompany | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


class RevokedToken(Base):
    """JWTs revoked by logout, kept until they would have expired anyway."""
    __tablename__ = "revoked_tokens"
    __table_args__ = (UniqueConstraint("jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    revoked_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
