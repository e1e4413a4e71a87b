"""Maintainer commands: parsing, who may run what, and which entries a grant covers."""

import pytest

from bot.commands import apply_grant, authorize, grant_reply, parse_command, unknown_command_reply
from bot.config import Maintainers
from bot.runner import CommandRequest, Job
from bot.state import PullRequestRef
from checks.report import EntryReport, FileReport, Finding, Grant, Report, Reproduction
from tests.bot_harness import MODEL, make_bot, seed_hub
from tests.fakehub import FakeHub

MAINTAINERS = Maintainers(benchmarks={"Idavidrein/gpqa": ["alice"]}, organizations={"cais": ["bob"]})
GRANT_BY_ALICE = Grant(granted_by="alice", granted_at="2026-01-02T00:00:00+00:00", head_sha="a" * 40)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("/evalbot verify", "verify"),
        ("/evalbot unverify", "unverify"),
        ("/evalbot rerun", "rerun"),
        ("  /evalbot   VERIFY  ", "verify"),
        ("Looks good.\n/evalbot verify\nthanks", "verify"),
        ("/evalbot rerun\n/evalbot verify", "rerun"),
    ],
)
def test_command_parsed(body, name):
    parsed = parse_command(body)
    assert parsed is not None
    assert parsed.name == name


@pytest.mark.parametrize(
    "body",
    [
        "",
        "please verify",
        "run /evalbot verify now",
        "> /evalbot verify",
        "```\n/evalbot verify\n```",
        "~~~\n/evalbot rerun\n~~~",
        "/evalbotverify",
    ],
)
def test_no_command_found(body):
    assert parse_command(body) is None


@pytest.mark.parametrize(("body", "word"), [("/evalbot", None), ("/evalbot approve", "approve"), ("/evalbot <b>x</b>", "<b>x</b>")])
def test_unknown_command_has_no_name(body, word):
    parsed = parse_command(body)
    assert parsed is not None
    assert parsed.name is None
    assert parsed.word == word


# Who may run what: maintainers anything, the author one rerun per head, others nothing.
@pytest.mark.parametrize(
    ("command", "user", "reruns", "accepted"),
    [
        ("verify", "alice", 0, True),
        ("unverify", "bob", 0, True),
        ("rerun", "alice", 5, True),
        ("rerun", "author", 0, True),
        ("rerun", "author", 1, False),
        ("verify", "author", 0, False),
        ("verify", "stranger", 0, False),
        ("rerun", "stranger", 0, False),
    ],
)
def test_authorize(command, user, reruns, accepted):
    decision = authorize(command, user=user, pr_author="author", maintainers=MAINTAINERS, reruns_by_author_at_head=reruns)
    assert decision.accepted is accepted
    assert (decision.reply is None) is accepted


def test_stranger_reply_says_why():
    decision = authorize("verify", user="stranger", pr_author="author", maintainers=MAINTAINERS, reruns_by_author_at_head=0)
    assert decision.reply == (
        "`stranger`: `/evalbot verify` is reserved for the benchmark maintainers "
        "listed in the bot's settings, so nothing happened."
    )


def test_reply_never_mentions_user():
    decision = authorize("verify", user="@everyone", pr_author="author", maintainers=MAINTAINERS, reruns_by_author_at_head=0)
    assert decision.reply is not None
    assert "@everyone" not in decision.reply


def test_unknown_word_shown_as_code():
    reply = unknown_command_reply("carol", "<img src=x>")
    assert "`<img src=x>`" in reply
    assert reply.endswith("use `/evalbot verify`, `/evalbot unverify` or `/evalbot rerun`.")


def make_report() -> Report:
    error = Finding(code="task.unknown", severity="error", message="bad task")
    entries = [
        EntryReport(index=0, dataset_id="Idavidrein/gpqa", task_id="diamond", value=78.8),
        EntryReport(index=1, dataset_id="Idavidrein/gpqa", task_id="nope", value=1.0, findings=[error]),
        EntryReport(index=2, dataset_id="cais/hle", task_id="hle", value=20.0),
        EntryReport(index=3, dataset_id=None, value=1.0),
    ]
    return Report(files=[FileReport(path=".eval_results/a.yaml", entries=entries)])


