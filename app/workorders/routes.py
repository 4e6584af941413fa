"""Work orders (intake, search, editing), their templates and the orders map layer.

Status changes, notes and attachments have their own routes (`app.workorders.lifecycle`,
`app.workorders.notes`).
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask.views import MethodView
from flask_jwt_extended import current_user
from sqlalchemy import select

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.pagination import paginate
from app.workorders import service, templates
from app.workorders.access import get_visible_order
from app.workorders.etag import order_etag_data
from app.workorders.models import WorkOrderTemplate
from app.workorders.schemas import (OrderFeatureCollectionSchema, OrderMapQueryArgsSchema,
                                    WorkOrderCreateSchema, WorkOrderQueryArgsSchema, WorkOrderSchema,
                                    WorkOrderTemplateCreateSchema, WorkOrderTemplateQueryArgsSchema,
                                    WorkOrderTemplateSchema, WorkOrderTemplateUpdateSchema,
                                    WorkOrderUpdateSchema)

blp = Blueprint("work_orders", __name__, url_prefix="/api/v1/work-orders",
                description="Work orders: intake, search and editing")
templates_blp = Blueprint("work_order_templates", __name__, url_prefix="/api/v1/work-order-templates",
                          description="Custom fields per work type")
map_blp = Blueprint("work_order_map", __name__, url_prefix="/api/v1/map",
                    description="Map layers of work orders (GeoJSON)")

BLUEPRINTS = (blp, templates_blp, map_blp)

EDITORS = (Role.AGENT, Role.DISPATCHER, Role.MANAGER)
_SEARCH_FILTERS = {"status": "statuses", "priority": "priorities", "work_type": "work_types",
                   "channel": "channels", "q": "text"}


@blp.route("")
class WorkOrders(MethodView):
    @blp.requires_role(*Role)
    @blp.arguments(WorkOrderQueryArgsSchema, location="query")
    @blp.response(200, WorkOrderSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Search work orders.

        Every filter narrows the result; repeat `status` (and `priority`, `work_type`,
        `channel`) to accept several values. `bbox` keeps orders whose site lies in the
        box. Urgent orders come first, then the oldest. Callers only ever see the orders
        their role may see: engineers their own, partner engineers their company's,
        customers their own customer's."""
        filters = {_SEARCH_FILTERS.get(name, name): value for name, value in args.items()}
        query = service.search_query(actor=current_user, **filters)
        return paginate(get_session(), query, pagination_parameters)

    @blp.requires_role(Role.AGENT, Role.DISPATCHER, Role.MANAGER, Role.CUSTOMER)
    @blp.etag
    @blp.arguments(WorkOrderCreateSchema)
    @blp.response(201, WorkOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema,
                      description="Customer, site, asset, parent order or team unknown (`not_found`)")
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid body (`validation_error`, custom fields per key under `errors.custom_fields`), "
        "site of another customer (`site_mismatch`), asset not at the site (`asset_mismatch`), "
        "parent of another customer (`parent_mismatch`), skill not in the catalogue (`unknown_skill`)"))
    def post(self, data):
        """Open a work order.

        The order starts as `new` with the next number (`WO-YYYY-NNNNNN`). `custom_fields`
        must fit the active template of the work type (an empty object when there is none).
        A customer files for its own customer only: `customer_id` may be left out, and the
        channel is always `web`, and team and tags are left to the back office (403).
        Automation rules for `created` run in the same transaction, so the answer shows what
        they changed. The answer carries the order's `ETag` for later edits."""
        with unit_of_work() as session:
            order = service.create_work_order(session, actor=current_user, **data)
            blp.set_etag(order_etag_data(order))
        return order, 201, {"Location": url_for("work_orders.WorkOrderById", order_id=order.id)}


@blp.route("/<int:order_id>")
class WorkOrderById(MethodView):
    @blp.requires_role(*Role)
    @blp.etag
    @blp.response(200, WorkOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order, or not visible to the caller")
    def get(self, order_id):
        """Read one work order.

        The `ETag` header is the order's version: send it back as `If-Match` to edit it.
        With `If-None-Match` set to the current tag the answer is 304."""
        order = service.get_work_order(get_session(), actor=current_user, order_id=order_id)
        blp.set_etag(order_etag_data(order))
        return order

    @blp.requires_role(*EDITORS)
    @blp.etag
    @blp.arguments(WorkOrderUpdateSchema)
    @blp.response(200, WorkOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order, asset or team (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description=(
        "The order is closed or cancelled (`order_closed`); only its tags may still change"))
    @blp.alt_response(412, schema=ErrorSchema,
                      description="The order changed since the `If-Match` tag was read (`precondition_failed`)")
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid body, or a field not editable here such as `status` (`validation_error`), "
        "asset not at the site (`asset_mismatch`), unknown skill (`unknown_skill`)"))
    @blp.alt_response(428, schema=ErrorSchema, description="`If-Match` header missing (`precondition_required`)")
    def patch(self, data, order_id):
        """Edit a work order's description, priority, skills, window, custom fields, team or tags.

        Send `If-Match` with the order's current `ETag`. Only the fields sent change;
        `null` clears `asset_id`, `window` or `team_id`; `required_skills`, `custom_fields`
        and `tags` replace the whole list or object. A new `work_type` checks the custom
        fields against that type's template. Status, engineer and schedule change through
        the lifecycle actions. The change is recorded as an `updated` event with old and
        new values. A closed or cancelled order may still have its tags changed."""
        with unit_of_work() as session:
            # Locked before the tag is compared: of two edits made from the same tag,
            # the second waits, then sees the new version and gets 412.
            order = get_visible_order(session, order_id, current_user, for_update=True)
            blp.check_etag(order_etag_data(order))
            service.update_work_order(session, order=order, actor=current_user, changes=data)
            blp.set_etag(order_etag_data(order))
        return order


