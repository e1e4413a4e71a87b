"""Plain-sentence wording of pydantic validation errors, for finding messages and spec errors.

Pydantic's own messages ("Input should be a valid string", "Keys should be strings") are
written for programmers who call the model, so the checks describe each error type in
the terms of a YAML file instead: the field, the value, its YAML type and what was expected.
"""

import re
from typing import Any

from pydantic_core import ErrorDetails

from checks.messages import quote

# Pydantic error types -> what the field expected, as a noun phrase.
EXPECTED_TYPES = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}

# A union field adds the member type to `loc` (`choices.str`, `choices.list[str]`), which
# names no key of the file.
_UNION_MEMBER = re.compile(r"^(?:str|int|float|bool|none|[\w-]+\[.*\])$")


def field_path(loc: tuple[Any, ...]) -> str:
    """Return the dotted path of the field an error is about, without union member names."""
    return ".".join(str(part) for part in loc if not (isinstance(part, str) and _UNION_MEMBER.match(part)))


def error_field(error: ErrorDetails) -> str:
    """Return the dotted path of the field an error is about (for a bad key, the mapping that has it)."""
    loc = tuple(error["loc"])
    return field_path(loc[:-1] if error["type"] == "invalid_key" else loc)


def yaml_type(value: Any) -> str:
    """Return the YAML name of a parsed value's type, as a user sees it in the file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "string"


def describe_problem(error: ErrorDetails) -> str:
    """Return what is wrong with the field, as a predicate: "is missing", "is '3' of type number, expected a string"."""
    kind = error["type"]
    value = error.get("input")
    context = error.get("ctx") or {}
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a known key"
    if kind == "invalid_key":
        return f"has the key {quote(error['loc'][-1])} of type {yaml_type(error['loc'][-1])}, but keys must be strings"
    if kind in EXPECTED_TYPES:
        return f"is {quote(value)} of type {yaml_type(value)}, expected {EXPECTED_TYPES[kind]}"
    if kind == "literal_error":
        return f"is {quote(value)}, expected one of {context.get('expected', 'the listed values')}"
    bounds = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
              "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}
    if kind in bounds:
        words, key = bounds[kind]
        return f"is {quote(value)}, expected {words} {context.get(key)}"
    if kind == "too_short":
        return f"has {context.get('actual_length')} items, expected at least {context.get('min_length')}"
    if kind == "too_long":
        return f"has {context.get('actual_length')} items, expected at most {context.get('max_length')}"
    if kind == "value_error":
        return "is invalid: " + error["msg"].removeprefix("Value error, ")
    # NOTE: an error type not listed above keeps pydantic's wording after "is invalid".
    return f"is {quote(value)}, which is invalid ({error['msg'][:1].lower() + error['msg'][1:]})"
