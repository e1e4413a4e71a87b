"""Re-run a benchmark's Inspect task on a seeded sample of its items, per entry.

The parent side of the re-run: decide which entries cannot be re-run (with the reason),
fetch the split's data files through `huggingface_hub` or from a local benchmarks folder,
then run each entry in a child process (`python -m checks.reproduce.child`) that has
no write token, and write its verdict into the report.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic
from huggingface_hub import hf_hub_download, snapshot_download
from huggingface_hub import errors as hf_errors
from pydantic import BaseModel, ConfigDict

import checks
from checks.report import BotError, EntryReport, Reproduction, finding
from checks.reproduce.data import DataFilesError, data_file_patterns
from checks.reproduce.options import RerunOptions
from checks.reproduce.sampling import draw_seed
from checks.reproduce.stats import normalize_claim
from checks.reproduce.task import not_run_reason, parse_task

if TYPE_CHECKING:
    from checks.validate import ValidationResult

logger = logging.getLogger(__name__)

CHILD_MODULE = "checks.reproduce.child"
INSPECT_AI = "inspect-ai"

# Hub repo ids as the local benchmarks folder accepts them; anything else could name a
# path outside that folder.
_DATASET_ID_RE = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?", re.ASCII)
_REVISION_RE = re.compile(r"[\w.-]+", re.ASCII)

# Environment variables the child always gets: what Python, Inspect and the provider
# clients need to start, and nothing that authenticates.
BASE_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TMPDIR", "TZ", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
# Credentials that must never reach the child, even when a provider prefix matches.
DENIED_ENVIRONMENT = frozenset(
    {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_API_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "EVALBOT_INFERENCE_TOKEN"}
)
# Inspect providers whose keys use another prefix than the provider's name.
PROVIDER_PREFIXES: dict[str, tuple[str, ...]] = {
    "google": ("GOOGLE", "GEMINI"),
    "azureai": ("AZUREAI", "AZURE"),
    "bedrock": ("AWS",),
    "hf-inference-providers": (),
    # `openai-api/<name>/<model>` uses `<NAME>_...`, added below.
    "openai-api": (),
}
# Provider keys the child needs: `<PREFIX>_API_KEY`, `<PREFIX>_BASE_URL` and the like.
PROVIDER_SUFFIXES = ("_API_KEY", "_BASE_URL", "_API_BASE", "_API_VERSION", "_REGION", "_ACCESS_KEY_ID", "_SECRET_ACCESS_KEY")
# The child's stderr kept in the log when it fails, in characters.
STDERR_TAIL = 2000


class RerunContext(BaseModel):
    """Seed material, data source and child process settings of a re-run."""

    model_config = ConfigDict(frozen=True)

    # The model repo under review, e.g. "google/gemma-4-12B-it"; None for local checks.
    repo_id: str | None = None
    # Seed material: the pull request's head sha, or a hash of the results files for
    # local checks, so anyone can redo the same item draw.
    seed_material: str
    # Hub endpoint and a read-only token for dataset downloads. The token never reaches
    # the child process. None uses huggingface_hub's configured endpoint.
    endpoint: str | None = None
    token: str | None = None
    # Local benchmarks folder (`--benchmarks DIR`): specs at DIR/<org>/<name>/eval.yaml
    # with the data files beside them. When set, nothing is downloaded.
    benchmarks_dir: Path | None = None
    # Download cache for data files; None uses huggingface_hub's default cache.
    cache_dir: Path | None = None
    # Command that starts the child; tests replace it to simulate a crash or a hang.
    child_command: tuple[str, ...] = (sys.executable, "-m", CHILD_MODULE)
    # Extra keyword arguments of `inspect_ai.eval` in the child, e.g. `max_retries`.
    eval_args: dict[str, Any] = {}
    # Settings key of the shared budget that lowered `max_generations` (e.g.
    # "generations_per_pr"), named in the reason of a run it cut short; None means the option.
    generation_budget: str | None = None


class NotRun(Exception):
    """The entry cannot be re-run; the message gives the reason and goes into the report."""


class RerunError(Exception):
    """The child process crashed, hung or wrote no result, or the Hub failed: a bot error."""


def reproduce(result: ValidationResult, options: RerunOptions, context: RerunContext) -> None:
    """Re-run every entry of `result.report` that can be re-run, in place.

    Sets `EntryReport.reproduction` on each entry and adds a `reproduce.*` finding where
    the verdict is inconsistent, inconclusive or not-run. A child process that crashes,
    hangs or times out, and a Hub failure while the data files download, append a
    `BotError` to the report instead. Never raises for a problem of one entry.
    """
    for file_report in result.report.files:
        for entry in file_report.entries:
            started = time.monotonic()
            try:
                reproduction = _reproduce_entry(result, entry, options, context)
            except NotRun as reason:
                reproduction = Reproduction(verdict="not-run", reason=str(reason))
            except RerunError as error:
                reproduction = _bot_error(result, file_report.path, entry, str(error))
            except Exception as error:  # noqa: BLE001
                # A bug in the re-run must not take the whole check down, so it becomes a
                # bot error on this entry, with the traceback in the log.
                logger.exception("rerun entry failed file=%s index=%d", file_report.path, entry.index)
                reproduction = _bot_error(result, file_report.path, entry, f"an internal error ({type(error).__name__})")
            entry.reproduction = reproduction
            _add_finding(entry, reproduction, file_report.path)
            logger.info(
                "rerun entry repo=%s file=%s index=%d dataset=%s task=%s verdict=%s items=%d duration=%.1fs",
                context.repo_id, file_report.path, entry.index, entry.dataset_id, entry.task_id,
                reproduction.verdict, reproduction.items, time.monotonic() - started,
            )


def _bot_error(result: ValidationResult, path: str, entry: EntryReport, reason: str) -> Reproduction:
    result.report.bot_errors.append(BotError(message=f"The re-run failed: {reason}.", file=path, entry_index=entry.index))
    return Reproduction(verdict="error", reason=reason)


def _reproduce_entry(
    result: ValidationResult, entry: EntryReport, options: RerunOptions, context: RerunContext
) -> Reproduction:
    """Re-run one entry; raise NotRun or RerunError when it cannot finish."""
    if not options.enabled:
        raise NotRun("re-runs are not enabled; pass --rerun or --model MODEL to re-run Inspect benchmarks")
    if any(item.severity == "error" for item in entry.findings):
        raise NotRun("the entry has error findings, so it is not re-run until they are fixed")
    claim, claim_scale = _claim(entry.value)
    dataset_id, revision, raw_task, task_count = _find_task(result, entry)

    try:
        task_spec = parse_task(raw_task)
    except pydantic.ValidationError as error:
        raise NotRun(f"the task of '{dataset_id}' fails Inspect's eval.yaml rules ({error.error_count()} errors)") from error
    reason = not_run_reason(task_spec, options.grader)
    if reason is not None:
        raise NotRun(reason)
    model = options.model_for(context.repo_id)
    if model is None:
        raise NotRun("the model string needs the model repo id, which a local check lacks; pass --model MODEL")

    data_dir = _data_folder(dataset_id, revision, task_spec.config, task_spec.split, context)
    request = {
        "dataset_id": dataset_id,
        "task_id": entry.task_id,
        "task_count": task_count,
        "raw_task": raw_task,
        "data_dir": str(data_dir),
        "model": model,
        "seed": draw_seed(context.repo_id, context.seed_material, dataset_id, entry.task_id),
        "claim": claim,
        "claim_scale": claim_scale,
        "options": options.model_dump(mode="json"),
        "generation_budget": context.generation_budget,
        "eval_args": context.eval_args,
    }
    return run_child(request, model, options, context)


def _claim(value: float | str | None) -> tuple[float, str]:
    """Return the claim on 0-1 and the scale it was read on, or raise NotRun."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise NotRun("the value is not a finite number, so there is no claim to compare with")
    try:
        claim, _sentence = normalize_claim(float(value))
    except ValueError as error:
        raise NotRun(f"the value cannot be read as a score ({error})") from error
    # normalize_claim reads values up to 1 as 0-1 and larger ones as 0-100.
    return claim, "0-1" if claim == value else "0-100"


