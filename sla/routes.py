"""The SLA API: business calendars and policies under /api/v1/sla, an order's clocks
under /api/v1/work-orders/{id}/sla."""
from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_jwt_extended import current_user
from sqlalchemy import select

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.errors import ValidationFailedError
from app.workorders.access import get_visible_order
from app.pagination import paginate
from sla import policies, service, sweeper
from sla.models import BusinessCalendar, SlaPolicy
from sla.schemas import (CalendarCreateSchema, CalendarDayPutSchema, CalendarDaySchema, CalendarDaysArgsSchema,
                         CalendarSchema, ClockSchema, PolicyCreateSchema, PolicySchema, PolicyUpdateSchema,
                         SlaEventArgsSchema, SlaEventSchema)

blp = Blueprint("sla", __name__, url_prefix="/api/v1", description="SLA: business calendars, policies and clocks")

EDITORS = (Role.MANAGER,)
READERS = (Role.MANAGER, Role.DISPATCHER, Role.AGENT)


@blp.route("/sla/calendars")
class Calendars(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, CalendarSchema(many=True))
    def get(self):
        """Business calendars (the seeded one is China mainland, with its public holidays)."""
        return get_session().scalars(select(BusinessCalendar).order_by(BusinessCalendar.id)).all()

    @blp.requires_role(*EDITORS)
    @blp.arguments(CalendarCreateSchema)
    @blp.response(201, CalendarSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="The name is taken (`conflict`)")
    def post(self, data):
        """Add a calendar: time zone and working hours per weekday."""
        with unit_of_work() as session:
            return policies.create_calendar(session, **data)


@blp.route("/sla/calendars/<int:calendar_id>/days")
class CalendarDays(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(CalendarDaysArgsSchema, location="query")
    @blp.response(200, CalendarDaySchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such calendar (`not_found`)")
    def get(self, args, calendar_id):
        """Holidays and make-up working days, of one year if asked."""
        session = get_session()
        policies.get_calendar(session, calendar_id)
        return service.calendar_days(session, calendar_id, args.get("year"))


@blp.route("/sla/calendars/<int:calendar_id>/days/<string:day>")
class CalendarDayItem(MethodView):
    @blp.requires_role(*EDITORS)
    @blp.arguments(CalendarDayPutSchema)
    @blp.response(200, CalendarDaySchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such calendar (`not_found`)")
    def put(self, data, calendar_id, day):
        """Make a date a holiday or a make-up working day (调休上班). The deadlines of open
        orders are re-computed."""
        with unit_of_work() as session:
            return policies.set_day(session, calendar_id=calendar_id, day=_date(day), **data)

    @blp.requires_role(*EDITORS)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description="No such calendar day (`not_found`)")
    def delete(self, calendar_id, day):
        """Let the date follow the weekly hours again."""
        with unit_of_work() as session:
            policies.remove_day(session, calendar_id=calendar_id, day=_date(day))


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailedError("The day is YYYY-MM-DD", errors={"day": ["not a date"]}) from None


@blp.route("/sla/policies")
class Policies(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, PolicySchema(many=True))
    def get(self):
        """SLA policies in the order they are tried: the first active one whose conditions
        an order meets applies to it."""
        return get_session().scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)).all()

    @blp.requires_role(*EDITORS)
    @blp.arguments(PolicyCreateSchema)
    @blp.response(201, PolicySchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such calendar (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description="The name is taken (`conflict`)")
    def post(self, data):
        """Add a policy: conditions (customer tiers, priorities, work types, channels; an
        empty list matches any), the hold reasons that pause its clocks, warning thresholds
        and targets for first response (the order leaves `new`), arrival (first check-in)
        and resolution, each in business or calendar time. Open orders are re-computed."""
        with unit_of_work() as session:
            return policies.save_policy(session, **data)


@blp.route("/sla/policies/<int:policy_id>")
class PolicyItem(MethodView):
    @blp.requires_role(*EDITORS)
    @blp.arguments(PolicyUpdateSchema)
    @blp.response(200, PolicySchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such policy or calendar (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description="The name is taken (`conflict`)")
    def patch(self, data, policy_id):
        """Change a policy (targets, when given, replace the old ones). The clocks of open
        orders are re-computed from their logs, keeping their paused time."""
        with unit_of_work() as session:
            return policies.save_policy(session, policies.get_policy(session, policy_id), **data)


@blp.route("/work-orders/<int:order_id>/sla")
class OrderClocks(MethodView):
    @blp.requires_role(*READERS, Role.ENGINEER, Role.PARTNER_ENGINEER)
    @blp.response(200, ClockSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such order visible to the caller")
    def get(self, order_id):
        """The order's SLA clocks: state (running, paused, met, breached, cancelled),
        deadline, running time used and paused time, and the next warning due."""
        session = get_session()
        get_visible_order(session, order_id, current_user)
        return service.clocks_of(session, order_id)


@blp.route("/sla/events")
class SlaEvents(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(SlaEventArgsSchema, location="query")
    @blp.response(200, SlaEventSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Warnings and breaches raised by the sweeper, newest first. Each is raised once per
        clock and threshold, and also appears in the order's timeline (kind `sla`)."""
        return paginate(get_session(), sweeper.sla_events_query(**args), pagination_parameters)
