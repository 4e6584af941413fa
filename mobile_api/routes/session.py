"""Sign-in and profile for the engineers' app."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_jwt_extended import current_user
from sqlalchemy import select

from app.api import Blueprint, ErrorSchema
from app.auth.limits import limiter, login_attempt_key, login_rate_limit
from app.auth.models import FIELD_ROLES, Role
from app.auth.routes import login_view
from app.auth.schemas import LoginSchema, TokenPairSchema, UserSchema
from app.db import get_session
from app.engineers.models import Engineer
from app.errors import PermissionDeniedError
from app.geo import point_to_geojson

blp = Blueprint("mobile-session", __name__, url_prefix="/mobile/v1", description="Sign-in and profile")


class SkillLevelSchema(ma.Schema):
    skill = ma.fields.String(attribute="skill_code")
    level = ma.fields.Integer()


class MobileProfileSchema(ma.Schema):
    user = ma.fields.Nested(UserSchema)
    engineer_id = ma.fields.Integer(allow_none=True)
    partner_company = ma.fields.String(allow_none=True)
    skills = ma.fields.List(ma.fields.Nested(SkillLevelSchema))
    home_base = ma.fields.Dict(allow_none=True, metadata={"description": "GeoJSON Point"})
    max_jobs_per_day = ma.fields.Integer(allow_none=True)


@blp.route("/auth/login")
class MobileLogin(MethodView):
    decorators = [limiter.limit(login_rate_limit, key_func=login_attempt_key)]

    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Wrong e-mail or password (`invalid_credentials`)")
    @blp.alt_response(403, schema=ErrorSchema, description="The account is not a field engineer")
    @blp.alt_response(429, schema=ErrorSchema, description="Too many attempts (`rate_limited`)")
    def post(self, data):
        """Sign in on the phone: engineers and partner engineers only."""
        tokens = login_view(data)
        if tokens["user"].role not in FIELD_ROLES:
            raise PermissionDeniedError("The mobile app is for field engineers")
        return tokens


@blp.route("/me")
class MobileProfile(MethodView):
    @blp.response(200, MobileProfileSchema)
    @blp.requires_role(Role.ENGINEER, Role.PARTNER_ENGINEER)
    def get(self):
        """The engineer's profile: account, skills, home base, daily job limit."""
        engineer = get_session().scalar(select(Engineer).where(Engineer.user_id == current_user.id))
        return {
            "user": current_user,
            "engineer_id": engineer.id if engineer else None,
            "partner_company": engineer.partner_company.name if engineer and engineer.partner_company else None,
            "skills": engineer.skills if engineer else [],
            "home_base": point_to_geojson(engineer.home_base) if engineer else None,
            "max_jobs_per_day": engineer.max_jobs_per_day if engineer else None,
        }
