"""Request and response bodies of an order's rating."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import SchemaBase


class RatingCreateSchema(SchemaBase):
    csat = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=5),
                             metadata={"description": "Satisfaction, 1 (very unhappy) to 5 (very happy)"})
    nps = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10),
                            metadata={"description": "How likely to recommend us, 0 to 10"})
    comment = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))


class RatingSchema(ma.Schema):
    work_order_id = ma.fields.Integer()
    csat = ma.fields.Integer()
    nps = ma.fields.Integer(allow_none=True)
    comment = ma.fields.String(allow_none=True)
    source = ma.fields.String(metadata={"description": "`link` (the customer) or `agent` (taken by phone)"})
    rated_at = ma.fields.DateTime()
