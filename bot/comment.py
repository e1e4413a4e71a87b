"""Render a report as the bot's pull-request comment, and read back its hidden marker.

The first line of every comment is a hidden marker that carries the conclusion and the
head sha, so the service finds, edits or re-posts its comment without parsing prose:

    <!-- evalbot:v1 conclusion=failure head=0123abcd... -->

When the conclusion flips, the bot posts a new comment and edits the old one into a short
note that points to it. The note keeps the old conclusion and head and adds the word
`superseded`, so it is still recognised as the bot's but never taken for the current one:

    <!-- evalbot:v1 conclusion=failure head=0123abcd... superseded -->

Every string that comes from a submission is escaped before it reaches the comment: paths,
ids, values, and the finding messages that quote them. User text is shown in code spans
or as escaped plain text, never as live markdown, HTML, links or @-mentions. Link targets
are built only from dataset ids that pass `is_valid_dataset_id`.
"""

import html
import re
from collections import Counter
from collections.abc import Iterable
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from checks.report import BotError, EntryReport, FileReport, Finding, Report, Reproduction

MARKER_VERSION = 1
# GitHub rejects comment bodies over 65536 characters. The same budget, with headroom,
# is used on the Hub, whose limit evalbot does not know.
MAX_COMMENT_CHARS = 60_000
# User strings longer than this are cut in the comment; the JSON report keeps them whole.
MAX_SHOWN_CHARS = 120
# Finding messages and hints are evalbot's sentences that quote user values.
MAX_MESSAGE_CHARS = 1_000

_MARKER_RE = re.compile(
    r"<!-- evalbot:v(?P<version>\d+) conclusion=(?P<conclusion>success|failure) "
    r"head=(?P<head>[0-9a-f]{7,64}|none)(?P<superseded> superseded)? -->"
)
# Hub repo ids: "org/name" or a legacy single-part id such as "gsm8k".
_DATASET_ID_RE = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?", re.ASCII)
_ZERO_WIDTH_SPACE = "\u200b"
# Characters that would start markdown syntax in plain text; `<`, `>` and `&` become
# HTML entities instead. `@` and `#` get a zero-width space after them (in `_neutralise`),
# so user text can neither mention anyone nor cross-reference another issue.
_MARKDOWN_SPECIALS = set("\\`*_[]()!|~$")
_SEVERITY_ICONS = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}
# Verdicts without a result read as what happened, not as a verdict of the re-run.
_VERDICT_HEADLINES = {"not-run": "**not re-run**", "error": "**re-run failed**"}


class Marker(BaseModel):
    """The state stored in the first line of a bot comment."""

    version: int = MARKER_VERSION
    conclusion: Literal["success", "failure"]
    # Head commit sha the comment was rendered for; None for local checks.
    head: str | None
    # True once a newer comment with another conclusion replaced this one.
    superseded: bool = False


class CommentContext(BaseModel):
    """The pull request a comment is for, and the links it may contain.

    Every field comes from the platform or the checks, never from submitted text.
    """

    repo_id: str | None = None
    # Pull request number on the platform (a Hub discussion number or a GitHub PR number).
    num: int | None = None
    head_sha: str | None = Field(default=None, pattern=r"^[0-9a-f]{7,64}$")
    # Hub endpoint used for benchmark links, without a trailing slash.
    endpoint: str = "https://huggingface.co"
    # (dataset id, revision) of every benchmark whose eval.yaml was read; revision None
    # means the default branch.
    benchmarks: list[tuple[str, str | None]] = Field(default_factory=list)


def render_marker(conclusion: str, head_sha: str | None, *, superseded: bool = False) -> str:
    """Return the hidden first line of a comment."""
    flag = " superseded" if superseded else ""
    return f"<!-- evalbot:v{MARKER_VERSION} conclusion={conclusion} head={head_sha or 'none'}{flag} -->"


def render_superseded(previous: Marker, conclusion: str, head_sha: str | None) -> str:
    """Render the note that replaces a comment whose conclusion a newer comment flipped.

    Only the markers' values are shown (a conclusion word and hex shas), never user text.
    """
    checked = f" of commit `{previous.head[:12]}`" if previous.head else ""
    newer_head = f" for commit `{head_sha[:12]}`" if head_sha else ""
    return (
        f"{render_marker(previous.conclusion, previous.head, superseded=True)}\n\n"
        f"**evalbot: outdated.** This check{checked} concluded {previous.conclusion}. "
        f"The newer evalbot comment below concludes {conclusion}{newer_head}.\n"
    )


