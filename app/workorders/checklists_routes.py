"""Checklists (SOP) in the back office: managers publish versions per work type, the
back office reads them, and the consoles show an order's checklist with its answers."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.pagination import paginate
from app.workorders import checklists
from app.workorders.access import get_visible_order
from app.workorders.checklists_schemas import (ChecklistPublishSchema, ChecklistQueryArgsSchema, ChecklistSchema,
                                               DeactivateSchema, OrderChecklistSchema)

blp = Blueprint("checklists", __name__, url_prefix="/api/v1",
                description="Checklists (SOP) per work type, versioned; an order's checklist and answers")

READERS = (Role.AGENT, Role.DISPATCHER, Role.MANAGER)
PUBLISHERS = (Role.MANAGER,)
# Everyone who may see an order, but its customer: answers and notes are the company's own.
ORDER_VIEWERS = tuple(role for role in Role if role is not Role.CUSTOMER)


@blp.route("/checklists")
class Checklists(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(ChecklistQueryArgsSchema, location="query", unknown=ma.RAISE)
    @blp.response(200, ChecklistSchema(many=True))
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown or invalid query arguments (`validation_error`)")
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List checklists by work type, newest version first: the active ones unless
        `include_inactive` is true."""
        query = checklists.checklists_query(work_type=args.get("work_type"),
                                            include_inactive=args["include_inactive"])
        return paginate(get_session(), query, pagination_parameters)

    @blp.requires_role(*PUBLISHERS)
    @blp.arguments(ChecklistPublishSchema)
    @blp.response(201, ChecklistSchema)
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid body or items (`validation_error`; per item index under `errors.items`: bad or "
        "duplicate keys, min_value above max_value, a range or unit on an item that is not a number)"))
    def post(self, data):
        """Publish the next version of a work type's checklist.

        It becomes the work type's active version (version numbers count up from 1 per work
        type); the version it replaces is switched off. Published versions never change:
        publish again to change a checklist. Orders already answered against an older version
        keep it; orders not answered yet get the new one."""
        with unit_of_work() as session:
            return checklists.publish_checklist(session, actor=current_user, **data)


@blp.route("/checklists/<int:checklist_id>")
class ChecklistById(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, ChecklistSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such checklist (`not_found`)")
    def get(self, checklist_id):
        """Read one checklist version with its items."""
        return checklists.get_checklist(get_session(), checklist_id)


@blp.route("/checklists/<int:checklist_id>/deactivate")
class ChecklistDeactivation(MethodView):
    @blp.requires_role(*PUBLISHERS)
    @blp.arguments(DeactivateSchema)
    @blp.response(200, ChecklistSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such checklist (`not_found`)")
    def post(self, data, checklist_id):
        """Switch a checklist version off.

        Orders of its work type that have no answers yet then have no checklist (and are not
        held back from resolving) until a version is published; orders answered against it
        keep it. Switching off a version that is already off changes nothing."""
        with unit_of_work() as session:
            checklist = checklists.get_checklist(session, checklist_id)
            return checklists.deactivate_checklist(session, checklist=checklist)


@blp.route("/work-orders/<int:order_id>/checklist")
class OrderChecklist(MethodView):
    @blp.requires_role(*ORDER_VIEWERS)
    @blp.response(200, OrderChecklistSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=(
        "No such order visible to the caller (`not_found`), or the order has no checklist (`no_checklist`)"))
    def get(self, order_id):
        """An order's checklist with the engineer's answers.

        The version the order is pinned to (from its first answer on), else its work type's
        active version; `missing` lists the required items not done, which hold back
        resolving the order."""
        session = get_session()
        order = get_visible_order(session, order_id, current_user)
        return checklists.checklist_for_order(session, order=order)
