"""`POST /mobile/v1/sync`: what a phone queued while offline, applied in device-time order.

Each queued action is the very request the phone would have sent online — method,
path, JSON body and its `Idempotency-Key` — and is replayed through the app as that
request, with the caller's token. So an action behaves exactly as it would have online:
the same validation, permissions and rules, its own transaction, and the same
idempotency record. An action the server already has (sent online before the phone
lost the answer, or twice in the batch) is answered `duplicate` with the first answer;
one the server's state no longer allows (the job was reassigned or cancelled meanwhile)
is a `conflict` carrying the job as the server has it now — never a silent overwrite.
"""
from __future__ import annotations

import json

import marshmallow as ma
from flask import Response, current_app, request
from flask_jwt_extended import current_user
from marshmallow import validate
from werkzeug.exceptions import HTTPException
from werkzeug.test import EnvironBuilder

from app.api import Blueprint, SchemaBase
from app.auth.models import FIELD_ROLES
from app.db import db_session
from app.idempotency.web import HEADER as IDEMPOTENCY_HEADER, MAX_KEY_LENGTH
from mobile_api import field_work
from mobile_api.schemas import JobStateSchema

blp = Blueprint("mobile-sync", __name__, url_prefix="/mobile/v1", description="Offline sync")

PREFIX = "/mobile/v1/"
MAX_ACTIONS = 500
# Answers that mean "the server's state has moved on": the phone must look again.
CONFLICT_STATUSES = frozenset({403, 404, 409, 412})


class SyncActionSchema(SchemaBase):
    key = ma.fields.String(required=True, validate=validate.Length(min=1, max=MAX_KEY_LENGTH), metadata={
        "description": "The action's Idempotency-Key, the one it was (or would have been) sent with online"})
    device_time = ma.fields.AwareDateTime(required=True, metadata={
        "description": "When the action was taken on the phone; actions are applied in this order"})
    method = ma.fields.String(load_default="POST", validate=validate.OneOf(["POST", "PUT", "PATCH", "DELETE"]))
    path = ma.fields.String(required=True, validate=validate.Length(max=500), metadata={
        "example": "/mobile/v1/jobs/42/check-in"})
    body = ma.fields.Dict(load_default=dict, metadata={"description": "The JSON body, exactly as queued"})

    @ma.validates("path")
    def _mobile_path(self, value: str, **kwargs) -> None:
        if not value.startswith(PREFIX) or value.rstrip("/") == PREFIX + "sync" or "?" in value:
            raise ma.ValidationError(f"a path of the mobile API under {PREFIX} (not sync itself, no query)")


class SyncRequestSchema(SchemaBase):
    actions = ma.fields.List(ma.fields.Nested(SyncActionSchema), required=True,
                             validate=validate.Length(min=1, max=MAX_ACTIONS))


class SyncResultSchema(ma.Schema):
    index = ma.fields.Integer(metadata={"description": "The action's position in the request"})
    key = ma.fields.String()
    method = ma.fields.String()
    path = ma.fields.String()
    outcome = ma.fields.String(metadata={"description": (
        "`applied`; `duplicate` (the key was applied before: `response` is the first answer); "
        "`conflict` (the server's state no longer allows it: see `job`); `rejected` (invalid: "
        "`response` says why); `error` (the server failed; retry later)")})
    http_status = ma.fields.Integer()
    response = ma.fields.Raw(allow_none=True, metadata={"description": "The answer the request got (JSON)"})
    job = ma.fields.Nested(JobStateSchema, allow_none=True, metadata={
        "description": "For a conflict on a job: the job as the server has it now"})


class SyncAnswerSchema(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(SyncResultSchema), metadata={
        "description": "One per action, in the order they were applied (device time)"})


@blp.route("/sync", methods=["POST"])
@blp.requires_role(*FIELD_ROLES)
@blp.arguments(SyncRequestSchema)
@blp.response(200, SyncAnswerSchema)
def sync(data):
    """Apply a batch of actions queued offline, in device-time order.

    Each action is `{key, device_time, method, path, body}`: the request the phone
    would have sent online (any JSON endpoint of this API; files are uploaded on their
    own, and actions refer to them by id). Every action runs in its own transaction, so
    one conflict does not undo the others. Sending a batch again is safe: what was
    applied answers `duplicate`. Up to 500 actions."""
    ordered = sorted(enumerate(data["actions"]), key=lambda pair: (pair[1]["device_time"], pair[0]))
    return {"results": [_apply(index, action) for index, action in ordered]}


def _apply(index: int, action: dict) -> dict:
    result = {"index": index, "key": action["key"], "method": action["method"], "path": action["path"],
              "job": None}
    job_id = _job_id(action)
    response = _replay(action)
    answer = response.get_json(silent=True)
    status = response.status_code
    result.update(http_status=status, response=answer)
    if response.headers.get("Idempotent-Replayed") == "true":
        result["outcome"] = "duplicate"
    elif status < 400:
        result["outcome"] = "applied"
    elif status >= 500:
        result["outcome"] = "error"
    elif status in CONFLICT_STATUSES and job_id is not None:
        result["outcome"] = "conflict"
        session = db_session()
        result["job"] = field_work.job_state(session, user=current_user, job_id=job_id)
        session.rollback()   # a read: end it so the next action starts fresh
    else:
        result["outcome"] = "rejected"
    return result


def _job_id(action: dict) -> int | None:
    """The job an action is about, from the route its path matches."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        _, arguments = adapter.match(action["path"], method=action["method"])
    except HTTPException:
        return None
    return arguments.get("job_id")


def _replay(action: dict) -> Response:
    """Run the action as a request of its own, with the caller's credentials and the
    action's Idempotency-Key, and return its response."""
    headers = {"Authorization": request.headers.get("Authorization", ""), IDEMPOTENCY_HEADER: action["key"]}
    if request.headers.get("Accept-Language"):
        headers["Accept-Language"] = request.headers["Accept-Language"]
    builder = EnvironBuilder(path=action["path"], method=action["method"], base_url=request.host_url,
                             data=json.dumps(action["body"]), content_type="application/json", headers=headers,
                             environ_overrides={"REMOTE_ADDR": request.remote_addr})
    try:
        with current_app.request_context(builder.get_environ()):
            try:
                return current_app.make_response(current_app.full_dispatch_request())
            except Exception as error:  # noqa: BLE001 — one action's failure must not sink the batch
                return current_app.make_response(current_app.handle_exception(error))
    finally:
        # Whatever the action did is committed or rolled back by now; start the next clean.
        db_session().rollback()