def _find_task(result: ValidationResult, entry: EntryReport) -> tuple[str, str | None, dict[str, Any], int]:
    """Return (dataset id, revision, raw task mapping, task count) of the entry's task."""
    if entry.dataset_id is None or entry.task_id is None:
        raise NotRun("the entry names no dataset id or task id")
    # NOTE: EntryReport has no revision field, so the spec is found by its dataset id.
    # A pull request that pins two revisions of one benchmark is therefore not re-run.
    revision_field = getattr(entry, "revision", None)
    keys = [key for key in result.raw_specs if key[0] == entry.dataset_id]
    if revision_field is not None:
        keys = [key for key in keys if key[1] == revision_field]
    if not keys:
        raise NotRun(f"no eval.yaml was found for '{entry.dataset_id}'")
    if len(keys) > 1:
        raise NotRun(f"the pull request names several revisions of '{entry.dataset_id}'; the re-run needs one")
    key = keys[0]

    spec = result.specs.get(key)
    framework = getattr(spec, "evaluation_framework", None)
    if framework != INSPECT_AI:
        raise NotRun(f"the benchmark's framework is '{framework}', and only '{INSPECT_AI}' benchmarks are re-run")
    tasks = result.raw_specs[key].get("tasks") or []
    for raw_task in tasks:
        if isinstance(raw_task, Mapping) and raw_task.get("id", "default") == entry.task_id:
            return key[0], key[1], dict(raw_task), len(tasks)
    raise NotRun(f"the task '{entry.task_id}' is not in the eval.yaml of '{entry.dataset_id}'")


