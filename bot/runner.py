"""Run one queued job: maintainer commands first, then the check of the pull request.

The webhook server and the poller both turn events into `Job`s; a worker of the
`bot.queue.WorkQueue` hands each to `Runner.run`.

The runner skips a head commit that was already checked, unless a command requests
another check. It applies the head's grant and keeps re-runs within the daily and
per-pull-request budgets. It records the result in the state, so the next trigger
resumes where a failed check stopped.
"""

import datetime
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot import commands
from bot.config import Config
from bot.platforms.base import Platform, PlatformError, PullRequest
from bot.rerun import RerunContext
from bot.service import CheckOutcome, check_pull_request
from bot.state import PullRequestRef, State, utc_now
from checks.reproduce.options import RerunOptions
from checks.report import EntryReport, Grant, Report, finding

logger = logging.getLogger(__name__)

# `bot.rerun.reproduce`: re-runs the entries of a validation result in place.
Rerun = Callable[[Any, RerunOptions, RerunContext], None]
CheckMode = Literal["rerun", "grant"]


class CommandRequest(BaseModel, frozen=True):
    """A comment that may hold a command; author and body are looked up when missing.

    Hub webhooks carry the comment author's id but not the name, so the runner reads
    the comment back from the platform before deciding anything.
    """

    comment_id: str
    author: str | None = None
    body: str | None = None


class Job(BaseModel, frozen=True):
    """One reason to look at a pull request, from a webhook delivery or the poller."""

    pr: PullRequestRef
    # Head sha from the payload when it has one; the runner always fetches the current head.
    head_sha: str | None = None
    delivery_id: str | None = None
    event: str = "unknown"
    # Check again even when the head was checked (a `rerun` or `verify` asked for it).
    force: bool = False
    commands: tuple[CommandRequest, ...] = ()


def merge_jobs(pending: Job, new: Job) -> Job:
    """Combine two jobs for one pull request so that no command is lost."""
    return pending.model_copy(
        update={
            "head_sha": new.head_sha or pending.head_sha,
            "delivery_id": new.delivery_id or pending.delivery_id,
            "event": f"{pending.event}+{new.event}" if new.event not in pending.event.split("+") else pending.event,
            "force": pending.force or new.force,
            "commands": pending.commands + tuple(c for c in new.commands if c not in pending.commands),
        }
    )


class JobResult(BaseModel):
    """Outcome of one job, for the log line and the tests."""

    outcome: str
    head_sha: str | None = None
    replies: list[str] = Field(default_factory=list)