def test_grant_covers_maintained_clean_entries():
    report = make_report()
    assert apply_grant(report, GRANT_BY_ALICE, MAINTAINERS) == 1
    assert [entry.badge for entry in report.entries()] == ["verified", "community", "community", "community"]


def test_grant_recorded_on_entry():
    report = make_report()
    apply_grant(report, GRANT_BY_ALICE, MAINTAINERS)
    assert report.entries()[0].grant == GRANT_BY_ALICE


def test_organisation_grant_covers_its_benchmarks():
    report = make_report()
    grant = GRANT_BY_ALICE.model_copy(update={"granted_by": "bob"})
    assert apply_grant(report, grant, MAINTAINERS) == 1
    assert report.entries()[2].badge == "verified"


def test_grant_reply_only_when_nothing_covered():
    assert grant_reply("alice", 2) is None
    assert grant_reply("alice", 0) is not None


# Commands through the runner, against the fake Hub and the real Hub platform.

REF = PullRequestRef(platform="hub", repo_id=MODEL, num=1)
RERUN_CONFIG = """
[rerun]
enabled = true
benchmarks = ["Idavidrein/gpqa"]
generations_per_day = 25

[maintainers.organizations]
cais = ["bob"]
"""


class CountingRerun:
    """Stands in for `bot.rerun.reproduce`: marks each entry consistent at up to 10 generations."""

    def __init__(self) -> None:
        self.calls = 0
        self.budgets: list[int] = []
        self.budget_names: list[str | None] = []

    def __call__(self, result, options, context) -> None:
        self.calls += 1
        self.budgets.append(options.max_generations)
        self.budget_names.append(context.generation_budget)
        for entry in result.report.entries():
            used = min(10, options.max_generations)
            entry.reproduction = Reproduction(verdict="consistent", reason="matches", generations=used)


