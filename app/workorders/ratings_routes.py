"""An order's customer rating under /api/v1/work-orders/{id}/rating."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.errors import NotFoundError
from app.workorders import ratings
from app.workorders.access import get_visible_order
from app.workorders.ratings_schemas import RatingCreateSchema, RatingSchema

blp = Blueprint("work-order-rating", __name__, url_prefix="/api/v1/work-orders/<int:order_id>",
                description="The customer's rating of a visit")

READERS = (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER, Role.CUSTOMER)


@blp.route("/rating")
class OrderRating(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, RatingSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller, or not rated")
    def get(self, order_id):
        """The order's rating, once the customer has given one."""
        session = get_session()
        get_visible_order(session, order_id, current_user)
        rating = ratings.rating_of(session, order_id)
        if rating is None:
            raise NotFoundError("The order has not been rated", work_order_id=order_id)
        return rating

    @blp.requires_role(Role.ADMIN, Role.MANAGER, Role.AGENT)
    @blp.arguments(RatingCreateSchema)
    @blp.response(201, RatingSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller")
    @blp.alt_response(409, schema=ErrorSchema,
                      description="Rated already (`already_rated`) or not resolved yet (`conflict`)")
    def post(self, data, order_id):
        """Take down the customer's rating given on the phone (the rating link does the same
        for the customer). Records a `rated` event; an order awaiting feedback is closed."""
        with unit_of_work() as session:
            order = get_visible_order(session, order_id, current_user, for_update=True)
            return ratings.record_rating(session, order=order, source="agent", recorded_by=current_user, **data)
