"""Request and response bodies of the automation rules API.

Conditions and actions are stored as JSON, so they load into plain dicts of JSON values
(enum values as strings), each checked strictly: unknown keys, unknown fields, operators
that do not fit a field and values of the wrong kind are refused with 422, naming the
item by its index (``errors.json.actions.1.priority``).
"""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase
from app.workorders.models import Priority, Status, WorkType
from app.workorders.service import TAG_PATTERN
from automation import conditions as cond
from automation.engine import RECIPIENTS
from automation.models import MAX_ACTIONS, MAX_CONDITIONS, ActionType, Trigger
from sla.clock import TargetKind

MAX_SKILL_LEVEL = 3


def _one_of(enum_cls) -> ma.validate.OneOf:
    return ma.validate.OneOf([member.value for member in enum_cls])


# --- conditions -------------------------------------------------------------------------------

class ConditionSchema(SchemaBase):
    field = ma.fields.String(required=True, metadata={
        "description": "A fact of the order or of the event (see `GET /automation/vocabulary`), "
                       "or `custom_fields.<key>`", "example": "priority"})
    op = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(cond.ALL_OPERATORS)),
                          metadata={"example": "in"})
    value = ma.fields.Raw(allow_none=True, metadata={
        "description": "What to compare with: a value, a list for `in`/`not_in`/`keywords`, "
                       "nothing for `is_set`/`is_not_set`", "example": ["high", "urgent"]})

    @ma.validates_schema
    def _fits_the_field(self, data, **kwargs):
        problems = cond.check_condition(data)
        if problems:
            raise ma.ValidationError(problems)


# --- actions: one schema per type -------------------------------------------------------------

class _ActionBase(SchemaBase):
    type = ma.fields.String(required=True, validate=_one_of(ActionType))


class SetPriorityActionSchema(_ActionBase):
    priority = ma.fields.String(required=True, validate=_one_of(Priority))


class SetWorkTypeActionSchema(_ActionBase):
    work_type = ma.fields.String(required=True, validate=_one_of(WorkType))


class SkillLevelSchema(SchemaBase):
    skill = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    level = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_SKILL_LEVEL))


def _unique_skills(items):
    codes = [item["skill"] for item in items]
    if len(set(codes)) != len(codes):
        raise ma.ValidationError("each skill may appear once")


class SetSkillsActionSchema(_ActionBase):
    skills = ma.fields.List(ma.fields.Nested(SkillLevelSchema), required=True,
                            validate=[ma.validate.Length(min=1, max=20), _unique_skills])
    mode = ma.fields.String(load_default="merge", validate=ma.validate.OneOf(["merge", "replace"]), metadata={
        "description": "`merge` adds the skills (raising lower levels), `replace` makes them the whole list"})


class AssignTeamActionSchema(_ActionBase):
    team_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))


class AssignEngineerActionSchema(_ActionBase):
    engineer_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    lead_time_min = ma.fields.Integer(load_default=60, strict=True, validate=ma.validate.Range(min=0, max=7 * 24 * 60),
                                      metadata={"description": "The visit starts at the customer's window, or this "
                                                               "long from now when the window is sooner or unset"})


class TagActionSchema(_ActionBase):
    tag = ma.fields.String(required=True, validate=ma.validate.Regexp(TAG_PATTERN, error="not a tag"))


class NotifyActionSchema(_ActionBase):
    to = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(RECIPIENTS)), required=True,
                        validate=ma.validate.Length(min=1, max=len(RECIPIENTS)))
    user_ids = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1)),
                              validate=ma.validate.Length(min=1, max=50),
                              metadata={"description": "With `to: [\"users\"]`: whom"})
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200), metadata={
        "description": "Placeholders {number}, {title}, {priority}, {status}, {work_type}, {customer}, {rule}"})
    message = ma.fields.String(validate=ma.validate.Length(min=1, max=2000))

    @ma.validates_schema
    def _users_named(self, data, **kwargs):
        if len(set(data.get("to", []))) != len(data.get("to", [])):
            raise ma.ValidationError("each recipient may appear once", "to")
        if ("users" in data.get("to", [])) != bool(data.get("user_ids")):
            raise ma.ValidationError("`user_ids` goes with `to: [\"users\"]`, and only with it", "user_ids")


class CreateFollowUpActionSchema(_ActionBase):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200), metadata={
        "description": "Placeholders as for notify", "example": "Follow-up of {number}: {title}"})
    description = ma.fields.String(validate=ma.validate.Length(max=2000))
    work_type = ma.fields.String(validate=_one_of(WorkType), metadata={"description": "Default: the parent's"})
    priority = ma.fields.String(validate=_one_of(Priority), metadata={"description": "Default: the parent's"})
    copy_asset = ma.fields.Boolean(load_default=True)
    copy_skills = ma.fields.Boolean(load_default=True)


