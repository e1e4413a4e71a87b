"""`evalbot pr` end to end: the real huggingface_hub client, the fake Hub, the real checks
and the real comment renderer.

The model repo has one results file on `main`. Pull request 1 adds a GPQA file with no
errors, an HLE file with a wrong task id, a copy of the `main` result and a README change.
The golden files are the exact comments, with the Hub URL written `https://hub.test`
because the fake Hub's port changes on every run.
"""

import datetime
import re
from pathlib import Path

import pytest

from bot import cli
from bot.comment import parse_marker
from bot.platforms.base import UnavailableError
from bot.platforms.hub import HubPlatform
from bot.service import CheckOutcome, check_pull_request
from fakehub import FakeHub

GOLDEN = Path(__file__).parent / "golden"
SPECS = Path(__file__).parent / "fixtures" / "realworld" / "eval_yaml"
TODAY = datetime.date(2026, 6, 1)
MODEL = "google/gemma-4-12B-it"
SHOWN_ENDPOINT = "https://hub.test"

MAIN_RESULTS = """\
- dataset:
    id: TIGER-Lab/MMLU-Pro
    task_id: mmlu_pro
  value: 77.2
  date: '2026-05-23'
"""
CLEAN_GPQA = """\
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: 78.8
  date: '2026-05-23'
  source:
    url: https://example.org/gemma-4-report.pdf
    name: Technical report
"""
WRONG_HLE = """\
- dataset:
    id: cais/hle
    task_id: default
  value: 5.2
  date: '2026-05-23'
  notes: No tools
"""
FIXED_HLE = WRONG_HLE.replace("task_id: default", "task_id: hle")


@pytest.fixture
def hub(fake_hub: FakeHub) -> FakeHub:
    """Benchmarks, the model repo and its open pull request 1."""
    for dataset_id, spec_file in [
        ("Idavidrein/gpqa", "Idavidrein__gpqa.yaml"),
        ("cais/hle", "cais__hle.yaml"),
        ("TIGER-Lab/MMLU-Pro", "TIGER-Lab__MMLU-Pro.yaml"),
    ]:
        fake_hub.add_repo(dataset_id, repo_type="dataset", files={"eval.yaml": (SPECS / spec_file).read_bytes()})
    fake_hub.add_repo(MODEL, files={"README.md": "# Gemma", ".eval_results/mmlu_pro.yaml": MAIN_RESULTS})
    fake_hub.open_pull_request(
        MODEL,
        {
            ".eval_results/gpqa.yaml": CLEAN_GPQA,
            ".eval_results/hle.yaml": WRONG_HLE,
            ".eval_results/mmlu_pro_copy.yaml": MAIN_RESULTS,
            "README.md": "# Gemma\n\nNow with scores.",
        },
    )
    return fake_hub


@pytest.fixture
def platform(hub: FakeHub) -> HubPlatform:
    return HubPlatform(endpoint=hub.url, token=hub.token)


def run(platform: HubPlatform, num: int = 1) -> CheckOutcome:
    return check_pull_request(platform, MODEL, num, today=TODAY)


def bot_comments(hub: FakeHub, num: int = 1) -> list[str]:
    return [c.body for c in hub.comments(MODEL, num) if c.author == hub.bot_user]


def with_shown_endpoint(hub: FakeHub, body: str) -> str:
    return body.replace(hub.url, SHOWN_ENDPOINT)


def golden(name: str, hub: FakeHub) -> str:
    head = hub.repo(MODEL).refs["refs/pr/1"]
    return (GOLDEN / name).read_text().replace("{head}", head).replace("{short_head}", head[:12])


# The first check and the exact comment


def test_first_check_posts_golden_comment(hub: FakeHub, platform: HubPlatform) -> None:
    outcome = run(platform)
    assert outcome.action == "created"
    assert with_shown_endpoint(hub, bot_comments(hub)[0]) == golden("hub_pr_failure.md", hub)


def test_first_check_conclusion_failure(hub: FakeHub, platform: HubPlatform) -> None:
    outcome = run(platform)
    assert outcome.report.conclusion == "failure"
    assert parse_marker(bot_comments(hub)[0]).head == hub.repo(MODEL).refs["refs/pr/1"]


