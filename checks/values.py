"""Checks of the claimed value: a finite number, in range, on one scale, not a template.

Scale rule: the format does not fix a scale, and real files use both 0-1 (`0.412`) and
0-100 (`85.2`). A value in (0, 1] beside a value above 1 for the same benchmark, in the
pull request or on `main`, is most likely on the other scale. Zero fits both scales, so
it never counts.
"""

import math
import re
from collections.abc import Iterable
from typing import Any

from checks.entries import EntryFinding, ParsedEntry
from checks.messages import quote
from checks.report import Finding, finding

_NUMBER_TEXT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*%?\s*$")


def numeric_value(value: Any) -> float | None:
    """Return the value as a finite float, or None for text, booleans, NaN and infinity."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of more than about 300 digits
        return None
    return number if math.isfinite(number) else None


def check_value(item: ParsedEntry) -> list[Finding]:
    """Report a value that is not a finite number, or is outside 0 to 100."""
    assert item.entry is not None
    value = item.entry.value
    where = {"file": item.file, "line": item.line_of("value"), "field": "value"}
    number = numeric_value(value)
    if number is None and isinstance(value, int) and not isinstance(value, bool):
        number = math.inf  # an integer too large for a float is still a number, only out of range
    if number is None:
        return [finding("value.not-finite", f"The value {quote(value)} is not a finite number.", **where,
                        hint=_number_hint(value))]
    if not 0 <= number <= 100:
        return [finding("value.out-of-range", f"The value {quote(value)} is outside 0 to 100.", **where,
                        hint="Write the score as a percentage from 0 to 100 or a fraction from 0 to 1.")]
    return []


def _number_hint(value: Any) -> str:
    if isinstance(value, str):
        match = _NUMBER_TEXT.match(value)
        if match:
            # float() spells 1e3 as 1000.0, which YAML 1.1 readers also take as a number.
            return f"Write {float(match.group(1))!r} as a plain number, without quotes or a percent sign."
    return "Write the score as a plain number, for example 85.2."


def check_placeholder(items: list[ParsedEntry]) -> list[EntryFinding]:
    """Report every entry of a file whose values are all zero.

    A single zero can be a real score on a hard benchmark, so the rule needs at least
    two entries.
    """
    values = [numeric_value(item.entry.value) for item in items if item.entry is not None]
    if len(values) < 2 or any(value != 0.0 for value in values):
        return []
    return [
        (item, finding(
            "value.placeholder",
            f"The value {quote(item.entry.value)} is zero like every value in this file, which marks an unfilled template.",
            file=item.file, line=item.line_of("value"), field="value",
            hint="Fill in the measured scores, or remove the file.",
        ))
        for item in items
        if item.entry is not None
    ]


def check_scale(items: list[ParsedEntry], others: Iterable[ParsedEntry]) -> list[EntryFinding]:
    """Report PR entries on another scale than other values for the same benchmark."""
    first_by_scale = _first_by_scale([*items, *others])
    found: list[EntryFinding] = []
    for item in items:
        assert item.entry is not None
        number = numeric_value(item.entry.value)
        if number is None or number == 0.0:
            continue
        other = first_by_scale.get((item.entry.dataset.id.lower(), number > 1))
        if other is None or other.entry is None:
            continue
        own, theirs = ("0-1", "0-100") if number <= 1 else ("0-100", "0-1")
        found.append((
            item,
            finding(
                "value.scale",
                f"The value {quote(item.entry.value)} looks like a {own} score, but {quote(other.entry.value)} "
                f"for the same benchmark in {other.file} line {other.line} looks like a {theirs} score.",
                file=item.file, line=item.line_of("value"), field="value",
                hint="Write every score of a benchmark on the same scale, preferably 0 to 100.",
            ),
        ))
    return found


def _first_by_scale(pool: list[ParsedEntry]) -> dict[tuple[str, bool], ParsedEntry]:
    """Index the first nonzero entry under the key (benchmark, value <= 1).

    An entry with value v finds one on the other scale under (benchmark, v > 1).
    """
    first: dict[tuple[str, bool], ParsedEntry] = {}
    for other in pool:
        if other.entry is None:
            continue
        number = numeric_value(other.entry.value)
        if number is None or number == 0.0:
            continue
        first.setdefault((other.entry.dataset.id.lower(), number <= 1), other)
    return first
