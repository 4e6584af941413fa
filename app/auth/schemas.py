"""Request and response bodies for sign-in and user accounts."""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase
from app.auth.models import Role


class LoginSchema(SchemaBase):
    email = ma.fields.Email(required=True)
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=512),
                                load_only=True)


class TokenPairSchema(ma.Schema):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    token_type = ma.fields.String(dump_default="Bearer")
    expires_in = ma.fields.Integer(metadata={"description": "Access token lifetime in seconds"})
    user = ma.fields.Nested("UserSchema")


class AccessTokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String(dump_default="Bearer")
    expires_in = ma.fields.Integer()


class UserSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    username = ma.fields.String()
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    role = ma.fields.Enum(Role, by_value=True)
    is_active = ma.fields.Boolean()
    locale = ma.fields.String()
    partner_company_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class PersonSchema(ma.Schema):
    """Who did or is mentioned in something: a user without account details."""
    id = ma.fields.Integer()
    name = ma.fields.String()
    username = ma.fields.String()
    role = ma.fields.Enum(Role, by_value=True)


class UserCreateSchema(SchemaBase):
    email = ma.fields.Email(required=True)
    username = ma.fields.String(validate=ma.validate.Regexp(r"^[a-z0-9_.-]{2,64}$"))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    phone = ma.fields.String(validate=ma.validate.Length(max=40))
    role = ma.fields.Enum(Role, by_value=True, required=True)
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=10, max=512))
    partner_company_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    locale = ma.fields.String(validate=ma.validate.OneOf(["zh_CN", "en"]))


class UserQueryArgsSchema(ma.Schema):
    role = ma.fields.Enum(Role, by_value=True)
    q = ma.fields.String(metadata={"description": "Substring of name, e-mail or username"})


class PartnerCompanySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    contact_phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=40))


class PartnerCompanyCreateSchema(PartnerCompanySchema, SchemaBase):
    pass
