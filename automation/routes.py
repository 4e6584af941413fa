"""Automation rules under /api/v1/automation: managers keep them, dispatchers read them
and try them on an order (dry run)."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.pagination import paginate
from app.workorders.access import get_visible_order
from automation import engine, service
from automation.schemas import (DryRunResultSchema, DryRunSchema, ReorderSchema, RuleCreateSchema,
                                RuleQueryArgsSchema, RuleSchema, RuleUpdateSchema, VocabularySchema, vocabulary)

blp = Blueprint("automation", __name__, url_prefix="/api/v1/automation",
                description="Automation rules: when an order's event happens and conditions hold, act")

EDITORS = (Role.MANAGER,)
READERS = (Role.MANAGER, Role.DISPATCHER)
_INVALID_RULE = (
    "Invalid rule (`validation_error`), naming the item: an unknown key, field, operator, priority, status…; "
    "a condition on a fact the trigger's events do not have; an unknown team, site or customer, an unknown "
    "or inactive engineer or user, a skill not in the catalogue")


@blp.route("/rules")
class Rules(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(RuleQueryArgsSchema, location="query")
    @blp.response(200, RuleSchema(many=True))
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid filter (`validation_error`)")
    @blp.paginate(page_size=100)
    def get(self, args, pagination_parameters):
        """List rules in the order they run: by trigger, then position."""
        return paginate(get_session(), service.rule_query(**args), pagination_parameters)

    @blp.requires_role(*EDITORS)
    @blp.arguments(RuleCreateSchema)
    @blp.response(201, RuleSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="The name is taken (`conflict`)")
    @blp.alt_response(422, schema=ErrorSchema, description=_INVALID_RULE)
    def post(self, data):
        """Create a rule: when `trigger` happens to an order and every condition holds, run
        the actions.

        Triggers: `created`, `status_changed`, `sla_warning`, `sla_breach`, `rated`.
        A condition is `{field, op, value}` on a fact of the order (priority, status,
        work_type, channel, customer_tier, customer_id, site_id, site_district, team_id,
        engineer_id, tags, title, description, text, custom_fields.<key>…) or of the event
        (from_status/to_status/transition/reason; sla_target/sla_threshold;
        csat/nps/rating_comment); `keywords` matches any of its words in title and
        description, ignoring case (Chinese too: plain substrings). `GET /automation/vocabulary`
        lists them all.

        Rules run in the same transaction as the event, by position; each that fires
        writes a `rule` event (`rule_applied`) to the order's timeline with what every
        action changed or why it was skipped. Changes made by rules never trigger rules."""
        with unit_of_work() as session:
            return service.save_rule(session, actor=current_user, **data)


@blp.route("/rules/<int:rule_id>")
class RuleById(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, RuleSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such rule")
    def get(self, rule_id):
        """Read one rule."""
        return service.get_rule(get_session(), rule_id)

    @blp.requires_role(*EDITORS)
    @blp.arguments(RuleUpdateSchema)
    @blp.response(200, RuleSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such rule")
    @blp.alt_response(409, schema=ErrorSchema, description="The name is taken (`conflict`)")
    @blp.alt_response(422, schema=ErrorSchema, description=_INVALID_RULE)
    def patch(self, data, rule_id):
        """Change a rule; `conditions` and `actions`, when sent, replace the whole list.
        The rule is checked as a whole again (its conditions against its trigger)."""
        with unit_of_work() as session:
            return service.save_rule(session, service.get_rule(session, rule_id), actor=current_user, **data)

    @blp.requires_role(*EDITORS)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description="No such rule")
    def delete(self, rule_id):
        """Delete a rule. What it did stays in the orders' timelines."""
        with unit_of_work() as session:
            service.delete_rule(session, service.get_rule(session, rule_id))


@blp.route("/rules/reorder")
class RuleOrder(MethodView):
    @blp.requires_role(*EDITORS)
    @blp.arguments(ReorderSchema)
    @blp.response(200, RuleSchema(many=True))
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid body, or the list does not name every rule of the trigger exactly once (`validation_error`)"))
    def post(self, data):
        """Set the order in which a trigger's rules run: list all of them, first to run
        first (their positions become 10, 20, …)."""
        with unit_of_work() as session:
            return service.reorder(session, **data)


@blp.route("/dry-run")
class DryRun(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(DryRunSchema)
    @blp.response(200, DryRunResultSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order (`not_found`)")
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid body, or a fact that the trigger's events do not have (`validation_error`)"))
    def post(self, data):
        """Which rules would fire if `trigger` happened to an order now, and what they would
        do — changing nothing.

        Each rule shows every condition with the order's actual value and whether it
        holds, and the actions it would take (before and after) or skip (and why), in
        order, each seeing what the earlier ones would have changed. Facts of the event
        (`to_status`, `sla_threshold`, `csat`…) may be given; those left out come from the
        order's latest event of that kind (or its rating)."""
        session = get_session()
        order_id, trigger = data.pop("work_order_id"), data.pop("trigger")
        include_inactive = data.pop("include_inactive")
        order = get_visible_order(session, order_id, current_user)
        facts, verdicts = engine.dry_run(session, order=order, trigger=trigger, event_overrides=data,
                                         include_inactive=include_inactive)
        return {"work_order_id": order.id, "trigger": trigger, "facts": facts, "rules": verdicts}


@blp.route("/vocabulary")
class Vocabulary(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, VocabularySchema)
    def get(self):
        """What rules can say: the triggers, every condition field with its kind, operators,
        choices and the triggers whose events carry it, and each action type's fields."""
        return vocabulary()
