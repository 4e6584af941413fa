"""Request and response bodies of the notifications API."""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase


class NotificationSchema(ma.Schema):
    id = ma.fields.Int()
    kind = ma.fields.Str(metadata={"description": "sla_warning, sla_breach, rule, …"})
    work_order_id = ma.fields.Int(allow_none=True)
    title = ma.fields.Str()
    body = ma.fields.Str()
    payload = ma.fields.Dict()
    created_at = ma.fields.DateTime()
    read_at = ma.fields.DateTime(allow_none=True)


class InboxArgsSchema(SchemaBase):
    unread = ma.fields.Bool(load_default=False, metadata={"description": "Only the unread ones"})
    work_order_id = ma.fields.Int(validate=ma.validate.Range(min=1))


class MarkReadSchema(SchemaBase):
    ids = ma.fields.List(ma.fields.Int(validate=ma.validate.Range(min=1)),
                         validate=ma.validate.Length(min=1, max=500),
                         metadata={"description": "Which to mark read; leave out with `all: true`"})
    all = ma.fields.Bool(load_default=False, metadata={"description": "Mark every unread notification read"})

    @ma.validates_schema
    def _one_of(self, data, **kwargs):
        if bool(data.get("ids")) == bool(data.get("all")):
            raise ma.ValidationError("Give either `ids` or `all: true`", "_schema")


class MarkReadResultSchema(ma.Schema):
    marked = ma.fields.Int()
    unread = ma.fields.Int()
