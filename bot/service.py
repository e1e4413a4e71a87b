"""Check one pull request end to end: fetch, validate, audit logs, re-run, comment, status.

`check_pull_request` is the single entry point used by `evalbot pr`, the webhook server
and the poller. It talks to the world only through a `bot.platforms.base.Platform`, so
every platform gets the same comment behaviour:

- the bot's comment is the latest comment by the bot's account whose first line is the
  hidden marker `<!-- evalbot:v1 conclusion=<c> head=<sha> -->` (never found by prose)
  and is not marked `superseded`;
- the same conclusion edits that comment in place;
- a flipped conclusion posts a new comment, so watchers are notified, then edits the old
  one into a short note that it is outdated and points to the new one (one extra edit);
- an identical body (same head, same report) posts and edits nothing.
"""

import datetime
import logging
import time
from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.comment import CommentContext, Marker, parse_marker, render_comment, render_superseded
from bot.log_step import audit_linked_logs
from bot.platforms.base import (
    DEFAULT_HUB_ENDPOINT,
    Comment,
    Platform,
    PlatformError,
    PullRequest,
    is_results_path,
)
from bot.rerun import RerunContext
from checks.inputs import ChangedFile, CheckInput, OtherPullRequest
from checks.report import BotError, Report
from checks.reproduce.options import RerunOptions
from checks.validate import Limits, ValidationResult, validate

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A re-run hook: fills `EntryReport.reproduction` in `result.report` in place.
# `bot.rerun.reproduce` bound to its options fits (see `make_reproducer`).
Reproducer = Callable[[ValidationResult, RerunContext], None]

CommentAction = Literal["created", "edited", "unchanged", "dry-run", "skipped"]