def parse_marker(body: str) -> Marker | None:
    """Read the marker from the first line of a comment body, or return None.

    Only the first line counts, so a marker quoted inside user text further down never
    matches. A user can still post a comment that starts with a marker: callers must
    also check that the comment's author is the bot.
    """
    first_line = body.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    match = _MARKER_RE.fullmatch(first_line)
    if match is None:
        return None
    head = match["head"]
    return Marker(
        version=int(match["version"]),
        conclusion=match["conclusion"],  # type: ignore[arg-type]
        head=None if head == "none" else head,
        superseded=match["superseded"] is not None,
    )


def render_comment(report: Report, context: CommentContext) -> str:
    """Render the whole comment; cut the details when it would exceed the size limit."""
    parts = [
        render_marker(report.conclusion, context.head_sha),
        _heading(report),
        _subject(context),
        _table(report),
        _benchmark_links(context),
        _verification(report),
        _bot_errors(report.bot_errors),
    ]
    summary = "\n\n".join(part for part in parts if part)
    details = "\n\n".join(
        _file_details(file_report) for file_report in report.files if file_report.all_findings()
    )
    body = f"{summary}\n\n{details}" if details else summary
    if len(body) <= MAX_COMMENT_CHARS:
        return body + "\n"

    note = "_Details were cut to fit the comment size limit; run `evalbot check` for all of them._"
    body = f"{summary}\n\n{note}"
    if len(body) > MAX_COMMENT_CHARS:
        body = body[: MAX_COMMENT_CHARS - len(note) - 2].rsplit("\n", 1)[0] + "\n\n" + note
    return body + "\n"


# Escaping


def code(text: object, *, in_table: bool = False) -> str:
    """Show untrusted text as a single-line code span.

    The fence is one backtick longer than the longest backtick run in the text, so the
    text cannot close it. In a table cell `|` is written `\\|`, which GitHub's table
    parser reads as a literal pipe even inside a code span.
    """
    visible = _neutralise(str(text))
    if in_table:
        visible = visible.replace("|", "\\|")
    longest_run = max((len(run) for run in re.findall(r"`+", visible)), default=0) if "`" in visible else 0
    fence = "`" * (longest_run + 1)
    if visible.startswith(("`", " ")) or visible.endswith(("`", " ")) or not visible:
        visible = f" {visible} "
    return f"{fence}{visible}{fence}"


def plain(text: object) -> str:
    """Show untrusted or mixed text as plain markdown text with no live syntax."""
    result = _neutralise(str(text), MAX_MESSAGE_CHARS).translate(_PLAIN_TABLE)
    # Break bare URLs and `www.` so GitHub's autolink extension cannot make a link.
    result = result.replace("://", ":" + _ZERO_WIDTH_SPACE + "//")
    return re.sub(r"(?i)(www)\.", "\\1" + _ZERO_WIDTH_SPACE + ".", result)


def prose(text: object) -> str:
    """Show evalbot's own sentence, which may quote user text, with its `code` marks kept.

    Backtick-delimited parts become code spans and the rest is escaped as plain text, so
    every part is escaped either way. The whole text is shown as plain text when its
    backticks are unbalanced, or when two code parts touch: their fences would merge into
    one backtick run and end the first span somewhere inside the second.
    """
    parts = str(text).split("`")
    touching = any(not part for part in parts[2:-1:2])
    if len(parts) % 2 == 0 or touching:
        return plain(text)
    return "".join(plain(part) if index % 2 == 0 else code(part) for index, part in enumerate(parts))


def _neutralise(text: str, max_chars: int = MAX_SHOWN_CHARS) -> str:
    """Cut long text and make control characters, line breaks, `@` and `#` inert."""
    if len(text) > max_chars:
        text = text[:max_chars] + "…"
    return text.translate(_NEUTRAL_TABLE)


