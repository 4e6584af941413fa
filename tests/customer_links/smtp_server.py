"""A tiny SMTP server for tests: it speaks just enough of RFC 5321 (EHLO/HELO, MAIL,
RCPT, DATA, RSET, NOOP, QUIT) for smtplib to deliver, and keeps what it received."""
from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        inbox: list[Received] = self.server.inbox   # type: ignore[attr-defined]
        sender, recipients = "", []
        self.reply("220 test SMTP ready")
        for raw in self.rfile:
            command = raw.decode().rstrip("\r\n")
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                for data_line in self.rfile:
                    if data_line in (b".\r\n", b".\n"):
                        break
                    lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                inbox.append(Received(sender, recipients,
                                      message_from_bytes(b"".join(lines), policy=policy.default)))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:   # RSET, NOOP
                self.reply("250 OK")


def start_smtp_server() -> tuple[SmtpServer, socketserver.ThreadingTCPServer]:
    """Listen on a free port of 127.0.0.1 in a thread; shut the returned server down after."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    state = SmtpServer(*server.server_address[:2])
    server.inbox = state.received   # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
