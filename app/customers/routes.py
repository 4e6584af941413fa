"""Customers and their contacts, sites and assets."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.customers import service
from app.customers.schemas import (AssetCreateSchema, AssetHistoryEntrySchema, AssetQueryArgsSchema,
                                   AssetSchema, AssetUpdateSchema, ContactCreateSchema, ContactSchema,
                                   ContactUpdateSchema, CustomerCreateSchema, CustomerDetailSchema,
                                   CustomerQueryArgsSchema, CustomerSchema, CustomerUpdateSchema,
                                   SiteCreateSchema, SiteQueryArgsSchema, SiteSchema, SiteUpdateSchema)
from app.db import get_session, unit_of_work
from app.pagination import paginate

customers_blp = Blueprint("customers", __name__, url_prefix="/api/v1",
                          description="Customers and the people who speak for them")
sites_blp = Blueprint("sites", __name__, url_prefix="/api/v1", description="Where the work is done")
assets_blp = Blueprint("assets", __name__, url_prefix="/api/v1",
                       description="Equipment installed at sites and its service history")

READ_ROLES = (Role.MANAGER, Role.AGENT, Role.DISPATCHER)
WRITE_ROLES = (Role.MANAGER, Role.AGENT)
ASSET_READ_ROLES = (*READ_ROLES, Role.WAREHOUSE)


@customers_blp.route("/customers")
class Customers(MethodView):
    @customers_blp.arguments(CustomerQueryArgsSchema, location="query")
    @customers_blp.response(200, CustomerSchema(many=True))
    @customers_blp.paginate()
    @customers_blp.requires_role(*READ_ROLES)
    def get(self, args, pagination_parameters):
        """List customers, by name.

        `q` matches part of the name, phone number or e-mail address; `tier` keeps only
        standard or VIP customers."""
        return paginate(get_session(), service.customer_query(**args), pagination_parameters)

    @customers_blp.arguments(CustomerCreateSchema)
    @customers_blp.response(201, CustomerSchema)
    @customers_blp.requires_role(*WRITE_ROLES)
    def post(self, data):
        """Create a customer."""
        with unit_of_work() as session:
            return service.create_customer(session, **data)


@customers_blp.route("/customers/<int:customer_id>")
class CustomerById(MethodView):
    @customers_blp.response(200, CustomerDetailSchema)
    @customers_blp.alt_response(404, schema=ErrorSchema, description="No such customer, or not the caller's own")
    @customers_blp.requires_role(*READ_ROLES, Role.CUSTOMER)
    def get(self, customer_id):
        """A customer with its contacts and a summary of its sites.

        A user of role `customer` may read only the customer it is a contact of; any
        other id answers 404."""
        return service.get_visible_customer(get_session(), customer_id, viewer=current_user)

    @customers_blp.arguments(CustomerUpdateSchema)
    @customers_blp.response(200, CustomerSchema)
    @customers_blp.alt_response(404, schema=ErrorSchema, description="No such customer")
    @customers_blp.requires_role(*WRITE_ROLES)
    def patch(self, data, customer_id):
        """Change some of a customer's fields; fields left out keep their value."""
        with unit_of_work() as session:
            return service.update_customer(session, customer_id=customer_id, **data)


@customers_blp.route("/customers/<int:customer_id>/contacts")
class CustomerContacts(MethodView):
    @customers_blp.response(200, ContactSchema(many=True))
    @customers_blp.alt_response(404, schema=ErrorSchema, description="No such customer")
    @customers_blp.paginate()
    @customers_blp.requires_role(*WRITE_ROLES)
    def get(self, customer_id, pagination_parameters):
        """List a customer's contacts, oldest first."""
        session = get_session()
        service.get_customer(session, customer_id)
        return paginate(session, service.contact_query(customer_id=customer_id), pagination_parameters)

    @customers_blp.arguments(ContactCreateSchema)
    @customers_blp.response(201, ContactSchema)
    @customers_blp.alt_response(404, schema=ErrorSchema, description="No such customer or user")
    @customers_blp.alt_response(409, schema=ErrorSchema, description="The user is linked to another contact")
    @customers_blp.alt_response(422, schema=ErrorSchema,
                                description="Invalid input, or `user_id` is not a user of role `customer`")
    @customers_blp.requires_role(*WRITE_ROLES)
    def post(self, data, customer_id):
        """Add a contact person to a customer.

        With `user_id`, the contact signs in as that existing user, who must have role
        `customer` and speak for no other contact; they then see this customer's
        orders."""
        with unit_of_work() as session:
            return service.create_contact(session, customer_id=customer_id, **data)


@customers_blp.route("/contacts/<int:contact_id>")
class ContactById(MethodView):
    @customers_blp.arguments(ContactUpdateSchema)
    @customers_blp.response(200, ContactSchema)
    @customers_blp.alt_response(404, schema=ErrorSchema, description="No such contact or user")
    @customers_blp.alt_response(409, schema=ErrorSchema, description="The user is linked to another contact")
    @customers_blp.alt_response(422, schema=ErrorSchema,
                                description="Invalid input, or `user_id` is not a user of role `customer`")
    @customers_blp.requires_role(*WRITE_ROLES)
    def patch(self, data, contact_id):
        """Change a contact; `"user_id": null` removes its sign-in link."""
        with unit_of_work() as session:
            return service.update_contact(session, contact_id=contact_id, **data)