@pytest.fixture
def rerun_bot(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with FakeHub() as hub:
        seed_hub(hub)
        bot = make_bot(tmp_path, hub, extra_config=RERUN_CONFIG)
        counting = CountingRerun()
        bot.runner.rerun = counting
        yield bot, hub, counting
        bot.close()


def command_job(hub, author: str, text: str) -> Job:
    comment_id = hub.add_comment(MODEL, 1, text, author=author)
    return Job(pr=REF, event="comment", commands=(CommandRequest(comment_id=comment_id),))


def test_verify_reuses_stored_rerun(rerun_bot):
    bot, hub, counting = rerun_bot
    bot.runner.run(Job(pr=REF, event="test"))
    bot.runner.run(command_job(hub, "alice", "/evalbot verify"))
    records = list(bot.state.ledger())
    assert counting.calls == 1
    assert records[0]["verdict"] == "consistent"
    assert records[0]["grant"]["granted_by"] == "alice"


def test_maintainer_rerun_runs_again(rerun_bot):
    bot, hub, counting = rerun_bot
    bot.runner.run(Job(pr=REF, event="test"))
    bot.runner.run(command_job(hub, "alice", "/evalbot rerun"))
    assert counting.calls == 2
    assert bot.state.generations_on(bot.runner.today().isoformat()) == 20


class ShrinkingRerun:
    """Stands in for `bot.rerun.reproduce`: each call draws fewer items of the same seeded draw."""

    def __init__(self, items: list[int]) -> None:
        self.items = items

    def __call__(self, result, options, context) -> None:
        count = self.items.pop(0)
        for entry in result.report.entries():
            entry.reproduction = Reproduction(
                verdict="inconclusive", reason=f"{count} items", items=count, generations=count,
                seed=7, model="m", claim=0.5,
            )


def test_smaller_rerun_keeps_larger_result(rerun_bot):
    bot, hub, _ = rerun_bot
    bot.runner.rerun = ShrinkingRerun([10, 5])
    bot.runner.run(Job(pr=REF, event="test"))
    bot.runner.run(command_job(hub, "alice", "/evalbot rerun"))
    report = bot.state.last_report(REF, hub.repo(MODEL).refs["refs/pr/1"])
    assert report.entries()[0].reproduction.items == 10


def test_larger_rerun_replaces_result(rerun_bot):
    bot, hub, _ = rerun_bot
    bot.runner.rerun = ShrinkingRerun([5, 10])
    bot.runner.run(Job(pr=REF, event="test"))
    bot.runner.run(command_job(hub, "alice", "/evalbot rerun"))
    report = bot.state.last_report(REF, hub.repo(MODEL).refs["refs/pr/1"])
    assert report.entries()[0].reproduction.items == 10


def test_daily_budget_stops_rerun(rerun_bot):
    bot, hub, counting = rerun_bot
    for _ in range(4):
        bot.runner.run(command_job(hub, "alice", "/evalbot rerun"))
    report = bot.state.last_report(REF, hub.repo(MODEL).refs["refs/pr/1"])
    # 25 generations a day: 10, 10, then the 5 left, then nothing.
    assert counting.budgets == [25, 15, 5]
    assert bot.state.generations_on(bot.runner.today().isoformat()) == 25
    assert report is not None
    assert [f.code for f in report.entries()[0].findings][-1] == "reproduce.not-run"


def test_verify_of_unmaintained_benchmark_replied(rerun_bot):
    bot, hub, _ = rerun_bot
    result = bot.runner.run(command_job(hub, "bob", "/evalbot verify"))
    assert result.replies == [
        "`bob`: no entry was verified, because none belongs to a benchmark you maintain "
        "without an error finding; fix the errors or ask that benchmark's maintainer."
    ]


def test_unverify_drops_badge(rerun_bot):
    bot, hub, _ = rerun_bot
    bot.runner.run(command_job(hub, "alice", "/evalbot verify"))
    bot.runner.run(command_job(hub, "alice", "/evalbot unverify"))
    assert [record["grant"] for record in bot.state.ledger()] == [None]


def test_grant_dropped_by_new_commit(rerun_bot):
    bot, hub, _ = rerun_bot
    bot.runner.run(command_job(hub, "alice", "/evalbot verify"))
    hub.push(MODEL, 1, {"README.md": "# new commit\n"})
    bot.runner.run(Job(pr=REF, event="push"))
    newest = [record for record in bot.state.ledger()][-1]
    assert newest["grant"] is None


def test_rerun_gets_hub_endpoint_and_download_token(rerun_bot):
    # The token downloads gated benchmark data in the bot's process. The child process never receives it.
    bot, hub, counting = rerun_bot
    contexts = []
    bot.runner.rerun = lambda result, options, context: contexts.append(context)
    bot.runner.run(Job(pr=REF, event="test"))
    assert contexts[0].endpoint == hub.url
    assert contexts[0].token == hub.token


def test_pull_request_budget_stops_rerun(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    config = RERUN_CONFIG.replace("generations_per_day = 25", "generations_per_day = 1000\ngenerations_per_pr = 15")
    with FakeHub() as hub:
        seed_hub(hub)
        bot = make_bot(tmp_path, hub, extra_config=config)
        counting = CountingRerun()
        bot.runner.rerun = counting
        try:
            for _ in range(3):
                bot.runner.run(command_job(hub, "alice", "/evalbot rerun"))
            report = bot.state.last_report(REF, hub.repo(MODEL).refs["refs/pr/1"])
        finally:
            bot.close()
    assert counting.budgets == [15, 5]
    assert counting.budget_names == ["generations_per_pr", "generations_per_pr"]
    assert report is not None
    assert report.entries()[0].findings[-1].message == (
        "The entry was not re-run: this pull request used up its re-run budget."
    )