# Re-checks: nothing, edit in place, or a new comment on a flip


def test_same_head_recheck_writes_nothing(hub: FakeHub, platform: HubPlatform) -> None:
    run(platform)
    hub.reset_requests()
    outcome = run(platform)
    assert outcome.action == "unchanged"
    assert hub.count("POST") == 0
    assert len(bot_comments(hub)) == 1


def test_new_head_edits_in_place(hub: FakeHub, platform: HubPlatform) -> None:
    run(platform)
    new_head = hub.push(MODEL, 1, {"README.md": "# Gemma\n\nScores below."})
    outcome = run(platform)
    assert outcome.action == "edited"
    (comment,) = [c for c in hub.comments(MODEL, 1) if c.author == hub.bot_user]
    assert parse_marker(comment.body).head == new_head
    assert len(comment.history) == 1


def test_flip_posts_new_comment_and_keeps_old(hub: FakeHub, platform: HubPlatform) -> None:
    run(platform)
    hub.push(MODEL, 1, {".eval_results/hle.yaml": FIXED_HLE})
    outcome = run(platform)
    assert outcome.action == "created"
    assert [parse_marker(body).conclusion for body in bot_comments(hub)] == ["failure", "success"]
    assert with_shown_endpoint(hub, bot_comments(hub)[1]) == golden("hub_pr_success.md", hub)


def test_flip_marks_old_comment_outdated(hub: FakeHub, platform: HubPlatform) -> None:
    old_head = hub.repo(MODEL).refs["refs/pr/1"]
    run(platform)
    new_head = hub.push(MODEL, 1, {".eval_results/hle.yaml": FIXED_HLE})
    run(platform)
    old_comment = bot_comments(hub)[0]
    assert old_comment == (
        f"<!-- evalbot:v1 conclusion=failure head={old_head} superseded -->\n\n"
        f"**evalbot: outdated.** This check of commit `{old_head[:12]}` concluded failure. "
        f"The newer evalbot comment below concludes success for commit `{new_head[:12]}`.\n"
    )


def test_flip_keeps_full_text_in_history(hub: FakeHub, platform: HubPlatform) -> None:
    run(platform)
    first_body = bot_comments(hub)[0]
    hub.push(MODEL, 1, {".eval_results/hle.yaml": FIXED_HLE})
    run(platform)
    old_comment = [c for c in hub.comments(MODEL, 1) if c.author == hub.bot_user][0]
    assert old_comment.history == [first_body]


def test_flip_costs_one_post_and_one_edit(hub: FakeHub, platform: HubPlatform) -> None:
    run(platform)
    hub.push(MODEL, 1, {".eval_results/hle.yaml": FIXED_HLE})
    hub.reset_requests()
    run(platform)
    assert hub.count("POST", "/comment") == 2
    assert hub.count("POST", "/edit") == 1


def test_push_after_flip_edits_newest_comment(hub: FakeHub, platform: HubPlatform) -> None:
    run(platform)
    hub.push(MODEL, 1, {".eval_results/hle.yaml": FIXED_HLE})
    run(platform)
    latest_head = hub.push(MODEL, 1, {"README.md": "# Gemma\n\nFixed."})
    outcome = run(platform)
    assert outcome.action == "edited"
    assert [parse_marker(body).superseded for body in bot_comments(hub)] == [True, False]
    assert parse_marker(bot_comments(hub)[1]).head == latest_head


def test_flip_back_posts_third_comment(hub: FakeHub, platform: HubPlatform) -> None:
    run(platform)
    hub.push(MODEL, 1, {".eval_results/hle.yaml": FIXED_HLE})
    run(platform)
    hub.push(MODEL, 1, {".eval_results/hle.yaml": WRONG_HLE})
    run(platform)
    markers = [parse_marker(body) for body in bot_comments(hub)]
    assert [(m.conclusion, m.superseded) for m in markers] == [
        ("failure", True),
        ("success", True),
        ("failure", False),
    ]


