"""`@idempotent`: honour an `Idempotency-Key` header on a mutating endpoint.

The key is claimed (a row, unique per user and key) in the same transaction as the
request's effect, so the effect and the claim commit or roll back together: a retry,
even one racing the first request, never causes a second effect. The first answer is
stored right after and replayed to every retry with the same key and body; the same
key with another body is refused with 422 `idempotency_key_reused`.

"The same body" is judged on its meaning, not its bytes (`request_fingerprint`): a
retried multipart upload has a new random boundary, and a JSON body re-serialised by
the phone may order its keys or space itself differently.
"""
from __future__ import annotations

import hashlib
import json
import time
from functools import wraps

from flask import Request, Response, request
from flask_jwt_extended import current_user
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.db import db_session, unit_of_work, utcnow
from app.errors import ConflictError, ValidationFailedError
from app.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128
# How long a retry waits for a racing first request to store its answer.
WAIT_FOR_FIRST_S = 5.0


# The header as the OpenAPI documents show it on every endpoint that honours it.
IDEMPOTENCY_KEY_PARAMETER = {
    "name": HEADER, "in": "header", "required": False, "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": "A retry with the same key and body gets the first answer and has no second effect; "
                   "the same key with another body is refused (422 `idempotency_key_reused`)"}


class IdempotencyKeyReusedError(ValidationFailedError):
    code = "idempotency_key_reused"


class IdempotencyInProgressError(ConflictError):
    code = "idempotency_in_progress"


def idempotent(view):
    """Wrap a view whose work runs in `unit_of_work()`; place it above `@blp.response`."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            raise ValidationFailedError(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters",
                                        errors={"headers": {HEADER: ["bad length"]}})
        fingerprint = request_fingerprint(request)
        replay = _replay(current_user.id, key, fingerprint, wait=True)
        if replay is not None:
            return replay
        session = db_session()
        session.add(IdempotencyRecord(user_id=current_user.id, key=key, fingerprint=fingerprint,
                                      created_at=utcnow()))
        try:
            session.flush()  # waits here while a racing request with this key is open
        except IntegrityError:
            session.rollback()
            return _replay(current_user.id, key, fingerprint, wait=True)
        response = view(*args, **kwargs)  # commits the claim with the effect, or rolls both back
        if response.status_code < 500:
            with unit_of_work() as session:
                session.execute(update(IdempotencyRecord)
                                .where(IdempotencyRecord.user_id == current_user.id, IdempotencyRecord.key == key)
                                .values(status_code=response.status_code, body=response.get_json(silent=True)))
        return response

    return wrapper


def request_fingerprint(req: Request) -> str:
    """SHA-256 of the method, the path and the body in canonical form: JSON as sorted,
    compact JSON of the parsed body; multipart/form-data as its sorted form fields and,
    per file, the field name, file name and SHA-256 of the content; anything else (and
    JSON that does not parse) as the raw bytes."""
    digest = hashlib.sha256()
    digest.update(req.method.encode() + b"\n" + req.path.encode() + b"\n")
    digest.update(_canonical_body(req))
    return digest.hexdigest()


def _canonical_body(req: Request) -> bytes:
    if req.is_json:
        try:
            body = json.loads(req.get_data())
        except ValueError:
            return b"raw\n" + req.get_data()
        return b"json\n" + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if req.mimetype == "multipart/form-data":
        fields = sorted((name, value) for name, values in req.form.lists() for value in values)
        files = sorted((name, upload.filename or "", _sha256_of(upload.stream))
                       for name, upload in req.files.items(multi=True))
        return b"multipart\n" + json.dumps({"fields": fields, "files": files}, separators=(",", ":"),
                                            ensure_ascii=False).encode()
    return b"raw\n" + req.get_data()


def _sha256_of(stream) -> str:
    """Hash an uploaded file and rewind it for the view that reads it next."""
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(64 * 1024):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _replay(user_id: int, key: str, fingerprint: str, *, wait: bool = False) -> Response | None:
    """The stored answer for this key, None when the key is new. While the first
    request's answer is not stored yet, waits for it (up to WAIT_FOR_FIRST_S)."""
    deadline = time.monotonic() + (WAIT_FOR_FIRST_S if wait else 0)
    while True:
        session = db_session()
        record = session.execute(
            select(IdempotencyRecord.fingerprint, IdempotencyRecord.status_code, IdempotencyRecord.body)
            .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)).first()
        session.rollback()  # end the read, so a retry sees what commits meanwhile
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError(f"This {HEADER} was used for another request")
        if record.status_code is not None:
            answer = Response(json.dumps(record.body), status=record.status_code, mimetype="application/json")
            answer.headers["Idempotent-Replayed"] = "true"
            return answer
        if time.monotonic() >= deadline:
            raise IdempotencyInProgressError("A request with this key is still being handled; retry shortly")
        time.sleep(0.05)
