"""Work-order templates: the custom fields each work type asks for.

A template's `fields` is a list of ``{key, label, kind, required, choices?, min_value?,
max_value?}``: choices for choice kinds, an optional range for numbers. At most one
template per work type is active; new orders of that type fill its fields. Older
templates stay (orders keep pointing at the one they were filled against).

`clean_field_definitions` and `validate_custom_fields` are pure; the functions below
them read and write the database (flush only).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, ValidationFailedError
from app.workorders.models import FieldKind, WorkOrderTemplate, WorkType

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def new_key_problem(key: Any, seen_keys: set[str]) -> str | None:
    """What is wrong with `key` as the next key of a list of fields or items (a slug, not
    seen before), or None — then it is added to `seen_keys`."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        return f"must match {KEY_PATTERN.pattern}"
    if key in seen_keys:
        return f"duplicate key {key!r}"
    seen_keys.add(key)
    return None
CHOICE_KINDS = frozenset({FieldKind.CHOICE, FieldKind.MULTI_CHOICE})
MAX_TEXT_LENGTH = 2000
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- pure rules -------------------------------------------------------------------------------

def clean_field_definitions(fields: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check a template's field definitions and return them in their stored shape.

    Raises ValidationFailedError with errors per list index, e.g.
    ``{"fields": {1: {"key": ["duplicate key 'floor'"]}}}``."""
    errors: dict[int, dict[str, list[str]]] = {}
    cleaned: list[dict[str, Any]] = []
    seen_keys: set[str] = set()
    for index, field in enumerate(fields):
        problems: dict[str, list[str]] = {}
        key = field.get("key")
        if key_problem := new_key_problem(key, seen_keys):
            problems["key"] = [key_problem]

        label = field.get("label")
        if not isinstance(label, str) or not label.strip():
            problems["label"] = ["must be a non-empty string"]

        try:
            kind = FieldKind(field.get("kind"))
        except ValueError:
            kind = None
            problems["kind"] = [f"must be one of {', '.join(k.value for k in FieldKind)}"]

        choices = field.get("choices")
        if kind in CHOICE_KINDS:
            if not choices or not all(isinstance(c, str) and c.strip() for c in choices):
                problems["choices"] = ["a choice field needs a non-empty list of non-empty strings"]
            elif len(set(choices)) != len(choices):
                problems["choices"] = ["choices must be unique"]
        elif choices:
            problems["choices"] = ["only choice and multi_choice fields have choices"]

        bounds = {name: field.get(name) for name in ("min_value", "max_value") if field.get(name) is not None}
        if bounds and kind is not FieldKind.NUMBER:
            for name in bounds:
                problems[name] = ["only number fields have a range"]
        elif not all(_is_number(value) for value in bounds.values()):
            for name, value in bounds.items():
                if not _is_number(value):
                    problems[name] = ["must be a number"]
        elif len(bounds) == 2 and bounds["min_value"] > bounds["max_value"]:
            problems["max_value"] = ["must not be below min_value"]

        if problems:
            errors[index] = problems
            continue
        definition = {"key": key, "label": label.strip(), "kind": kind.value,
                      "required": bool(field.get("required", False))}
        if kind in CHOICE_KINDS:
            definition["choices"] = list(choices)
        definition.update(bounds)
        cleaned.append(definition)
    if errors:
        raise ValidationFailedError("The template's field definitions are invalid", errors={"fields": errors})
    return cleaned


def validate_custom_fields(fields_definition: Iterable[Mapping[str, Any]],
                           values: Mapping[str, Any]) -> dict[str, Any]:
    """Check an order's custom field values against a template's field definitions.

    Returns the cleaned values (text stripped, dates normalised, duplicate choices
    dropped, absent optional fields left out). With no definitions, only an empty
    object passes. Raises ValidationFailedError with one entry per offending key
    under ``errors["custom_fields"]``: unknown keys, missing required fields, values
    of the wrong kind, choices not in the list, numbers out of the field's range."""
    definitions = {d["key"]: d for d in fields_definition}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    for key in values:
        if key not in definitions:
            errors[key] = ["unknown field" if definitions else "this work type has no custom fields"]

    for key, definition in definitions.items():
        value = values.get(key)
        if _is_blank(value):
            if definition.get("required"):
                errors[key] = ["required"]
            continue
        try:
            cleaned[key] = _clean_value(FieldKind(definition["kind"]), value, definition.get("choices") or ())
            _check_range(cleaned[key], definition)
        except ValueError as exc:
            errors[key] = [str(exc)]

    if errors:
        raise ValidationFailedError("Custom fields do not match the template", errors={"custom_fields": errors})
    return cleaned


def _is_number(value: Any) -> bool:
    """A JSON number (not a boolean), finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_range(value: Any, definition: Mapping[str, Any]) -> None:
    """A number within the field's `min_value`..`max_value` (both included); raises ValueError."""
    low, high = definition.get("min_value"), definition.get("max_value")
    if low is not None and value < low:
        raise ValueError(f"must be at least {low:g}")
    if high is not None and value > high:
        raise ValueError(f"must be at most {high:g}")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _clean_value(kind: FieldKind, value: Any, choices: Sequence[str]) -> Any:
    """One value of `kind`, cleaned; raises ValueError with the reason it is refused."""
    if kind is FieldKind.TEXT:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if len(value) > MAX_TEXT_LENGTH:
            raise ValueError(f"must be at most {MAX_TEXT_LENGTH} characters")
        return value.strip()
    if kind is FieldKind.NUMBER:
        # bool is an int subclass in Python, but `true` is not a number to the client.
        if not _is_number(value):
            raise ValueError("must be a number")
        return value
    if kind is FieldKind.DATE:
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise ValueError("must be a date as YYYY-MM-DD")
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError("must be a date as YYYY-MM-DD") from None
    if kind is FieldKind.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if kind is FieldKind.CHOICE:
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"must be one of: {', '.join(choices)}")
        return value
    if kind is FieldKind.MULTI_CHOICE:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of strings")
        unknown = [v for v in value if v not in choices]
        if unknown:
            raise ValueError(f"not in the choices: {', '.join(unknown)}")
        return list(dict.fromkeys(value))
    raise ValueError(f"unsupported kind {kind.value}")


