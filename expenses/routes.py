"""Expenses in the back office: per work order with totals, and across engineers."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session
from app.pagination import paginate
from app.workorders.access import get_visible_order
from expenses import service
from expenses.schemas import ExpenseQueryArgsSchema, ExpenseSchema, OrderExpensesSchema

blp = Blueprint("expenses", __name__, url_prefix="/api/v1",
                description="Engineers' expenses: travel, tolls, parking")

EXPENSE_ROLES = (Role.MANAGER,)


@blp.route("/work-orders/<int:order_id>/expenses")
class WorkOrderExpenses(MethodView):
    @blp.requires_role(*EXPENSE_ROLES)
    @blp.response(200, OrderExpensesSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order (`not_found`)")
    def get(self, order_id):
        """The order's expenses, oldest first, with totals per kind and currency.

        Each shows who spent it, the amount in minor units, for travel the distance and
        whether it was measured along the GPS track or entered (and the rate when the
        amount was computed), and the receipt. Managers and admins."""
        session = get_session()
        return service.order_expenses(session, order=get_visible_order(session, order_id, current_user))


@blp.route("/expenses")
class Expenses(MethodView):
    @blp.requires_role(*EXPENSE_ROLES)
    @blp.arguments(ExpenseQueryArgsSchema, location="query", unknown=ma.RAISE)
    @blp.response(200, ExpenseSchema(many=True), headers={"X-Expense-Totals": {
        "description": "JSON: the amount per currency of every expense the filters match (all pages)",
        "schema": {"type": "string"}}})
    @blp.alt_response(422, schema=ErrorSchema, description="Bad filters (`validation_error`)")
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Expenses across orders, newest first: by `engineer_id`, `kind`, and days `from`–`to`
        (both included, in the organisation's time zone, on when the expense was spent).

        Paginated (`X-Pagination` holds the count); `X-Expense-Totals` the amounts of all
        matching expenses per currency. Managers and admins."""
        zone = ZoneInfo(current_app.config["ORG_TIMEZONE"])
        query = service.expense_query(
            engineer_id=args.get("engineer_id"), kind=args.get("kind"),
            since=datetime.combine(args["from_"], time(0), tzinfo=zone) if args.get("from_") else None,
            until=datetime.combine(args["to"] + timedelta(days=1), time(0), tzinfo=zone) if args.get("to") else None)
        session = get_session()
        totals = service.amount_totals(session, query)
        return paginate(session, query, pagination_parameters), 200, {"X-Expense-Totals": json.dumps(totals)}
