"""The inbox of the signed-in user under /api/v1/notifications."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint
from app.auth.models import ALL_ROLES
from app.db import get_session, unit_of_work
from app.pagination import paginate
from notifications import service
from notifications.schemas import InboxArgsSchema, MarkReadResultSchema, MarkReadSchema, NotificationSchema

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                description="Notifications: the signed-in user's inbox")


@blp.route("")
class Inbox(MethodView):
    @blp.requires_role(*ALL_ROLES)
    @blp.arguments(InboxArgsSchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """My notifications, newest first (SLA warnings and breaches, automation rules…).
        The `X-Unread-Count` header says how many are unread."""
        session = get_session()
        query = service.inbox(session, current_user, unread_only=args["unread"],
                              work_order_id=args.get("work_order_id"))
        return paginate(session, query, pagination_parameters), 200, {
            "X-Unread-Count": str(service.unread_count(session, current_user))}


@blp.route("/read")
class MarkRead(MethodView):
    @blp.requires_role(*ALL_ROLES)
    @blp.arguments(MarkReadSchema)
    @blp.response(200, MarkReadResultSchema)
    def post(self, data):
        """Mark notifications read: the given `ids` (others' ids are ignored) or `all`."""
        with unit_of_work() as session:
            marked = service.mark_read(session, current_user, None if data["all"] else data["ids"])
            return {"marked": marked, "unread": service.unread_count(session, current_user)}
