"""Local folders for `evalbot check`: results files, a model repo's main, benchmark specs.

A check of local files mimics a pull request. The checks see repo-relative paths
(`.eval_results/x.yaml`), so a file that also exists in the `--main` folder counts as
modified rather than as a duplicate of itself. The report is then rewritten to show the
paths the user typed.

Benchmark specs come from a folder laid out like the Hub: `DIR/<org>/<name>/eval.yaml`
(`DIR/<name>/eval.yaml` for a single-part id). A folder `DIR/<org>/<name>@<revision>/`
pins one revision. Without such a folder the revision is ignored and the unpinned folder
is used, because a local folder has no history.

Only regular files are read as results files. A symbolic link, a FIFO, a device or a
folder named `*.yaml` stops the run with a `LocalInputError` that names the path, and
its content is never read. A link in an untrusted checkout could point at any file the
user can read, and a FIFO would block the read. A `.eval_results` folder that is a
link is rejected for the same reason. A model repo folder typed on the command line may
itself be a link, because the user chose it.
"""

import datetime
import errno
import hashlib
import logging
import os
import re
import stat
from pathlib import Path, PurePosixPath

from pydantic import BaseModel

from checks.inputs import RESULTS_DIR, ChangedFile, CheckInput, SpecUnavailable
from checks.messages import quote
from checks.report import Report, finding

logger = logging.getLogger(__name__)

RESULTS_SUFFIXES = (".yaml", ".yml")
SPEC_FILENAME = "eval.yaml"
# Specs are a few kilobytes. A larger file is read only up to this size plus one byte,
# so the checks can reject it without the bot holding the whole file.
MAX_SPEC_BYTES = 1024 * 1024

# Hub repo ids: "org/name" or a legacy single-part id such as "gsm8k". The check keeps
# user text from naming a path outside the benchmarks folder.
_DATASET_ID_RE = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?", re.ASCII)
_REVISION_RE = re.compile(r"[\w.-]+", re.ASCII)


class LocalInputError(Exception):
    """A path given on the command line is missing, unreadable or not a results source."""


class LocalCheck(BaseModel):
    """One validation run over local files, with the paths to show in the report."""

    inputs: CheckInput
    # Repo-relative path seen by the checks -> path as the user typed it.
    display_paths: dict[str, str]
    # Stable material for the re-run's item draw: a hash of the checked files.
    seed_material: str


def load_checks(
    paths: list[Path],
    *,
    main_dir: Path | None,
    today: datetime.date,
    max_file_size: int,
) -> list[LocalCheck]:
    """Group the command line's paths into validation runs.

    Each model-repo folder is its own run, because duplicates across two models are not
    duplicates. Loose results files form one run together.

    Raises:
        LocalInputError: a path is missing, unreadable, not a regular file, or has no
            results files.
    """
    main_files = read_main(main_dir, max_file_size) if main_dir is not None else {}
    checks = []
    loose: dict[str, tuple[str, bytes]] = {}
    for path in paths:
        if path.is_dir():
            files = _read_repo_folder(path, max_file_size)
            checks.append(_build_check(files, main_files, today, folder_run=True))
            continue
        relative = _loose_results_path(path)
        if relative in loose:
            raise LocalInputError(
                f"'{path}' and '{loose[relative][0]}' have the same file name; "
                "check them in separate runs"
            )
        loose[relative] = (str(path), _read_file(path, max_file_size))
    if loose:
        checks.append(_build_check(loose, main_files, today, folder_run=False))
    return checks


def _loose_results_path(path: Path) -> str:
    """Return the repo-relative path under which the checks read a file named on the command line.

    A file the user names is checked as a results file whatever its extension, so a
    name without `.yaml` gets the suffix added: `pr.other-files` is about what a pull
    request changes, not about what the user asked to check. Reports show the typed path.
    """
    name = path.name if path.name.endswith(".yaml") else path.name + ".yaml"
    return RESULTS_DIR + name


