"""Customers, contacts, sites (with a PostGIS point) and installed assets."""
from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User, enum_column
from app.db import Base, TimestampMixin
from app.geo import point_column_type


class CustomerTier(str, enum.Enum):
    STANDARD = "standard"
    VIP = "vip"


class Customer(Base, TimestampMixin):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    tier: Mapped[CustomerTier] = mapped_column(enum_column(CustomerTier, "customer_tier"),
                                               default=CustomerTier.STANDARD)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    notes: Mapped[str | None] = mapped_column(Text)

    contacts: Mapped[list[Contact]] = relationship(back_populates="customer", order_by="Contact.id")
    sites: Mapped[list[Site]] = relationship(back_populates="customer", order_by="Site.id")


class Contact(Base, TimestampMixin):
    """A person at a customer; with a `user` of role customer they may sign in."""
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)

    customer: Mapped[Customer] = relationship(back_populates="contacts")
    user: Mapped[User | None] = relationship()


class Site(Base, TimestampMixin):
    __tablename__ = "sites"
    __table_args__ = (CheckConstraint("geofence_radius_m > 0 AND geofence_radius_m <= 10000",
                                      name="geofence_radius_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    location = mapped_column(point_column_type(), nullable=False)
    geofence_radius_m: Mapped[int] = mapped_column(default=200)
    access_notes: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship(back_populates="sites")
    assets: Mapped[list[Asset]] = relationship(back_populates="site", order_by="Asset.id")


class Asset(Base, TimestampMixin):
    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("model", "serial_number", name="uq_assets_model_serial"),
        CheckConstraint("warranty_until IS NULL OR installed_on IS NULL OR warranty_until >= installed_on",
                        name="warranty_after_install"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(200))
    serial_number: Mapped[str] = mapped_column(String(100))
    installed_on: Mapped[date | None]
    warranty_until: Mapped[date | None]

    site: Mapped[Site] = relationship(back_populates="assets")
