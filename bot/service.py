"""Check one pull request end to end: fetch, validate, re-run, comment, set the status.

`check_pull_request` is the single entry point used by `evalbot pr`, the webhook server
and the poller. It talks to the world only through a `bot.platforms.base.Platform`, so
every platform gets the same comment behaviour:

- the bot's comment is the latest comment by the bot's account whose first line is the
  hidden marker `<!-- evalbot:v1 conclusion=<c> head=<sha> -->` (never found by prose);
- the same conclusion edits that comment in place;
- a flipped conclusion posts a new comment and leaves the old one, so watchers are
  notified;
- an identical body (same head, same report) posts and edits nothing.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.platforms.base import Comment, Platform, PlatformError, PullRequest
from bot.rerun import RerunContext
from checks.inputs import RESULTS_DIR, CheckInput, OtherPullRequest
from checks.report import BotError, Report

if TYPE_CHECKING:
    from checks.validate import Limits, ValidationResult

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A re-run hook: fills `EntryReport.reproduction` in `result.report` in place.
# `bot.rerun.reproduce` bound to its options fits (see `make_reproducer`).
Reproducer = Callable[["ValidationResult", RerunContext], None]

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
        skipped (closed, merged, not a pull request, or touching no results file).

    Raises:
        PlatformError: the pull request itself could not be fetched, or posting the
            comment failed. Failures while reading files or specs do not raise: they
            become `BotError`s in the report, which the comment shows.
    """
    started = time.monotonic()
    pr = platform.get_pull_request(repo_id, num, repo_type=repo_type)
    skipped_reason = _skip_reason(pr)
    if skipped_reason is not None:
        _log_outcome(pr, "skipped", started, skipped_reason)
        return CheckOutcome(pull_request=pr, action="skipped", skipped_reason=skipped_reason)

    result = _validate(platform, pr, limits, today)
    if result is None:
        _log_outcome(pr, "skipped", started, "no results file changed")
        return CheckOutcome(
            pull_request=pr, action="skipped", skipped_reason="no results file changed"
        )
    report, validation = result

    if reproducer is not None and validation is not None:
        context = RerunContext(repo_id=pr.repo_id, seed_material=pr.head_sha)
        reproducer(validation, context)

    body = _render(report, pr)
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

    Returns the action taken and the comment that now carries `body`.
    """
    from bot.comment import parse_marker

    previous = find_bot_comment(platform, pr)
    if previous is None:
        return "created", platform.create_comment(pr, body)

    marker = parse_marker(previous.body)
    if marker is None or marker.conclusion != conclusion:
        return "created", platform.create_comment(pr, body)
    if previous.body == body:
        return "unchanged", previous
    return "edited", platform.edit_comment(pr, previous.id, body)


def find_bot_comment(platform: Platform, pr: PullRequest) -> Comment | None:
    """Return the bot's latest comment: by the bot's account and starting with the marker."""
    from bot.comment import parse_marker

    bot_user = platform.bot_user()
    ours = [
        comment
        for comment in platform.list_comments(pr)
        if comment.author == bot_user and parse_marker(comment.body) is not None
    ]
    return ours[-1] if ours else None


def make_reproducer(options: object) -> Reproducer | None:
    """Bind `bot.rerun.reproduce` to re-run options; None when the re-run is disabled."""
    from bot.rerun import reproduce
    from checks.reproduce.options import RerunOptions

    assert isinstance(options, RerunOptions)
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


def _validate(
    platform: Platform, pr: PullRequest, limits: Limits | None, today: datetime.date | None
) -> tuple[Report, ValidationResult | None] | None:
    """Fetch the inputs and run the checks; None when no results file changed."""
    from checks.validate import Limits, validate

    limits = limits or Limits()
    max_file_size = limits.max_file_size
    bot_errors: list[BotError] = []

    try:
        changed = platform.changed_files(pr, max_file_size=max_file_size)
    except PlatformError as error:
        bot_errors.append(BotError(message=f"Reading the pull request's files failed: {error}"))
        return Report(bot_errors=bot_errors), None
    if not any(_is_results_path(file.path) for file in changed):
        return None

    main_files = _fetch_or_report(
        lambda: platform.main_results(pr, max_file_size=max_file_size),
        "Reading the results files on main failed",
        bot_errors,
        default={},
    )
    other_prs: list[OtherPullRequest] = _fetch_or_report(
        lambda: platform.other_pull_requests(pr, max_file_size=max_file_size),
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
    return validation.report, validation


def _fetch_or_report(
    fetch: Callable[[], T], failure: str, bot_errors: list[BotError], *, default: T
) -> T:
    try:
        return fetch()
    except PlatformError as error:
        bot_errors.append(BotError(message=f"{failure}: {error}"))
        return default


def _is_results_path(path: str) -> bool:
    return path.startswith(RESULTS_DIR) and path.endswith((".yaml", ".yml"))


def _render(report: Report, pr: PullRequest) -> str:
    from bot.comment import render_comment

    return render_comment(report, pr)


def _status_description(report: Report) -> str:
    counts = report.badge_counts()
    return f"{report.conclusion}: {counts['verified']} verified, {counts['community']} community"


def _log_outcome(pr: PullRequest, action: str, started: float, detail: str) -> None:
    logger.info(
        "pull request checked",
        extra={
            "repo_id": pr.repo_id,
            "num": pr.num,
            "head_sha": pr.head_sha,
            "action": action,
            "detail": detail,
            "duration_s": round(time.monotonic() - started, 3),
        },
    )
