"""Tests of local folders for `evalbot check`: reading results files, main and specs."""

import datetime
import os
from pathlib import Path

import pytest

from bot.platforms.local import LocalInputError, LocalSpecs, load_checks, read_main, show_user_paths
from checks.inputs import SpecUnavailable
from checks.report import BotError, FileReport, Report, finding

TODAY = datetime.date(2026, 6, 1)
MAX_FILE_SIZE = 1024
GPQA_ENTRY = b"- dataset:\n    id: Idavidrein/gpqa\n    task_id: diamond\n  value: 78.8\n"
SPEC = b"name: GPQA\ntasks:\n  - id: diamond\n"


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    write(folder / ".eval_results" / "gpqa.yaml", GPQA_ENTRY)
    write(folder / ".eval_results" / "hle.yml", GPQA_ENTRY)
    write(folder / ".eval_results" / "notes.txt", b"not a results file")
    return folder


def load(paths: list[Path], main_dir: Path | None = None) -> list:
    return load_checks(paths, main_dir=main_dir, today=TODAY, max_file_size=MAX_FILE_SIZE)


# A model repo folder: every results file, with repo-relative paths for the checks.


def test_repo_folder_reads_results_files(repo: Path) -> None:
    [check] = load([repo])
    assert [file.path for file in check.inputs.changed] == [".eval_results/gpqa.yaml", ".eval_results/hle.yml"]


def test_repo_folder_files_are_added_without_main(repo: Path) -> None:
    [check] = load([repo])
    assert {file.status for file in check.inputs.changed} == {"added"}


def test_repo_folder_keeps_typed_paths(repo: Path) -> None:
    [check] = load([repo])
    assert check.display_paths[".eval_results/gpqa.yaml"] == str(repo / ".eval_results" / "gpqa.yaml")


def test_repo_folder_reads_content(repo: Path) -> None:
    [check] = load([repo])
    assert check.inputs.changed[0].content == GPQA_ENTRY


