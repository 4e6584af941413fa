"""Request and response bodies of an order's customer links."""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase
from customer_links.models import LinkKind, MessageChannel
from customer_links.service import link_status


class CustomerLinkSchema(ma.Schema):
    id = ma.fields.Int()
    kind = ma.fields.Enum(LinkKind, by_value=True, metadata={"description": "`rating` (rate the visit once) or `tracking` (where is my technician)"})
    status = ma.fields.Method("_status", metadata={
        "description": "`pending` (not sent yet), `sent`, `failing` (delivery failed, being retried), `used`, "
                       "`expired`, `revoked` (replaced by a newer link)"})
    channel = ma.fields.Enum(MessageChannel, by_value=True, metadata={"description": "`email` or `sms`"})
    address = ma.fields.Str(metadata={"description": "The e-mail address or phone number it went to"})
    contact_id = ma.fields.Int(allow_none=True)
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime()
    sent_at = ma.fields.DateTime(allow_none=True)
    send_attempts = ma.fields.Int()
    last_error = ma.fields.Str(allow_none=True, metadata={"description": "Why the last delivery attempt failed"})
    used_at = ma.fields.DateTime(allow_none=True)
    revoked_at = ma.fields.DateTime(allow_none=True)

    def _status(self, link) -> str:
        return link_status(link)


class ResendRatingLinkSchema(SchemaBase):
    contact_id = ma.fields.Int(validate=ma.validate.Range(min=1), metadata={
        "description": "Send to this contact of the order's customer (default: the first one reachable)"})
