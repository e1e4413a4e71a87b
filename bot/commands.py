"""Maintainer commands in pull request comments: `/evalbot verify`, `unverify`, `rerun`.

- `verify` grants `verified` to the pull request's entries at the current head commit.
  Only maintainers listed in the settings file may, and a grant covers only the entries
  of benchmarks the granter maintains and that have no error finding.
- `unverify` removes that grant.
- `rerun` checks the head commit again. Maintainers may ask any time; the pull request's
  author may ask once per head commit, because a re-run can cost model calls.

Grants are stored per head sha, so a new commit drops them without any clean-up.
"""

import re
from typing import Literal

from pydantic import BaseModel

from bot.comment import code
from bot.config import Maintainers
from checks.report import Grant, Report

CommandName = Literal["verify", "unverify", "rerun"]
COMMAND_NAMES: tuple[CommandName, ...] = ("verify", "unverify", "rerun")

# A command is a line of its own: "/evalbot verify", any case, surrounding spaces allowed.
COMMAND_LINE = re.compile(r"^\s*/evalbot(?:\s+(?P<name>\S+))?\s*$", re.IGNORECASE | re.MULTILINE)


class ParsedCommand(BaseModel, frozen=True):
    """The first `/evalbot` line of a comment; `name` is None when it is not a known command."""

    name: CommandName | None
    # The word after `/evalbot` as written, for the reply to an unknown command.
    word: str | None


class Decision(BaseModel, frozen=True):
    """Whether a command runs, and the reply to post when it does not."""

    accepted: bool
    reply: str | None = None


def parse_command(body: str) -> ParsedCommand | None:
    """Return the first `/evalbot` command in a comment body, or None when there is none.

    Lines inside fenced code blocks and quoted lines are skipped, so quoting an earlier
    command or documenting one does not run it.
    """
    in_fence = False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence or stripped.startswith(">"):
            continue
        match = COMMAND_LINE.match(line)
        if match is None:
            continue
        word = match.group("name")
        name = word.lower() if word else None
        return ParsedCommand(name=name if name in COMMAND_NAMES else None, word=word)
    return None


def authorize(
    command: CommandName,
    *,
    user: str,
    pr_author: str,
    maintainers: Maintainers,
    reruns_by_author_at_head: int,
) -> Decision:
    """Decide whether `user` may run `command` on this pull request."""
    if maintainers.is_maintainer(user):
        return Decision(accepted=True)
    if command == "rerun" and user == pr_author:
        if reruns_by_author_at_head == 0:
            return Decision(accepted=True)
        return Decision(
            accepted=False,
            reply=(
                f"{code(user)}: the author may ask for one re-run per head commit, and this "
                "commit was already re-run; push a new commit or ask a maintainer."
            ),
        )
    return Decision(
        accepted=False,
        reply=(
            f"{code(user)}: `/evalbot {command}` is reserved for the benchmark maintainers "
            "listed in the bot's settings, so nothing happened."
        ),
    )


def unknown_command_reply(user: str, word: str | None) -> str:
    """Return the reply to `/evalbot` followed by no command or an unknown word."""
    written = code(word) if word else "nothing"
    return (
        f"{code(user)}: `/evalbot` was followed by {written}, which is not a command; "
        "use `/evalbot verify`, `/evalbot unverify` or `/evalbot rerun`."
    )


def apply_grant(report: Report, grant: Grant, maintainers: Maintainers) -> int:
    """Set `grant` on the entries it covers and return how many it covers.

    An entry is covered when it has no error finding and the granter maintains its
    benchmark. The other entries keep the badge that their checks and re-run gave them.
    """
    covered = 0
    for entry in report.entries():
        if entry.dataset_id is None or not maintainers.may_verify(grant.granted_by, entry.dataset_id):
            continue
        if any(finding.severity == "error" for finding in entry.findings):
            continue
        entry.grant = grant
        covered += 1
    return covered


def grant_reply(user: str, covered: int) -> str | None:
    """Return the reply after a `verify` that covered no entry; None when it covered some."""
    if covered > 0:
        return None
    return (
        f"{code(user)}: no entry was verified, because none belongs to a benchmark you "
        "maintain without an error finding; fix the errors or ask that benchmark's maintainer."
    )
