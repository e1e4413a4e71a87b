"""Quoting of submitted values inside finding messages."""

from typing import Any

MAX_QUOTED_CHARS = 80


def quote(value: Any) -> str:
    """Return a value in single quotes, cut to 80 characters so a message stays one line.

    The comment renderer escapes message text, so quoting only marks where user text
    starts and ends; it is not an escape.
    """
    text = value if isinstance(value, str) else plain(value)
    text = " ".join(text.split())
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 3] + "..."
    return f"'{text}'"


def plain(value: Any) -> str:
    """Return a scalar as YAML would write it: null, true, false or its str()."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