@blp.route("/<int:order_id>/children")
class WorkOrderChildren(MethodView):
    @blp.requires_role(*Role)
    @blp.response(200, WorkOrderSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such order, or not visible to the caller")
    @blp.paginate()
    def get(self, order_id, pagination_parameters):
        """List the child orders of a work order (follow-up visits, split jobs), oldest first."""
        session = get_session()
        query = service.child_orders_query(session, actor=current_user, order_id=order_id)
        return paginate(session, query, pagination_parameters)


@templates_blp.route("")
class WorkOrderTemplates(MethodView):
    @templates_blp.requires_role(*EDITORS)
    @templates_blp.arguments(WorkOrderTemplateQueryArgsSchema, location="query")
    @templates_blp.response(200, WorkOrderTemplateSchema(many=True))
    @templates_blp.paginate()
    def get(self, args, pagination_parameters):
        """List work-order templates, active and retired, by work type then newest first."""
        query = select(WorkOrderTemplate).order_by(WorkOrderTemplate.work_type, WorkOrderTemplate.id.desc())
        if "work_type" in args:
            query = query.where(WorkOrderTemplate.work_type == args["work_type"])
        if "is_active" in args:
            query = query.where(WorkOrderTemplate.is_active.is_(args["is_active"]))
        return paginate(get_session(), query, pagination_parameters)

    @templates_blp.requires_role(Role.MANAGER)
    @templates_blp.arguments(WorkOrderTemplateCreateSchema)
    @templates_blp.response(201, WorkOrderTemplateSchema)
    @templates_blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid body or field definitions (`validation_error`, per field index under `errors.fields`)"))
    def post(self, data):
        """Create a template of custom fields for a work type.

        Field keys are unique and match `^[a-z][a-z0-9_]{0,39}$`; `choice` and
        `multi_choice` fields list their `choices`, other kinds have none. An active
        template (the default) replaces the type's active one, which is kept, retired:
        orders filled against it still point at it."""
        with unit_of_work() as session:
            return templates.create_template(session, **data)


@templates_blp.route("/<int:template_id>")
class WorkOrderTemplateById(MethodView):
    @templates_blp.requires_role(*EDITORS)
    @templates_blp.response(200, WorkOrderTemplateSchema)
    @templates_blp.alt_response(404, schema=ErrorSchema, description="No such template")
    def get(self, template_id):
        """Read one work-order template."""
        return templates.get_template(get_session(), template_id)

    @templates_blp.requires_role(Role.MANAGER)
    @templates_blp.arguments(WorkOrderTemplateUpdateSchema)
    @templates_blp.response(200, WorkOrderTemplateSchema)
    @templates_blp.alt_response(404, schema=ErrorSchema, description="No such template")
    def patch(self, data, template_id):
        """Rename a template, or retire or reactivate it.

        Reactivating retires the type's current active template. The fields of a
        template never change; create a new template instead."""
        with unit_of_work() as session:
            template = templates.get_template(session, template_id)
            return templates.update_template(session, template=template, **data)


@map_blp.route("/work-orders")
class WorkOrdersMap(MethodView):
    @map_blp.requires_role(Role.DISPATCHER, Role.MANAGER, Role.AGENT, Role.ENGINEER, Role.PARTNER_ENGINEER)
    @map_blp.arguments(OrderMapQueryArgsSchema, location="query")
    @map_blp.response(200, OrderFeatureCollectionSchema)
    def get(self, args):
        """The work orders of one day as a GeoJSON FeatureCollection, one Point per order
        at its site.

        An order belongs to the day (in the organisation's time zone) its visit is
        scheduled to start, or, while unscheduled, the day its appointment window opens.
        Cancelled orders are left out unless asked for with `status`. Engineers and
        partner engineers see only the orders scheduled to them or their company."""
        zone = ZoneInfo(current_app.config["ORG_TIMEZONE"])
        orders = service.orders_of_day(get_session(), actor=current_user, day=args["date"], zone=zone,
                                       statuses=args.get("status", ()))
        return {"features": [{"id": order.id, "geometry": order.site.location, "properties": order}
                             for order in orders]}
