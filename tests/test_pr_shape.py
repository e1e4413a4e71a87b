"""Tests of which changed files are results files, and of deleted results files."""

import pytest

from checks.inputs import ChangedFile
from checks.pr_shape import check_file_shape, is_results_path
from tests.validation_helpers import ONE_ENTRY, codes, run


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".eval_results/gpqa.yaml", True),
        (".eval_results/hfcommit__a__b.yaml", True),
        (".eval_results/gpqa.yml", False),
        (".eval_results/sub/gpqa.yaml", False),
        ("eval_results/gpqa.yaml", False),
        ("README.md", False),
        (".eval_results/gpqa.yaml.bak", False),
    ],
)
def test_is_results_path(path: str, expected: bool) -> None:
    assert is_results_path(path) is expected


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        (".eval_results/gpqa.yml", "'.eval_results/gpqa.yaml'"),
        (".eval_results/sub/gpqa.yaml", "directly into"),
        ("README.md", "another pull request"),
    ],
)
def test_other_file_gets_hint(path: str, hint: str) -> None:
    found = check_file_shape(ChangedFile(path=path, status="added", content=b""))
    assert [f.code for f in found] == ["pr.other-files"]
    assert hint in (found[0].hint or "")


def test_deleted_results_file_is_reported() -> None:
    result = run({".eval_results/old.yaml": ""}, status="deleted")
    assert codes(result) == ["pr.deletes-results"]


def test_yml_file_is_not_parsed() -> None:
    result = run({".eval_results/x.yml": "- [\n"})
    assert codes(result) == ["pr.other-files"]


def test_other_file_beside_results() -> None:
    result = run({".eval_results/gpqa.yaml": ONE_ENTRY, "README.md": "# model"})
    assert codes(result) == ["pr.other-files"]