class Runner:
    """Carry out jobs against the platforms, the state and the settings."""

    def __init__(
        self,
        *,
        config: Config,
        state: State,
        platforms: Mapping[str, Platform],
        rerun: Rerun | None = None,
        today: Callable[[], datetime.date] = lambda: datetime.datetime.now(datetime.UTC).date(),
    ) -> None:
        self.config = config
        self.state = state
        self.platforms = platforms
        self.rerun = rerun
        self.today = today

    def run(self, job: Job) -> JobResult:
        """Carry out one job; platform failures are logged and leave the head unchecked."""
        started = time.monotonic()
        try:
            result = self._run(job)
        except PlatformError as error:
            result = JobResult(outcome=f"failed: {type(error).__name__}")
            # The CLI's log formatter appends the extra fields (repo, PR, head, delivery, ...).
            logger.warning("job failed, the next trigger retries: %s", error, extra=_log_fields(job, result, started))
            return result
        logger.info("job done", extra=_log_fields(job, result, started))
        return result

    def _run(self, job: Job) -> JobResult:
        platform = self.platforms.get(job.pr.platform)
        if platform is None:
            return JobResult(outcome=f"ignored: no platform '{job.pr.platform}' configured")
        pr = platform.get_pull_request(job.pr.repo_id, job.pr.num, repo_type=job.pr.repo_type)

        # "rerun" checks from scratch; "grant" (verify, unverify) re-renders the comment
        # with the stored re-run results, so a grant never pays for model calls again.
        mode: CheckMode | None = "rerun" if job.force else None
        verified_by: str | None = None
        replies: list[str] = []
        for request in job.commands:
            accepted, reply = self._command(platform, job.pr, pr, request)
            if reply is not None:
                platform.create_comment(pr, reply)
                replies.append(reply)
            if accepted is not None:
                command, author = accepted
                mode = "rerun" if command == "rerun" or mode == "rerun" else "grant"
                verified_by = author if command == "verify" else verified_by

        if mode is None and self.state.is_checked(job.pr, pr.head_sha):
            return JobResult(outcome="skipped: head already checked", head_sha=pr.head_sha, replies=replies)

        hook = _FinishingHook(self, job.pr, reuse_reproductions=mode == "grant")
        outcome = check_pull_request(
            platform, pr.repo_id, pr.num, repo_type=pr.repo_type, reproducer=hook, today=self.today(),
        )
        if verified_by is not None and outcome.report is not None:
            reply = commands.grant_reply(verified_by, hook.granted)
            if reply is not None:
                platform.create_comment(outcome.pull_request, reply)
                replies.append(reply)
        return self._record(job.pr, outcome, replies)

    def _record(self, ref: PullRequestRef, outcome: CheckOutcome, replies: list[str]) -> JobResult:
        head = outcome.pull_request.head_sha
        if outcome.report is None:
            # A closed pull request may reopen, but a head without results files stays so.
            if outcome.pull_request.status in ("open", "draft") and outcome.pull_request.is_pull_request:
                self.state.record_skip(ref, head)
            return JobResult(outcome=f"skipped: {outcome.skipped_reason}", head_sha=head, replies=replies)
        self.state.record_check(ref, head, outcome.report)
        return JobResult(outcome=f"{outcome.action}: {outcome.report.conclusion}", head_sha=head, replies=replies)

    # Commands

    def _command(
        self, platform: Platform, ref: PullRequestRef, pr: PullRequest, request: CommandRequest
    ) -> tuple[tuple[commands.CommandName, str] | None, str | None]:
        """Handle one command comment; return ((command, author) when accepted, reply or None)."""
        author, body = request.author, request.body
        if author is None or body is None:
            comment = next((c for c in platform.list_comments(pr) if c.id == request.comment_id), None)
            if comment is None:
                return None, None
            author, body = comment.author, comment.body
        if author == platform.bot_user() or author in self.config.bot_users:
            return None, None

        parsed = commands.parse_command(body)
        if parsed is None:
            return None, None
        if parsed.name is None:
            self.state.record_command(ref, pr.head_sha, author, f"unknown:{parsed.word}", "rejected")
            return None, commands.unknown_command_reply(author, parsed.word)

        decision = commands.authorize(
            parsed.name,
            user=author,
            pr_author=pr.author,
            maintainers=self.config.maintainers,
            reruns_by_author_at_head=self.state.count_commands(ref, pr.head_sha, author, "rerun", "accepted"),
        )
        self.state.record_command(ref, pr.head_sha, author, parsed.name, "accepted" if decision.accepted else "rejected")
        if not decision.accepted:
            return None, decision.reply

        if parsed.name == "verify":
            self.state.set_grant(ref, Grant(granted_by=author, granted_at=utc_now(), head_sha=pr.head_sha))
        elif parsed.name == "unverify":
            self.state.remove_grant(ref, pr.head_sha)
        return (parsed.name, author), None

    # Re-runs within budget, called by the hook below

    def _rerun_within_budget(self, ref: PullRequestRef, result, context: RerunContext) -> None:  # type: ignore[no-untyped-def]
        """Re-run the allowed benchmarks' entries, splitting the remaining budget among them."""
        assert self.rerun is not None
        settings = self.config.rerun
        report: Report = result.report
        held_back = _hold_back(report, set(settings.benchmarks))
        try:
            day = self.today().isoformat()
            left_today = settings.generations_per_day - self.state.generations_on(day)
            left_for_pr = settings.generations_per_pr - self.state.generations_of(ref)
            remaining = min(left_today, left_for_pr)
            candidates = len(report.entries())
            if candidates == 0:
                return
            if remaining < candidates:
                reason = (
                    "the bot's daily re-run budget is used up; a maintainer can ask `/evalbot rerun` tomorrow"
                    if left_today <= left_for_pr
                    else "this pull request used up its re-run budget"
                )
                _mark_not_run(report, reason)
                return
            share = remaining // candidates
            options = settings.options().model_copy(
                update={"enabled": True, "max_generations": min(settings.max_generations, share)}
            )
            if share < settings.max_generations:
                budget = "generations_per_day" if left_today <= left_for_pr else "generations_per_pr"
                context = context.model_copy(update={"generation_budget": budget})
            self.rerun(result, options, context)
            used = sum(e.reproduction.generations for e in report.entries() if e.reproduction is not None)
            self.state.add_generations(day, used, ref)
        finally:
            _restore(report, held_back)
            _mark_not_run(
                report,
                "its benchmark is not in the bot's re-run list",
                only=[entry for entries in held_back.values() for entry in entries],
            )



