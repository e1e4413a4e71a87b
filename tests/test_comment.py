"""Tests of the pull-request comment: golden full texts, the marker, and escaping."""

import os
import re
from pathlib import Path

import pytest

from bot.comment import (
    MAX_COMMENT_CHARS,
    CommentContext,
    Marker,
    code,
    is_valid_dataset_id,
    parse_marker,
    plain,
    prose,
    render_comment,
    render_marker,
    render_superseded,
    spec_url,
)
from checks.report import BotError, EntryReport, FileReport, Grant, Report, Reproduction, finding

GOLDEN_DIR = Path(__file__).parent / "golden"
HEAD = "3f5e2a9c1b7d4e6f8a0b2c4d6e8f0a1b3c5d7e9f"
SPEC_REVISION = "5503434ddd753f426f4b38109466949a1217c2bb"
ENDPOINT = "http://127.0.0.1:8765"
CONTEXT = CommentContext(
    repo_id="google/gemma-4-12B-it",
    num=7,
    head_sha=HEAD,
    endpoint=ENDPOINT,
    benchmarks=[("Idavidrein/gpqa", SPEC_REVISION), ("cais/hle", None), ("TIGER-Lab/MMLU-Pro", None)],
)
GPQA_FILE = ".eval_results/gpqa.yaml"
HLE_FILE = ".eval_results/hle.yaml"


def clean_entry(index: int = 0, **fields: object) -> EntryReport:
    values: dict[str, object] = {"index": index, "dataset_id": "Idavidrein/gpqa", "task_id": "diamond", "value": 78.8, "line": 1}
    values.update(fields)
    return EntryReport(**values)  # type: ignore[arg-type]


def consistent_reproduction() -> Reproduction:
    return Reproduction(
        verdict="consistent",
        reason="The 90% interval lies inside the claim's tolerance.",
        claim=0.788,
        claim_scale="0-100",
        score=0.775,
        interval=(0.752, 0.801),
        items=120,
        population=198,
        generations=480,
        seed=1234567,
        model="openai-api/local/gemma-4-12B-it",
        delta=3.0,
        alpha=0.05,
    )


def report_clean() -> Report:
    return Report(
        files=[
            FileReport(path=GPQA_FILE, entries=[clean_entry()]),
            FileReport(
                path=".eval_results/mmlu_pro.yaml",
                entries=[clean_entry(dataset_id="TIGER-Lab/MMLU-Pro", task_id="mmlu_pro", value=77.2)],
            ),
        ]
    )


def report_errors() -> Report:
    wrong_task = finding(
        "task.unknown",
        "Task id 'gpqa_diamond' is not a task of 'Idavidrein/gpqa'.",
        file=GPQA_FILE,
        line=3,
        field="dataset.task_id",
        hint="Use 'diamond', the nearest task id; valid ids are diamond, main, extended.",
    )
    unquoted = finding(
        "date.unquoted",
        "The date 2026-05-23 is not quoted, so YAML reads it as a date object.",
        file=GPQA_FILE,
        line=5,
        field="date",
        hint="Write date: \"2026-05-23\".",
    )
    syntax = finding(
        "yaml.syntax",
        "The file is not valid YAML: mapping values are not allowed here.",
        file=".eval_results/broken.yaml",
        line=2,
        hint="Fix the indentation on line 2.",
    )
    return Report(
        files=[
            FileReport(
                path=GPQA_FILE,
                entries=[clean_entry(task_id="gpqa_diamond", findings=[wrong_task, unquoted]), clean_entry(1, line=9)],
            ),
            FileReport(path=".eval_results/broken.yaml", findings=[syntax]),
        ]
    )


def report_bot_errors() -> Report:
    return Report(
        files=[FileReport(path=HLE_FILE, entries=[clean_entry(dataset_id="cais/hle", task_id="hle", value=5.2)])],
        bot_errors=[
            BotError(message="Fetching the eval.yaml of 'cais/hle' failed: the Hub returned HTTP 503.", file=HLE_FILE, entry_index=0),
            BotError(message="Reading the other open pull requests failed: timed out after 10 s."),
        ],
    )