def test_each_repo_folder_is_own_check(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    write(other / ".eval_results" / "gpqa.yaml", GPQA_ENTRY)
    assert len(load([repo, other])) == 2


def test_loose_files_form_one_check(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "gpqa.yaml", GPQA_ENTRY)
    second = write(tmp_path / "b" / "hle.yaml", GPQA_ENTRY)
    [check] = load([first, second])
    assert [file.path for file in check.inputs.changed] == [".eval_results/gpqa.yaml", ".eval_results/hle.yaml"]


def test_today_reaches_inputs(repo: Path) -> None:
    [check] = load([repo])
    assert check.inputs.today == TODAY


# Main: a file on main and in the folder is modified; a file only on main is deleted.


@pytest.fixture
def main_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "main"
    write(folder / ".eval_results" / "gpqa.yaml", b"- old: entry\n")
    write(folder / ".eval_results" / "mmlu.yaml", b"- main: entry\n")
    return folder


def test_main_file_in_folder_is_modified(repo: Path, main_dir: Path) -> None:
    [check] = load([repo], main_dir)
    statuses = {file.path: file.status for file in check.inputs.changed}
    assert statuses[".eval_results/gpqa.yaml"] == "modified"


def test_main_file_missing_from_folder_is_deleted(repo: Path, main_dir: Path) -> None:
    [check] = load([repo], main_dir)
    statuses = {file.path: file.status for file in check.inputs.changed}
    assert statuses[".eval_results/mmlu.yaml"] == "deleted"


def test_repo_folder_skips_file_equal_to_main(repo: Path, main_dir: Path) -> None:
    write(main_dir / ".eval_results" / "hle.yml", GPQA_ENTRY)
    [check] = load([repo], main_dir)
    assert ".eval_results/hle.yml" not in [file.path for file in check.inputs.changed]


def test_loose_file_equal_to_main_checked(tmp_path: Path, main_dir: Path) -> None:
    loose = write(tmp_path / "mmlu.yaml", b"- main: entry\n")
    [check] = load([loose], main_dir)
    assert [file.status for file in check.inputs.changed] == ["modified"]


def test_loose_file_deletes_nothing(tmp_path: Path, main_dir: Path) -> None:
    loose = write(tmp_path / "gpqa.yaml", GPQA_ENTRY)
    [check] = load([loose], main_dir)
    assert [file.status for file in check.inputs.changed] == ["modified"]


def test_main_files_passed_to_checks(repo: Path, main_dir: Path) -> None:
    [check] = load([repo], main_dir)
    assert check.inputs.main_files == {
        ".eval_results/gpqa.yaml": b"- old: entry\n",
        ".eval_results/mmlu.yaml": b"- main: entry\n",
    }


def test_main_without_results_folder_is_empty(tmp_path: Path) -> None:
    assert read_main(tmp_path, MAX_FILE_SIZE) == {}


# Seeds: the same files give the same draw; any change gives another.


def test_seed_material_stable(repo: Path) -> None:
    assert load([repo])[0].seed_material == load([repo])[0].seed_material


def test_seed_material_changes_with_content(repo: Path) -> None:
    before = load([repo])[0].seed_material
    write(repo / ".eval_results" / "gpqa.yaml", GPQA_ENTRY.replace(b"78.8", b"78.9"))
    assert load([repo])[0].seed_material != before


# Size: a large file is read only up to the limit plus one byte, so the checks flag it.


def test_large_file_read_to_limit_plus_one(tmp_path: Path) -> None:
    big = write(tmp_path / "big.yaml", b"#" * (MAX_FILE_SIZE * 10))
    [check] = load([big])
    assert len(check.inputs.changed[0].content or b"") == MAX_FILE_SIZE + 1


# Bad paths are usage errors that name the path and the fix.


def test_missing_path_rejected(tmp_path: Path) -> None:
    with pytest.raises(LocalInputError, match="does not exist"):
        load([tmp_path / "nope.yaml"])


def test_folder_without_results_rejected(tmp_path: Path) -> None:
    with pytest.raises(LocalInputError, match="has no .eval_results/ folder"):
        load([tmp_path])


def test_empty_results_folder_rejected(tmp_path: Path) -> None:
    (tmp_path / ".eval_results").mkdir()
    with pytest.raises(LocalInputError, match="contains no"):
        load([tmp_path])


def test_same_file_name_twice_rejected(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "gpqa.yaml", GPQA_ENTRY)
    second = write(tmp_path / "b" / "gpqa.yaml", GPQA_ENTRY)
    with pytest.raises(LocalInputError, match="same file name"):
        load([first, second])


def test_main_not_a_folder_rejected(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(LocalInputError, match="--main"):
        load([repo], tmp_path / "missing")


def deny_reads(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Make opening one file fail as it would without read permission, even for root.

    Results files are opened with `os.open` and specs with `Path.open`, so both are guarded.
    """
    real_os_open = os.open
    real_path_open = Path.open

    def guarded_os_open(path: object, *args: object, **kwargs: object) -> int:
        if os.fspath(path) == os.fspath(denied):  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", str(path))
        return real_os_open(path, *args, **kwargs)  # type: ignore[arg-type]

    def guarded_path_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return real_path_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", guarded_os_open)
    monkeypatch.setattr(Path, "open", guarded_path_open)


def test_unreadable_file_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write(tmp_path / "locked.yaml", GPQA_ENTRY)
    deny_reads(monkeypatch, locked)
    with pytest.raises(LocalInputError, match="could not be read"):
        load([locked])


# Results files that are not regular files are never read: a link in an untrusted checkout
# could show any readable file in the report, and a FIFO would block.

SECRET = b"root:x:0:0:root:/root:/bin/bash\n"


def make_symlink_to_secret(path: Path, tmp_path: Path) -> None:
    path.symlink_to(write(tmp_path / "secret.txt", SECRET))


def make_dangling_symlink(path: Path, tmp_path: Path) -> None:
    path.symlink_to(tmp_path / "nowhere.yaml")


def make_symlink_to_device(path: Path, tmp_path: Path) -> None:
    path.symlink_to("/dev/zero")


def make_fifo(path: Path, tmp_path: Path) -> None:
    os.mkfifo(path)


def make_folder(path: Path, tmp_path: Path) -> None:
    path.mkdir()


SPECIAL_FILES = [
    pytest.param(make_symlink_to_secret, "symbolic link", id="symlink-to-file"),
    pytest.param(make_dangling_symlink, "symbolic link", id="dangling-symlink"),
    pytest.param(make_symlink_to_device, "symbolic link", id="symlink-to-device"),
    pytest.param(make_fifo, "FIFO", id="fifo"),
    pytest.param(make_folder, "folder", id="folder"),
]


@pytest.mark.parametrize(("make", "kind"), SPECIAL_FILES)
def test_special_file_in_repo_folder_rejected(repo: Path, tmp_path: Path, make, kind: str) -> None:
    special = repo / ".eval_results" / "special.yaml"
    make(special, tmp_path)
    with pytest.raises(LocalInputError) as raised:
        load([repo])
    assert str(raised.value).startswith(f"'{special}' is not a regular file (it is a {kind})")


# A folder on the command line is read as a model repo folder, so it is left out here.
@pytest.mark.parametrize(("make", "kind"), SPECIAL_FILES[:-1])
def test_special_loose_file_rejected(tmp_path: Path, make, kind: str) -> None:
    special = tmp_path / "special.yaml"
    make(special, tmp_path)
    with pytest.raises(LocalInputError, match=f"is not a regular file \\(it is a {kind}\\)"):
        load([special])


def test_device_loose_file_rejected() -> None:
    with pytest.raises(LocalInputError, match="is not a regular file \\(it is a device\\)"):
        load([Path("/dev/null")])


def test_symlink_target_never_quoted(repo: Path, tmp_path: Path) -> None:
    make_symlink_to_secret(repo / ".eval_results" / "a.yaml", tmp_path)
    with pytest.raises(LocalInputError) as raised:
        load([repo])
    assert "root:x" not in str(raised.value)


def test_symlink_in_main_rejected(repo: Path, main_dir: Path, tmp_path: Path) -> None:
    make_symlink_to_secret(main_dir / ".eval_results" / "linked.yaml", tmp_path)
    with pytest.raises(LocalInputError, match="symbolic link"):
        load([repo], main_dir)


def test_linked_results_folder_rejected(tmp_path: Path) -> None:
    write(tmp_path / "elsewhere" / "gpqa.yaml", GPQA_ENTRY)
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".eval_results").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(LocalInputError, match="is a symbolic link"):
        load([tmp_path / "repo"])


def test_linked_repo_folder_is_read(repo: Path, tmp_path: Path) -> None:
    link = tmp_path / "linked-repo"
    link.symlink_to(repo)
    [check] = load([link])
    assert len(check.inputs.changed) == 2


def test_file_swapped_for_symlink_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file replaced by a link between the type check and the open is still not read."""
    path = write(tmp_path / "swapped.yaml", GPQA_ENTRY)
    real_lstat = Path.lstat

    def lstat_then_swap(self: Path) -> os.stat_result:
        result = real_lstat(self)
        if self == path:
            path.unlink()
            make_symlink_to_secret(path, tmp_path)
        return result

    monkeypatch.setattr(Path, "lstat", lstat_then_swap)
    with pytest.raises(LocalInputError, match="symbolic link"):
        load([path])


# Paths in the report: the checks' repo-relative paths become the typed ones.


def test_show_user_paths_rewrites_everything() -> None:
    relative = ".eval_results/gpqa.yaml"
    report = Report(
        files=[FileReport(path=relative, findings=[finding("yaml.syntax", "Bad.", file=relative)])],
        bot_errors=[BotError(message="Failed.", file=relative)],
    )
    shown = show_user_paths(report, {relative: "repo/.eval_results/gpqa.yaml"})
    assert shown.files[0].path == "repo/.eval_results/gpqa.yaml"
    assert shown.files[0].findings[0].file == "repo/.eval_results/gpqa.yaml"
    assert shown.bot_errors[0].file == "repo/.eval_results/gpqa.yaml"


def test_show_user_paths_rewrites_quoted_paths() -> None:
    relative = ".eval_results/shadow"
    message = f"The file '{relative}' is not a results file."
    report = Report(files=[FileReport(path=relative, findings=[finding("pr.other-files", message, file=relative)])])
    shown = show_user_paths(report, {relative: "/etc/shadow"})
    assert shown.files[0].findings[0].message == "The file '/etc/shadow' is not a results file."


def test_show_user_paths_leaves_input_alone() -> None:
    report = Report(files=[FileReport(path=".eval_results/a.yaml")])
    show_user_paths(report, {".eval_results/a.yaml": "elsewhere.yaml"})
    assert report.files[0].path == ".eval_results/a.yaml"


# Specs: DIR/<org>/<name>/eval.yaml, DIR/<name>/eval.yaml, and pinned DIR/<org>/<name>@<rev>/.


@pytest.fixture
def benchmarks(tmp_path: Path) -> Path:
    root = tmp_path / "benchmarks"
    write(root / "Idavidrein" / "gpqa" / "eval.yaml", SPEC)
    write(root / "Idavidrein" / "gpqa@abc123" / "eval.yaml", b"pinned")
    write(root / "gsm8k" / "eval.yaml", b"single")
    write(tmp_path / "secret" / "eval.yaml", b"outside")
    return root


def test_spec_found_by_org_and_name(benchmarks: Path) -> None:
    assert LocalSpecs(benchmarks)("Idavidrein/gpqa", None) == SPEC


def test_spec_found_by_single_part_id(benchmarks: Path) -> None:
    assert LocalSpecs(benchmarks)("gsm8k", None) == b"single"


def test_spec_pinned_revision_preferred(benchmarks: Path) -> None:
    assert LocalSpecs(benchmarks)("Idavidrein/gpqa", "abc123") == b"pinned"


def test_spec_unknown_revision_falls_back(benchmarks: Path) -> None:
    assert LocalSpecs(benchmarks)("Idavidrein/gpqa", "def456") == SPEC


def test_spec_missing_dataset_is_none(benchmarks: Path) -> None:
    assert LocalSpecs(benchmarks)("lukaemon/bbh", None) is None


@pytest.mark.parametrize(
    "dataset_id",
    ["../secret", "Idavidrein/../../secret", "/etc/passwd", "a/b/c", "", "Idavidrein\\gpqa", "..", "x/.."],
)
def test_spec_id_outside_root_is_none(benchmarks: Path, dataset_id: str) -> None:
    assert LocalSpecs(benchmarks)(dataset_id, None) is None


@pytest.mark.parametrize("revision", ["../../secret", "refs/pr/1", "a/../b"])
def test_spec_hostile_revision_ignored(benchmarks: Path, revision: str) -> None:
    assert LocalSpecs(benchmarks)("Idavidrein/gpqa", revision) == SPEC


def test_spec_symlink_outside_root_is_none(benchmarks: Path, tmp_path: Path) -> None:
    (benchmarks / "evil").mkdir()
    (benchmarks / "evil" / "link").symlink_to(tmp_path / "secret")
    assert LocalSpecs(benchmarks)("evil/link", None) is None


def test_spec_unreadable_is_unavailable(benchmarks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deny_reads(monkeypatch, benchmarks.resolve() / "gsm8k" / "eval.yaml")
    with pytest.raises(SpecUnavailable):
        LocalSpecs(benchmarks)("gsm8k", None)


def test_benchmarks_not_a_folder_rejected(tmp_path: Path) -> None:
    with pytest.raises(LocalInputError, match="--benchmarks"):
        LocalSpecs(tmp_path / "missing")
