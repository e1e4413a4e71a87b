"""Maintainer commands: parsing, who may run what, and which entries a grant covers."""

import pytest

from bot.commands import apply_grant, authorize, grant_reply, parse_command, unknown_command_reply
from bot.config import Maintainers
from checks.report import EntryReport, FileReport, Finding, Grant, Report

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
