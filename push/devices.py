"""Registering and forgetting devices. A token names one app install: registering a
token already known moves it to the caller (the phone changed hands or accounts) and
refreshes its details, so a retried registration never makes a second row."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.errors import NotFoundError
from push.models import Device, Platform


def register(session: Session, *, user: User, platform: Platform, app_version: str, fcm_token: str) -> Device:
    """Register (or refresh) the caller's device with this FCM token."""
    now = utcnow()
    # One statement, so two registrations of a new token at once (a phone's retry)
    # cannot both insert: the second updates the row the first made.
    statement = insert(Device).values(user_id=user.id, platform=platform, app_version=app_version,
                                      fcm_token=fcm_token, registered_at=now, last_seen_at=now)
    device_id = session.execute(statement.on_conflict_do_update(
        index_elements=[Device.fcm_token],
        set_={"user_id": user.id, "platform": platform, "app_version": app_version, "last_seen_at": now})
        .returning(Device.id)).scalar_one()
    return session.get(Device, device_id, populate_existing=True)


def devices_of(session: Session, user_id: int) -> list[Device]:
    return list(session.scalars(select(Device).where(Device.user_id == user_id).order_by(Device.id)))


def remove(session: Session, *, user: User, device_id: int) -> None:
    """Forget one of the caller's devices (signing out on that phone)."""
    device = session.get(Device, device_id)
    if device is None or device.user_id != user.id:
        raise NotFoundError(f"Device {device_id} not found", device_id=device_id)
    session.delete(device)
    session.flush()


def forget_token(session: Session, fcm_token: str) -> bool:
    """FCM says the token is no longer registered (app uninstalled): drop its device."""
    device = session.scalar(select(Device).where(Device.fcm_token == fcm_token))
    if device is None:
        return False
    session.delete(device)
    session.flush()
    return True
