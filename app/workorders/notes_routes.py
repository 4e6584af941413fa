"""Notes, customer comments and attachment metadata on a work order."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.files.web import send_content
from app.workorders import notes
from app.workorders.access import get_visible_order
from app.workorders.notes_schemas import AttachmentCreateSchema, AttachmentSchema, NoteCreateSchema, NoteSchema

blp = Blueprint("work-order-notes", __name__, url_prefix="/api/v1/work-orders/<int:order_id>",
                description="Notes, customer comments and attachments of a work order")

EVERYONE_BUT_WAREHOUSE = tuple(r for r in Role if r is not Role.WAREHOUSE)


@blp.route("/notes")
class Notes(MethodView):
    @blp.response(200, NoteSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller")
    @blp.requires_role(*EVERYONE_BUT_WAREHOUSE)
    def get(self, order_id):
        """Notes and comments, oldest first. Customers see only customer-visible comments."""
        session = get_session()
        order = get_visible_order(session, order_id, current_user)
        return notes.list_notes(session, order=order, viewer=current_user)

    @blp.arguments(NoteCreateSchema)
    @blp.response(201, NoteSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller")
    @blp.requires_role(*EVERYONE_BUT_WAREHOUSE)
    def post(self, data, order_id):
        """Add an internal note or a customer-visible comment.

        `@username` mentions are resolved to users and recorded (an internal note
        never mentions a customer). Customers may only add customer-visible comments."""
        with unit_of_work() as session:
            order = get_visible_order(session, order_id, current_user)
            return notes.add_note(session, order=order, author=current_user, **data)


@blp.route("/attachments")
class Attachments(MethodView):
    @blp.response(200, AttachmentSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller")
    @blp.requires_role(*EVERYONE_BUT_WAREHOUSE)
    def get(self, order_id):
        """Attachment metadata; customers see only files shared with them."""
        session = get_session()
        order = get_visible_order(session, order_id, current_user)
        return notes.list_attachments(session, order=order, viewer=current_user)

    @blp.arguments(AttachmentCreateSchema)
    @blp.response(201, AttachmentSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller")
    @blp.requires_role(*EVERYONE_BUT_WAREHOUSE)
    def post(self, data, order_id):
        """Record the metadata of a file already stored (key in the file store).

        Content types are limited to images, PDF, text, MP4 and Office documents;
        at most 25 MiB."""
        with unit_of_work() as session:
            order = get_visible_order(session, order_id, current_user)
            return notes.add_attachment(session, order=order, uploader=current_user, **data)


@blp.route("/attachments/<int:attachment_id>/content")
class AttachmentContent(MethodView):
    @blp.requires_role(*EVERYONE_BUT_WAREHOUSE)
    @blp.alt_response(404, schema=ErrorSchema,
                      description="No such order or file visible to the caller (`not_found`), or the file was "
                                  "recorded by metadata only and is kept elsewhere (`file_not_stored`)")
    @blp.doc(responses={"200": {"description": "The file's bytes, with its content type", "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, order_id, attachment_id):
        """Download an uploaded file (photos, signatures, receipts from the phone).

        The same visibility as the list: customers only get files shared with them.
        `Content-Type` is the type read from the file's content; `ETag` its SHA-256."""
        session = get_session()
        order = get_visible_order(session, order_id, current_user)
        return send_content(notes.get_attachment(session, order=order, attachment_id=attachment_id,
                                                 viewer=current_user))
