"""Request and response bodies for the skill catalogue, engineers and the engineers map."""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase
from app.geo_fields import BoundingBoxField, GeoJSONPoint
from app.engineers.service import SKILL_CODE_PATTERN

MAX_SKILL_LEVEL = 3


class SkillSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Regexp(SKILL_CODE_PATTERN), metadata={
        "description": "Stable code shared by orders and engineers: lower case, digits, `_`"})
    name_en = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    name_zh = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))


class SkillCreateSchema(SkillSchema, SchemaBase):
    pass


class EngineerSkillSchema(SchemaBase):
    skill = ma.fields.String(required=True, attribute="skill_code", validate=ma.validate.Length(min=1, max=40),
                             metadata={"description": "A code from the skill catalogue"})
    level = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_SKILL_LEVEL),
                              metadata={"description": "1 junior, 2 experienced, 3 expert"})


class WorkingPeriodSchema(SchemaBase):
    weekday = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0, max=6),
                                metadata={"description": "0 = Monday … 6 = Sunday"})
    starts = ma.fields.Time(required=True, format="%H:%M", metadata={"example": "08:30"})
    ends = ma.fields.Time(required=True, format="%H:%M", metadata={
        "example": "17:30", "description": "Later than `starts` on the same day"})

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if "starts" in data and "ends" in data and data["ends"] <= data["starts"]:
            raise ma.ValidationError("A period must end after it starts", field_name="ends")


class EngineerSkillsReplaceSchema(SchemaBase):
    skills = ma.fields.List(ma.fields.Nested(EngineerSkillSchema), required=True,
                            metadata={"description": "The whole skill set; an empty list removes every skill"})


class WorkingHoursReplaceSchema(SchemaBase):
    working_hours = ma.fields.List(ma.fields.Nested(WorkingPeriodSchema), required=True,
                                   metadata={"description": "The whole weekly schedule"})


class TimeOffSchema(SchemaBase):
    id = ma.fields.Integer(dump_only=True)
    starts_at = ma.fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with a UTC offset"})
    ends_at = ma.fields.AwareDateTime(required=True, metadata={"description": "Later than `starts_at`"})
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ma.ValidationError("Time off must end after it starts", field_name="ends_at")


class PartnerCompanyRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class EngineerSchema(ma.Schema):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    name = ma.fields.String(attribute="user.name")
    email = ma.fields.String(attribute="user.email")
    phone = ma.fields.String(attribute="user.phone", allow_none=True)
    home_base = GeoJSONPoint()
    home_district = ma.fields.String(allow_none=True)
    skills = ma.fields.List(ma.fields.Nested(EngineerSkillSchema))
    working_hours = ma.fields.List(ma.fields.Nested(WorkingPeriodSchema))
    max_jobs_per_day = ma.fields.Integer()
    partner_company = ma.fields.Nested(PartnerCompanyRefSchema, allow_none=True)
    team_id = ma.fields.Integer(allow_none=True)
    is_active = ma.fields.Boolean()
    last_position = GeoJSONPoint(allow_none=True)
    last_position_at = ma.fields.DateTime(allow_none=True)


class EngineerUpdateSchema(SchemaBase):
    home_base = GeoJSONPoint()
    home_district = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100))
    max_jobs_per_day = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=50))
    is_active = ma.fields.Boolean(metadata={"description": "Inactive engineers are not planned"})
    team_id = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=1),
                                metadata={"description": "The engineer's team (`GET /teams`); null for none"})


class EngineerCreateSchema(EngineerUpdateSchema):
    user_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1), metadata={
        "description": "An existing user of role `engineer` or `partner_engineer`"})
    home_base = GeoJSONPoint(required=True, metadata={"description": "Where the engineer's day starts"})
    partner_company_id = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=1),
                                           metadata={"description": "Defaults to the user's partner company"})
    skills = ma.fields.List(ma.fields.Nested(EngineerSkillSchema), load_default=list)


class EngineerQueryArgsSchema(ma.Schema):
    skill = ma.fields.String(validate=ma.validate.Length(min=1, max=40),
                             metadata={"description": "Only engineers with this skill"})
    min_level = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_SKILL_LEVEL),
                                  metadata={"description": "With `skill`: at least this level (default 1)"})
    district = ma.fields.String(metadata={"description": "Exact home district"})
    partner_company_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    active = ma.fields.Boolean()
    team_id = ma.fields.Integer(validate=ma.validate.Range(min=1), metadata={"description": "Members of this team"})

    @ma.validates_schema
    def _level_needs_skill(self, data, **kwargs):
        if "min_level" in data and "skill" not in data:
            raise ma.ValidationError("`min_level` applies to a `skill`", field_name="min_level")


class EngineerMapQueryArgsSchema(ma.Schema):
    bbox = BoundingBoxField(metadata={"description": "Only engineers inside `west,south,east,north` (degrees)",
                                 "example": "121.40,31.15,121.55,31.30"})


class EngineerFeaturePropertiesSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(attribute="user.name")
    last_position_at = ma.fields.DateTime()
    partner_company = ma.fields.Nested(PartnerCompanyRefSchema, allow_none=True)
    skills = ma.fields.List(ma.fields.Nested(EngineerSkillSchema))


class EngineerFeatureSchema(ma.Schema):
    """Dumped from ``{"geometry": <point>, "properties": <Engineer>}``."""
    type = ma.fields.Constant("Feature")
    geometry = GeoJSONPoint(metadata={"description": "The engineer's last reported position"})
    properties = ma.fields.Nested(EngineerFeaturePropertiesSchema)


class EngineerFeatureCollectionSchema(ma.Schema):
    type = ma.fields.Constant("FeatureCollection")
    features = ma.fields.List(ma.fields.Nested(EngineerFeatureSchema))
