"""A local stand-in for Google's OAuth token endpoint and the FCM HTTP v1 send endpoint,
so the real firebase-admin library can be run end to end without the internet: by the
push tests (in-process) and by a running server in the mobile walkthrough (as a process
of its own).

    .venv/bin/python -m bench.fake_fcm --port 5058 --credentials-out var/fake-fcm.json

writes a service-account JSON whose `token_uri` is this server, prints the settings the
app needs (`FCM_CREDENTIALS_FILE`, `FCM_SEND_URL`) and serves until interrupted. Every
message sent is recorded; `GET /messages` answers them as JSON (`?token=` filters by
device token), `DELETE /messages` forgets them. The access tokens it hands out are not
checked: it stands in for FCM's transport, not its security.
"""
from __future__ import annotations

import argparse
import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT = "gongdan-test"


class FakeFcm:
    """Records every message sent; answers UNREGISTERED for tokens in `unregistered`.
    Serves on a background thread from construction until `close()`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.messages: list[dict] = []
        self.unregistered: set[str] = set()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):   # noqa: N802  (the http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/token":
                    self._answer(200, {"access_token": "fake-access-token", "expires_in": 3600,
                                       "token_type": "Bearer"})
                elif self.path == f"/v1/projects/{PROJECT}/messages:send":
                    message = json.loads(body)["message"]
                    if message["token"] in fake.unregistered:
                        self._answer(404, {"error": {
                            "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
                            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                         "errorCode": "UNREGISTERED"}]}})
                        return
                    with fake._lock:
                        fake.messages.append(message)
                        count = len(fake.messages)
                    self._answer(200, {"name": f"projects/{PROJECT}/messages/{count}"})
                else:
                    self._not_found()

            def do_GET(self):   # noqa: N802
                url = urlsplit(self.path)
                if url.path != "/messages":
                    self._not_found()
                    return
                tokens = set(parse_qs(url.query).get("token", []))
                with fake._lock:
                    messages = [m for m in fake.messages if not tokens or m.get("token") in tokens]
                self._answer(200, {"messages": messages})

            def do_DELETE(self):   # noqa: N802
                if urlsplit(self.path).path != "/messages":
                    self._not_found()
                    return
                with fake._lock:
                    fake.messages.clear()
                self._answer(200, {"messages": []})

            def _not_found(self) -> None:
                self._answer(404, {"error": {"code": 404, "message": self.path, "status": "NOT_FOUND"}})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):   # quiet
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def send_url(self) -> str:
        """What to set `FCM_SEND_URL` to so that the app sends here."""
        return self.url + "/v1/projects/{project_id}/messages:send"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def service_account(self) -> dict:
        """Credentials whose token endpoint is this server (a fresh RSA key each time)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        return {"type": "service_account", "project_id": PROJECT, "private_key_id": "fake-key",
                "private_key": pem, "client_email": f"push@{PROJECT}.iam.gserviceaccount.com",
                "client_id": "1", "token_uri": f"{self.url}/token"}

    def write_service_account(self, path: str | Path) -> Path:
        """Write `service_account()` to `path` (its folder made if missing)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.service_account()))
        return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5058)
    parser.add_argument("--credentials-out", required=True,
                        help="where to write the service-account JSON the app is to use")
    args = parser.parse_args()
    fake = FakeFcm(args.host, args.port)
    credentials = fake.write_service_account(args.credentials_out).resolve()
    print(f"fake FCM on {fake.url} (received messages: GET {fake.url}/messages)")
    print(f"FCM_CREDENTIALS_FILE={credentials}")
    print(f"FCM_SEND_URL={fake.send_url}", flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    fake.close()


if __name__ == "__main__":
    main()
