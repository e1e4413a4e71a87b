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
        number = float(match.group(1)) if match else None
        if number is not None and not math.isfinite(number):
            return "The number overflows a 64-bit float, so it is not finite. Write the real score as a plain number, for example 85.2."
        if number is not None:
            # float() spells 1e3 as 1000.0, which YAML 1.1 readers also take as a number.
            return f"Write {number!r} as a plain number, without quotes or a percent sign."
    if isinstance(value, float) and math.isinf(value):
        return "The value is infinite, so it is not a score. Write the real score as a plain number, for example 85.2."
    if isinstance(value, float) and math.isnan(value):
        return "The value is NaN (not a number), so it is not a score. Write the real score as a plain number, for example 85.2."
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
    """Report PR entries whose scale disagrees with the other values of their benchmark.

    Only the odd one out is reported. That is a PR entry on the minority scale of its
    benchmark, counting the PR and `main` together, where a tie makes 0-100 the majority
    because it is the common convention. It is also a PR entry that departs from a scale
    that only `main` uses.
    """
    by_scale = _entries_by_scale([*items, *others])
    pr_ids = {id(item) for item in items}
    found: list[EntryFinding] = []
    for item in items:
        assert item.entry is not None
        number = numeric_value(item.entry.value)
        if number is None or number == 0.0:
            continue
        benchmark = item.entry.dataset.id.lower()
        own_is_fraction = number <= 1
        same = by_scale.get((benchmark, own_is_fraction), [])
        opposite = by_scale.get((benchmark, not own_is_fraction), [])
        if not opposite:
            continue
        in_minority = len(same) < len(opposite) or (len(same) == len(opposite) and own_is_fraction)
        opposite_only_on_main = all(id(other) not in pr_ids for other in opposite)
        if in_minority or opposite_only_on_main:
            found.append((item, _scale_finding(item, opposite[0], own_is_fraction)))
    return found


def _scale_finding(item: ParsedEntry, other: ParsedEntry, own_is_fraction: bool) -> Finding:
    assert item.entry is not None and other.entry is not None
    own, theirs = ("0-1", "0-100") if own_is_fraction else ("0-100", "0-1")
    return finding(
        "value.scale",
        f"The value {quote(item.entry.value)} looks like a {own} score, but {quote(other.entry.value)} "
        f"for the same benchmark in {quote(other.file)} line {other.line} looks like a {theirs} score.",
        file=item.file, line=item.line_of("value"), field="value",
        hint="Write every score of a benchmark on the same scale, preferably 0 to 100.",
    )


def _entries_by_scale(pool: list[ParsedEntry]) -> dict[tuple[str, bool], list[ParsedEntry]]:
    """Group nonzero entries under the key (benchmark, value <= 1), in input order."""
    groups: dict[tuple[str, bool], list[ParsedEntry]] = {}
    for other in pool:
        if other.entry is None:
            continue
        number = numeric_value(other.entry.value)
        if number is None or number == 0.0:
            continue
        groups.setdefault((other.entry.dataset.id.lower(), number <= 1), []).append(other)
    return groups
