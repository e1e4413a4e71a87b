"""Checks for a result reported twice: in the pull request, on `main`, or in another open PR.

Two entries are the same result when they share the dataset id (case-insensitive), the
task id and the notes, since notes tell apart runs such as with and without tools. Notes
are compared by `checks.notes.normalise_notes`, which ignores case, spacing and edge
punctuation and treats "No tools" as no notes. Equal values are `duplicate.same`;
different numbers, even 85.2 against 0.852, are `duplicate.conflict`, because the Hub
would list both.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from checks.entries import EntryFinding, ParsedEntry
from checks.messages import quote
from checks.notes import normalise_notes
from checks.report import Finding, finding
from checks.values import numeric_value

ResultKey = tuple[str, str, str]


@dataclass(frozen=True)
class Sighting:
    """An entry seen outside the pull request's new lines, with its place for the message."""

    item: ParsedEntry
    place: str


def result_key(item: ParsedEntry) -> ResultKey:
    assert item.entry is not None
    return item.entry.dataset.id.lower(), item.entry.dataset.task_id, normalise_notes(item.entry.notes)


def index_sightings(sightings: Iterable[Sighting]) -> dict[ResultKey, Sighting]:
    """Index the first sighting of each result key."""
    index: dict[ResultKey, Sighting] = {}
    for sighting in sightings:
        if sighting.item.entry is not None:
            index.setdefault(result_key(sighting.item), sighting)
    return index


def check_duplicates(items: list[ParsedEntry], elsewhere: dict[ResultKey, Sighting]) -> list[EntryFinding]:
    """Report each PR entry whose result is already in the PR, on `main` or in another PR."""
    seen_in_pr: dict[ResultKey, Sighting] = {}
    found: list[EntryFinding] = []
    for item in items:
        key = result_key(item)
        earlier = seen_in_pr.get(key) or elsewhere.get(key)
        seen_in_pr.setdefault(key, Sighting(item, f"{quote(item.file)} line {item.line}"))
        if earlier is not None:
            found.append((item, _duplicate_finding(item, earlier)))
    return found


def _duplicate_finding(item: ParsedEntry, earlier: Sighting) -> Finding:
    assert item.entry is not None and earlier.item.entry is not None
    value, other_value = item.entry.value, earlier.item.entry.value
    task = f"{item.entry.dataset.id}/{item.entry.dataset.task_id}"
    where = {"file": item.file, "line": item.line, "field": "dataset"}
    if _same_value(value, other_value):
        return finding(
            "duplicate.same",
            f"The result for {quote(task)} with value {quote(value)} is already reported in {earlier.place}.",
            **where, hint="Remove one of the two entries.",
        )
    return finding(
        "duplicate.conflict",
        f"The result for {quote(task)} with value {quote(value)} conflicts with {quote(other_value)} in {earlier.place}.",
        **where, hint="Keep one value, or tell the runs apart in `notes`.",
    )


def _same_value(value: object, other: object) -> bool:
    number, other_number = numeric_value(value), numeric_value(other)
    if number is not None and other_number is not None:
        return abs(number - other_number) <= 1e-9 * max(1.0, abs(number))
    return value == other