def test_no_duplicate_comment_over_many_checks(hub: FakeHub, platform: HubPlatform) -> None:
    for readme in ("a", "b", "c"):
        run(platform)
        run(platform)
        hub.push(MODEL, 1, {"README.md": readme})
    run(platform)
    assert len(bot_comments(hub)) == 1


def test_forged_marker_from_contributor_is_ignored(hub: FakeHub, platform: HubPlatform) -> None:
    head = hub.repo(MODEL).refs["refs/pr/1"]
    hub.add_comment(MODEL, 1, f"<!-- evalbot:v1 conclusion=failure head={head} -->\nAll good!", author="contributor")
    run(platform)
    assert len(bot_comments(hub)) == 1
    assert hub.comments(MODEL, 1)[0].body.endswith("All good!")


# Duplicates across open pull requests


def test_conflict_with_other_open_pr(hub: FakeHub, platform: HubPlatform) -> None:
    other = hub.open_pull_request(MODEL, {".eval_results/gpqa_other.yaml": CLEAN_GPQA.replace("78.8", "70.1")})
    outcome = run(platform)
    (conflict,) = [f for f in outcome.report.entries()[0].findings if f.code == "duplicate.conflict"]
    assert f"pull request #{other}" in conflict.message
    assert outcome.report.conclusion == "failure"


# Pull requests the bot leaves alone


def test_closed_pr_gets_no_comment(hub: FakeHub, platform: HubPlatform) -> None:
    hub.set_status(MODEL, 1, "closed")
    assert run(platform).action == "skipped"
    assert bot_comments(hub) == []


def test_pr_without_results_gets_no_comment(hub: FakeHub, platform: HubPlatform) -> None:
    num = hub.open_pull_request(MODEL, {"README.md": "typo fix"})
    assert run(platform, num).action == "skipped"
    assert bot_comments(hub, num) == []


# Service failures


def test_spec_outage_is_bot_error_not_finding(hub: FakeHub, platform: HubPlatform) -> None:
    hub.fail_next(503, path_prefix="/datasets/cais/hle")
    outcome = run(platform)
    assert "task.unknown" not in outcome.body
    assert "not problems with this pull request" in outcome.body
    assert outcome.report.bot_errors[0].file == ".eval_results/hle.yaml"


# huggingface_hub retries tree listings on 5xx with backoff, so the outage here hits the
# head lookup, which it does not retry.
def test_outage_on_pr_head_posts_nothing(hub: FakeHub, platform: HubPlatform) -> None:
    hub.fail_next(502, path_prefix=f"/api/models/{MODEL}/revision")
    with pytest.raises(UnavailableError):
        run(platform)
    assert bot_comments(hub) == []


# MMLU-Pro's entry has warnings only, so its outage keeps the conclusion `failure`.
def test_outage_recovers_on_next_trigger(hub: FakeHub, platform: HubPlatform) -> None:
    hub.fail_next(503, path_prefix="/datasets/TIGER-Lab/MMLU-Pro")
    run(platform)
    outcome = run(platform)
    assert outcome.action == "edited"
    assert outcome.report.bot_errors == []


# Hostile submissions: never a crash, never live markdown in the comment

