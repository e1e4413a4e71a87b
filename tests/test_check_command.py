"""Tests of `evalbot check` on files the user names: any extension, empty runs, spec paths."""

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main
from bot.platforms.local import LocalSpecs

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"
GPQA_SPEC = REALWORLD / "eval_yaml" / "Idavidrein__gpqa.yaml"
CLEAN_GPQA = b"""- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: 78.8
  date: "2026-05-23"
  source:
    url: https://huggingface.co/google/gemma-4-12B-it
    name: Model Card
"""


@pytest.fixture
def benchmarks(tmp_path: Path) -> Path:
    folder = tmp_path / "benchmarks" / "Idavidrein" / "gpqa"
    folder.mkdir(parents=True)
    shutil.copy(GPQA_SPEC, folder / "eval.yaml")
    return tmp_path / "benchmarks"


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# A file named on the command line is checked as a results file whatever its extension.


@pytest.mark.parametrize("name", ["loose.yml", "results.txt", "scores", "UPPER.YAML"])
def test_named_file_checked_any_extension(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    results = write(tmp_path / name, CLEAN_GPQA)
    code, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "json")
    report = json.loads(out)
    assert code == EXIT_OK
    assert [len(file["entries"]) for file in report["files"]] == [1]
    # Checked, but with a warning that the Hub would not read the file under this name.
    assert [finding["code"] for finding in report["files"][0]["findings"]] == ["pr.other-files"]
    assert report["files"][0]["findings"][0]["hint"] == f"Rename it to '{Path(name).stem}.yaml' before you open the pull request."


def test_named_yml_file_shows_typed_path(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "loose.yml", CLEAN_GPQA.replace(b"78.8", b"785"))
    code, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert code == EXIT_FINDINGS
    assert f"{results}:4: error value.out-of-range" in out
    assert ".eval_results" not in out


def test_named_yml_beside_yaml_of_same_stem(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write(tmp_path / "a.yml", CLEAN_GPQA)
    second = write(tmp_path / "b" / "a.yaml", CLEAN_GPQA.replace(b"diamond", b"main"))
    code, out, _ = run(capsys, "check", first, second, "--benchmarks", benchmarks, "--format", "json")
    assert code == EXIT_OK
    assert sorted(file["path"] for file in json.loads(out)["files"]) == sorted([str(first), str(second)])


def test_yml_in_repo_folder_still_other_file(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "repo" / ".eval_results" / "gpqa.yml", CLEAN_GPQA)
    write(tmp_path / "repo" / ".eval_results" / "gpqa_main.yaml", CLEAN_GPQA.replace(b"diamond", b"main"))
    _, out, _ = run(capsys, "check", tmp_path / "repo", "--benchmarks", benchmarks, "--format", "json")
    codes = {file["path"].rsplit("/", 1)[-1]: [f["code"] for f in file["findings"]] for file in json.loads(out)["files"]}
    assert codes == {"gpqa.yml": ["pr.other-files"], "gpqa_main.yaml": []}


# A run that checked no entry exits 2, so a CI job cannot pass with nothing checked.


def test_empty_list_file_exits_two(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "empty.yaml", b"[]\n")
    code, _, err = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert code == EXIT_ERROR
    assert f"evalbot: error: no results entries were checked in '{results}'" in err


def test_folder_of_only_yml_exits_two(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "repo" / ".eval_results" / "gpqa.yml", CLEAN_GPQA)
    code, _, err = run(capsys, "check", tmp_path / "repo", "--benchmarks", benchmarks)
    assert code == EXIT_ERROR
    assert "no results entries were checked in" in err


def test_nothing_checked_keeps_json_report(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "empty.yaml", b"[]\n")
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "json")
    report = json.loads(out)
    assert report["conclusion"] == "success"
    assert [file["path"] for file in report["files"]] == [str(results)]


def test_folder_equal_to_main_exits_two(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "repo" / ".eval_results" / "gpqa.yaml", CLEAN_GPQA)
    write(tmp_path / "main" / ".eval_results" / "gpqa.yaml", CLEAN_GPQA)
    code, _, err = run(capsys, "check", tmp_path / "repo", "--main", tmp_path / "main", "--benchmarks", benchmarks)
    assert code == EXIT_ERROR
    assert "every results file equals its copy in --main" in err


def test_file_with_errors_and_no_entries_exits_one(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = write(tmp_path / "blank.yaml", b"")
    code, _, err = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert code == EXIT_FINDINGS
    assert err == ""


def test_checked_entry_exits_zero_without_error(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA)
    code, _, err = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert code == EXIT_OK
    assert "no results entries" not in err


# A missing spec names the path that was looked at, as the user typed the folder.


def test_local_specs_describe_typed_path(benchmarks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(benchmarks.parent)
    specs = LocalSpecs(Path("benchmarks"))
    assert specs.describe("org/name", None) == "no eval.yaml at 'benchmarks/org/name/eval.yaml'"


def test_local_specs_describe_pinned_folder(benchmarks: Path) -> None:
    (benchmarks / "org" / "name@v2").mkdir(parents=True)
    specs = LocalSpecs(benchmarks)
    assert specs.describe("org/name", "v2") == f"no eval.yaml at '{benchmarks}/org/name@v2/eval.yaml'"


@pytest.mark.parametrize("dataset_id", ["../outside", "org/../../x", "has space/x", ""])
def test_local_specs_describe_unusable_id(benchmarks: Path, dataset_id: str) -> None:
    specs = LocalSpecs(benchmarks)
    assert specs.describe(dataset_id, None) == f"the id names no folder inside the benchmarks folder '{benchmarks}'"


def test_missing_spec_message_names_local_path(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = write(tmp_path / "bbh.yaml", CLEAN_GPQA.replace(b"Idavidrein/gpqa", b"lukaemon/bbh"))
    code, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert code == EXIT_FINDINGS
    assert f"no eval.yaml at '{benchmarks}/lukaemon/bbh/eval.yaml'" in out
    assert "not a benchmark" not in out


# Messages that name another checked file show the path the user typed.


def test_duplicate_message_names_typed_path(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write(tmp_path / "one.yml", CLEAN_GPQA)
    second = write(tmp_path / "two.txt", CLEAN_GPQA.replace(b"78.8", b"60.0"))
    _, out, _ = run(capsys, "check", first, second, "--benchmarks", benchmarks)
    assert f"conflicts with '78.8' in '{first}' line 1." in out
    assert ".eval_results" not in out


def test_scale_message_names_typed_path(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write(tmp_path / "one.yml", CLEAN_GPQA)
    second = write(tmp_path / "two.txt", CLEAN_GPQA.replace(b"78.8", b"0.6").replace(b"diamond", b"main"))
    _, out, _ = run(capsys, "check", first, second, "--benchmarks", benchmarks)
    assert f"for the same benchmark in '{first}' line 1" in out
    assert ".eval_results" not in out
