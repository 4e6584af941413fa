"""The pure rules of templates: field definitions and custom field values."""
import pytest

from app.errors import ValidationFailedError
from app.workorders.templates import clean_field_definitions, validate_custom_fields
from tests.workorders.conftest import REPAIR_FIELDS

VALID = {"floor": 12, "symptom": "noise"}


def errors_of(values, definitions=REPAIR_FIELDS) -> dict:
    with pytest.raises(ValidationFailedError) as caught:
        validate_custom_fields(definitions, values)
    assert caught.value.code == "validation_error"
    return caught.value.errors["custom_fields"]


def test_every_kind_is_accepted_and_cleaned():
    cleaned = validate_custom_fields(REPAIR_FIELDS, {
        "floor": 3.5, "symptom": "leak", "noticed_on": "2026-03-01", "areas": ["lobby", "office", "lobby"],
        "under_warranty": False, "remarks": "  behind the ceiling panel  "})
    assert cleaned == {"floor": 3.5, "symptom": "leak", "noticed_on": "2026-03-01", "areas": ["lobby", "office"],
                       "under_warranty": False, "remarks": "behind the ceiling panel"}


def test_absent_optional_fields_are_left_out():
    assert validate_custom_fields(REPAIR_FIELDS, {**VALID, "remarks": "", "areas": [], "noticed_on": None}) == VALID


@pytest.mark.parametrize("key, value", [
    ("floor", "12"), ("floor", True), ("floor", float("nan")),
    ("symptom", "smoke"), ("symptom", ["noise"]),
    ("noticed_on", "2026-02-30"), ("noticed_on", "01/03/2026"), ("noticed_on", 20260301),
    ("areas", "lobby"), ("areas", ["lobby", "roof"]), ("areas", [1]),
    ("under_warranty", "yes"), ("under_warranty", 1),
    ("remarks", 42), ("remarks", "x" * 2001),
])
def test_values_of_the_wrong_kind_are_refused(key, value):
    assert list(errors_of({**VALID, key: value})) == [key]


def test_missing_required_and_unknown_keys_are_reported_per_field():
    errors = errors_of({"symptom": "noise", "colour": "red"})
    assert errors == {"floor": ["required"], "colour": ["unknown field"]}


def test_required_boolean_false_counts_as_given():
    definitions = [{"key": "signed", "label": "Signed", "kind": "boolean", "required": True}]
    assert validate_custom_fields(definitions, {"signed": False}) == {"signed": False}
    assert errors_of({}, definitions) == {"signed": ["required"]}


def test_without_a_template_only_an_empty_object_passes():
    assert validate_custom_fields([], {}) == {}
    assert errors_of({"floor": 1}, []) == {"floor": ["this work type has no custom fields"]}


def test_field_definitions_are_normalised():
    assert clean_field_definitions([{"key": "floor", "label": " Floor ", "kind": "number"}]) == [
        {"key": "floor", "label": "Floor", "kind": "number", "required": False}]


@pytest.mark.parametrize("definition, field", [
    ({"key": "Floor", "label": "Floor", "kind": "number"}, "key"),
    ({"key": "1floor", "label": "Floor", "kind": "number"}, "key"),
    ({"key": "f" * 41, "label": "Floor", "kind": "number"}, "key"),
    ({"key": "floor", "label": "", "kind": "number"}, "label"),
    ({"key": "floor", "label": "Floor", "kind": "colour"}, "kind"),
    ({"key": "floor", "label": "Floor", "kind": "choice"}, "choices"),
    ({"key": "floor", "label": "Floor", "kind": "multi_choice", "choices": []}, "choices"),
    ({"key": "floor", "label": "Floor", "kind": "choice", "choices": ["a", "a"]}, "choices"),
    ({"key": "floor", "label": "Floor", "kind": "text", "choices": ["a"]}, "choices"),
])
def test_bad_field_definitions_are_refused(definition, field):
    with pytest.raises(ValidationFailedError) as caught:
        clean_field_definitions([{"key": "ok", "label": "OK", "kind": "text"}, definition])
    assert list(caught.value.errors["fields"]) == [1]
    assert list(caught.value.errors["fields"][1]) == [field]


def test_duplicate_keys_are_refused():
    with pytest.raises(ValidationFailedError) as caught:
        clean_field_definitions([{"key": "floor", "label": "A", "kind": "text"},
                                 {"key": "floor", "label": "B", "kind": "number"}])
    assert caught.value.errors["fields"] == {1: {"key": ["duplicate key 'floor'"]}}
