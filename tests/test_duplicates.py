"""Tests of results reported twice: in the PR, on main, and in other open PRs."""

import pytest

from tests.validation_helpers import FakeSpecs, codes, run


def entry(value: str = "50.0", task_id: str = "diamond", notes: str | None = None) -> str:
    text = f"- dataset:\n    id: Idavidrein/gpqa\n    task_id: {task_id}\n  value: {value}\n"
    return text + (f"  notes: '{notes}'\n" if notes is not None else "")


OLD = ".eval_results/old.yaml"
NEW = ".eval_results/results.yaml"


def test_same_result_twice_in_pr() -> None:
    assert codes(run(entry() + entry())) == ["duplicate.same"]


def test_conflicting_result_in_pr() -> None:
    assert codes(run(entry("50.0") + entry("51.0"))) == ["duplicate.conflict"]


def test_duplicate_across_pr_files() -> None:
    result = run({NEW: entry(), ".eval_results/second.yaml": entry()})
    assert codes(result) == ["duplicate.same"]


def test_duplicate_of_main_names_place() -> None:
    result = run(entry("50"), main={OLD: entry("50.0")})
    found = result.report.entries()[0].findings
    assert [f.code for f in found] == ["duplicate.same"]
    assert f"{OLD} line 1 on main" in found[0].message


def test_conflict_with_main() -> None:
    assert codes(run(entry("50.0"), main={OLD: entry("40.0")})) == ["duplicate.conflict"]


def test_modified_file_is_not_its_own_duplicate() -> None:
    result = run({NEW: entry("51.0")}, main={NEW: entry("50.0")}, status="modified")
    assert codes(result) == []


def test_duplicate_in_other_pr_names_number() -> None:
    result = run(entry("50.0"), other_prs={7: {OLD: entry("45.0")}})
    found = result.report.entries()[0].findings
    assert [f.code for f in found] == ["duplicate.conflict"]
    assert "pull request #7" in found[0].message


def test_notes_separate_results() -> None:
    assert codes(run(entry("60.0", notes="With tools") + entry("55.0", notes="with agent"))) == []


def test_notes_normalised_for_key() -> None:
    assert codes(run(entry("60.0", notes="With tools") + entry("60.0", notes=" with  TOOLS."))) == ["duplicate.same"]


def test_scale_change_is_conflict() -> None:
    assert "duplicate.conflict" in codes(run(entry("0.852"), main={OLD: entry("85.2")}))


def test_broken_main_file_is_ignored() -> None:
    assert codes(run(entry(), main={OLD: "- [\n"})) == []


def test_other_tasks_are_not_duplicates() -> None:
    assert codes(run(entry(task_id="diamond") + entry(task_id="main"))) == []


# Notes whose only content is "no tools" mean the same run as no notes, as in checks.notes.
HLE = "- dataset:\n    id: cais/hle\n    task_id: hle\n  value: {value}\n"


def hle(value: str, notes: str | None = None) -> str:
    return HLE.format(value=value) + (f"  notes: '{notes}'\n" if notes is not None else "")


@pytest.mark.parametrize("notes", ["No tools", "no-tools", "Without tools.", "w/o tools", "(NO TOOLS)", "no_tools!"])
def test_no_tools_notes_equal_no_notes(notes: str) -> None:
    found = codes(run(hle("5.2", notes) + hle("19.4"), specs=FakeSpecs({})))
    assert "duplicate.conflict" in found


def test_no_tools_notes_against_main() -> None:
    found = codes(run(hle("19.4"), main={OLD: hle("5.2", "No tools")}, specs=FakeSpecs({})))
    assert "duplicate.conflict" in found


@pytest.mark.parametrize("notes", ["With tools", "no tools, 5 shots", "tools"])
def test_other_notes_stay_separate(notes: str) -> None:
    found = codes(run(hle("5.2", notes) + hle("19.4"), specs=FakeSpecs({})))
    assert "duplicate.conflict" not in found
