"""Messages to customers and the transports that deliver them.

`CUSTOMER_MESSAGES=log` (the default) only logs each message with its link, so a
development machine or the demo never mails anyone; `smtp` sends e-mail through an SMTP
server (stdlib smtplib; host, port, sender and optional credentials from the config).
Text messages have the transport interface but only the logging implementation: no SMS
gateway is wired in, so an SMS link is logged in either mode."""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from customer_links.models import LinkKind, MessageChannel

log = logging.getLogger(__name__)
MODES = ("log", "smtp")


@dataclass(frozen=True)
class CustomerMessage:
    channel: MessageChannel
    to: str
    subject: str
    body: str


class Transport(Protocol):
    def send(self, message: CustomerMessage) -> None:
        """Deliver or raise; the caller retries."""


class LogTransport:
    """Writes the message to the log instead of delivering it."""

    def send(self, message: CustomerMessage) -> None:
        log.info("customer %s to %s: %s\n%s", message.channel.value, message.to, message.subject, message.body)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0


class SmtpTransport:
    """Sends e-mail through one SMTP server, one connection per message."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def send(self, message: CustomerMessage) -> None:
        if message.channel is not MessageChannel.EMAIL:
            raise ValueError("SMTP delivers e-mail only")
        settings = self.settings
        email = EmailMessage()
        email["From"] = settings.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email.set_content(message.body)
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(email)


@dataclass(frozen=True)
class Transports:
    """One transport per channel."""
    email: Transport
    sms: Transport

    def send(self, message: CustomerMessage) -> None:
        (self.email if message.channel is MessageChannel.EMAIL else self.sms).send(message)


def make_transports(mode: str, smtp: SmtpSettings | None = None) -> Transports:
    """The transports for CUSTOMER_MESSAGES `mode` (`log` or `smtp`)."""
    if mode == "log":
        return Transports(email=LogTransport(), sms=LogTransport())
    if mode == "smtp":
        if smtp is None:
            raise ValueError("CUSTOMER_MESSAGES=smtp needs SMTP settings")
        return Transports(email=SmtpTransport(smtp), sms=LogTransport())
    raise ValueError(f"CUSTOMER_MESSAGES must be one of {MODES}, not {mode!r}")


_SUBJECTS = {
    LinkKind.RATING: "请评价本次服务 / Please rate our visit ({number})",
    LinkKind.TRACKING: "工程师已出发 / Your engineer is on the way ({number})",
}
_BODIES = {
    LinkKind.RATING: (
        "您好，工单 {number}（{title}）的服务已完成。请花一分钟为本次服务打分：\n{url}\n"
        "链接将于 {expires} 失效，仅可提交一次。\n\n"
        "Hello, the visit for order {number} ({title}) is complete. Please take a minute to rate it:\n"
        "{url}\nThe link works once and expires on {expires}."),
    LinkKind.TRACKING: (
        "您好，工程师 {engineer} 已出发前往处理工单 {number}（{title}）。查看预计到达时间：\n{url}\n\n"
        "Hello, engineer {engineer} is on the way for order {number} ({title}). "
        "See when they will arrive:\n{url}"),
}


def compose(kind: LinkKind, channel: MessageChannel, to: str, *, url: str, number: str, title: str,
            engineer: str, expires: str) -> CustomerMessage:
    """The message carrying a link, in Simplified Chinese with English below it."""
    fields = {"url": url, "number": number, "title": title, "engineer": engineer, "expires": expires}
    return CustomerMessage(channel=channel, to=to, subject=_SUBJECTS[kind].format(**fields),
                           body=_BODIES[kind].format(**fields))
