"""A local stand-in for Google's OAuth token endpoint and the FCM v1 send endpoint, so
tests run the real firebase-admin library end to end without the internet."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT = "gongdan-test"


class FakeFcm:
    """Records every message sent; answers UNREGISTERED for tokens in `unregistered`."""

    def __init__(self):
        self.messages: list[dict] = []
        self.unregistered: set[str] = set()
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
                    fake.messages.append(message)
                    self._answer(200, {"name": f"projects/{PROJECT}/messages/{len(fake.messages)}"})
                else:
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

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
