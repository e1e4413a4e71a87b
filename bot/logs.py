"""Fetch the Inspect logs that results entries link as evidence, and audit them.

An entry whose `source.url` is an Inspect log (`.eval` or `.json`) in a Hub repo gets
its log downloaded through `huggingface_hub` from the Hub endpoint in use, read with
`inspect_ai.log.read_eval_log`, and checked by `checks.reproduce.log_audit`. Only the
configured endpoint is asked for the file: `bot.log_urls` parses the URL into (repo,
revision, path), and the download is rebuilt from those parts. `huggingface_hub` may
then follow the endpoint's own redirects, as the Hub sends large files to its storage.

A log that is missing, too large or unreadable is the submission's problem and becomes
a `log.unreadable` warning. A Hub outage is a bot error, because the contributor cannot
fix it and the next trigger retries.

Usage, after `checks.validate.validate` and around the re-run:

    context = LogAuditContext(
        endpoint=endpoint, token=read_token, repo_id=pr.repo_id,
        files={file.path: file.content for file in changed if file.content is not None},
    )
    log_scores = audit_submitted_logs(validation, context)
    reproducer(validation, rerun_context)
    add_agreement_findings(validation.report, log_scores)
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

# huggingface_hub 2.x sends its requests with httpx2, whose transport errors (refused
# connections, timeouts) reach the caller unwrapped.
import httpx2
from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
from huggingface_hub.errors import (
    DisabledRepoError,
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from inspect_ai.log import EvalLog, read_eval_log
from pydantic import BaseModel, ConfigDict, Field

from bot.log_urls import MAX_URL_LENGTH, HubFile, UnfetchableLog, parse_log_url
from checks.entries import ParsedEntry, parse_results_file
from checks.messages import quote
from checks.report import BotError, Finding, finding
from checks.reproduce.log_audit import LogClaim, audit_log
from checks.reproduce.log_scores import LogItemScores, headline_item_scores
from checks.values import numeric_value

if TYPE_CHECKING:
    from checks.validate import ValidationResult

logger = logging.getLogger(__name__)

# NOTE: both limits are estimates. A full run of a large benchmark with long reasoning
# traces can exceed them, so raise them in `LogAuditContext` rather than in this file.
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024

# Sample fields the audit never reads. Skipping them keeps a large .eval log small in
# memory (`read_eval_log` ignores this for .json logs).
_UNUSED_SAMPLE_FIELDS = {"messages", "events", "store"}
T = TypeVar("T")


class LogAuditContext(BaseModel):
    """Settings of the log audit: the Hub endpoint, size limits and the results files."""

    model_config = ConfigDict(frozen=True)

    # The results files that `result.report` was made from (path -> content at the
    # pull request's head), because the report keeps no `source.url`.
    files: dict[str, bytes] = Field(default_factory=dict)
    # The Hub endpoint in use, e.g. "https://huggingface.co". A log URL on any other
    # host is not fetched. It has no default, so a caller cannot reach the real Hub by
    # forgetting it.
    endpoint: str
    # A read-only token for gated or private logs, or None to send no token at all.
    token: str | None = None
    # The model repo under review, e.g. "google/gemma-4-12B-it", or None to skip the model check.
    repo_id: str | None = None
    # Size limits in bytes: of the downloaded file, and of an .eval archive's contents.
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    max_uncompressed_bytes: int = Field(default=DEFAULT_MAX_UNCOMPRESSED_BYTES, gt=0)
    # Download folder, or None for a temporary folder that is removed after reading.
    cache_dir: Path | None = None
    # Timeout in seconds of the metadata request, and of each read during the download.
    timeout: float = Field(default=30.0, gt=0)


class LogUnreadable(Exception):
    """The linked log is missing, too large or not an Inspect log (the submission's fault)."""


class LogServiceError(Exception):
    """The Hub failed while serving the log (not the contributor's fault)."""


class NotAnInspectLog(Exception):
    """The linked .json file is valid JSON without an Inspect log's top-level `eval`.

    Such a file is a plain results file, which is evidence of another kind, so it gets
    no `log.unreadable` finding.
    """


def fetch_log(file: HubFile, context: LogAuditContext) -> EvalLog:
    """Download a log file through `huggingface_hub` and read it, within the size limits.

    Raises:
        LogUnreadable: the file is missing, too large, or not a readable Inspect log.
        NotAnInspectLog: the .json file is valid JSON, but not an Inspect log.
        LogServiceError: the Hub failed or timed out.
    """
    token: str | bool = context.token or False
    url = hf_hub_url(
        file.repo_id, file.path, repo_type=file.repo_type, revision=file.revision,
        endpoint=context.endpoint,
    )
    with _hub_errors(file):
        metadata = get_hf_file_metadata(
            url, token=token, timeout=context.timeout, endpoint=context.endpoint
        )
    if metadata.size is not None and metadata.size > context.max_bytes:
        raise LogUnreadable(_too_large(metadata.size, context.max_bytes))

    if context.cache_dir is not None:
        return _download_and_read(file, context, token, context.cache_dir)
    with tempfile.TemporaryDirectory(prefix="evalbot-log-") as folder:
        return _download_and_read(file, context, token, Path(folder))


def _download_and_read(
    file: HubFile, context: LogAuditContext, token: str | bool, folder: Path
) -> EvalLog:
    with _hub_errors(file):
        local = Path(
            hf_hub_download(
                file.repo_id, file.path, repo_type=file.repo_type, revision=file.revision,
                endpoint=context.endpoint, token=token, cache_dir=folder,
                etag_timeout=context.timeout,
            )
        )

    # The metadata size may be missing or stale, so the file on disk is checked too.
    size = local.stat().st_size
    if size > context.max_bytes:
        raise LogUnreadable(_too_large(size, context.max_bytes))
    if _log_format(local) == "eval":
        _check_archive(local, context.max_uncompressed_bytes)
    return read_log_file(local)


def read_log_file(path: Path) -> EvalLog:
    """Read a local Inspect log with its samples, skipping the fields the audit never reads.

    Raises:
        NotAnInspectLog: a .json file is valid JSON without an Inspect log's shape.
        LogUnreadable: the file is not an Inspect log of a format this Inspect reads.
    """
    try:
        return read_eval_log(
            str(path),
            resolve_attachments="core",
            format=_log_format(path),
            exclude_fields=_UNUSED_SAMPLE_FIELDS,
        )
    # Inspect raises many types for a malformed log (zip, JSON, pydantic, key errors),
    # and every one of them means the same here: the file is not a readable log.
    except Exception as error:  # noqa: BLE001
        if _log_format(path) == "json" and _is_json_without_log_shape(path):
            raise NotAnInspectLog(f"'{path.name}' is JSON without a top-level `eval` mapping") from error
        raise LogUnreadable(
            f"the file is not a readable Inspect log ({type(error).__name__}: "
            f"{quote(str(error))})"
        ) from error


def _is_json_without_log_shape(path: Path) -> bool:
    """Return True for a file of valid JSON whose top level is not a mapping with an `eval` mapping.

    Inspect's JSON log requires a top-level `eval` (the task, model and dataset of the
    run). `version` and the other keys have defaults in `inspect_ai.log.EvalLog`, so
    `eval` alone marks a file that was meant as a log. Invalid JSON returns False,
    because it may be a damaged log.
    """
    try:
        with path.open("rb") as stream:
            document = json.load(stream)
    except (ValueError, OSError, RecursionError):
        return False
    return not (isinstance(document, dict) and isinstance(document.get("eval"), dict))


def audit_submitted_logs(result: ValidationResult, context: LogAuditContext) -> LogItemScores:
    """Audit the Inspect log linked by each entry of `result.report`, in place.

    Adds `log.*` findings to entries whose `source.url` is an Inspect log, and a
    `BotError` to the report when the Hub failed or the audit itself crashed. Reads each
    file's entries from `context.files`, and downloads a log linked by several entries
    once. An unexpected error in one file or entry becomes a bot error, so the others
    are still audited.

    Returns:
        The per-item scores of each log that was read, keyed by (file path, entry
        index). Pass them to `checks.reproduce.log_scores.add_agreement_findings` after
        the re-run.
    """
    fetched: dict[str, EvalLog | Finding | BotError | None] = {}
    item_scores: dict[str, dict[str, float]] = {}
    log_scores: LogItemScores = {}
    for file_report in result.report.files:
        content = context.files.get(file_report.path)
        if content is None or not file_report.entries:
            continue
        parsed = _guarded(result, file_report.path, None, lambda: parse_results_file(file_report.path, content))
        if parsed is None:
            continue
        items = {item.index: item for item in parsed.entries}

        for entry_report in file_report.entries:
            item = items.get(entry_report.index)
            if item is None or item.entry is None or item.entry.source is None:
                continue
            url = item.entry.source.url
            outcome = _guarded(
                result, item.file, item.index,
                lambda: _audit_cached(url, _claim(item, result, context), context, fetched),
            )
            if outcome is None:
                continue
            findings, error = outcome
            entry_report.findings.extend(findings)
            if error is not None:
                result.report.bot_errors.append(error)

            log = fetched.get(url)
            if isinstance(log, EvalLog):
                if url not in item_scores:
                    item_scores[url] = _guarded(result, item.file, item.index, lambda: headline_item_scores(log)) or {}
                log_scores[(item.file, item.index)] = item_scores[url]
    return log_scores


def _guarded(result: ValidationResult, file: str, entry_index: int | None, step: Callable[[], T]) -> T | None:
    """Run one step, turning an unexpected exception into a bot error instead of a crash."""
    try:
        return step()
    except Exception as crash:  # noqa: BLE001 - one odd file or log must not stop the others
        logger.exception("log audit failed file=%s entry=%s", file, entry_index)
        result.report.bot_errors.append(
            BotError(
                message=f"evalbot failed while auditing the linked Inspect log: {type(crash).__name__}.",
                file=file,
                entry_index=entry_index,
            )
        )
        return None


def audit_entry_log(
    url: str, claim: LogClaim, context: LogAuditContext
) -> tuple[list[Finding], BotError | None]:
    """Fetch and audit the log that one entry links.

    Returns the findings, or a bot error when the Hub failed. Both are empty when `url`
    is not a log link.
    """
    return _audit_cached(url, claim, context, {})


def _audit_cached(
    url: str, claim: LogClaim, context: LogAuditContext, fetched: dict[str, EvalLog | Finding | BotError | None]
) -> tuple[list[Finding], BotError | None]:
    """Audit one entry's log, reusing a download or failure of the same URL from `fetched`."""
    if url not in fetched:
        fetched[url] = _fetch_outcome(url, claim, context)

    outcome = fetched[url]
    if outcome is None:
        return [], None
    if isinstance(outcome, BotError):
        return [], outcome.model_copy(update={"file": claim.file, "entry_index": claim.index})
    if isinstance(outcome, Finding):
        return [outcome.model_copy(update={"file": claim.file, "line": claim.line})], None
    return audit_log(outcome, claim), None


def _fetch_outcome(url: str, claim: LogClaim, context: LogAuditContext) -> EvalLog | Finding | BotError | None:
    """Download and read a linked log, or return None when `url` or the file is not a log."""
    parsed = parse_log_url(url, context.endpoint)
    if parsed is None:
        return None
    if isinstance(parsed, UnfetchableLog):
        logger.info("log not fetched", extra={"url": url[:MAX_URL_LENGTH], "outcome": parsed.reason})
        return _unreadable(claim, f"it was not downloaded because {parsed.reason}")

    started = time.monotonic()
    try:
        log = fetch_log(parsed, context)
    except NotAnInspectLog as error:
        _log_event(logging.INFO, "linked file is not an Inspect log", parsed, started, str(error))
        return None
    except LogUnreadable as error:
        _log_event(logging.INFO, "log unreadable", parsed, started, str(error))
        return _unreadable(claim, str(error))
    except LogServiceError as error:
        _log_event(logging.WARNING, "log fetch failed", parsed, started, str(error))
        return BotError(message=f"Downloading the linked Inspect log {quote(url)} failed: {error}.")
    _log_event(logging.INFO, "log fetched", parsed, started, log.status)
    return log


def _claim(item: ParsedEntry, result: ValidationResult, context: LogAuditContext) -> LogClaim:
    """Collect what the entry's log must match: its claim, its benchmark's tasks, the repo."""
    assert item.entry is not None
    dataset = item.entry.dataset
    spec = result.specs.get((dataset.id, dataset.revision))
    return LogClaim(
        dataset_id=dataset.id,
        task_id=dataset.task_id,
        value=numeric_value(item.entry.value),
        revision=dataset.revision,
        task_ids=spec.task_ids() if spec is not None else [],
        model_id=context.repo_id,
        file=item.file,
        line=item.line_of("source", "url"),
        index=item.index,
    )


def _log_format(path: Path) -> Literal["eval", "json"]:
    """Return the log format that a file's suffix names, in any letter case."""
    return "eval" if path.suffix.lower() == ".eval" else "json"


def _check_archive(path: Path, max_uncompressed_bytes: int) -> None:
    """Reject an .eval archive whose contents would expand past the limit.

    NOTE: the sizes come from the archive's own headers, so a crafted archive that
    understates them passes this check and is caught only by the reader's memory.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise LogUnreadable(f"the .eval file is not a zip archive ({quote(str(error))})") from error
    if total > max_uncompressed_bytes:
        raise LogUnreadable(
            f"the .eval archive expands to {total} bytes, over the limit of "
            f"{max_uncompressed_bytes} bytes"
        )


@contextmanager
def _hub_errors(file: HubFile) -> Iterator[None]:
    """Turn `huggingface_hub` errors of one file into `LogUnreadable` or `LogServiceError`.

    Missing, gated, private and rejected files are the submission's problem. Server
    errors, rate limits, timeouts and refused connections are outages. A
    `LocalEntryNotFoundError` is an outage too: `hf_hub_download` raises it when the
    Hub could not be reached and the file is not cached.
    """
    where = f"{quote(file.path)} in {file.repo_type} {quote(file.repo_id)} at revision {quote(file.revision)}"
    try:
        yield
    except GatedRepoError as error:
        raise LogUnreadable(f"the file {where} is in a gated repo that evalbot cannot read") from error
    except (RepositoryNotFoundError, RevisionNotFoundError, RemoteEntryNotFoundError, DisabledRepoError) as error:
        raise LogUnreadable(f"the file {where} was not found on the Hub") from error
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else None
        if status is not None and 400 <= status < 500 and status not in (408, 429):
            raise LogUnreadable(f"the Hub rejected the request for {where} (HTTP {status})") from error
        raise LogServiceError(f"the Hub did not serve {where} (HTTP {status})") from error
    except (httpx2.HTTPError, OSError) as error:
        raise LogServiceError(f"the Hub did not serve {where} ({type(error).__name__})") from error


def _too_large(size: int, limit: int) -> str:
    return f"the file has {size} bytes, over the limit of {limit} bytes"


def _unreadable(claim: LogClaim, reason: str) -> Finding:
    return finding(
        "log.unreadable",
        f"The linked Inspect log could not be audited: {reason}.",
        file=claim.file,
        line=claim.line,
        field="source.url",
        hint="Link the .eval or .json file that Inspect wrote, with a /resolve/ or /blob/ URL on the Hub.",
    )


def _log_event(level: int, event: str, file: HubFile, started: float, outcome: str) -> None:
    logger.log(
        level,
        event,
        extra={
            "repo_id": file.repo_id,
            "repo_type": file.repo_type,
            "revision": file.revision,
            "path": file.path,
            "outcome": outcome,
            "duration_s": round(time.monotonic() - started, 3),
        },
    )

