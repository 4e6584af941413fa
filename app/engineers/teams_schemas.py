"""Request and response bodies of the teams API."""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase


class TeamLeadSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class TeamSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(metadata={"example": "HVAC east 暖通东区"})
    lead_user_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "The dispatcher who answers for the team's queue"})
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class TeamCreateSchema(SchemaBase):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    lead_user_id = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=1), metadata={
        "description": "An active dispatcher, manager or admin; told of the queue's SLA warnings"})


class TeamUpdateSchema(TeamCreateSchema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))

    @ma.validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("send name, lead_user_id or both")
