"""Expenses of a job, filed from the engineer's phone."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import FIELD_ROLES
from app.db import get_session, unit_of_work
from app.engineers.service import engineer_of_user
from app.idempotency.web import IDEMPOTENCY_KEY_PARAMETER, idempotent
from app.workorders.access import get_field_order
from expenses import service
from expenses.schemas import ExpenseCreateSchema, ExpenseSchema, OrderExpensesSchema

blp = Blueprint("mobile-expenses", __name__, url_prefix="/mobile/v1",
                description="Expenses: travel, tolls, parking, with receipts")


@blp.route("/jobs/<int:job_id>/expenses")
class JobExpenses(MethodView):
    @blp.requires_role(*FIELD_ROLES)
    @blp.response(200, OrderExpensesSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such job (`not_found`)")
    def get(self, job_id):
        """The job's expenses, oldest first, with totals per kind. Only my jobs (partner
        engineers: their company's); another's job is 403."""
        session = get_session()
        return service.order_expenses(session, order=get_field_order(session, job_id, current_user))

    @blp.requires_role(*FIELD_ROLES)
    @idempotent
    @blp.arguments(ExpenseCreateSchema)
    @blp.response(201, ExpenseSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such job (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description=(
        "The job is not under way (new, assigned, accepted) or was cancelled (`expense_not_allowed`)"))
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "Bad input (`validation_error`); a travel distance that cannot be measured, so it must be entered "
        "(`no_gps_track`); a receipt that is not an image or PDF of this job (`invalid_receipt`)"))
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def post(self, data, job_id):
        """File an expense for my job: `travel`, `toll`, `parking` or `other`.

        Travel without `distance_m` is measured along my GPS pings between starting travel
        and checking in; without `amount_cents` it is paid at the mileage rate. Tolls,
        parking and other need an amount; a receipt photo (an attachment of this job) is
        recommended. Allowed from starting travel until the job is closed, not on
        cancelled jobs. The job's timeline records an `expense` event. Send an
        `Idempotency-Key`: a retry then files nothing new."""
        with unit_of_work() as session:
            order = get_field_order(session, job_id, current_user, for_update=True)
            engineer = engineer_of_user(session, current_user)
            return service.add_expense(session, order=order, engineer=engineer, actor=current_user,
                                       mileage_rate_cents_per_km=current_app.config["MILEAGE_RATE_CENTS_PER_KM"],
                                       **data)
