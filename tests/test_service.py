"""check_pull_request on an in-memory platform: the comment rules, skips and failures.

The Hub-backed version of these flows is in test_hub_e2e.py; here the platform is a
small recording fake, so each rule is tested without HTTP.
"""

import datetime
from dataclasses import dataclass, field

import pytest

from bot.comment import Marker, parse_marker, render_superseded
from bot.platforms.base import Comment, PlatformError, PullRequest, UnavailableError
from bot.service import check_pull_request, find_bot_comment, upsert_comment
from checks.inputs import ChangedFile, OtherPullRequest, SpecUnavailable
from checks.report import Conclusion

TODAY = datetime.date(2026, 3, 1)
HEAD = "a" * 40
NEW_HEAD = "b" * 40
SPEC = b"""name: Toy
description: A toy benchmark.
evaluation_framework: inspect-ai
tasks:
  - id: main
    field_spec: {input: question, target: answer}
    solvers: [{name: generate}]
    scorers: [{name: match}]
"""
CLEAN = b"- dataset: {id: org/toy, task_id: main}\n  value: 61.5\n  date: '2026-02-01'\n"
WRONG = b"- dataset: {id: org/toy, task_id: mian}\n  value: 61.5\n  date: '2026-02-01'\n"


@dataclass
class MemoryPlatform:
    """A platform held in memory that records every write."""

    head_sha: str = HEAD
    status: str = "open"
    is_pull_request: bool = True
    changed: list[ChangedFile] = field(default_factory=list)
    main: dict[str, bytes] = field(default_factory=dict)
    others: list[OtherPullRequest] = field(default_factory=list)
    specs: dict[str, bytes] = field(default_factory=lambda: {"org/toy": SPEC})
    comments: list[Comment] = field(default_factory=list)
    statuses: list[Conclusion] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    hub_endpoint: str = "https://hub.test"

    def _maybe_fail(self, name: str) -> None:
        if name in self.failing:
            raise UnavailableError(f"{name} failed with HTTP 503; retry later.")

    def get_pull_request(self, repo_id: str, num: int, *, repo_type: str = "model") -> PullRequest:
        self._maybe_fail("get_pull_request")
        return PullRequest(
            repo_id=repo_id,
            repo_type=repo_type,
            num=num,
            head_sha=self.head_sha,
            author="contributor",
            status=self.status,
            is_pull_request=self.is_pull_request,
        )

    def changed_files(self, pr: PullRequest, *, max_file_size: int) -> list[ChangedFile]:
        self._maybe_fail("changed_files")
        return self.changed

    def main_results(self, pr: PullRequest, *, max_file_size: int) -> dict[str, bytes]:
        self._maybe_fail("main_results")
        return self.main

    def other_pull_requests(self, pr: PullRequest, *, max_file_size: int) -> list[OtherPullRequest]:
        self._maybe_fail("other_pull_requests")
        return self.others

    def fetch_spec(self, dataset_id: str, revision: str | None) -> bytes | None:
        if "fetch_spec" in self.failing:
            raise SpecUnavailable("HTTP 503")
        return self.specs.get(dataset_id)

    def bot_user(self) -> str:
        return "evalbot"

    def list_comments(self, pr: PullRequest) -> list[Comment]:
        return list(self.comments)

    def create_comment(self, pr: PullRequest, body: str) -> Comment:
        self._maybe_fail("create_comment")
        comment = Comment(id=f"c{len(self.comments)}", author="evalbot", body=body)
        self.comments.append(comment)
        self.writes.append("create")
        return comment

    def edit_comment(self, pr: PullRequest, comment_id: str, body: str) -> Comment:
        self._maybe_fail("edit_comment")
        index = next(i for i, c in enumerate(self.comments) if c.id == comment_id)
        self.comments[index] = Comment(id=comment_id, author="evalbot", body=body)
        self.writes.append("edit")
        return self.comments[index]

    def set_status(self, pr: PullRequest, conclusion: Conclusion, *, description: str, target_url: str | None) -> None:
        self.statuses.append(conclusion)


def results(content: bytes, path: str = ".eval_results/toy.yaml") -> list[ChangedFile]:
    return [ChangedFile(path=path, status="added", content=content)]


def check(platform: MemoryPlatform, **options):
    return check_pull_request(platform, "org/model", 3, today=TODAY, **options)


# First check of a pull request


def test_clean_pr_posts_success_comment() -> None:
    platform = MemoryPlatform(changed=results(CLEAN))
    outcome = check(platform)
    assert outcome.action == "created"
    assert parse_marker(platform.comments[0].body).conclusion == "success"
    assert platform.statuses == ["success"]


