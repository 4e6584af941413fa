"""Bodies of notes, comments and attachment metadata."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import SchemaBase
from app.auth.schemas import PersonSchema
from app.workorders.models import AttachmentKind, NoteVisibility
from app.workorders.notes import ALLOWED_CONTENT_TYPES, MAX_ATTACHMENT_BYTES

class NoteCreateSchema(SchemaBase):
    body = ma.fields.String(required=True, validate=validate.Length(min=1, max=10000))
    visibility = ma.fields.Enum(NoteVisibility, by_value=True, load_default=NoteVisibility.INTERNAL,
                                metadata={"description": "`internal` (staff only) or `customer` (a comment the customer sees)"})


class NoteSchema(ma.Schema):
    id = ma.fields.Integer()
    body = ma.fields.String()
    visibility = ma.fields.Enum(NoteVisibility, by_value=True)
    author = ma.fields.Nested(PersonSchema)
    mentions = ma.fields.Method("_mentioned_users", metadata={"type": "array", "items": {"$ref": "#/components/schemas/Person"}})
    created_at = ma.fields.DateTime()

    def _mentioned_users(self, note):
        return [PersonSchema().dump(m.user) for m in note.mentions]


class AttachmentCreateSchema(SchemaBase):
    filename = ma.fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_type = ma.fields.String(required=True, validate=validate.OneOf(sorted(ALLOWED_CONTENT_TYPES)))
    size_bytes = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ATTACHMENT_BYTES))
    storage_key = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))
    visibility = ma.fields.Enum(NoteVisibility, by_value=True, load_default=NoteVisibility.INTERNAL)


class AttachmentSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Enum(AttachmentKind, by_value=True, metadata={
        "description": "`document` (filed here), or from the engineer's phone `photo`, `signature`, `receipt`"})
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size_bytes = ma.fields.Integer()
    storage_key = ma.fields.String()
    visibility = ma.fields.Enum(NoteVisibility, by_value=True)
    sha256 = ma.fields.String(allow_none=True, metadata={
        "description": "Hex SHA-256 of an uploaded file's content; none for files recorded by metadata"})
    caption = ma.fields.String(allow_none=True)
    signer_name = ma.fields.String(allow_none=True, metadata={"description": "Who signed (signatures)"})
    device_time = ma.fields.DateTime(allow_none=True, metadata={"description": "When the phone made the file"})
    uploaded_by_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
