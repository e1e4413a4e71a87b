"""Checks of the `date` field: ISO-8601, quoted, and not after the day of the check."""

import datetime

from checks.entries import ParsedEntry
from checks.loading import UnquotedDate
from checks.messages import quote
from checks.report import Finding, finding


def parse_iso_date(text: str) -> datetime.date | None:
    """Return the calendar date of an ISO-8601 date or datetime, or None when invalid.

    A datetime keeps the date as written, also when it has a time zone: converting to
    UTC could move a result dated today in UTC-5 to tomorrow and fail it as future.
    """
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
        return datetime.datetime.fromisoformat(text).date()
    except ValueError:
        return None


def check_date(item: ParsedEntry, today: datetime.date) -> list[Finding]:
    """Report an invalid, future or unquoted date."""
    text = item.raw_field("date")
    if not isinstance(text, str):
        return []
    where = {"file": item.file, "line": item.line_of("date"), "field": "date"}
    found: list[Finding] = []
    if isinstance(text, UnquotedDate):
        found.append(finding(
            "date.unquoted", f"The date {quote(text)} is not quoted, so YAML reads it as a date object.",
            **where, hint=f"Write it in quotes: '{text}'.",
        ))
    parsed = parse_iso_date(text)
    if parsed is None:
        found.append(finding(
            "date.invalid", f"The date {quote(text)} is not an ISO-8601 date or datetime.",
            **where, hint="Write the date of the run as 'YYYY-MM-DD'.",
        ))
    elif parsed > today:
        found.append(finding(
            "date.future", f"The date {quote(text)} is after today ({today.isoformat()}).",
            **where, hint="Write the date when the evaluation was run.",
        ))
    return found
