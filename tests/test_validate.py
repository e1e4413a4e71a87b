"""Tests of the orchestrator: file-level outcomes, entry reports, and never crashing."""

import pytest

from checks import validate as validate_module
from checks.loading import Limits
from checks.validate import validate
from checks.inputs import ChangedFile, CheckInput
from tests.validation_helpers import ONE_ENTRY, RESULTS_PATH, TODAY, FakeSpecs, codes, run


def file_codes(text: str | bytes) -> list[str]:
    result = run({RESULTS_PATH: text})
    return [f.code for f in result.report.files[0].findings]


# Files that are not a list of entries: one file-level finding and no entries.
@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("", "yaml.not-a-list"),
        ("# only a comment\n", "yaml.not-a-list"),
        ("dataset:\n  id: a/b\nvalue: 1\n", "yaml.not-a-list"),
        ("just text\n", "yaml.not-a-list"),
        ("42\n", "yaml.not-a-list"),
        (b"\xff\xfe- 1\n", "yaml.encoding"),
        ("- [\n", "yaml.syntax"),
    ],
)
def test_file_level_finding(content: str | bytes, code: str) -> None:
    assert file_codes(content) == [code]


def test_empty_list_is_clean() -> None:
    assert codes(run("[]\n")) == []


def test_list_of_scalars_is_schema_type() -> None:
    assert codes(run("- 1\n- text\n- null\n")) == ["schema.type"] * 3


def test_nested_junk_types_are_reported() -> None:
    text = "- dataset: {id: [[1]], task_id: {a: {b: c}}}\n  value: {x: [1, 2]}\n  source: [1]\n  notes: [a]\n"
    assert codes(run(text)) == ["schema.type"] * 4


def test_too_many_entries_is_too_large() -> None:
    result = run(ONE_ENTRY * 3, limits=Limits(max_entries=2))
    assert [f.code for f in result.report.files[0].findings] == ["yaml.too-large"]


# Entry reports carry what the comment and the re-run need.
def test_entry_report_fields() -> None:
    entry = run("# header\n" + ONE_ENTRY).report.entries()[0]
    assert (entry.index, entry.dataset_id, entry.task_id, entry.value, entry.line) == (
        0, "Idavidrein/gpqa", "diamond", 78.8, 2,
    )


def test_entry_with_bad_schema_still_reported() -> None:
    entry = run("- dataset: {id: a/b}\n  value: 5\n").report.entries()[0]
    assert entry.dataset_id == "a/b"
    assert [f.code for f in entry.findings] == ["schema.missing"]


def test_findings_name_file() -> None:
    found = run({".eval_results/a.yaml": "- 1\n"}).report.files[0].entries[0].findings[0]
    assert found.file == ".eval_results/a.yaml"


def test_clean_pull_request_succeeds() -> None:
    assert run(ONE_ENTRY).report.conclusion == "success"


def test_error_finding_fails_pull_request() -> None:
    assert run("- 1\n").report.conclusion == "failure"


# Guards: an unexpected exception becomes a bot error for that file only.
def test_crash_in_check_is_bot_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> list:
        raise RuntimeError("boom")

    monkeypatch.setattr(validate_module, "check_source", explode)
    result = run({RESULTS_PATH: ONE_ENTRY, ".eval_results/other.yaml": "- 1\n"})
    assert [error.file for error in result.report.bot_errors] == [RESULTS_PATH]
    assert [f.code for f in result.report.files[1].all_findings()] == ["schema.type"]


def test_missing_content_is_bot_error() -> None:
    inputs = CheckInput(changed=[ChangedFile(path=RESULTS_PATH, status="added")], today=TODAY)
    result = validate(inputs, FakeSpecs())
    assert [error.file for error in result.report.bot_errors] == [RESULTS_PATH]


def test_bot_error_alone_does_not_fail() -> None:
    result = run(ONE_ENTRY, specs=FakeSpecs(failing=("Idavidrein/gpqa",)))
    assert result.report.conclusion == "success"


# Findings come out sorted by line, then errors before warnings, in entries and files.
UNSORTED = """\
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
    revison: main
  value: 78.8
  notes: No tools
  source:
    url: https://huggingface.co/google/gemma-4-12B-it
  date: '2020-13-45'
"""


def test_entry_findings_sorted_by_line() -> None:
    found = run(UNSORTED).report.entries()[0].findings
    lines = [f.line for f in found]
    assert len(found) >= 3
    assert lines == sorted(lines)


def test_same_line_errors_before_warnings() -> None:
    found = run(UNSORTED.replace("  value: 78.8\n", "  value: 78.8\n", 1)).report.entries()[0].findings
    order = {"error": 0, "warning": 1, "info": 2}
    keys = [(f.line, order[f.severity]) for f in found]
    assert keys == sorted(keys)


def test_line_order_beats_check_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from checks.report import finding

    def late_warning(item):  # type: ignore[no-untyped-def]
        return [finding("notes.tools", "late", file=item.file, line=8)]

    monkeypatch.setattr(validate_module, "check_source", late_warning)
    found = run(ONE_ENTRY.replace("Idavidrein/gpqa", "lukaemon/bbh")).report.entries()[0].findings
    assert [(f.line, f.severity) for f in found] == [(2, "error"), (8, "warning")]
