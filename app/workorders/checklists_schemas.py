"""Bodies of checklists: publishing a version, reading one, an order's checklist with its
answers (the back office and the phone show the same), and answers from the phone."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.api import SchemaBase
from app.workorders.checklist_models import ChecklistItemKind
from app.workorders.checklists import MAX_ITEMS, MAX_TEXT_LENGTH, AnswersRecorded, ChecklistView, is_done
from app.workorders.models import WorkType

VALUE_DESCRIPTION = (
    "Typed by the item's kind: `check` true or false; `number` a number within the item's range; "
    f"`text` at most {MAX_TEXT_LENGTH} characters; `photo` the id of an image attachment of this job. "
    "`null` clears the answer.")


class ChecklistItemInSchema(SchemaBase):
    key = ma.fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": "^[a-z][a-z0-9_]{0,39}$, unique within the checklist",
                                     "example": "power_isolated"})
    label_zh = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                                metadata={"example": "断电确认"})
    label_en = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                                metadata={"example": "Power isolated"})
    kind = ma.fields.Enum(ChecklistItemKind, by_value=True, required=True)
    required = ma.fields.Boolean(load_default=False, metadata={
        "description": "Resolving waits for it; a required `check` must be answered true"})
    min_value = ma.fields.Float(allow_none=True, allow_nan=False,
                                metadata={"description": "Number items: the lowest accepted reading"})
    max_value = ma.fields.Float(allow_none=True, allow_nan=False,
                                metadata={"description": "Number items: the highest accepted reading"})
    unit = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=20),
                            metadata={"description": "Number items: the unit of the reading", "example": "°C"})


class ChecklistPublishSchema(SchemaBase):
    work_type = ma.fields.Enum(WorkType, by_value=True, required=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                            metadata={"example": "报修作业检查表 Repair checklist"})
    items = ma.fields.List(ma.fields.Nested(ChecklistItemInSchema), required=True,
                           validate=validate.Length(min=1, max=MAX_ITEMS))


class ChecklistQueryArgsSchema(ma.Schema):
    work_type = ma.fields.Enum(WorkType, by_value=True)
    include_inactive = ma.fields.Boolean(load_default=False, metadata={
        "description": "Also list versions that were replaced or switched off"})


class DeactivateSchema(SchemaBase):
    """No fields: the checklist is named in the path."""


class ChecklistItemSchema(ma.Schema):
    position = ma.fields.Integer()
    key = ma.fields.String()
    label_zh = ma.fields.String()
    label_en = ma.fields.String()
    kind = ma.fields.Enum(ChecklistItemKind, by_value=True)
    required = ma.fields.Boolean()
    min_value = ma.fields.Float(allow_none=True)
    max_value = ma.fields.Float(allow_none=True)
    unit = ma.fields.String(allow_none=True)


class ChecklistSchema(ma.Schema):
    id = ma.fields.Integer()
    work_type = ma.fields.Enum(WorkType, by_value=True)
    version = ma.fields.Integer()
    name = ma.fields.String()
    is_active = ma.fields.Boolean()
    published_at = ma.fields.AwareDateTime()
    published_by_id = ma.fields.Integer(allow_none=True)
    deactivated_at = ma.fields.AwareDateTime(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(ChecklistItemSchema))


class AnswerSchema(ma.Schema):
    value = ma.fields.Raw(allow_none=True, metadata={"description": VALUE_DESCRIPTION})
    device_time = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "When the phone says it was answered"})
    answered_at = ma.fields.AwareDateTime(metadata={"description": "When the server received it"})
    answered_by_id = ma.fields.Integer()


class OrderChecklistItemSchema(ChecklistItemSchema):
    answer = ma.fields.Nested(AnswerSchema, allow_none=True, metadata={"description": "null: not answered"})
    done = ma.fields.Boolean(metadata={"description": "Answered (a check item: answered true)"})


class OrderChecklistSchema(ma.Schema):
    work_order_id = ma.fields.Integer()
    checklist_id = ma.fields.Integer()
    version = ma.fields.Integer()
    name = ma.fields.String()
    work_type = ma.fields.Enum(WorkType, by_value=True)
    pinned = ma.fields.Boolean(metadata={
        "description": "The job is bound to this version (from its first answer on); while false "
                       "it shows the active version, which a newer one may still replace"})
    complete = ma.fields.Boolean(metadata={"description": "Every required item is done: the job may be resolved"})
    missing = ma.fields.List(ma.fields.String(), metadata={"description": "Keys of required items not done"})
    items = ma.fields.List(ma.fields.Nested(OrderChecklistItemSchema))

    @ma.pre_dump
    def _flatten(self, view: ChecklistView, **kwargs) -> dict[str, Any]:
        return _view_as_dict(view)


class AnswersRecordedSchema(OrderChecklistSchema):
    changed = ma.fields.List(ma.fields.String(), metadata={"description": "Item keys whose answer changed"})
    stale = ma.fields.List(ma.fields.String(), metadata={
        "description": "Item keys left as they were: the stored answer is newer (by device time)"})

    @ma.pre_dump
    def _flatten(self, recorded: AnswersRecorded, **kwargs) -> dict[str, Any]:
        return {**_view_as_dict(recorded.view), "changed": list(recorded.changed), "stale": list(recorded.stale)}


def _view_as_dict(view: ChecklistView) -> dict[str, Any]:
    items = []
    for item in view.items:
        answer = view.answers.get(item.key)
        items.append({"position": item.position, "key": item.key, "label_zh": item.label_zh,
                      "label_en": item.label_en, "kind": item.kind, "required": item.required,
                      "min_value": item.min_value, "max_value": item.max_value, "unit": item.unit,
                      "answer": answer, "done": is_done(item, answer)})
    return {"work_order_id": view.work_order_id, "checklist_id": view.checklist_id, "version": view.version,
            "name": view.checklist.name, "work_type": view.checklist.work_type, "pinned": view.pinned,
            "complete": view.complete, "missing": list(view.missing), "items": items}


class AnswerInSchema(SchemaBase):
    item_key = ma.fields.String(required=True, validate=validate.Length(min=1, max=40))
    value = ma.fields.Raw(required=True, allow_none=True, metadata={"description": VALUE_DESCRIPTION})


class ChecklistAnswersSchema(SchemaBase):
    device_time = ma.fields.AwareDateTime(load_default=None, metadata={
        "description": "When the engineer answered, by the phone's clock (with offset): an answer older "
                       "than the one stored does not replace it"})
    version = ma.fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={
        "description": "The checklist version the phone showed; the first answer pins the job to it"})
    answers = ma.fields.List(ma.fields.Nested(AnswerInSchema), required=True,
                             validate=validate.Length(min=1, max=MAX_ITEMS))