def test_wrong_task_posts_failure_comment() -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    outcome = check(platform)
    assert outcome.report.conclusion == "failure"
    assert "task.unknown" in outcome.body


def test_dry_run_writes_nothing() -> None:
    platform = MemoryPlatform(changed=results(CLEAN))
    outcome = check(platform, dry_run=True)
    assert outcome.action == "dry-run"
    assert outcome.body.startswith("<!-- evalbot:v1 conclusion=success head=")
    assert platform.writes == []
    assert platform.statuses == []


def test_pinned_and_branch_spec_of_one_benchmark() -> None:
    pinned = CLEAN.replace(b"task_id: main}", b"task_id: main, revision: " + b"c" * 40 + b"}")
    platform = MemoryPlatform(changed=results(CLEAN) + results(pinned, ".eval_results/pinned.yaml"))
    outcome = check(platform)
    assert outcome.action == "created"
    assert f"/datasets/org/toy/blob/{'c' * 40}/eval.yaml" in outcome.body


# Later checks: edit, keep, or post anew


def test_same_head_same_body_writes_nothing() -> None:
    platform = MemoryPlatform(changed=results(CLEAN))
    check(platform)
    outcome = check(platform)
    assert outcome.action == "unchanged"
    assert platform.writes == ["create"]
    assert platform.statuses == ["success"]


def test_new_head_same_conclusion_edits() -> None:
    platform = MemoryPlatform(changed=results(CLEAN))
    check(platform)
    platform.head_sha = NEW_HEAD
    outcome = check(platform)
    assert outcome.action == "edited"
    assert platform.writes == ["create", "edit"]
    assert len(platform.comments) == 1
    assert parse_marker(platform.comments[0].body).head == NEW_HEAD


def test_flipped_conclusion_posts_new_comment() -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    check(platform)
    platform.head_sha, platform.changed = NEW_HEAD, results(CLEAN)
    outcome = check(platform)
    assert outcome.action == "created"
    assert [parse_marker(c.body).conclusion for c in platform.comments] == ["failure", "success"]


def test_flipped_conclusion_writes_create_then_edit() -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    check(platform)
    platform.head_sha, platform.changed = NEW_HEAD, results(CLEAN)
    check(platform)
    assert platform.writes == ["create", "create", "edit"]


def test_flip_marks_old_comment_superseded() -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    check(platform)
    platform.head_sha, platform.changed = NEW_HEAD, results(CLEAN)
    check(platform)
    old = parse_marker(platform.comments[0].body)
    assert old == Marker(conclusion="failure", head=HEAD, superseded=True)


def test_flip_note_points_to_newer_comment() -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    check(platform)
    platform.head_sha, platform.changed = NEW_HEAD, results(CLEAN)
    check(platform)
    note = platform.comments[0].body
    assert "**evalbot: outdated.**" in note
    assert f"The newer evalbot comment below concludes success for commit `{NEW_HEAD[:12]}`." in note


def test_flip_keeps_new_comment_current() -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    check(platform)
    platform.head_sha, platform.changed = NEW_HEAD, results(CLEAN)
    check(platform)
    pr = platform.get_pull_request("org/model", 3)
    assert find_bot_comment(platform, pr) == platform.comments[1]


def test_same_conclusion_after_flip_edits_latest_comment() -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    check(platform)
    platform.changed = results(CLEAN)
    check(platform)
    platform.head_sha = NEW_HEAD
    check(platform)
    assert platform.writes == ["create", "create", "edit", "edit"]
    assert parse_marker(platform.comments[1].body).head == NEW_HEAD
    assert parse_marker(platform.comments[0].body).superseded


def test_flip_back_supersedes_each_older_comment() -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    check(platform)
    platform.changed = results(CLEAN)
    check(platform)
    platform.head_sha, platform.changed = NEW_HEAD, results(WRONG)
    outcome = check(platform)
    assert outcome.action == "created"
    assert [parse_marker(c.body).superseded for c in platform.comments] == [True, True, False]


def test_failed_superseded_edit_keeps_new_comment(caplog: pytest.LogCaptureFixture) -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    check(platform)
    platform.head_sha, platform.changed = NEW_HEAD, results(CLEAN)
    platform.failing.add("edit_comment")
    outcome = check(platform)
    assert outcome.action == "created"
    assert platform.statuses == ["failure", "success"]
    assert parse_marker(platform.comments[0].body) == Marker(conclusion="failure", head=HEAD)
    assert "marking the previous comment outdated failed" in caplog.text


