"""A phone of a user, with the FCM registration token pushes are addressed to."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import enum_column
from app.db import Base


class Platform(str, enum.Enum):
    ANDROID = "android"
    IOS = "ios"
    HARMONYOS = "harmonyos"


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, "device_platform"))
    app_version: Mapped[str] = mapped_column(String(40))
    # FCM tokens are opaque strings of ~160 characters; one token is one app install.
    fcm_token: Mapped[str] = mapped_column(String(4096), unique=True)
    registered_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
