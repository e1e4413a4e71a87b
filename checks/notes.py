"""Checks of tool use in `notes`, where a wrong or missing tag changes the result's meaning.

Convention: on the Hub, a run with tools is tagged in `notes` ("With tools") and a run
without tools has no notes. So tool wording in notes must agree with the file name,
an untagged entry beside a tool-tagged one for the same task is ambiguous, and notes
that only say "No tools" repeat the default.
"""

import re
from typing import Literal

from checks.entries import EntryFinding, ParsedEntry
from checks.messages import quote
from checks.report import finding

ToolUse = Literal["with-tools", "no-tools"]

_NO_TOOLS = re.compile(r"\b(?:no|without|w/o|zero)[\s_-]+tools?\b|\btool[\s_-]?free\b", re.IGNORECASE)
_WITH_TOOLS = re.compile(r"\b(?:with[\s_-]+)?tools?\b|\btool[\s_-]use\b", re.IGNORECASE)
_ONLY_NO_TOOLS = re.compile(r"^(?:no|without|w/o)[\s_-]+tools?$")
# Punctuation around notes that changes nothing: "No tools.", "(no tools)", "- no tools".
_EDGE_PUNCTUATION = " \t\n.,;:!?()[]{}'\"-_*"


def normalise_notes(notes: str | None) -> str:
    """Return notes as a comparison key: lowercase, single-spaced, without edge punctuation.

    Notes that only state that the run used no tools ("No tools", "no-tools", "Without
    tools.", "w/o tools") become "", the same as no notes. A run without tools is the
    default and carries no notes.
    """
    text = _plain_notes(notes)
    return "" if _ONLY_NO_TOOLS.match(text) else text


def only_states_no_tools(notes: str | None) -> bool:
    """Return True for notes whose only content is that the run used no tools."""
    return _ONLY_NO_TOOLS.match(_plain_notes(notes)) is not None


def _plain_notes(notes: str | None) -> str:
    return " ".join((notes or "").lower().split()).strip(_EDGE_PUNCTUATION)


def tool_use(text: str | None) -> ToolUse | None:
    """Classify text (notes or a file name) as naming a run with or without tools."""
    if not text:
        return None
    if _NO_TOOLS.search(text):
        return "no-tools"
    if _WITH_TOOLS.search(text):
        return "with-tools"
    return None


def check_notes_tools(items: list[ParsedEntry], file_name: str) -> list[EntryFinding]:
    """Report tool wording that contradicts the file name, other entries, or the convention."""
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("_", " ")
    file_tools = tool_use(stem)
    tagged = {_task_key(item) for item in items if item.entry and tool_use(item.entry.notes) == "with-tools"}
    found: list[EntryFinding] = []
    for item in items:
        assert item.entry is not None
        notes = item.entry.notes
        notes_tools = tool_use(notes)
        where = {"file": item.file, "line": item.line_of("notes"), "field": "notes"}
        if file_tools and notes_tools and file_tools != notes_tools:
            found.append((item, finding(
                "notes.tools", f"The notes {quote(notes)} say {notes_tools}, but the file name {quote(file_name)} says {file_tools}.",
                **where, hint="Move the entry to a file whose name matches, or fix the notes.",
            )))
        elif not notes and _task_key(item) in tagged:
            found.append((item, finding(
                "notes.tools", "The entry has no notes beside an entry for the same task with tools, so it is ambiguous.",
                **where, hint="Add notes that say how this run differs, for example 'No tools'.",
            )))
        elif only_states_no_tools(notes) and _task_key(item) not in tagged:
            found.append((item, finding(
                "notes.tools", f"The notes {quote(notes)} repeat the default: a run without tools has no notes.",
                **where, hint="Remove `notes`, unless the same task is also reported with tools.",
            )))
    return found


def _task_key(item: ParsedEntry) -> tuple[str, str]:
    assert item.entry is not None
    return item.entry.dataset.id.lower(), item.entry.dataset.task_id
