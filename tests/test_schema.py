"""Tests of the results-entry schema: missing fields, wrong types, unknown fields."""

from typing import Any

import pytest
from huggingface_hub import parse_eval_result_entries

from checks.loading import load_yaml
from checks.report import Finding
from checks.schema import check_entry_schema

VALID = {"dataset": {"id": "a/b", "task_id": "t"}, "value": 1.0}


def check(raw: Any) -> list[Finding]:
    return check_entry_schema(raw, 0, "f.yaml", {})[1]


def with_fields(**fields: Any) -> dict[str, Any]:
    return {**VALID, **fields}


# Each bad entry and the (code, field) it must produce.
@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        ({"value": 1}, "schema.missing", "dataset"),
        ({"dataset": {"id": "a/b", "task_id": "t"}}, "schema.missing", "value"),
        ({"dataset": {"task_id": "t"}, "value": 1}, "schema.missing", "dataset.id"),
        ({"dataset": {"id": "a/b"}, "value": 1}, "schema.missing", "dataset.task_id"),
        (with_fields(source={"name": "card"}), "schema.missing", "source.url"),
        (with_fields(source={}), "schema.missing", "source.url"),
        ({"dataset": "a/b", "value": 1}, "schema.type", "dataset"),
        ({"dataset": {"id": 3, "task_id": "t"}, "value": 1}, "schema.type", "dataset.id"),
        ({"dataset": {"id": "a/b", "task_id": ["t"]}, "value": 1}, "schema.type", "dataset.task_id"),
        ({"dataset": {"id": "a/b", "task_id": "t", "revision": 1234567}, "value": 1}, "schema.type", "dataset.revision"),
        (with_fields(notes={"tools": True}), "schema.type", "notes"),
        (with_fields(notes=5), "schema.type", "notes"),
        (with_fields(date=20260101), "schema.type", "date"),
        (with_fields(verifyToken=True), "schema.type", "verifyToken"),
        (with_fields(source="https://x.org"), "schema.type", "source"),
        (with_fields(source={"url": ["https://x.org"]}), "schema.type", "source.url"),
        (with_fields(source={"url": "https://x.org", "user": {"a": 1}}), "schema.type", "source.user"),
    ],
)
def test_bad_entry_is_reported(raw: dict[str, Any], code: str, field: str) -> None:
    found = check(raw)
    assert (code, field) in [(f.code, f.field) for f in found]


@pytest.mark.parametrize("raw", [None, 5, "entry", ["a"], True])
def test_entry_not_mapping_is_type(raw: Any) -> None:
    assert [f.code for f in check(raw)] == ["schema.type"]


# Unknown fields are warnings with the nearest known field as hint.
@pytest.mark.parametrize(
    ("raw", "field", "nearest"),
    [
        (with_fields(verify_token="x"), "verify_token", "verifyToken"),
        (with_fields(note="x"), "note", "notes"),
        ({"dataset": {"id": "a/b", "task_id": "t", "revison": "x"}, "value": 1}, "dataset.revison", "revision"),
        (with_fields(source={"url": "https://x.org", "organization": "x"}), "source.organization", "org"),
    ],
)
def test_unknown_field_hints_nearest(raw: dict[str, Any], field: str, nearest: str) -> None:
    found = check(raw)
    assert [(f.code, f.field) for f in found] == [("schema.unknown-field", field)]
    assert nearest in (found[0].hint or "")


def test_unknown_field_keeps_entry() -> None:
    entry, found = check_entry_schema(with_fields(evaluation_framework="inspect-ai"), 0, "f.yaml", {})
    assert entry is not None
    assert [f.code for f in found] == ["schema.unknown-field"]


def test_valid_entry_has_no_findings() -> None:
    raw = with_fields(
        verifyToken="tok", date="2026-01-01", notes="With tools",
        source={"url": "https://x.org", "name": "n", "user": "u", "org": "o"},
    )
    entry, found = check_entry_schema(raw, 0, "f.yaml", {})
    assert found == []
    assert entry is not None and entry.verify_token == "tok"


def test_type_message_names_field_value_type() -> None:
    found = check({"dataset": {"id": 3, "task_id": "t"}, "value": 1})[0]
    assert found.message == "The field 'dataset.id' is '3' of type number, expected a string."


def test_finding_line_falls_back_to_parent() -> None:
    loaded = load_yaml(b"- dataset:\n    id: a/b\n  value: 1\n")
    found = check_entry_schema(loaded.value[0], 0, "f.yaml", loaded.lines)[1]
    assert [(f.field, f.line) for f in found] == [("dataset.task_id", 1)]


# Guard: whatever huggingface_hub's parser rejects, the schema rejects as an error too.
HUB_PARSER_CASES: list[Any] = [
    {},
    {"dataset": {}},
    {"dataset": {"id": "a"}, "value": 1},
    {"dataset": {"id": "a", "task_id": "t"}},
    {"dataset": None, "value": 1},
    {"dataset": "a/b", "value": 1},
    {"data": {"dataset": {"id": "a", "task_id": "t"}, "value": 1}},
    with_fields(source={"name": "n"}),
    with_fields(source={"org": "o"}),
    with_fields(source="text"),
    with_fields(source=["https://x.org"]),
]


@pytest.mark.parametrize("raw", HUB_PARSER_CASES)
def test_schema_at_least_as_strict_as_hub(raw: Any) -> None:
    try:
        parse_eval_result_entries([raw])
        hub_rejects = False
    except (KeyError, ValueError, TypeError, AttributeError):
        hub_rejects = True
    errors = [f for f in check(raw) if f.severity == "error"]
    assert errors or not hub_rejects


# Keys that YAML reads as numbers, booleans or null get a sentence of our own, never
# pydantic's "Keys should be strings".
@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({1: "x"}, "1", "Entry 1 has the key '1' of type number, but mapping keys must be strings."),
        (
            {"dataset": {"id": "a/b", "task_id": "t", True: 3}, "value": 1},
            "dataset.true",
            "The field 'dataset' has the key 'true' of type boolean, but mapping keys must be strings.",
        ),
        (
            with_fields(source={"url": "https://x.org", None: "x"}),
            "source.null",
            "The field 'source' has the key 'null' of type null, but mapping keys must be strings.",
        ),
    ],
)
def test_non_string_key_message(raw: dict[Any, Any], field: str, message: str) -> None:
    found = [f for f in check(raw) if f.field == field]
    assert [f.message for f in found] == [message]


def test_non_string_key_hint_names_fields() -> None:
    [found] = [f for f in check({**VALID, 1: "x"}) if f.field == "1"]
    assert found.hint == (
        "Replace '1' with a field name of the results format "
        "(dataset, value, verifyToken, date, source, notes), or remove it."
    )


BAD_TYPES = [
    {1: "x"},
    {"dataset": {"id": "a/b", "task_id": "t", 2: 3}, "value": 1},
    {"dataset": "a/b", "value": 1},
    with_fields(notes=5),
    with_fields(source=["https://x.org"]),
]


@pytest.mark.parametrize("raw", BAD_TYPES)
def test_type_messages_use_no_pydantic_wording(raw: dict[Any, Any]) -> None:
    for found in check(raw):
        text = f"{found.message} {found.hint}".lower()
        assert "should be" not in text
        assert "input should" not in text
        assert "instance of" not in text


def test_type_message_names_value_and_type() -> None:
    [found] = check(with_fields(notes=5))
    assert found.message == "The field 'notes' is '5' of type number, expected a string."
