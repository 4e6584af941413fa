"""Photos, the customer's signature and expense receipts of a job, uploaded from the
phone as multipart/form-data and read back."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_jwt_extended import current_user
from flask_smorest.fields import Upload
from sqlalchemy import select

from app.api import Blueprint, ErrorSchema, SchemaBase
from app.auth.models import FIELD_ROLES
from app.db import get_session, unit_of_work
from app.errors import NotFoundError
from app.files import service as files
from app.files.web import send_content
from app.idempotency.web import IDEMPOTENCY_KEY_PARAMETER, idempotent
from app.workorders import notes
from app.workorders.access import get_field_order
from app.workorders.models import Attachment, AttachmentKind, NoteVisibility

blp = Blueprint("mobile-files", __name__, url_prefix="/mobile/v1",
                description="Files of a job: photos, the customer's signature, receipts")

PHONE_KINDS = (AttachmentKind.PHOTO, AttachmentKind.SIGNATURE, AttachmentKind.RECEIPT)
NOT_YOURS = "The job is not assigned to you (or your partner company) (`forbidden`)"


class FileUploadSchema(SchemaBase):
    file = Upload(required=True, metadata={
        "description": "The file. Its type is read from its content, not its name or declared type: JPEG, PNG, "
                       "WebP or HEIC for photos and signatures, those or PDF for receipts"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in PHONE_KINDS]))
    caption = ma.fields.String(validate=ma.validate.Length(min=1, max=500))
    device_time = ma.fields.AwareDateTime(metadata={"description": "When the phone made the file (ISO 8601 with offset)"})
    signer_name = ma.fields.String(validate=ma.validate.Length(min=1, max=200),
                                   metadata={"description": "Who signed: required for a signature, refused otherwise"})


class JobFileSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Enum(AttachmentKind, by_value=True)
    filename = ma.fields.String()
    content_type = ma.fields.String(metadata={"description": "From the file's content"})
    size_bytes = ma.fields.Integer()
    sha256 = ma.fields.String(allow_none=True, metadata={"description": "Hex SHA-256 of the content (none for files "
                                                                        "recorded by metadata in the back office)"})
    caption = ma.fields.String(allow_none=True)
    signer_name = ma.fields.String(allow_none=True)
    visibility = ma.fields.Enum(NoteVisibility, by_value=True)
    device_time = ma.fields.DateTime(allow_none=True)
    uploaded_by_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()


@blp.route("/jobs/<int:job_id>/files")
class JobFiles(MethodView):
    @blp.requires_role(*FIELD_ROLES)
    @blp.response(200, JobFileSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such job (`not_found`)")
    @blp.alt_response(403, schema=ErrorSchema, description=NOT_YOURS)
    def get(self, job_id):
        """The job's files, oldest first (back-office documents included)."""
        session = get_session()
        order = get_field_order(session, job_id, current_user)
        return notes.list_attachments(session, order=order, viewer=current_user)

    @blp.requires_role(*FIELD_ROLES)
    @idempotent
    @blp.arguments(FileUploadSchema, location="multipart")
    @blp.response(201, JobFileSchema)
    @blp.alt_response(200, schema=JobFileSchema,
                      description="These bytes were already uploaded as this kind to this job: that file, "
                                  "and nothing new was stored")
    @blp.alt_response(404, schema=ErrorSchema, description="No such job (`not_found`)")
    @blp.alt_response(403, schema=ErrorSchema, description=NOT_YOURS)
    @blp.alt_response(409, schema=ErrorSchema,
                      description="The job's status does not allow this kind now (`upload_not_allowed`)")
    @blp.alt_response(413, schema=ErrorSchema, description="The file is over the size limit (`payload_too_large`)")
    @blp.alt_response(415, schema=ErrorSchema,
                      description="The content is not a type this kind accepts (`unsupported_file_type`), "
                                  "or the body is not multipart/form-data (`unsupported_media_type`)")
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def post(self, data, job_id):
        """Upload a photo, the customer's signature or a receipt (multipart/form-data).

        Signatures only while the job is `on_site` or `on_hold`, with `signer_name`;
        photos while `en_route`, `on_site`, `on_hold` or `resolved`; receipts from
        `accepted` to `resolved`. Types are checked by content (magic bytes); the size
        limit is `UPLOAD_MAX_BYTES` (10 MiB by default).

        The same bytes sent again as the same kind to the same job — a resend after a
        lost answer, even without `Idempotency-Key` — answer **200** with the file
        already stored; a new file answers **201**. Either way there is one file, one
        `attachment_added` event (with `kind` and `device_time`) and one stored object."""
        upload = data["file"]
        with unit_of_work() as session:
            # Locked: two identical uploads racing each other make one file.
            order = get_field_order(session, job_id, current_user, for_update=True)
            attachment, created = files.store_upload(
                session, order=order, uploader=current_user, kind=data["kind"], filename=upload.filename,
                stream_or_bytes=upload.stream, caption=data.get("caption"),
                device_time=data.get("device_time"), signer_name=data.get("signer_name"))
        return attachment, 201 if created else 200


@blp.route("/jobs/<int:job_id>/files/<int:file_id>/content")
class JobFileContent(MethodView):
    @blp.requires_role(*FIELD_ROLES)
    @blp.alt_response(404, schema=ErrorSchema,
                      description="No such job or file (`not_found`), or the file's content is kept elsewhere "
                                  "(`file_not_stored`)")
    @blp.alt_response(403, schema=ErrorSchema, description=NOT_YOURS)
    @blp.doc(responses={"200": {"description": "The file's bytes, with its content type", "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, job_id, file_id):
        """Download a file of the job (`Content-Type` as read from its content; `ETag`
        is its SHA-256)."""
        session = get_session()
        order = get_field_order(session, job_id, current_user)
        attachment = session.scalar(select(Attachment).where(Attachment.id == file_id,
                                                             Attachment.work_order_id == order.id))
        if attachment is None:
            raise NotFoundError(f"File {file_id} not found on this job", file_id=file_id)
        return send_content(attachment)