def _add_finding(entry: EntryReport, reproduction: Reproduction, path: str) -> None:
    codes = {"inconsistent": "reproduce.inconsistent", "inconclusive": "reproduce.inconclusive", "not-run": "reproduce.not-run"}
    code = codes.get(reproduction.verdict)
    if code is None:
        return
    entry.findings.append(finding(code, _finding_message(reproduction), file=path, line=entry.line, field="value"))


def _finding_message(reproduction: Reproduction) -> str:
    if reproduction.verdict == "not-run" or reproduction.score is None or reproduction.interval is None:
        return f"The entry was not re-run: {reproduction.reason}."
    lower, upper = reproduction.interval
    claim = f"{reproduction.claim * 100:.1f}" if reproduction.claim is not None else "unknown"
    return (
        f"The claim of {claim} points was re-run on {reproduction.items} of {reproduction.population} items: "
        f"the score is {reproduction.score * 100:.1f}, with a {100 - 2 * (reproduction.alpha or 0) * 100:.0f}% interval "
        f"of {lower * 100:.1f} to {upper * 100:.1f}, so the verdict is {reproduction.verdict} "
        f"within {reproduction.delta:g} points."
    )


def _data_folder(dataset_id: str, revision: str | None, config: str, split: str, context: RerunContext) -> Path:
    """Return a local folder holding the split's data files, downloading them if needed."""
    if context.benchmarks_dir is not None:
        return _local_folder(context.benchmarks_dir, dataset_id, revision)
    return download_split(dataset_id, revision, config, split, context)


def _local_folder(benchmarks_dir: Path, dataset_id: str, revision: str | None) -> Path:
    if not _DATASET_ID_RE.fullmatch(dataset_id) or ".." in dataset_id:
        raise NotRun(f"the dataset id '{dataset_id}' cannot name a local benchmarks folder")
    if revision is not None and _REVISION_RE.fullmatch(revision) and ".." not in revision:
        pinned = benchmarks_dir / f"{dataset_id}@{revision}"
        if pinned.is_dir():
            return pinned.resolve()
    # Resolved, because the child runs in another working folder.
    folder = (benchmarks_dir / dataset_id).resolve()
    if not folder.is_dir():
        raise NotRun(f"the benchmarks folder has no folder '{dataset_id}' with the data files")
    return folder


def download_split(dataset_id: str, revision: str | None, config: str, split: str, context: RerunContext) -> Path:
    """Download only the files of one config and split at a revision; return the snapshot folder.

    Raises:
        NotRun: the dataset is gated, missing, or has no files for the config and split.
        RerunError: the Hub failed, so the next trigger should retry.
    """
    hub = {"repo_id": dataset_id, "repo_type": "dataset", "revision": revision, "endpoint": context.endpoint, "token": context.token}
    cache = {"cache_dir": context.cache_dir} if context.cache_dir is not None else {}
    try:
        try:
            readme_path = hf_hub_download(filename="README.md", **hub, **cache)
            readme = Path(readme_path).read_text(encoding="utf-8")
        except hf_errors.EntryNotFoundError:
            readme = None
        patterns = data_file_patterns(readme, config, split)
        folder = Path(snapshot_download(allow_patterns=[*patterns, "README.md"], **hub, **cache))
    except hf_errors.GatedRepoError as error:
        raise NotRun(f"the dataset '{dataset_id}' is gated, and the bot's token has no access") from error
    except hf_errors.RepositoryNotFoundError as error:
        raise NotRun(f"the dataset '{dataset_id}' was not found on the Hub") from error
    except hf_errors.RevisionNotFoundError as error:
        raise NotRun(f"the revision '{revision}' of '{dataset_id}' was not found on the Hub") from error
    except DataFilesError as error:
        raise NotRun(f"the data files of '{dataset_id}' cannot be found: {error}") from error
    except hf_errors.HFValidationError as error:
        raise NotRun(f"'{dataset_id}' or its revision is not a valid Hub id ({error})") from error
    except (hf_errors.HfHubHTTPError, OSError) as error:
        raise RerunError(f"downloading the data of '{dataset_id}' from the Hub failed ({type(error).__name__})") from error

    if not any(path.is_file() and path.name != "README.md" for path in folder.rglob("*")):
        raise NotRun(f"the dataset '{dataset_id}' has no data files for config '{config}' and split '{split}'")
    return folder