class CheckOutcome(BaseModel):
    """Result of checking one pull request, for the CLI, the server and the logs."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    pull_request: PullRequest
    action: CommentAction
    # Why nothing was checked, when `action` is "skipped".
    skipped_reason: str | None = None
    report: Report | None = None
    # The rendered comment; set for every action but "skipped".
    body: str | None = None
    # The comment created or edited, or the unchanged one whose body is already `body`.
    comment: Comment | None = None


def check_pull_request(
    platform: Platform,
    repo_id: str,
    num: int,
    *,
    repo_type: str = "model",
    dry_run: bool = False,
    reproducer: Reproducer | None = None,
    limits: Limits | None = None,
    today: datetime.date | None = None,
) -> CheckOutcome:
    """Check pull request `num` of `repo_id` and create or update the bot's comment.

    Args:
        platform: The code host to read from and post to.
        repo_id: The repo under review, e.g. "google/gemma-4-12B-it".
        num: The pull request number (a Hub discussion number).
        repo_type: "model", "dataset" or "space" (the Hub's repo types).
        dry_run: Render the comment but post nothing and set no status.
        reproducer: Re-run hook; None shows every Inspect entry without a re-run.
        limits: Loading limits of the checks; None uses the checks' defaults.
        today: The date that future-date checks compare with; None is today in UTC.

    Returns:
        The outcome, with the report and the comment body unless the pull request was
        skipped: closed, merged, not a pull request, or touching no results file while
        the bot has not commented yet.

    Raises:
        PlatformError: the pull request or its changed files could not be fetched, or
            posting the comment failed; the caller retries later. Failures while reading
            `main`, other pull requests or specs do not raise: they become `BotError`s
            in the report, which the comment shows.
    """
    started = time.monotonic()
    limits = limits or Limits()
    pr = platform.get_pull_request(repo_id, num, repo_type=repo_type)
    skipped_reason = _skip_reason(pr)
    if skipped_reason is not None:
        return _skipped(pr, skipped_reason, started)

    # 1. Fetch the pull request's files; stay quiet on pull requests without results.
    # A failure here raises: with no files read, any comment would claim too much.
    changed = platform.changed_files(pr, max_file_size=limits.max_file_size)
    if not any(is_results_path(file.path) for file in changed) and find_bot_comment(platform, pr) is None:
        return _skipped(pr, "no results file changed", started)

    # 2. Validate against main, the other open pull requests and the benchmark specs.
    validation = _validate(platform, pr, changed, limits, today)

    # 3. Audit the Inspect logs that entries link as their source.
    endpoint = getattr(platform, "hub_endpoint", DEFAULT_HUB_ENDPOINT)
    model_id = pr.repo_id if pr.repo_type == "model" else None
    pair_with_logs = audit_linked_logs(validation, changed, endpoint=endpoint, repo_id=model_id)

    # 4. Re-run, when enabled, with seed material that anyone can recompute.
    if reproducer is not None:
        context = RerunContext(
            repo_id=pr.repo_id,
            seed_material=pr.head_sha,
            endpoint=endpoint,
            token=getattr(platform, "download_token", None),
        )
        _reproduce(reproducer, validation, context)
    pair_with_logs(validation.report)

    # 5. Render, then post or edit the comment and set the status.
    report = validation.report
    body = render_comment(report, _comment_context(platform, pr, list(validation.specs)))
    if dry_run:
        _log_outcome(pr, "dry-run", started, report.conclusion)
        return CheckOutcome(pull_request=pr, action="dry-run", report=report, body=body)

    action, comment = upsert_comment(platform, pr, body, report.conclusion)
    if action != "unchanged":
        platform.set_status(
            pr, report.conclusion, description=_status_description(report), target_url=pr.url
        )
    _log_outcome(pr, action, started, report.conclusion)
    return CheckOutcome(pull_request=pr, action=action, report=report, body=body, comment=comment)


def upsert_comment(
    platform: Platform, pr: PullRequest, body: str, conclusion: str
) -> tuple[CommentAction, Comment]:
    """Edit the bot's comment, post a new one when the conclusion flips, or do nothing.

    On a flip the old comment is edited into a note that it is outdated, after the new
    comment was posted, so the note never points to a comment that does not exist.

    Returns the action taken and the comment that now carries `body`.
    """
    previous = find_bot_comment(platform, pr)
    if previous is None:
        return "created", platform.create_comment(pr, body)

    marker = parse_marker(previous.body)
    if marker is None or marker.conclusion != conclusion:
        created = platform.create_comment(pr, body)
        if marker is not None:
            _mark_superseded(platform, pr, previous, marker, conclusion)
        return "created", created
    if previous.body == body:
        return "unchanged", previous
    return "edited", platform.edit_comment(pr, previous.id, body)


def _mark_superseded(platform: Platform, pr: PullRequest, previous: Comment, marker: Marker, conclusion: str) -> None:
    """Edit the flipped comment into the outdated note; a failure leaves it as it was.

    The new comment and the status carry the verdict, so a failed edit is logged and
    not raised. The old comment then keeps its full text and no later check retries it.
    """
    note = render_superseded(marker, conclusion, pr.head_sha or None)
    try:
        platform.edit_comment(pr, previous.id, note)
    except PlatformError as error:
        extra = {**_ids(pr), "comment_id": previous.id}
        logger.warning("marking the previous comment outdated failed: %s", error, extra=extra)


def find_bot_comment(platform: Platform, pr: PullRequest) -> Comment | None:
    """Return the bot's current comment: the latest by the bot's account with a marker.

    Comments marked `superseded` are left out, so an outdated note is never edited into
    the current verdict.
    """
    bot_user = platform.bot_user()
    ours = []
    for comment in platform.list_comments(pr):
        marker = parse_marker(comment.body) if comment.author == bot_user else None
        if marker is not None and not marker.superseded:
            ours.append(comment)
    return ours[-1] if ours else None


def make_reproducer(options: RerunOptions) -> Reproducer | None:
    """Bind `bot.rerun.reproduce` to re-run options; None when the re-run is disabled."""
    from bot.rerun import reproduce

    if not options.enabled:
        return None

    def run(result: ValidationResult, context: RerunContext) -> None:
        reproduce(result, options, context)

    return run


def _skip_reason(pr: PullRequest) -> str | None:
    if not pr.is_pull_request:
        return "the discussion is not a pull request"
    if pr.status in ("closed", "merged"):
        return f"the pull request is {pr.status}"
    return None


def _reproduce(reproducer: Reproducer, validation: ValidationResult, context: RerunContext) -> None:
    """Run the re-run hook; a crash of the hook becomes a bot error, never a lost comment."""
    try:
        reproducer(validation, context)
    except Exception as error:  # noqa: BLE001 - the comment must still be posted
        extra = {"repo_id": context.repo_id, "head_sha": context.seed_material}
        logger.exception("re-run failed, reported as a bot error", extra=extra)
        message = f"The re-run failed ({type(error).__name__}), so no entry was re-run."
        validation.report.bot_errors.append(BotError(message=message))


def _skipped(pr: PullRequest, reason: str, started: float) -> CheckOutcome:
    _log_outcome(pr, "skipped", started, reason)
    return CheckOutcome(pull_request=pr, action="skipped", skipped_reason=reason)


def _validate(
    platform: Platform,
    pr: PullRequest,
    changed: list[ChangedFile],
    limits: Limits,
    today: datetime.date | None,
) -> ValidationResult:
    """Fetch main's and other pull requests' results, then run the checks."""
    bot_errors: list[BotError] = []
    main_files: dict[str, bytes] = _fetch_or_report(
        pr,
        lambda: platform.main_results(pr, max_file_size=limits.max_file_size),
        "Reading the results files on the base branch failed",
        bot_errors,
        default={},
    )
    other_prs: list[OtherPullRequest] = _fetch_or_report(
        pr,
        lambda: platform.other_pull_requests(pr, max_file_size=limits.max_file_size),
        "Reading the other open pull requests failed",
        bot_errors,
        default=[],
    )
    inputs = CheckInput(
        changed=changed,
        main_files=main_files,
        other_prs=other_prs,
        today=today or datetime.datetime.now(datetime.UTC).date(),
        model_id=pr.repo_id if pr.repo_type == "model" else None,
    )
    validation = validate(inputs, platform.fetch_spec, limits)
    validation.report.bot_errors[:0] = bot_errors
    return validation


def _fetch_or_report(
    pr: PullRequest, fetch: Callable[[], T], failure: str, bot_errors: list[BotError], *, default: T
) -> T:
    try:
        return fetch()
    except PlatformError as error:
        logger.warning("%s, reported as a bot error: %s", failure, error, extra=_ids(pr))
        bot_errors.append(BotError(message=f"{failure}: {error}"))
        return default


def _comment_context(
    platform: Platform, pr: PullRequest, benchmarks: list[tuple[str, str | None]]
) -> CommentContext:
    return CommentContext(
        repo_id=pr.repo_id,
        num=pr.num,
        head_sha=pr.head_sha or None,
        endpoint=getattr(platform, "hub_endpoint", DEFAULT_HUB_ENDPOINT),
        benchmarks=benchmarks,
    )


def _status_description(report: Report) -> str:
    counts = report.badge_counts()
    return f"{report.conclusion}: {counts['verified']} verified, {counts['community']} community"


def _log_outcome(pr: PullRequest, action: str, started: float, detail: str) -> None:
    duration = round(time.monotonic() - started, 3)
    extra = {**_ids(pr), "action": action, "detail": detail, "duration_s": duration}
    logger.info("pull request checked: %s (%s)", action, detail, extra=extra)


def _ids(pr: PullRequest) -> dict[str, object]:
    return {"repo_id": pr.repo_id, "num": pr.num, "head_sha": pr.head_sha}