@sites_blp.route("/sites")
class Sites(MethodView):
    @sites_blp.arguments(SiteQueryArgsSchema, location="query")
    @sites_blp.response(200, SiteSchema(many=True))
    @sites_blp.paginate()
    @sites_blp.requires_role(*READ_ROLES)
    def get(self, args, pagination_parameters):
        """List sites, filtered by customer, district, text, map area or distance.

        - `q` matches part of the name or address;
        - `bbox=west,south,east,north` keeps sites inside that box (degrees);
        - `near=lon,lat` with `radius_m` keeps sites within that many metres, nearest
          first, and adds `distance_m` to each."""
        session = get_session()
        sites = paginate(session, service.site_query(**args), pagination_parameters)
        if "near" in args:
            distances = service.site_distances(session, site_ids=[site.id for site in sites], near=args["near"])
            for site in sites:
                # Not a column: SiteSchema reads it, and only near-searches set it.
                site.distance_m = distances[site.id]
        return sites

    @sites_blp.arguments(SiteCreateSchema)
    @sites_blp.response(201, SiteSchema)
    @sites_blp.alt_response(404, schema=ErrorSchema, description="No such customer")
    @sites_blp.requires_role(*WRITE_ROLES)
    def post(self, data):
        """Create a site of a customer.

        `location` is a GeoJSON Point; engineers' check-ins count when they are within
        `geofence_radius_m` (1–10000, default 200) of it."""
        with unit_of_work() as session:
            return service.create_site(session, **data)


@sites_blp.route("/sites/<int:site_id>")
class SiteById(MethodView):
    @sites_blp.response(200, SiteSchema)
    @sites_blp.alt_response(404, schema=ErrorSchema, description="No such site")
    @sites_blp.requires_role(*READ_ROLES)
    def get(self, site_id):
        """A site."""
        return service.get_site(get_session(), site_id)

    @sites_blp.arguments(SiteUpdateSchema)
    @sites_blp.response(200, SiteSchema)
    @sites_blp.alt_response(404, schema=ErrorSchema, description="No such site")
    @sites_blp.requires_role(*WRITE_ROLES)
    def patch(self, data, site_id):
        """Change some of a site's fields. A site cannot move to another customer."""
        with unit_of_work() as session:
            return service.update_site(session, site_id=site_id, **data)


@assets_blp.route("/assets")
class Assets(MethodView):
    @assets_blp.arguments(AssetQueryArgsSchema, location="query")
    @assets_blp.response(200, AssetSchema(many=True))
    @assets_blp.paginate()
    @assets_blp.requires_role(*ASSET_READ_ROLES)
    def get(self, args, pagination_parameters):
        """List assets by site, customer, exact serial number or part of the model name."""
        return paginate(get_session(), service.asset_query(**args), pagination_parameters)

    @assets_blp.arguments(AssetCreateSchema)
    @assets_blp.response(201, AssetSchema)
    @assets_blp.alt_response(404, schema=ErrorSchema, description="No such site")
    @assets_blp.alt_response(409, schema=ErrorSchema, description="This model and serial number are registered")
    @assets_blp.alt_response(422, schema=ErrorSchema,
                             description="Invalid input, or the warranty ends before the installation")
    @assets_blp.requires_role(*WRITE_ROLES)
    def post(self, data):
        """Register an asset installed at a site.

        A model and serial number identify one physical unit, so they are unique
        together."""
        with unit_of_work() as session:
            return service.create_asset(session, **data)


@assets_blp.route("/assets/<int:asset_id>")
class AssetById(MethodView):
    @assets_blp.response(200, AssetSchema)
    @assets_blp.alt_response(404, schema=ErrorSchema, description="No such asset")
    @assets_blp.requires_role(*ASSET_READ_ROLES)
    def get(self, asset_id):
        """An asset."""
        return service.get_asset(get_session(), asset_id)

    @assets_blp.arguments(AssetUpdateSchema)
    @assets_blp.response(200, AssetSchema)
    @assets_blp.alt_response(404, schema=ErrorSchema, description="No such asset or site")
    @assets_blp.alt_response(409, schema=ErrorSchema, description="This model and serial number are registered")
    @assets_blp.alt_response(422, schema=ErrorSchema,
                             description="Invalid input, or the warranty ends before the installation")
    @assets_blp.requires_role(*WRITE_ROLES)
    def patch(self, data, asset_id):
        """Change some of an asset's fields, or move it to another site."""
        with unit_of_work() as session:
            return service.update_asset(session, asset_id=asset_id, **data)


@assets_blp.route("/assets/<int:asset_id>/history")
class AssetHistory(MethodView):
    @assets_blp.response(200, AssetHistoryEntrySchema(many=True))
    @assets_blp.alt_response(404, schema=ErrorSchema, description="No such asset")
    @assets_blp.paginate()
    @assets_blp.requires_role(*ASSET_READ_ROLES)
    def get(self, asset_id, pagination_parameters):
        """The asset's service history: the work orders raised against it, newest first."""
        session = get_session()
        service.get_asset(session, asset_id)
        return paginate(session, service.asset_history_query(asset_id=asset_id), pagination_parameters)