def _neutral_table() -> dict[int, str]:
    """Map C0/C1 controls and the bidirectional overrides that disguise text to escapes."""
    invisible = [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    table = {point: f"\\u{point:04x}" for point in invisible}
    table.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
    table.update({ord(char): char + _ZERO_WIDTH_SPACE for char in "@#"})
    return table


_NEUTRAL_TABLE = _neutral_table()
_PLAIN_TABLE = {ord(char): "\\" + char for char in _MARKDOWN_SPECIALS} | {
    ord(char): html.escape(char) for char in "<>&"
}


def is_valid_dataset_id(dataset_id: str | None) -> bool:
    """Return True when the id may appear in a link: `org/name` or a single-part Hub id."""
    if not dataset_id or _DATASET_ID_RE.fullmatch(dataset_id) is None:
        return False
    return ".." not in dataset_id and "--" not in dataset_id


def spec_url(endpoint: str, dataset_id: str, revision: str | None) -> str | None:
    """Return the link to a benchmark's eval.yaml, or None for an id that fails validation."""
    if not is_valid_dataset_id(dataset_id):
        return None
    quoted_revision = quote(revision or "main", safe="")
    return f"{endpoint.rstrip('/')}/datasets/{dataset_id}/blob/{quoted_revision}/eval.yaml"


# Sections


def _heading(report: Report) -> str:
    counts = _severity_counts(finding for file_report in report.files for finding in file_report.all_findings())
    entry_count = len(report.entries())
    problems = _count_phrase(counts["error"], "error") if counts["error"] else "no errors"
    if counts["warning"]:
        problems += ", " + _count_phrase(counts["warning"], "warning")
    badges = report.badge_counts()
    line = (
        f"**evalbot: {problems} in {_count_phrase(entry_count, 'entry', 'entries')}** — "
        f"{badges['verified']} verified, {badges['community']} community"
    )
    if report.bot_errors:
        line += f" · {_count_phrase(len(report.bot_errors), 'bot error')}"
    return line


def _subject(context: CommentContext) -> str:
    if context.repo_id is None or context.head_sha is None:
        return ""
    pull_request = f"pull request {context.num} on " if context.num is not None else ""
    return f"Checked {pull_request}{code(context.repo_id)} at commit {code(context.head_sha[:12])}."


def _table(report: Report) -> str:
    rows = ["| file | benchmark | task | value | badge | problems |", "|---|---|---|---|---|---|"]
    for file_report in report.files:
        file_cell = code(file_report.path, in_table=True)
        if file_report.findings or not file_report.entries:
            rows.append(f"| {file_cell} | — | — | — | — | {_problem_cell(file_report.findings)} |")
        for entry in file_report.entries:
            rows.append(
                f"| {file_cell} | {_optional_code(entry.dataset_id)} | {_optional_code(entry.task_id)} "
                f"| {_optional_code(entry.value)} | {entry.badge} | {_problem_cell(entry.findings)} |"
            )
    if len(rows) == 2:
        return "No results files changed."
    return "\n".join(rows)


def _optional_code(value: object) -> str:
    return "—" if value is None else code(value, in_table=True)


def _problem_cell(findings: list[Finding]) -> str:
    if not findings:
        return "—"
    codes = dict.fromkeys(f"{_SEVERITY_ICONS.get(f.severity, '')} {code(f.code, in_table=True)}" for f in findings)
    return " ".join(codes)


def _benchmark_links(context: CommentContext) -> str:
    links = []
    for dataset_id, revision in sorted(set(context.benchmarks), key=lambda pair: (pair[0], pair[1] or "")):
        url = spec_url(context.endpoint, dataset_id, revision)
        if url is None:
            continue
        label = code(dataset_id) if revision is None else f"{code(dataset_id)} at {code(revision[:12])}"
        links.append(f"[{label}]({url})")
    if not links:
        return ""
    return "Benchmark specs: " + " · ".join(links)


def _verification(report: Report) -> str:
    lines = []
    for file_report in report.files:
        for entry in file_report.entries:
            if entry.reproduction is not None:
                lines.append(f"- {_entry_label(file_report, entry)}: {_reproduction_text(entry.reproduction)}")
            if entry.grant is not None:
                lines.append(
                    f"- {_entry_label(file_report, entry)}: `verified` granted by maintainer "
                    f"{code(entry.grant.granted_by)} at {code(entry.grant.granted_at)} "
                    f"for commit {code(entry.grant.head_sha[:12])}."
                )
    if not lines:
        return ""
    return "### Verification\n\n" + "\n".join(lines)


def _entry_label(file_report: FileReport, entry: EntryReport) -> str:
    label = f"{code(file_report.path)} entry {entry.index + 1}"
    if entry.dataset_id is not None:
        label += f" ({code(entry.dataset_id)}"
        label += f" / {code(entry.task_id)})" if entry.task_id is not None else ")"
    return label


def _reproduction_text(reproduction: Reproduction) -> str:
    """Describe a re-run: verdict, score and interval in points, sample size and model."""
    headline = _VERDICT_HEADLINES.get(reproduction.verdict, f"re-run **{reproduction.verdict}**")
    text = headline
    if reproduction.score is not None:
        text += f", score {_points(reproduction.score)}"
    if reproduction.interval is not None:
        low, high = reproduction.interval
        # The verdict is two one-sided tests at alpha each, so the interval shown is 1 - 2 alpha.
        confidence = f"{(1 - 2 * reproduction.alpha) * 100:g}% " if reproduction.alpha is not None else ""
        text += f" ({confidence}interval {_points(low)} to {_points(high)})"
    if reproduction.claim is not None:
        text += f" against the claim {_points(reproduction.claim)}"
        if reproduction.delta is not None:
            text += f" ± {reproduction.delta:g}"
        # The format fixes no scale, so the line states how the submitted value was read.
        if reproduction.claim_scale is not None:
            text += f" (value read on the {reproduction.claim_scale} scale)"
    if reproduction.items:
        population = f" of {reproduction.population}" if reproduction.population is not None else ""
        text += f", {reproduction.items}{population} items, {reproduction.generations} generations"
    if reproduction.model is not None:
        text += f", model {code(reproduction.model)}"
    if reproduction.seed is not None:
        text += f", seed {reproduction.seed}"
    reason = reproduction.reason.strip()
    if reason:
        reason = reason[0].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
    return f"{text}. {prose(reason)}".rstrip()


def _points(score: float) -> str:
    """Format a 0-1 score as points on the 0-100 scale."""
    return f"{score * 100:.1f}"


def _bot_errors(bot_errors: list[BotError]) -> str:
    if not bot_errors:
        return ""
    lines = [
        "### Bot errors",
        "",
        "These are failures of evalbot or of a service it calls, not problems with this "
        "pull request. evalbot checks again on the next push to this pull request. Where "
        "evalbot answers comment commands, a maintainer can also ask for a check now with "
        "`/evalbot rerun`.",
        "",
    ]
    for bot_error in bot_errors:
        where = ""
        if bot_error.file is not None:
            where = code(bot_error.file)
            if bot_error.entry_index is not None:
                where += f" entry {bot_error.entry_index + 1}"
            where += ": "
        lines.append(f"- {where}{prose(bot_error.message)}")
    return "\n".join(lines)


def _file_details(file_report: FileReport) -> str:
    # NOTE: GitHub renders <details>. Whether the Hub's discussion renderer does is not
    # verified; where it does not, the tags show as text and the findings stay readable.
    findings = file_report.all_findings()
    summary = f"<code>{html.escape(_neutralise(file_report.path))}</code>: {_summary_counts(findings)}"
    blocks = [f"<details><summary>{summary}</summary>"]
    if file_report.findings:
        blocks.append("\n".join(_finding_item(finding) for finding in file_report.findings))
    for entry in file_report.entries:
        if entry.findings:
            line = f" (line {entry.line})" if entry.line is not None else ""
            blocks.append(f"Entry {entry.index + 1}{line}:")
            blocks.append("\n".join(_finding_item(finding) for finding in entry.findings))
    blocks.append("</details>")
    return "\n\n".join(blocks)


def _finding_item(finding: Finding) -> str:
    """Render a finding as a list item: code, place, message, then the fix on its own line."""
    place = []
    if finding.line is not None:
        place.append(f"line {finding.line}")
    if finding.field is not None:
        place.append(code(finding.field))
    where = f" ({', '.join(place)})" if place else ""
    icon = _SEVERITY_ICONS.get(finding.severity, "")
    text = f"- {icon} {code(finding.code)}{where}: {prose(finding.message)}"
    if finding.hint:
        text += f"\n  Fix: {prose(finding.hint)}"
    return text


def _summary_counts(findings: list[Finding]) -> str:
    counts = _severity_counts(findings)
    phrases = [_count_phrase(counts[name], name) for name in ("error", "warning", "info") if counts[name]]
    return ", ".join(phrases) if phrases else "no problems"


def _severity_counts(findings: Iterable[Finding]) -> Counter[str]:
    return Counter(finding.severity for finding in findings)


def _count_phrase(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