def test_superseded_bot_comment_is_not_current() -> None:
    platform = MemoryPlatform()
    note = render_superseded(Marker(conclusion="failure", head=HEAD), "success", NEW_HEAD)
    platform.comments.append(Comment(id="x", author="evalbot", body=note))
    pr = platform.get_pull_request("org/model", 3)
    assert find_bot_comment(platform, pr) is None


# Finding the bot's comment: marker and author, never prose


def test_marker_from_other_author_is_ignored() -> None:
    platform = MemoryPlatform(changed=results(CLEAN))
    forged = "<!-- evalbot:v1 conclusion=success head=" + HEAD + " -->\nforged"
    platform.comments.append(Comment(id="x", author="mallory", body=forged))
    check(platform)
    assert platform.writes == ["create"]
    assert platform.comments[0].body.endswith("forged")


def test_bot_comment_without_marker_is_ignored() -> None:
    platform = MemoryPlatform()
    platform.comments.append(Comment(id="x", author="evalbot", body="Thanks! evalbot conclusion=success"))
    pr = platform.get_pull_request("org/model", 3)
    assert find_bot_comment(platform, pr) is None


def test_latest_bot_comment_wins() -> None:
    platform = MemoryPlatform()
    for index, conclusion in enumerate(("failure", "success")):
        body = f"<!-- evalbot:v1 conclusion={conclusion} head={HEAD} -->\n"
        platform.comments.append(Comment(id=str(index), author="evalbot", body=body))
    pr = platform.get_pull_request("org/model", 3)
    assert find_bot_comment(platform, pr).id == "1"


def test_upsert_recovers_from_unreadable_marker_version() -> None:
    platform = MemoryPlatform()
    pr = platform.get_pull_request("org/model", 3)
    action, _ = upsert_comment(platform, pr, "<!-- evalbot:v1 conclusion=success head=none -->\n", "success")
    assert action == "created"


# Pull requests the bot leaves alone


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "closed"}, "the pull request is closed"),
        ({"status": "merged"}, "the pull request is merged"),
        ({"is_pull_request": False}, "the discussion is not a pull request"),
        ({"changed": [ChangedFile(path="README.md", status="modified")]}, "no results file changed"),
    ],
)
def test_skipped_pull_requests(changes: dict, reason: str) -> None:
    platform = MemoryPlatform(changed=results(CLEAN))
    for name, value in changes.items():
        setattr(platform, name, value)
    outcome = check(platform)
    assert outcome.action == "skipped"
    assert outcome.skipped_reason == reason
    assert platform.writes == []


def test_draft_pull_request_is_checked() -> None:
    platform = MemoryPlatform(changed=results(CLEAN), status="draft")
    assert check(platform).action == "created"


def test_results_removed_after_comment_updates_it() -> None:
    platform = MemoryPlatform(changed=results(WRONG))
    check(platform)
    platform.head_sha, platform.changed = NEW_HEAD, [ChangedFile(path="README.md", status="modified")]
    outcome = check(platform)
    assert outcome.action == "created"
    assert outcome.report.entries() == []
    assert "pr.other-files" in platform.comments[-1].body


# Service failures: bot errors in the comment, or an exception the caller retries


@pytest.mark.parametrize("failing", ["main_results", "other_pull_requests", "fetch_spec"])
def test_partial_outage_becomes_bot_error(failing: str) -> None:
    platform = MemoryPlatform(changed=results(CLEAN), failing={failing})
    outcome = check(platform)
    assert outcome.action == "created"
    assert len(outcome.report.bot_errors) == 1
    assert "not problems with this pull request" in outcome.body


@pytest.mark.parametrize("failing", ["get_pull_request", "changed_files", "create_comment"])
def test_outage_before_or_at_posting_raises(failing: str) -> None:
    platform = MemoryPlatform(changed=results(CLEAN), failing={failing})
    with pytest.raises(PlatformError):
        check(platform)


# The re-run hook


def test_reproducer_receives_head_as_seed() -> None:
    seen = []
    platform = MemoryPlatform(changed=results(CLEAN))
    check(platform, reproducer=lambda result, context: seen.append((context.repo_id, context.seed_material)))
    assert seen == [("org/model", HEAD)]


def test_crashing_reproducer_becomes_bot_error() -> None:
    def crash(result, context):
        raise RuntimeError("boom")

    platform = MemoryPlatform(changed=results(CLEAN))
    outcome = check(platform, reproducer=crash)
    assert outcome.action == "created"
    assert outcome.report.bot_errors[0].message == "The re-run failed (RuntimeError), so no entry was re-run."