HOSTILE_FILES = {
    "markdown-and-html": """\
- dataset:
    id: "<img src=x onerror=alert(1)>"
    task_id: "[click](https://evil.example) @maintainer **bold**"
  value: "<script>alert(1)</script>"
  date: '2026-05-23'
  notes: "| table | break |\\n# heading"
""",
    "mention-in-task": "- dataset: {id: Idavidrein/gpqa, task_id: '@huggingface please merge'}\n  value: 1\n",
    "backticks": "- dataset: {id: Idavidrein/gpqa, task_id: '``` ` `` `'}\n  value: 50\n",
    "binary": b"\xff\xfe\x00\x00garbage\x00",
    "deep": "- " * 5000 + "x\n",
    "alias-bomb": "a: &a [1,1,1,1]\nb: &b [*a,*a,*a,*a]\nc: [*b,*b,*b,*b]\n",
    "not-a-list": "dataset: Idavidrein/gpqa\n",
    "huge": "# pad\n" * 300_000,
    "path-traversal-id": "- dataset: {id: ../../api/whoami-v2, task_id: x}\n  value: 1\n",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_file_never_crashes(hub: FakeHub, platform: HubPlatform, name: str) -> None:
    num = hub.open_pull_request(MODEL, {f".eval_results/{name}.yaml": HOSTILE_FILES[name]})
    outcome = run(platform, num)
    assert outcome.action == "created"
    assert outcome.report.conclusion == "failure"


def live_markdown(body: str) -> str:
    """Return the comment without its marker, code spans and `<code>` elements.

    Text inside those is shown literally, so only what is left can render as markup.
    """
    without_marker = body.split("\n", 1)[1]
    without_spans = re.sub(r"(`+)(.+?)\1", "", without_marker)
    return re.sub(r"<code>.*?</code>", "", without_spans)


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_file_leaks_no_markup(hub: FakeHub, platform: HubPlatform, name: str) -> None:
    num = hub.open_pull_request(MODEL, {f".eval_results/{name}.yaml": HOSTILE_FILES[name]})
    live = live_markdown(run(platform, num).body)
    assert "<img" not in live
    assert "<script" not in live
    assert "](https://evil" not in live
    assert re.search(r"@(maintainer|huggingface)", live) is None


@pytest.mark.parametrize(
    "name",
    [
        "<img src=x>[x](evil.example)@admin.yaml",  # a results file
        "<b>[x](https://evil.example)@admin</b>.yaml",  # "/" makes it a sub-folder path
    ],
)
def test_hostile_file_name_is_escaped(hub: FakeHub, platform: HubPlatform, name: str) -> None:
    files = {f".eval_results/{name}": CLEAN_GPQA, ".eval_results/companion.yaml": WRONG_HLE}
    num = hub.open_pull_request(MODEL, files)
    outcome = run(platform, num)
    assert f".eval_results/{name}" in [file.path for file in outcome.report.files]
    live = live_markdown(outcome.body)
    assert "<img" not in live
    assert "<b>" not in live
    assert "](evil" not in live
    assert "](https://evil" not in live
    assert "@admin" not in live


def test_huge_file_is_never_downloaded(hub: FakeHub, platform: HubPlatform) -> None:
    num = hub.open_pull_request(MODEL, {".eval_results/huge.yaml": HOSTILE_FILES["huge"]})
    hub.reset_requests()
    outcome = run(platform, num)
    assert hub.count("GET", "huge.yaml") == 0
    assert "yaml.too-large" in outcome.body


# The command line: `evalbot pr`


def test_cli_pr_posts_comment(hub: FakeHub, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HF_TOKEN", hub.token)
    exit_code = cli.main(["pr", MODEL, "1", "--endpoint", hub.url, "--format", "json"])
    assert exit_code == 1
    assert len(bot_comments(hub)) == 1
    assert hub.token not in capsys.readouterr().out


def test_cli_pr_dry_run_posts_nothing(hub: FakeHub, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HF_TOKEN", hub.token)
    exit_code = cli.main(["pr", MODEL, "1", "--endpoint", hub.url, "--dry-run", "--format", "markdown"])
    output = capsys.readouterr().out
    assert exit_code == 1
    assert output.startswith("<!-- evalbot:v1 conclusion=failure head=")
    assert hub.count("POST") == 0


def test_cli_pr_missing_repo_exits_2(hub: FakeHub, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HF_TOKEN", hub.token)
    exit_code = cli.main(["pr", "org/missing", "1", "--endpoint", hub.url])
    error = capsys.readouterr().err
    assert exit_code == 2
    assert "org/missing" in error
    assert hub.token not in error


# The re-run gets the Hub it checks and a token for dataset downloads


def test_reproducer_gets_endpoint_and_download_token(hub: FakeHub, platform: HubPlatform) -> None:
    seen = []
    check_pull_request(
        platform, MODEL, 1, today=TODAY, dry_run=True,
        reproducer=lambda result, context: seen.append((context.endpoint, context.token)),
    )
    assert seen == [(hub.url, hub.token)]