class _FinishingHook:
    """The service's `reproducer` hook: runs after the checks, before the comment is rendered.

    It re-runs within budget (or copies the stored re-run results for a grant-only
    check), then applies the head's grant and counts the entries it covers.
    """

    def __init__(self, runner: Runner, ref: PullRequestRef, *, reuse_reproductions: bool) -> None:
        self.runner = runner
        self.ref = ref
        self.reuse_reproductions = reuse_reproductions
        self.granted = 0

    def __call__(self, result: Any, context: RerunContext) -> None:
        # The service passes the head sha it checked as the seed material.
        head_sha = context.seed_material
        state = self.runner.state
        previous = state.last_report(self.ref, head_sha) if self.reuse_reproductions else None
        if previous is not None:
            _copy_reproductions(previous, result.report)
        elif self.runner.rerun is not None and self.runner.config.rerun.enabled:
            # Data files come from the configured Hub. The context's token downloads them
            # in this process only, and the child process that runs the model never gets it.
            context = context.model_copy(update={"endpoint": self.runner.config.hub_endpoint})
            self.runner._rerun_within_budget(self.ref, result, context)
            stored = state.last_report(self.ref, head_sha)
            if stored is not None:
                _keep_larger_runs(stored, result.report)

        grant = state.grant_for(self.ref, head_sha)
        if grant is not None:
            self.granted = commands.apply_grant(result.report, grant, self.runner.config.maintainers)


def _copy_reproductions(previous: Report, report: Report) -> None:
    """Copy re-run results and `reproduce.*` findings onto the same entries of a new report."""
    def key(path: str, entry: EntryReport) -> tuple[object, ...]:
        return (path, entry.index, entry.dataset_id, entry.task_id, entry.value)

    stored = {key(f.path, e): e for f in previous.files for e in f.entries}
    for file_report in report.files:
        for entry in file_report.entries:
            match = stored.get(key(file_report.path, entry))
            if match is None or match.reproduction is None:
                continue
            entry.reproduction = match.reproduction
            entry.findings.extend(f for f in match.findings if f.code.startswith("reproduce."))

def _keep_larger_runs(previous: Report, report: Report) -> None:
    """Keep an earlier re-run of the same head when the new one drew fewer of the same items.

    Both runs draw the same seeded order, so a smaller budget on `/evalbot rerun` only
    re-scores a prefix of the earlier draw and would replace a result with a weaker one.
    """
    stored = {(f.path, e.index): e for f in previous.files for e in f.entries}
    for file_report in report.files:
        for entry in file_report.entries:
            earlier = stored.get((file_report.path, entry.index))
            new, old = entry.reproduction, earlier.reproduction if earlier is not None else None
            if new is None or old is None or old.verdict in ("error", "not-run"):
                continue
            if (old.seed, old.model, old.claim) != (new.seed, new.model, new.claim) or old.items <= new.items:
                continue
            entry.reproduction = old
            entry.findings = [f for f in entry.findings if not f.code.startswith("reproduce.")]
            entry.findings.extend(f for f in earlier.findings if f.code.startswith("reproduce."))


def _hold_back(report: Report, allowed: set[str]) -> dict[int, list[EntryReport]]:
    """Take the entries of benchmarks outside `allowed` out of the report, by file."""
    held_back: dict[int, list[EntryReport]] = {}
    for position, file_report in enumerate(report.files):
        held_back[position] = [e for e in file_report.entries if e.dataset_id not in allowed]
        file_report.entries = [e for e in file_report.entries if e.dataset_id in allowed]
    return held_back


def _restore(report: Report, held_back: dict[int, list[EntryReport]]) -> None:
    for position, entries in held_back.items():
        file_report = report.files[position]
        file_report.entries = sorted([*file_report.entries, *entries], key=lambda e: e.index)


def _mark_not_run(report: Report, reason: str, only: list[EntryReport] | None = None) -> None:
    for entry in report.entries() if only is None else only:
        if entry.reproduction is None and not any(f.severity == "error" for f in entry.findings):
            entry.findings.append(finding("reproduce.not-run", f"The entry was not re-run: {reason}."))


def _log_fields(job: Job, result: JobResult, started: float) -> dict[str, object]:
    return {
        "platform": job.pr.platform,
        "repo_id": job.pr.repo_id,
        "num": job.pr.num,
        "head_sha": result.head_sha or job.head_sha,
        "delivery_id": job.delivery_id,
        "event": job.event,
        "outcome": result.outcome,
        "duration_s": round(time.monotonic() - started, 3),
    }