ACTION_SCHEMAS: dict[str, type[_ActionBase]] = {
    ActionType.SET_PRIORITY.value: SetPriorityActionSchema,
    ActionType.SET_WORK_TYPE.value: SetWorkTypeActionSchema,
    ActionType.SET_SKILLS.value: SetSkillsActionSchema,
    ActionType.ASSIGN_TEAM.value: AssignTeamActionSchema,
    ActionType.ASSIGN_ENGINEER.value: AssignEngineerActionSchema,
    ActionType.ADD_TAG.value: TagActionSchema,
    ActionType.REMOVE_TAG.value: TagActionSchema,
    ActionType.NOTIFY.value: NotifyActionSchema,
    ActionType.CREATE_FOLLOW_UP.value: CreateFollowUpActionSchema,
}
assert set(ACTION_SCHEMAS) == {t.value for t in ActionType}

_ACTIONS_DOC = (
    "An object with `type` and that type's fields: "
    "`set_priority {priority}`, `set_work_type {work_type}`, "
    "`set_skills {skills: [{skill, level}], mode: merge|replace}`, `assign_team {team_id}`, "
    "`assign_engineer {engineer_id, lead_time_min}` (new orders only, through the lifecycle's assign), "
    "`add_tag {tag}`, `remove_tag {tag}`, "
    "`notify {to: [assigned_engineer|team_lead|dispatchers|managers|users], user_ids?, title?, message?}`, "
    "`create_follow_up {title, description?, work_type?, priority?, copy_asset, copy_skills}`.")


