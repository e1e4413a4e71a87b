"""Tests of tool-use wording in notes against the file name and other entries."""

import pytest

from checks.notes import normalise_notes, tool_use
from tests.validation_helpers import codes, run


def entry(notes: str | None = None, task_id: str = "diamond", value: str = "50.0") -> str:
    text = f"- dataset:\n    id: Idavidrein/gpqa\n    task_id: {task_id}\n  value: {value}\n"
    return text + (f"  notes: '{notes}'\n" if notes is not None else "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("With tools", "with-tools"),
        ("tool use: python", "with-tools"),
        ("hle with tools", "with-tools"),
        ("No tools", "no-tools"),
        ("no-tools", "no-tools"),
        ("without tools, CoT", "no-tools"),
        ("hle no tools", "no-tools"),
        ("chain-of-thought", None),
        ("", None),
        (None, None),
    ],
)
def test_tool_use_classifies(text: str | None, expected: str | None) -> None:
    assert tool_use(text) == expected


def test_file_name_contradicts_notes() -> None:
    result = run({".eval_results/hle_with_tools.yaml": entry("No tools")})
    assert codes(result) == ["notes.tools"]


def test_no_tools_file_contradicts_tool_notes() -> None:
    result = run({".eval_results/hle_no_tools.yaml": entry("With tools")})
    assert codes(result) == ["notes.tools"]


def test_matching_file_name_is_clean() -> None:
    assert codes(run({".eval_results/hle_with_tools.yaml": entry("With tools")})) == []


def test_untagged_beside_tool_entry_is_ambiguous() -> None:
    result = run(entry("With tools", value="60.0") + entry(None, value="50.0"))
    found = result.report.entries()[1].findings
    assert [f.code for f in found] == ["notes.tools"]
    assert "ambiguous" in found[0].message


def test_only_no_tools_notes_repeat_default() -> None:
    assert codes(run(entry("No tools"))) == ["notes.tools"]


def test_no_tools_beside_tool_entry_is_fine() -> None:
    assert codes(run(entry("With tools", value="60.0") + entry("No tools", value="50.0"))) == []


def test_detailed_notes_are_not_flagged() -> None:
    assert codes(run(entry("no tools, temperature 0.7, 198 questions"))) == []


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        (None, ""),
        ("", ""),
        ("No tools", ""),
        ("no-tools", ""),
        ("Without tools.", ""),
        ("w/o tools", ""),
        ("  NO   TOOLS !", ""),
        ("(no tools)", ""),
        ("With tools", "with tools"),
        (" with  TOOLS.", "with tools"),
        ("no tools, 5 shots", "no tools, 5 shots"),
        ("...", ""),
    ],
)
def test_normalise_notes(notes: str | None, expected: str) -> None:
    assert normalise_notes(notes) == expected


@pytest.mark.parametrize("notes", ["no-tools", "Without tools.", "w/o tools", "(No tools)"])
def test_no_tools_variants_repeat_default(notes: str) -> None:
    assert codes(run(entry(notes))) == ["notes.tools"]


@pytest.mark.parametrize("notes", ["...", "-", "no tools, 5 shots"])
def test_punctuation_notes_do_not_repeat_default(notes: str) -> None:
    assert "notes.tools" not in codes(run(entry(notes)))