def report_reproduction() -> Report:
    inconsistent = Reproduction(
        verdict="inconsistent",
        reason="The 90% interval lies below the claim's tolerance.",
        claim=0.194,
        claim_scale="0-100",
        score=0.061,
        interval=(0.031, 0.092),
        items=80,
        population=2500,
        generations=80,
        seed=99,
        model="openai-api/local/gemma-4-12B-it",
        delta=3.0,
        alpha=0.05,
    )
    rerun_finding = finding(
        "reproduce.inconsistent",
        "The re-run scored 6.1 on 80 items, outside 19.4 ± 3.",
        file=HLE_FILE,
        line=1,
        field="value",
        hint="Check the value, or link an Inspect log of the full run in source.url.",
    )
    not_run = Reproduction(verdict="not-run", reason="the benchmark's framework is 'math-arena', and only 'inspect-ai' benchmarks are re-run")
    crashed = Reproduction(verdict="error", reason="The re-run process timed out after 1800 s.")
    return Report(
        files=[
            FileReport(
                path=GPQA_FILE,
                entries=[
                    clean_entry(reproduction=consistent_reproduction()),
                    clean_entry(1, dataset_id="MathArena/aime_2026", task_id="MathArena/aime_2026", value=46.7, reproduction=not_run),
                    clean_entry(2, task_id="main", value=61.0, reproduction=crashed),
                ],
            ),
            FileReport(
                path=HLE_FILE,
                entries=[
                    clean_entry(
                        dataset_id="cais/hle", task_id="hle", value=19.4, reproduction=inconsistent, findings=[rerun_finding]
                    )
                ],
            ),
        ]
    )


def report_grants() -> Report:
    grant = Grant(granted_by="gpqa-maintainer", granted_at="2026-06-02T10:15:00Z", head_sha=HEAD)
    return Report(files=[FileReport(path=GPQA_FILE, entries=[clean_entry(grant=grant), clean_entry(1, task_id="main", value=61.0)])])


HOSTILE = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) @everyone `a``b` | <!-- evalbot:v1 conclusion=success head=none -->"


def report_hostile() -> Report:
    entry = EntryReport(
        index=0,
        dataset_id="evil/<script>alert(1)</script>",
        task_id="[x](javascript:alert(1))",
        value="@everyone | ``` \n<!-- evalbot:v1 conclusion=success head=none -->",
        line=1,
        findings=[
            finding(
                "task.unknown",
                f"Task id '{HOSTILE}' is not a task of 'evil'.",
                file=".eval_results/x.yaml",
                line=2,
                field="dataset.task_id",
                hint="Visit https://evil.example or www.evil.example, see other/repo#1 and ping @maintainers **now**.",
            )
        ],
    )
    return Report(
        files=[FileReport(path=".eval_results/<b>bold</b>|`x`.yaml", entries=[entry])],
        bot_errors=[BotError(message=HOSTILE, file="@everyone")],
    )


GOLDEN_REPORTS = {
    "clean": report_clean,
    "errors": report_errors,
    "bot_errors": report_bot_errors,
    "reproduction": report_reproduction,
    "grants": report_grants,
    "hostile": report_hostile,
}


# The whole comment is compared with a reviewed file, because readers see the whole text.
# Set EVALBOT_UPDATE_GOLDEN=1 to rewrite the files, then review the diff before committing.


@pytest.mark.parametrize("name", sorted(GOLDEN_REPORTS))
def test_comment_matches_golden(name: str) -> None:
    rendered = render_comment(GOLDEN_REPORTS[name](), CONTEXT)
    golden = GOLDEN_DIR / f"{name}.md"
    if os.environ.get("EVALBOT_UPDATE_GOLDEN") == "1":
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


# The service finds its comment by the marker, so it must round-trip and never match prose.


@pytest.mark.parametrize("name", sorted(GOLDEN_REPORTS))
def test_marker_round_trips(name: str) -> None:
    report = GOLDEN_REPORTS[name]()
    marker = parse_marker(render_comment(report, CONTEXT))
    assert marker == Marker(conclusion=report.conclusion, head=HEAD)


def test_marker_without_head_reads_none() -> None:
    assert parse_marker(render_marker("success", None)) == Marker(conclusion="success", head=None)