def read_main(main_dir: Path, max_file_size: int) -> dict[str, bytes]:
    """Read the results files of a model repo's main branch, by repo-relative path."""
    if not main_dir.is_dir():
        raise LocalInputError(f"'{main_dir}' is not a folder; pass the model repo's main checkout to --main")
    results_dir = main_dir / RESULTS_DIR
    _reject_linked_folder(results_dir)
    if not results_dir.is_dir():
        return {}
    return {
        RESULTS_DIR + file.name: _read_file(file, max_file_size) for file in _results_files(results_dir)
    }


def _read_repo_folder(folder: Path, max_file_size: int) -> dict[str, tuple[str, bytes]]:
    results_dir = folder / RESULTS_DIR
    _reject_linked_folder(results_dir)
    if not results_dir.is_dir():
        raise LocalInputError(
            f"'{folder}' has no {RESULTS_DIR} folder; pass a model repo folder or a results file"
        )
    files = _results_files(results_dir)
    if not files:
        raise LocalInputError(f"'{results_dir}' contains no *.yaml or *.yml files; add a results file to check")
    return {RESULTS_DIR + file.name: (str(file), _read_file(file, max_file_size)) for file in files}


def _reject_linked_folder(results_dir: Path) -> None:
    """Raise when `.eval_results` is a link, which could lead to any folder on the machine."""
    if results_dir.is_symlink():
        raise LocalInputError(
            f"'{results_dir}' is a symbolic link, and evalbot does not follow links inside a model "
            "repo folder; make it a real folder"
        )


def _results_files(results_dir: Path) -> list[Path]:
    """List the entries named *.yaml or *.yml, of any file type, so `_read_file` can reject the odd ones."""
    return sorted(file for file in results_dir.iterdir() if file.suffix in RESULTS_SUFFIXES)


def _read_file(path: Path, max_file_size: int) -> bytes:
    """Read a regular file, at most `max_file_size + 1` bytes, enough for the checks to see it is too large.

    The file type is checked before the open and again on the open descriptor, which is
    opened without following a link and without blocking. So a file swapped for a link or
    a FIFO in between is still never read.
    """
    try:
        kind = _special_file_kind(path.lstat().st_mode)
    except FileNotFoundError as error:
        raise LocalInputError(f"'{path}' does not exist; pass a results file or a model repo folder") from error
    except OSError as error:
        raise LocalInputError(f"'{path}' could not be read ({error.strerror}); check its permissions") from error
    if kind is not None:
        raise LocalInputError(_not_regular_message(path, kind))

    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise LocalInputError(_not_regular_message(path, "a symbolic link")) from error
        raise LocalInputError(f"'{path}' could not be read ({error.strerror}); check its permissions") from error
    with os.fdopen(descriptor, "rb") as stream:
        kind = _special_file_kind(os.fstat(stream.fileno()).st_mode)
        if kind is not None:
            raise LocalInputError(_not_regular_message(path, kind))
        try:
            return stream.read(max_file_size + 1)
        except OSError as error:
            raise LocalInputError(f"'{path}' could not be read ({error.strerror}); check the file") from error


