"""Request and response bodies for customers, contacts, sites and assets.

Places use the shared fields of `app.geo_fields`.
"""
from __future__ import annotations


import marshmallow as ma

from app.api import SchemaBase
from app.customers.models import CustomerTier
from app.geo_fields import BoundingBoxField, GeoJSONPoint, LonLat
from app.workorders.models import Priority, Status, WorkType

MAX_SEARCH_RADIUS_M = 100_000


# --- customers ---------------------------------------------------------------------------

class ContactSchema(ma.Schema):
    id = ma.fields.Integer()
    customer_id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    user_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "The customer-role account this person signs in with, if any"})
    created_at = ma.fields.DateTime()


class ContactUpdateSchema(SchemaBase):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=40))
    email = ma.fields.Email(allow_none=True, validate=ma.validate.Length(max=254))
    user_id = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=1), metadata={
        "description": "Link an existing user of role `customer`; null unlinks"})


class ContactCreateSchema(ContactUpdateSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class SiteSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    address = ma.fields.String()
    district = ma.fields.String(allow_none=True)
    location = GeoJSONPoint()


class CustomerSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    tier = ma.fields.Enum(CustomerTier, by_value=True)
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    notes = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class CustomerDetailSchema(CustomerSchema):
    contacts = ma.fields.List(ma.fields.Nested(ContactSchema))
    sites = ma.fields.List(ma.fields.Nested(SiteSummarySchema))


class CustomerUpdateSchema(SchemaBase):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    tier = ma.fields.Enum(CustomerTier, by_value=True)
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=40))
    email = ma.fields.Email(allow_none=True, validate=ma.validate.Length(max=254))
    notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10_000))


class CustomerCreateSchema(CustomerUpdateSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class CustomerQueryArgsSchema(ma.Schema):
    q = ma.fields.String(validate=ma.validate.Length(min=1, max=200),
                         metadata={"description": "Substring of the name, phone or e-mail (case-insensitive)"})
    tier = ma.fields.Enum(CustomerTier, by_value=True)


# --- sites -------------------------------------------------------------------------------

class CustomerRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class SiteSchema(ma.Schema):
    id = ma.fields.Integer()
    customer_id = ma.fields.Integer()
    customer = ma.fields.Nested(CustomerRefSchema)
    name = ma.fields.String()
    address = ma.fields.String()
    district = ma.fields.String(allow_none=True)
    location = GeoJSONPoint()
    geofence_radius_m = ma.fields.Integer(metadata={"description": "Check-in counts within this distance"})
    access_notes = ma.fields.String(allow_none=True)
    distance_m = ma.fields.Float(metadata={"description": "Metres from `near`; only present on `near` searches"})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class SiteUpdateSchema(SchemaBase):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    address = ma.fields.String(validate=ma.validate.Length(min=1, max=500))
    district = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100))
    location = GeoJSONPoint()
    geofence_radius_m = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=10_000))
    access_notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10_000))


class SiteCreateSchema(SiteUpdateSchema):
    customer_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    location = GeoJSONPoint(required=True)


class SiteQueryArgsSchema(ma.Schema):
    customer_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    district = ma.fields.String(metadata={"description": "Exact district name"})
    q = ma.fields.String(validate=ma.validate.Length(min=1, max=200),
                         metadata={"description": "Substring of the name or address (case-insensitive)"})
    bbox = BoundingBoxField(metadata={"description": "Only sites inside `west,south,east,north` (degrees)",
                                 "example": "121.40,31.15,121.55,31.30"})
    near = LonLat(metadata={"description": "`lon,lat`: only sites within `radius_m` of it, nearest first",
                            "example": "121.4737,31.2304"})
    radius_m = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_SEARCH_RADIUS_M),
                                 metadata={"description": "Search radius in metres; required with `near`"})

    @ma.validates_schema
    def _near_needs_radius(self, data, **kwargs):
        if ("near" in data) != ("radius_m" in data):
            raise ma.ValidationError("`near` and `radius_m` go together", field_name="radius_m")


# --- assets ------------------------------------------------------------------------------

class AssetSchema(ma.Schema):
    id = ma.fields.Integer()
    site_id = ma.fields.Integer()
    customer_id = ma.fields.Integer(attribute="site.customer_id")
    model = ma.fields.String()
    serial_number = ma.fields.String()
    installed_on = ma.fields.Date(allow_none=True)
    warranty_until = ma.fields.Date(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class AssetUpdateSchema(SchemaBase):
    site_id = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1))
    model = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    serial_number = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    installed_on = ma.fields.Date(allow_none=True)
    warranty_until = ma.fields.Date(allow_none=True, metadata={"description": "On or after `installed_on`"})


class AssetCreateSchema(AssetUpdateSchema):
    site_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    model = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    serial_number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))


class AssetQueryArgsSchema(ma.Schema):
    site_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    customer_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    serial_number = ma.fields.String(validate=ma.validate.Length(min=1, max=100),
                                     metadata={"description": "Exact serial number (case-insensitive)"})
    model = ma.fields.String(validate=ma.validate.Length(min=1, max=200),
                             metadata={"description": "Substring of the model (case-insensitive)"})


class AssetHistoryEntrySchema(ma.Schema):
    """One work order that touched the asset."""
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.Enum(Status, by_value=True)
    work_type = ma.fields.Enum(WorkType, by_value=True)
    priority = ma.fields.Enum(Priority, by_value=True)
    title = ma.fields.String()
    created_at = ma.fields.DateTime()
    scheduled_engineer_name = ma.fields.Function(
        lambda order: order.scheduled_engineer.name if order.scheduled_engineer else None,
        metadata={"type": "string", "nullable": True})
    resolution_code = ma.fields.String(allow_none=True)
