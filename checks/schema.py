"""The schema of one `.eval_results/*.yaml` entry, and its errors as findings.

The models are strict: a number where text belongs is `schema.type`, not silently
turned into text, because the Hub and `huggingface_hub.parse_eval_result_entries` keep
whatever type YAML produced. `value` is typed `Any` here on purpose: `checks.values`
reports a non-numeric value as `value.not-finite` with a more useful fix than a type
error would give.
"""

import difflib
from typing import Any

from huggingface_hub import parse_eval_result_entries
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checks.loading import Path
from checks.messages import plain, quote
from checks.report import Finding, finding
from checks.validation_errors import EXPECTED_TYPES, describe_problem, error_field, yaml_type

_STRICT = ConfigDict(extra="forbid", strict=True)


class DatasetRef(BaseModel):
    """The `dataset` mapping: which benchmark and task the value is for."""

    model_config = _STRICT

    id: str
    task_id: str
    revision: str | None = None


class Source(BaseModel):
    """The `source` mapping: where the score can be checked."""

    model_config = _STRICT

    url: str
    name: str | None = None
    user: str | None = None
    org: str | None = None


class ResultEntry(BaseModel):
    """One entry of a results file, with the Hub's camelCase `verifyToken` mapped once."""

    model_config = _STRICT

    dataset: DatasetRef
    value: Any = Field(...)
    verify_token: str | None = Field(default=None, alias="verifyToken")
    date: str | None = None
    source: Source | None = None
    notes: str | None = None


_KNOWN_FIELDS: dict[tuple[str, ...], list[str]] = {
    (): ["dataset", "value", "verifyToken", "date", "source", "notes"],
    ("dataset",): ["id", "task_id", "revision"],
    ("source",): ["url", "name", "user", "org"],
}


def check_entry_schema(
    raw: Any, index: int, file: str, lines: dict[Path, int]
) -> tuple[ResultEntry | None, list[Finding]]:
    """Validate one raw entry, returning the model (None on any error) and the findings.

    Unknown fields are warnings, so an entry with only unknown fields still returns
    its model with those fields dropped.
    """
    if not isinstance(raw, dict):
        message = f"Entry {index + 1} is {quote(raw)} of type {yaml_type(raw)}, expected a mapping."
        hint = "Write each entry as a mapping with `dataset` and `value`."
        return None, [finding("schema.type", message, file=file, line=lines.get((index,)), hint=hint)]

    try:
        entry = ResultEntry.model_validate(raw)
        return entry, _hub_parser_findings(raw, index, file, lines)
    except ValidationError as error:
        findings = [_finding_from_error(e, raw, index, file, lines) for e in error.errors()]

    if any(f.severity == "error" for f in findings):
        return None, findings
    return ResultEntry.model_validate(_without_unknown(raw)), findings


def _finding_from_error(
    error: Any, raw: dict[str, Any], index: int, file: str, lines: dict[Path, int]
) -> Finding:
    loc = tuple(str(part) for part in error["loc"])
    field = ".".join(loc)
    line = _line_of(lines, (index, *loc))
    if error["type"] == "missing":
        return finding(
            "schema.missing",
            f"The required field {quote(field)} is missing.",
            file=file, line=line, field=field, hint=_missing_hint(loc),
        )
    if error["type"] == "extra_forbidden":
        known = _KNOWN_FIELDS.get(loc[:-1], [])
        nearest = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
        hint = f"Did you mean {quote(nearest[0])}?" if nearest else f"Known fields here: {', '.join(known)}."
        return finding(
            "schema.unknown-field",
            f"The field {quote(field)} is not part of the results format and is ignored.",
            file=file, line=line, field=field, hint=hint,
        )
    if error["type"] == "invalid_key":
        return _invalid_key_finding(error, raw, index, file, lines)
    expected = EXPECTED_TYPES.get(error["type"])
    value = error["input"]
    if expected is None:
        hint = "Write a value of the type the results format expects here."
    elif expected == "a string" and not isinstance(value, (list, dict)):
        hint = "Quote the value to make it text."
    else:
        hint = f"Write {expected} here."
    return finding(
        "schema.type",
        f"The field {quote(field)} {describe_problem(error)}.",
        file=file, line=line, field=field, hint=hint,
    )


def _invalid_key_finding(error: Any, raw: dict[Any, Any], index: int, file: str, lines: dict[Path, int]) -> Finding:
    """Report a mapping key that YAML read as a number, boolean or null instead of a field name."""
    parent = error_field(error)
    key = _original_key(raw, error["loc"])
    owner = f"The field {quote(parent)}" if parent else f"Entry {index + 1}"
    known = _KNOWN_FIELDS.get(tuple(parent.split(".")) if parent else (), [])
    return finding(
        "schema.type",
        f"{owner} has the key {quote(key)} of type {yaml_type(key)}, but mapping keys must be strings.",
        file=file,
        line=_line_of(lines, (index, *error["loc"][:-1], key)),
        field=".".join([*(str(part) for part in error["loc"][:-1]), plain(key)]),
        hint=f"Replace {quote(key)} with a field name of the results format ({', '.join(known)}), or remove it.",
    )


def _original_key(raw: dict[Any, Any], loc: tuple[Any, ...]) -> Any:
    """Return the key as YAML read it: pydantic's `loc` turns a `true` key into 1 and null into 'None'."""
    mapping: Any = raw
    for part in loc[:-1]:
        mapping = mapping.get(part) if isinstance(mapping, dict) else None
    if isinstance(mapping, dict):
        for key in mapping:
            if not isinstance(key, str) and (key == loc[-1] or str(key) == str(loc[-1])):
                return key
    return loc[-1]


def _missing_hint(loc: tuple[str, ...]) -> str:
    if loc == ("source", "url"):
        return "Add `source.url` with a link to the evidence, or remove `source`."
    if loc == ("dataset", "task_id"):
        return "Add the task id from the benchmark's eval.yaml."
    return f"Add `{'.'.join(loc)}`."


def _hub_parser_findings(raw: dict[str, Any], index: int, file: str, lines: dict[Path, int]) -> list[Finding]:
    """Guard that the entry also passes `huggingface_hub`'s own parser.

    The models above are meant to be stricter, and this turns any gap into a finding
    rather than an entry that the Hub would drop.
    """
    try:
        parse_eval_result_entries([raw])
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        message = f"The entry is rejected by huggingface_hub's parser: {quote(str(error))}."
        return [finding("schema.type", message, file=file, line=lines.get((index,)))]
    return []


def _without_unknown(raw: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in raw.items() if k in _KNOWN_FIELDS[()]}
    for name in ("dataset", "source"):
        if isinstance(kept.get(name), dict):
            kept[name] = {k: v for k, v in kept[name].items() if k in _KNOWN_FIELDS[(name,)]}
    return kept


def _line_of(lines: dict[Path, int], path: tuple[Any, ...]) -> int | None:
    """Return the line of a node, or of its nearest parent when the node is missing."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