# --- database ---------------------------------------------------------------------------------

def active_template(session: Session, work_type: WorkType) -> WorkOrderTemplate | None:
    return session.scalar(select(WorkOrderTemplate).where(
        WorkOrderTemplate.work_type == work_type, WorkOrderTemplate.is_active))


def get_template(session: Session, template_id: int) -> WorkOrderTemplate:
    """Raises NotFoundError."""
    template = session.get(WorkOrderTemplate, template_id)
    if template is None:
        raise NotFoundError(f"Template {template_id} not found", template_id=template_id)
    return template


def create_template(session: Session, *, work_type: WorkType, name: str,
                    fields: Sequence[Mapping[str, Any]], is_active: bool = True) -> WorkOrderTemplate:
    """Create a template. When active, it replaces the work type's active template,
    which is kept, inactive. Raises ValidationFailedError for bad field definitions."""
    cleaned = clean_field_definitions(fields)
    if is_active:
        _deactivate_others(session, work_type=work_type, keep_id=None)
    template = WorkOrderTemplate(work_type=work_type, name=name, fields=cleaned, is_active=is_active)
    session.add(template)
    session.flush()
    return template


def update_template(session: Session, *, template: WorkOrderTemplate, name: str | None = None,
                    is_active: bool | None = None) -> WorkOrderTemplate:
    """Rename a template or switch it on or off. Switching one on switches off the
    work type's other active template. Its fields never change: orders refer to them."""
    if name is not None:
        template.name = name
    if is_active and not template.is_active:
        _deactivate_others(session, work_type=template.work_type, keep_id=template.id)
    if is_active is not None:
        template.is_active = is_active
    session.flush()
    return template


def _deactivate_others(session: Session, *, work_type: WorkType, keep_id: int | None) -> None:
    # Flushed before the new active row is written: a partial unique index allows
    # only one active template per type, and the flush order is not guaranteed.
    query = select(WorkOrderTemplate).where(
        WorkOrderTemplate.work_type == work_type, WorkOrderTemplate.is_active).with_for_update()
    if keep_id is not None:
        query = query.where(WorkOrderTemplate.id != keep_id)
    for previous in session.scalars(query):
        previous.is_active = False
    session.flush()
