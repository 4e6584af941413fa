"""The links an order's customer was sent, under /api/v1/work-orders/{id}/customer-links."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.customers.models import Contact
from app.db import get_session, unit_of_work
from app.errors import ValidationFailedError
from app.workorders.access import get_visible_order
from customer_links import service
from customer_links.schemas import CustomerLinkSchema, ResendRatingLinkSchema

blp = Blueprint("customer-links", __name__, url_prefix="/api/v1/work-orders/<int:order_id>/customer-links",
                description="Links sent to the customer: the rating link and the tracking link")

READERS = (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER)
SENDERS = (Role.ADMIN, Role.MANAGER, Role.AGENT)


@blp.route("")
class OrderCustomerLinks(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, CustomerLinkSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such order")
    def get(self, order_id):
        """The rating and tracking links the order's customer was sent, newest first, each with
        its state: pending, sent, failing, used, expired or revoked."""
        session = get_session()
        get_visible_order(session, order_id, current_user)
        return service.links_of(session, order_id)


@blp.route("/rating/resend")
class ResendRatingLink(MethodView):
    @blp.requires_role(*SENDERS)
    @blp.arguments(ResendRatingLinkSchema)
    @blp.response(201, CustomerLinkSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order")
    @blp.alt_response(409, schema=ErrorSchema, description=(
        "Not resolved or awaiting feedback (`not_awaiting_feedback`), rated already (`already_rated`), "
        "or nowhere to send it (`no_reachable_contact`)"))
    def post(self, data, order_id):
        """Send the customer a new rating link (the previous one stops working), to the given
        contact or the first reachable one. A resolved order that could not ask for feedback
        before moves on to awaiting feedback."""
        with unit_of_work() as session:
            order = get_visible_order(session, order_id, current_user, for_update=True)
            contact = None
            if data.get("contact_id") is not None:
                contact = session.get(Contact, data["contact_id"])
                if contact is None:
                    raise ValidationFailedError("No such contact", errors={"contact_id": ["no such contact"]})
            return service.resend_rating_link(session, order=order, actor=current_user, contact=contact)