def _special_file_kind(mode: int) -> str | None:
    """Name the file type of an `st_mode` that is not a regular file; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _not_regular_message(path: Path, kind: str) -> str:
    return (
        f"'{path}' is not a regular file (it is {kind}) and was not read; "
        "replace it with a regular results file"
    )


def _build_check(
    files: dict[str, tuple[str, bytes]],
    main_files: dict[str, bytes],
    today: datetime.date,
    *,
    folder_run: bool,
) -> LocalCheck:
    """Build one run, as the diff of a pull request against main.

    For a repo folder (`folder_run`), a file equal to main's copy is unchanged and left
    out, and a file on main missing from the folder counts as deleted. Loose files are
    always checked, because the user named them.
    """
    changed = []
    for relative, (_, content) in files.items():
        if relative not in main_files:
            changed.append(ChangedFile(path=relative, status="added", content=content))
        elif not folder_run or main_files[relative] != content:
            changed.append(ChangedFile(path=relative, status="modified", content=content))
    if folder_run:
        changed += [
            ChangedFile(path=relative, status="deleted")
            for relative in main_files
            if relative not in files
        ]
    digest = hashlib.sha256()
    for relative, (_, content) in sorted(files.items()):
        digest.update(relative.encode() + b"\0" + hashlib.sha256(content).digest())
    return LocalCheck(
        inputs=CheckInput(changed=changed, main_files=main_files, today=today),
        display_paths={relative: shown for relative, (shown, _) in files.items()},
        seed_material=digest.hexdigest(),
    )


def add_hub_name_findings(report: Report, display_paths: dict[str, str]) -> None:
    """Warn about a file named on the command line that the Hub would not read by its name.

    Such a file is still checked, because the user asked for it, but a pull request that
    adds it under that name would show no score.
    """
    for file_report in report.files:
        shown = display_paths.get(file_report.path)
        already_reported = any(f.code == "pr.other-files" for f in file_report.findings)
        if shown is None or shown.endswith(".yaml") or already_reported:
            continue
        name = PurePosixPath(shown).name
        file_report.findings.insert(0, finding(
            "pr.other-files",
            f"The Hub reads only results files named `*.yaml`, so it would not read {quote(name)}.",
            file=file_report.path,
            hint=f"Rename it to {quote(PurePosixPath(name).stem + '.yaml')} before you open the pull request.",
        ))


def show_user_paths(report: Report, display_paths: dict[str, str]) -> Report:
    """Return a copy of the report with repo-relative paths replaced by the typed ones.

    Messages and hints that quote a repo-relative path (as `checks.messages.quote` writes
    it) quote the typed path instead, so a loose file is never shown under a name the
    user did not type.
    """
    rewritten = report.model_copy(deep=True)
    quoted = {quote(relative): quote(shown) for relative, shown in display_paths.items() if relative != shown}
    for file_report in rewritten.files:
        file_report.path = display_paths.get(file_report.path, file_report.path)
        for finding in file_report.all_findings():
            if finding.file is not None:
                finding.file = display_paths.get(finding.file, finding.file)
            finding.message = _replace_quoted(finding.message, quoted)
            if finding.hint is not None:
                finding.hint = _replace_quoted(finding.hint, quoted)
    for bot_error in rewritten.bot_errors:
        if bot_error.file is not None:
            bot_error.file = display_paths.get(bot_error.file, bot_error.file)
        bot_error.message = _replace_quoted(bot_error.message, quoted)
    return rewritten


def _replace_quoted(text: str, quoted: dict[str, str]) -> str:
    for relative, shown in quoted.items():
        text = text.replace(relative, shown)
    return text


class LocalSpecs:
    """A `checks.inputs.SpecLookup` over a benchmarks folder laid out like the Hub."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise LocalInputError(f"'{root}' is not a folder; pass a benchmarks folder to --benchmarks")
        self.root = root.resolve()
        # The folder as the user typed it, for messages.
        self.shown_root = root

    def spec_path(self, dataset_id: str, revision: str | None) -> Path | None:
        """Return the eval.yaml path for a dataset, or None when the id cannot name a folder."""
        if _DATASET_ID_RE.fullmatch(dataset_id) is None or ".." in dataset_id:
            return None
        folder = self.root / dataset_id
        if revision is not None and _REVISION_RE.fullmatch(revision) and ".." not in revision:
            pinned = folder.with_name(f"{folder.name}@{revision}")
            if pinned.is_dir():
                folder = pinned
        path = folder / SPEC_FILENAME
        # A symlink inside the folder could still point elsewhere; stay under the root.
        if not path.resolve().is_relative_to(self.root):
            return None
        return path

    def describe(self, dataset_id: str, revision: str | None) -> str:
        """Return where the eval.yaml was looked for, for the `benchmark.not-found` message."""
        path = self.spec_path(dataset_id, revision)
        if path is None:
            return f"the id names no folder inside the benchmarks folder '{self.shown_root}'"
        return f"no eval.yaml at '{self.shown_root / path.relative_to(self.root)}'"

    def __call__(self, dataset_id: str, revision: str | None) -> bytes | None:
        path = self.spec_path(dataset_id, revision)
        if path is None or not path.is_file():
            return None
        try:
            with path.open("rb") as stream:
                return stream.read(MAX_SPEC_BYTES + 1)
        except OSError as error:
            logger.warning("benchmark spec unreadable", extra={"path": str(path), "error": str(error)})
            raise SpecUnavailable(f"'{path}' could not be read ({error.strerror})") from error