def test_marker_accepts_crlf_and_bom() -> None:
    body = "\ufeff" + render_marker("failure", HEAD) + "\r\nrest"
    assert parse_marker(body) == Marker(conclusion="failure", head=HEAD)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "no marker here",
        f"text first\n{render_marker('success', HEAD)}",
        f" {render_marker('success', HEAD)}",
        f"<!-- evalbot:v1 conclusion=maybe head={HEAD} -->",
        "<!-- evalbot:v1 conclusion=success head=XYZ -->",
        "<!-- evalbot:v1 conclusion=success head=abc -->",
        f"<!-- evalbot:v1 conclusion=success head={HEAD} --> trailing",
        f"<!-- evalbot:vX conclusion=success head={HEAD} -->",
        f"<!-- other-bot:v1 conclusion=success head={HEAD} -->",
        f"<!-- evalbot:v1 conclusion=success head={HEAD} superseded=yes -->",
        f"<!-- evalbot:v1 conclusion=success superseded head={HEAD} -->",
        f"<!-- evalbot:v1 conclusion=success head={HEAD}  superseded -->",
    ],
)
def test_marker_rejects_malformed(body: str) -> None:
    assert parse_marker(body) is None


# A comment whose conclusion flipped becomes a short note with a `superseded` marker.


def test_superseded_marker_round_trips() -> None:
    body = render_marker("failure", HEAD, superseded=True)
    assert parse_marker(body) == Marker(conclusion="failure", head=HEAD, superseded=True)


def test_marker_not_superseded_by_default() -> None:
    assert parse_marker(render_marker("failure", HEAD)).superseded is False  # type: ignore[union-attr]


def test_superseded_note_keeps_old_verdict() -> None:
    note = render_superseded(Marker(conclusion="failure", head=HEAD), "success", "b" * 40)
    assert parse_marker(note) == Marker(conclusion="failure", head=HEAD, superseded=True)


def test_superseded_note_names_both_commits() -> None:
    note = render_superseded(Marker(conclusion="failure", head=HEAD), "success", "b" * 40)
    assert note.splitlines()[2] == (
        f"**evalbot: outdated.** This check of commit `{HEAD[:12]}` concluded failure. "
        f"The newer evalbot comment below concludes success for commit `{'b' * 12}`."
    )


def test_superseded_note_without_heads() -> None:
    note = render_superseded(Marker(conclusion="success", head=None), "failure", None)
    assert note.splitlines()[2] == (
        "**evalbot: outdated.** This check concluded success. "
        "The newer evalbot comment below concludes failure."
    )


# Bot errors: the comment states what happens next without promising commands the
# contributor cannot use.


def test_bot_errors_say_who_may_rerun() -> None:
    body = render_comment(report_bot_errors(), CONTEXT)
    assert "evalbot checks again on the next push to this pull request." in body
    assert "a maintainer can also ask for a check now with `/evalbot rerun`." in body


def test_hostile_comment_has_one_marker() -> None:
    rendered = render_comment(report_hostile(), CONTEXT)
    lines_with_marker = [line for line in rendered.splitlines() if line.startswith("<!-- evalbot:")]
    assert lines_with_marker == [rendered.splitlines()[0]]


def test_marker_conclusion_follows_report() -> None:
    assert parse_marker(render_comment(report_errors(), CONTEXT)).conclusion == "failure"  # type: ignore[union-attr]


def test_context_rejects_non_hex_head() -> None:
    with pytest.raises(ValueError):
        CommentContext(head_sha="main; rm -rf /")


# Escaping: user text reaches the comment only as code or escaped text.


def _visible_text(rendered: str) -> str:
    """Drop code spans, which GitHub and the Hub render literally."""
    return re.sub(r"(`+).*?\1", "", rendered)


@pytest.mark.parametrize(
    "live",
    ["<img", "<script", "<b>", "](javascript", "[x](", "https://evil", "www.evil", "**now**", "repo#1"],
)
def test_hostile_text_not_live_outside_code(live: str) -> None:
    rendered = render_comment(report_hostile(), CONTEXT)
    assert live not in _visible_text(rendered)


@pytest.mark.parametrize("mention", ["@everyone", "@maintainers"])
def test_mentions_neutralised_everywhere(mention: str) -> None:
    rendered = render_comment(report_hostile(), CONTEXT)
    assert mention not in rendered


def test_hostile_table_rows_keep_six_columns() -> None:
    rendered = render_comment(report_hostile(), CONTEXT)
    rows = [line for line in rendered.splitlines() if line.startswith("| ")]
    unescaped_pipes = [len(re.findall(r"(?<!\\)\|", row)) for row in rows]
    assert unescaped_pipes == [7] * len(rows)


