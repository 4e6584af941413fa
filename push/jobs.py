"""Background jobs that push: one job fans a change out to the user's devices, one job
per device sends, so a retry (FCM unavailable, a network error) never repeats a push that
already reached another phone."""
from __future__ import annotations

import logging

from flask import current_app
from rq import Queue, Retry, get_current_job

from app.background import with_app
from app.db import get_session, unit_of_work
from push import devices
from push.models import Device
from push.sender import UnregisteredError, make_sender

log = logging.getLogger(__name__)
# Waits between attempts of one device's push: quick, then backing off (about 13 min in all).
RETRY = Retry(max=4, interval=[10, 30, 120, 600])


def push_to_users(user_ids: list[int], data: dict[str, str]) -> int:
    """Queue one send per registered device of the users; answers how many."""
    return with_app(_fan_out, user_ids, data)


def send_to_device(device_id: int, data: dict[str, str]) -> str:
    """Send to one device: FCM's message name, `unregistered` (the device is dropped) or
    `gone` (forgotten meanwhile). Other failures raise, and RQ retries."""
    return with_app(_send, device_id, data)


def _fan_out(user_ids: list[int], data: dict[str, str]) -> int:
    device_ids = [d.id for user_id in user_ids for d in devices.devices_of(get_session(), user_id)]
    job = get_current_job()
    for device_id in device_ids:
        if job is None:   # called in-line (CLI, tests): send now
            _send(device_id, data)
        else:
            Queue(job.origin, connection=job.connection).enqueue(send_to_device, device_id, data, retry=RETRY)
    return len(device_ids)


def _send(device_id: int, data: dict[str, str]) -> str:
    with unit_of_work() as session:
        device = session.get(Device, device_id)
        if device is None:
            return "gone"
        config = current_app.config
        sender = make_sender(config.get("FCM_CREDENTIALS_FILE"), config.get("FCM_SEND_URL"))
        try:
            return sender.send(device.fcm_token, data)
        except UnregisteredError:
            devices.forget_token(session, device.fcm_token)
            log.info("device %s unregistered by FCM: dropped", device_id)
            return "unregistered"
