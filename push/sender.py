"""Sending one push: through firebase-admin when credentials are configured
(`FCM_CREDENTIALS_FILE`, a service-account JSON), to the log otherwise. `FCM_SEND_URL`
sends to another FCM HTTP v1 endpoint than Google's (a private gateway, a test fake)."""
from __future__ import annotations

import hashlib
import logging
import warnings
from typing import Protocol

import firebase_admin
from firebase_admin import credentials, messaging

log = logging.getLogger(__name__)
# Raised by `send` when FCM no longer knows the token (the app was uninstalled).
UnregisteredError = messaging.UnregisteredError


class Sender(Protocol):
    def send(self, token: str, data: dict[str, str]) -> str: ...


class LogSender:
    """No credentials configured: say what would have been sent."""

    def send(self, token: str, data: dict[str, str]) -> str:
        log.info("push (not sent, FCM not configured) to …%s: %s", token[-8:], data)
        return "logged"


class FcmSender:
    """The real thing. One firebase app per credentials file and send URL, made once per
    process. `send_url` replaces Google's send endpoint for this app only; `{project_id}`
    in it is the service account's project."""

    def __init__(self, credentials_file: str, send_url: str | None = None):
        name = "gongdan-" + hashlib.sha1(f"{credentials_file}\n{send_url or ''}".encode()).hexdigest()[:12]
        try:
            self.app = firebase_admin.get_app(name)
        except ValueError:
            self.app = firebase_admin.initialize_app(credentials.Certificate(credentials_file), name=name)
            if send_url:
                # firebase-admin has no public setting for the endpoint: its messaging
                # service keeps the URL it formats from the class's FCM_URL. Set it on this
                # app's service only (not the class), so other apps still reach Google.
                # tests/push pins this against the installed firebase-admin.
                service = messaging._get_messaging_service(self.app)
                service._fcm_url = send_url.format(project_id=self.app.project_id)

    def send(self, token: str, data: dict[str, str]) -> str:
        """Send a data message (high priority on Android, so it wakes the app); answers
        FCM's message name. Raises UnregisteredError for a dead token, other
        firebase errors for what may pass (the job retries)."""
        with warnings.catch_warnings():
            # firebase-admin 7 marks `token` deprecated in favour of installation ids (`fid`);
            # the app registers an FCM registration token, which FCM still addresses by
            # `token`. Move to `fid` when the app sends installation ids.
            warnings.filterwarnings("ignore", message="Message.token is deprecated", category=DeprecationWarning)
            message = messaging.Message(token=token, data=data, android=messaging.AndroidConfig(priority="high"),
                                        apns=messaging.APNSConfig(headers={"apns-priority": "10"}))
        return messaging.send(message, app=self.app)


def make_sender(credentials_file: str | None, send_url: str | None = None) -> Sender:
    """FCM when credentials are configured (at `send_url`, default Google's), else the log."""
    return FcmSender(credentials_file, send_url) if credentials_file else LogSender()