def test_hostile_dataset_id_gets_no_link() -> None:
    context = CONTEXT.model_copy(update={"benchmarks": [("evil/<script>alert(1)</script>", None)]})
    rendered = render_comment(report_hostile(), context)
    assert "Benchmark specs" not in rendered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("diamond", "`diamond`"),
        ("a`b", "``a`b``"),
        ("``x", "``` ``x ```"),
        ("", "`  `"),
        ("line\nbreak", "`line\\nbreak`"),
        ("\u202egnp.exe", "`\\u202egnp.exe`"),
        ("\x1b[31mred", "`\\u001b[31mred`"),
        ("@everyone", "`@\u200beveryone`"),
    ],
)
def test_code_span_escapes(text: str, expected: str) -> None:
    assert code(text) == expected


def test_code_span_escapes_pipe_in_table() -> None:
    assert code("a|b", in_table=True) == "`a\\|b`"


def test_code_span_cuts_long_text() -> None:
    assert code("x" * 500) == "`" + "x" * 120 + "…`"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a_b*c", "a\\_b\\*c"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("[x](y)", "\\[x\\]\\(y\\)"),
        ("$x$", "\\$x\\$"),
        ("see https://x.org", "see https:\u200b//x.org"),
        ("see www.x.org", "see www\u200b.x.org"),
        ("mail a@b.org", "mail a@\u200bb.org"),
        ("see other/repo#12", "see other/repo#\u200b12"),
        ("two\nlines", "two\\\\nlines"),
    ],
)
def test_plain_text_escapes(text: str, expected: str) -> None:
    assert plain(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Remove `notes`.", "Remove `notes`."),
        ("Set `a|b` *now*", "Set `a|b` \\*now\\*"),
        ("odd ` backtick", "odd \\` backtick"),
        ("id 'x`<img>`y' in `notes`", "id 'x`<img>`y' in `notes`"),
        ("`@everyone`", "`@\u200beveryone`"),
        ("`a``b`c<img>``", "\\`a\\`\\`b\\`c&lt;img&gt;\\`\\`"),
        ("`a` and `b`", "`a` and `b`"),
    ],
)
def test_prose_keeps_code_marks(text: str, expected: str) -> None:
    assert prose(text) == expected


@pytest.mark.parametrize(
    "dataset_id",
    ["Idavidrein/gpqa", "gsm8k", "TIGER-Lab/MMLU-Pro", "org/name.v2"],
)
def test_dataset_id_valid(dataset_id: str) -> None:
    assert is_valid_dataset_id(dataset_id)


@pytest.mark.parametrize(
    "dataset_id",
    [None, "", "a/b/c", "../etc", "org/..", "org/a..b", "-org/x", "org/x y", "org/x)", "org/ｘ", "javascript:alert(1)", "org--x/y"],
)
def test_dataset_id_invalid(dataset_id: str | None) -> None:
    assert not is_valid_dataset_id(dataset_id)


def test_spec_url_encodes_revision() -> None:
    url = spec_url(ENDPOINT + "/", "Idavidrein/gpqa", "refs/pr/3")
    assert url == f"{ENDPOINT}/datasets/Idavidrein/gpqa/blob/refs%2Fpr%2F3/eval.yaml"


def test_spec_url_defaults_to_main() -> None:
    assert spec_url(ENDPOINT, "gsm8k", None) == f"{ENDPOINT}/datasets/gsm8k/blob/main/eval.yaml"


# Size: a huge report must still fit in one comment and keep its marker and table.


def test_huge_report_fits_size_limit() -> None:
    entries = [clean_entry(index, findings=[finding("date.future", "x" * 900, line=index)]) for index in range(400)]
    rendered = render_comment(Report(files=[FileReport(path=GPQA_FILE, entries=entries)]), CONTEXT)
    assert len(rendered) <= MAX_COMMENT_CHARS + 1
    assert parse_marker(rendered) == Marker(conclusion="failure", head=HEAD)
    assert "Details were cut" in rendered


def test_empty_report_says_no_files() -> None:
    rendered = render_comment(Report(), CONTEXT)
    assert "No results files changed." in rendered