class ActionField(ma.fields.Field):
    """One action, checked by the schema of its `type`."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"type": "object", "description": _ACTIONS_DOC,
                                   "example": {"type": "set_priority", "priority": "urgent"}}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ma.ValidationError("An action is an object with a `type`")
        schema = ACTION_SCHEMAS.get(value.get("type"))
        if schema is None:
            raise ma.ValidationError({"type": [f"unknown action type {value.get('type')!r}; one of "
                                               + ", ".join(ACTION_SCHEMAS)]})
        return schema().load(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


# --- rules ------------------------------------------------------------------------------------

class RuleCreateSchema(SchemaBase):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    position = ma.fields.Integer(strict=True, load_default=100, validate=ma.validate.Range(min=0, max=100_000),
                                 metadata={"description": "Rules of a trigger run by ascending position"})
    is_active = ma.fields.Boolean(load_default=True)
    trigger = ma.fields.Enum(Trigger, by_value=True, required=True)
    conditions = ma.fields.List(ma.fields.Nested(ConditionSchema), load_default=list,
                                validate=ma.validate.Length(max=MAX_CONDITIONS),
                                metadata={"description": "All must hold; none: the rule fires on every event"})
    actions = ma.fields.List(ActionField(), required=True, validate=ma.validate.Length(min=1, max=MAX_ACTIONS),
                             metadata={"description": "Run in this order"})
    stop_processing = ma.fields.Boolean(load_default=False, metadata={
        "description": "When this rule fires, the rules after it are skipped for that event"})

    @ma.validates_schema
    def _conditions_fit_the_trigger(self, data, **kwargs):
        if "trigger" in data and "conditions" in data:
            problems = cond.check_conditions(data["conditions"], data["trigger"])
            if problems:
                raise ma.ValidationError({"conditions": problems})


class RuleUpdateSchema(RuleCreateSchema):
    """Only the fields sent change; conditions and actions replace the whole list."""

    def __init__(self, **kwargs):
        # Partial: nothing is required, and defaults are not filled in for fields left out.
        super().__init__(partial=True, **kwargs)

    @ma.validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("send at least one field to change")


class RuleSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    position = ma.fields.Integer()
    is_active = ma.fields.Boolean()
    trigger = ma.fields.Enum(Trigger, by_value=True)
    conditions = ma.fields.List(ma.fields.Dict())
    actions = ma.fields.List(ma.fields.Dict())
    stop_processing = ma.fields.Boolean()
    created_by_id = ma.fields.Integer(allow_none=True)
    updated_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class RuleQueryArgsSchema(SchemaBase):
    trigger = ma.fields.Enum(Trigger, by_value=True)
    active = ma.fields.Boolean()


class ReorderSchema(SchemaBase):
    trigger = ma.fields.Enum(Trigger, by_value=True, required=True)
    rule_ids = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1)), required=True,
                              validate=ma.validate.Length(min=1, max=1000),
                              metadata={"description": "Every rule of the trigger, once, first to run first"})


# --- dry run ----------------------------------------------------------------------------------

class DryRunSchema(SchemaBase):
    work_order_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    trigger = ma.fields.Enum(Trigger, by_value=True, required=True)
    include_inactive = ma.fields.Boolean(load_default=False, metadata={
        "description": "Also try inactive rules (to test one before switching it on)"})
    # Facts of the event; those not given come from the order's latest event of the kind.
    from_status = ma.fields.String(validate=_one_of(Status))
    to_status = ma.fields.String(validate=_one_of(Status))
    transition = ma.fields.String(validate=ma.validate.OneOf(cond.FIELDS["transition"].choices))
    reason = ma.fields.String(validate=ma.validate.OneOf(cond.FIELDS["reason"].choices))
    sla_target = ma.fields.String(validate=_one_of(TargetKind))
    sla_threshold = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=1000))
    csat = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=5))
    nps = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=10))
    rating_comment = ma.fields.String(validate=ma.validate.Length(max=2000))

    @ma.validates_schema
    def _facts_of_the_trigger(self, data, **kwargs):
        trigger = data.get("trigger")
        wrong = [name for name in data if name in cond.FIELDS and trigger not in cond.FIELDS[name].triggers]
        if trigger is not None and wrong:
            raise ma.ValidationError({name: [f"not a fact of {trigger.value} events"] for name in wrong})


class ConditionResultSchema(ma.Schema):
    field = ma.fields.String()
    op = ma.fields.String()
    value = ma.fields.Raw()
    actual = ma.fields.Raw(metadata={"description": "The order's or event's value (null when missing)"})
    holds = ma.fields.Boolean()


class RuleVerdictSchema(ma.Schema):
    rule_id = ma.fields.Integer(attribute="rule.id")
    name = ma.fields.String(attribute="rule.name")
    position = ma.fields.Integer(attribute="rule.position")
    is_active = ma.fields.Boolean(attribute="rule.is_active")
    stop_processing = ma.fields.Boolean(attribute="rule.stop_processing")
    reached = ma.fields.Boolean(metadata={"description": "false: an earlier rule that fires stops processing"})
    fires = ma.fields.Boolean()
    conditions = ma.fields.List(ma.fields.Nested(ConditionResultSchema))
    actions = ma.fields.List(ma.fields.Dict(), metadata={"description": "What it would do: type, before, after"})
    skipped = ma.fields.List(ma.fields.Dict(), metadata={"description": "Actions it would skip, and why"})


class DryRunResultSchema(ma.Schema):
    work_order_id = ma.fields.Integer()
    trigger = ma.fields.Enum(Trigger, by_value=True)
    facts = ma.fields.Dict(metadata={"description": "The facts the conditions were evaluated against"})
    rules = ma.fields.List(ma.fields.Nested(RuleVerdictSchema))


# --- vocabulary -------------------------------------------------------------------------------

class FieldDocSchema(ma.Schema):
    name = ma.fields.String()
    kind = ma.fields.String()
    description = ma.fields.String()
    operators = ma.fields.List(ma.fields.String())
    choices = ma.fields.List(ma.fields.String())
    triggers = ma.fields.List(ma.fields.String(), allow_none=True,
                              metadata={"description": "null: any trigger"})


class VocabularySchema(ma.Schema):
    triggers = ma.fields.List(ma.fields.String())
    fields = ma.fields.List(ma.fields.Nested(FieldDocSchema))
    actions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                             metadata={"description": "Each action type and its fields"})
    recipients = ma.fields.List(ma.fields.String())


def vocabulary() -> dict:
    """What rules may say: triggers, condition fields with their operators, action types."""
    fields = [{"name": name, "kind": spec.kind.value, "description": spec.description,
               "operators": sorted(cond.OPERATORS[spec.kind]), "choices": list(spec.choices),
               "triggers": sorted(t.value for t in spec.triggers) if spec.triggers is not None else None}
              for name, spec in cond.FIELDS.items()]
    fields.append({"name": "custom_fields.<key>", "kind": cond.Kind.CUSTOM.value,
                   "description": cond.CUSTOM_FIELD.description,
                   "operators": sorted(cond.OPERATORS[cond.Kind.CUSTOM]), "choices": [], "triggers": None})
    actions = {name: [f for f in schema().fields if f != "type"] for name, schema in ACTION_SCHEMAS.items()}
    return {"triggers": [t.value for t in Trigger], "fields": fields, "actions": actions,
            "recipients": list(RECIPIENTS)}