def child_environment(model: str, grader: str | None, environ: Mapping[str, str], home: Path) -> dict[str, str]:
    """Build the child's environment from an allow-list: no Hub or GitHub token.

    The child gets the base variables, the keys of the providers of `model` and `grader`
    (`<PREFIX>_API_KEY`, `<PREFIX>_BASE_URL`, ...), and `EVALBOT_INFERENCE_TOKEN` as
    `HF_TOKEN` when a model runs on `hf-inference-providers`, because that provider
    authenticates with an HF token. That token should be a read-only inference token.
    `home` becomes HOME and HF_HOME, an empty folder, so tokens that huggingface_hub,
    git or gh saved under the bot's home stay out of the child's reach.
    """
    environment = {name: environ[name] for name in BASE_ENVIRONMENT if name in environ}
    environment["HOME"] = str(home)
    environment["HF_HOME"] = str(home / "huggingface")
    environment["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
    providers = {model.split("/", 1)[0]} | ({grader.split("/", 1)[0]} if grader else set())
    prefixes: set[str] = set()
    for provider in providers:
        prefixes.update(PROVIDER_PREFIXES.get(provider, (provider.upper().replace("-", "_"),)))
    # `openai-api/<name>/<model>` reads `<NAME>_API_KEY` and `<NAME>_BASE_URL`.
    for model_string in filter(None, (model, grader)):
        parts = model_string.split("/")
        if parts[0] == "openai-api" and len(parts) > 2:
            prefixes.add(parts[1].upper().replace("-", "_"))

    for name, value in environ.items():
        if name in DENIED_ENVIRONMENT:
            continue
        if any(name.startswith(f"{prefix}_") and name.endswith(PROVIDER_SUFFIXES) for prefix in prefixes):
            environment[name] = value
    if "hf-inference-providers" in providers and "EVALBOT_INFERENCE_TOKEN" in environ:
        environment["HF_TOKEN"] = environ["EVALBOT_INFERENCE_TOKEN"]

    # The child reads data from local files only, and imports this project's checks.
    environment["HF_HUB_OFFLINE"] = "1"
    environment["HF_DATASETS_OFFLINE"] = "1"
    environment["PYTHONPATH"] = str(Path(checks.__file__).resolve().parent.parent)
    return environment


def run_child(request: dict[str, Any], model: str, options: RerunOptions, context: RerunContext) -> Reproduction:
    """Run one request in the child process and return its reproduction.

    Raises:
        RerunError: the child crashed, timed out or wrote no valid result.
    """
    with tempfile.TemporaryDirectory(prefix="evalbot-rerun-") as work_dir:
        home = Path(work_dir) / "home"
        home.mkdir()
        environment = child_environment(model, options.grader, os.environ, home)
        request_path = Path(work_dir) / "request.json"
        result_path = Path(work_dir) / "result.json"
        # eval.yaml may hold YAML dates or other values JSON lacks; they travel as text.
        request_path.write_text(json.dumps(request, default=str), encoding="utf-8")
        command = [*context.child_command, str(request_path), str(result_path)]

        # A new session lets a timeout kill the child and anything it started.
        process = subprocess.Popen(
            command, env=environment, cwd=work_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=options.timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # The child exited between the timeout and the kill.
            process.communicate()
            raise RerunError(f"the re-run timed out after {options.timeout:g} seconds") from None

        if process.returncode != 0 or not result_path.is_file():
            tail = stderr.decode("utf-8", "replace")[-STDERR_TAIL:]
            logger.error("rerun child failed code=%s stderr=%s", process.returncode, tail)
            raise RerunError(f"the re-run process exited with code {process.returncode}")
        try:
            return Reproduction.model_validate_json(result_path.read_text(encoding="utf-8"))
        except pydantic.ValidationError as error:
            raise RerunError("the re-run process wrote an invalid result") from error
