"""Tests of the `evalbot` command: exit codes, output formats, flags and `evalbot pr`."""

import argparse
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import constants

from bot.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, build_parser, configure_logging, main, rerun_options
from bot.comment import Marker, parse_marker
from fakehub import FakeHub

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"
EXAMPLES = Path(__file__).parent.parent / "examples"

GPQA_SPEC = (REALWORLD / "eval_yaml" / "Idavidrein__gpqa.yaml").read_bytes()
CLEAN_GPQA = b"""- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: 78.8
  date: "2026-05-23"
  source:
    url: https://huggingface.co/google/gemma-4-12B-it
    name: Model Card
"""
WRONG_TASK = CLEAN_GPQA.replace(b"task_id: diamond", b"task_id: gpqa_diamond")


@pytest.fixture
def benchmarks(tmp_path: Path) -> Path:
    """Every realworld spec at DIR/<org>/<name>/eval.yaml, named after its file."""
    root = tmp_path / "benchmarks"
    for spec in (REALWORLD / "eval_yaml").glob("*.yaml"):
        org, name = spec.stem.split("__")[:2]
        folder = root / org / name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(spec, folder / "eval.yaml")
    return root


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# Exit codes: 0 without error findings, 1 with them, 2 for usage and I/O errors.


def test_clean_file_exits_zero(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA)
    code, _, _ = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert code == EXIT_OK


def test_error_finding_exits_one(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "gpqa.yaml", WRONG_TASK)
    code, _, _ = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert code == EXIT_FINDINGS


def test_missing_path_exits_two(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", tmp_path / "missing.yaml", "--benchmarks", benchmarks)
    assert code == EXIT_ERROR
    assert "missing.yaml' does not exist" in err
    assert out == ""


def test_folder_without_results_exits_two(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", tmp_path, "--benchmarks", benchmarks)
    assert code == EXIT_ERROR
    assert "has no .eval_results/ folder" in err


def test_unreadable_file_exits_two(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA)
    real_open = os.open

    def denied_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.fspath(path) == os.fspath(results):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied_open)
    code, _, err = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert code == EXIT_ERROR
    assert "could not be read (Permission denied)" in err


def test_missing_benchmarks_folder_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA)
    code, _, err = run(capsys, "check", results, "--benchmarks", tmp_path / "nowhere")
    assert code == EXIT_ERROR
    assert "--benchmarks" in err


@pytest.mark.parametrize(
    "flags",
    [
        ["--max-items", "0"],
        ["--max-generations", "-5"],
        ["--delta", "0"],
        ["--delta", "101"],
        ["--alpha", "1.5"],
        ["--alpha", "0"],
    ],
)
def test_invalid_rerun_flag_exits_two(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA)
    code, _, err = run(capsys, "check", results, "--benchmarks", benchmarks, *flags)
    assert code == EXIT_ERROR
    assert flags[0] in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["check"],
        ["check", "x.yaml", "--format", "html"],
        ["check", "x.yaml", "--max-items", "many"],
        ["pr", "org/model"],
        ["pr", "org/model", "three"],
        ["pr", "org/model", "3", "--repo-type", "space"],
        ["frobnicate"],
    ],
)
def test_usage_error_exits_two(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == EXIT_ERROR


# Bot commands come from their own modules, imported only when run.


def test_help_lists_bot_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("check", "pr", "serve", "poll", "ledger"):
        assert f"    {command} " in out


def test_ledger_command_registered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ledger", "export", "--state", tmp_path / "missing.sqlite3")
    assert code == EXIT_ERROR
    assert "missing.sqlite3' not found" in err


def test_check_skips_inspect_import(tmp_path: Path) -> None:
    # The re-run imports inspect_ai, which takes seconds; a plain check must not pay for it.
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA)
    script = (
        "import sys; from bot.cli import main; "
        f"main(['check', {str(results)!r}, '--benchmarks', {str(tmp_path)!r}]); "
        "print('inspect_ai' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent
    )
    assert output.stdout.splitlines()[-1] == "False"


# Output formats


def test_json_report_shape(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "gpqa.yaml", WRONG_TASK)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "json")
    report = json.loads(out)
    assert list(report) == ["schema_version", "conclusion", "files", "bot_errors"]
    assert report["schema_version"] == 1
    assert report["conclusion"] == "failure"
    assert list(report["files"][0]) == ["path", "findings", "entries"]
    assert report["files"][0]["path"] == str(results)
    entry = report["files"][0]["entries"][0]
    assert list(entry) == ["index", "dataset_id", "task_id", "value", "badge", "findings", "reproduction"]
    assert entry["index"] == 0
    assert entry["badge"] == "community"
    assert entry["reproduction"] is None
    assert list(entry["findings"][0]) == ["code", "severity", "message", "file", "line", "field", "hint"]


def test_json_finding_names_task_field(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "gpqa.yaml", WRONG_TASK)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "json")
    finding = json.loads(out)["files"][0]["entries"][0]["findings"][0]
    assert finding["code"] == "task.unknown"
    assert finding["severity"] == "error"
    assert finding["file"] == str(results)
    assert finding["line"] == 3
    assert finding["field"] == "dataset.task_id"
    assert "diamond" in finding["hint"]


def test_text_report_lines(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "gpqa.yaml", WRONG_TASK)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks)
    lines = out.splitlines()
    assert lines[0].startswith(f"{results}:3: error task.unknown [dataset.task_id]: ")
    assert lines[1].startswith("    fix: ")
    assert lines[-1] == "failure: 1 error, 0 warnings in 1 entry of 1 file; 0 verified, 1 community"


def test_text_report_escapes_terminal_codes(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = WRONG_TASK.replace(b"gpqa_diamond", b'"\\e[2J\\e]0;pwned\\a"')
    results = write(tmp_path / "gpqa.yaml", hostile)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert "\x1b" not in out
    assert "\x07" not in out


def test_text_shows_dash_for_missing_fields(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = write(tmp_path / "bare.yaml", b"- value: 12.5\n")
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks)
    assert f"  {results} entry 1: - / - = 12.5, community" in out.splitlines()


def test_markdown_report_is_comment(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "gpqa.yaml", WRONG_TASK)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "markdown")
    marker = parse_marker(out)
    assert marker is not None
    assert marker.conclusion == "failure"
    assert "| `gpqa_diamond` |" in out


def test_markdown_links_checked_benchmark(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA)
    argv = ["check", results, "--benchmarks", benchmarks, "--format", "markdown", "--endpoint", "http://127.0.0.1:9/"]
    _, out, _ = run(capsys, *argv)
    assert "(http://127.0.0.1:9/datasets/Idavidrein/gpqa/blob/main/eval.yaml)" in out


# Local folders: --main finds duplicates; a missing benchmark folder is benchmark.not-found.


def test_main_folder_finds_conflict(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main_dir = tmp_path / "main"
    write(main_dir / ".eval_results" / "gpqa.yaml", CLEAN_GPQA)
    results = write(tmp_path / "pr" / ".eval_results" / "gpqa_again.yaml", CLEAN_GPQA.replace(b"78.8", b"81.0"))
    argv = ["check", results, "--benchmarks", benchmarks, "--main", main_dir, "--format", "json"]
    _, out, _ = run(capsys, *argv)
    codes = [f["code"] for f in json.loads(out)["files"][0]["entries"][0]["findings"]]
    assert "duplicate.conflict" in codes


def test_unknown_benchmark_not_found(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "bbh.yaml", CLEAN_GPQA.replace(b"Idavidrein/gpqa", b"lukaemon/bbh"))
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "json")
    codes = [f["code"] for f in json.loads(out)["files"][0]["entries"][0]["findings"]]
    assert codes == ["benchmark.not-found"]


def test_two_repo_folders_not_duplicates(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "model-a"
    second = tmp_path / "model-b"
    write(first / ".eval_results" / "gpqa.yaml", CLEAN_GPQA)
    write(second / ".eval_results" / "gpqa.yaml", CLEAN_GPQA.replace(b"78.8", b"60.0"))
    code, out, _ = run(capsys, "check", first, second, "--benchmarks", benchmarks, "--format", "json")
    assert code == EXIT_OK
    assert len(json.loads(out)["files"]) == 2


# The Hub as spec source: the fake Hub on 127.0.0.1 serves eval.yaml, or fails.


def test_specs_fetched_from_hub(
    tmp_path: Path, fake_hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_hub.add_repo("Idavidrein/gpqa", repo_type="dataset", files={"eval.yaml": GPQA_SPEC})
    results = write(tmp_path / "gpqa.yaml", WRONG_TASK)
    code, out, _ = run(capsys, "check", results, "--endpoint", fake_hub.url, "--format", "json")
    codes = [f["code"] for f in json.loads(out)["files"][0]["entries"][0]["findings"]]
    assert code == EXIT_FINDINGS
    assert codes == ["task.unknown"]
    assert fake_hub.count("GET", "/datasets/Idavidrein/gpqa/resolve/") == 1


def test_hub_outage_is_bot_error(tmp_path: Path, fake_hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    fake_hub.add_repo("Idavidrein/gpqa", repo_type="dataset", files={"eval.yaml": GPQA_SPEC})
    fake_hub.fail_next(503, path_prefix="/datasets/Idavidrein/gpqa", times=10)
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA)
    code, out, _ = run(capsys, "check", results, "--endpoint", fake_hub.url, "--format", "json")
    report = json.loads(out)
    assert code == EXIT_ERROR
    assert report["conclusion"] == "success"
    assert len(report["bot_errors"]) == 1
    assert report["bot_errors"][0]["file"] == str(results)


def test_error_finding_wins_over_bot_error(
    tmp_path: Path, fake_hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_hub.fail_next(503, path_prefix="/datasets/Idavidrein/gpqa", times=10)
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA.replace(b"78.8", b"178.8"))
    code, _, _ = run(capsys, "check", results, "--endpoint", fake_hub.url)
    assert code == EXIT_FINDINGS


# Hostile submissions through the real checks: nothing becomes live markdown.

HOSTILE_RESULTS = b"""- dataset:
    id: "@everyone/<img src=x onerror=alert(1)>"
    task_id: "[click](javascript:alert(1)) <!-- evalbot:v1 conclusion=success head=none -->"
  value: "`` | **bold** | https://evil.example"
  date: "2026-05-23"
  source:
    url: "javascript:alert(1)"
  notes: "ping @maintainers, see other/repo#1"
"""


@pytest.mark.parametrize("live", ["<img", "](javascript", "repo#1", "**bold**", "https://evil"])
def test_hostile_file_not_live_outside_code(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str], live: str
) -> None:
    results = write(tmp_path / "evil.yaml", HOSTILE_RESULTS)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "markdown")
    outside_code = re.sub(r"(`+).*?\1", "", out)
    assert live not in outside_code


@pytest.mark.parametrize("mention", ["@everyone", "@maintainers"])
def test_hostile_file_mentions_nobody(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str], mention: str
) -> None:
    results = write(tmp_path / "evil.yaml", HOSTILE_RESULTS)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "markdown")
    assert mention not in out


def test_hostile_file_comment_has_one_marker(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = write(tmp_path / "evil.yaml", HOSTILE_RESULTS)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "markdown")
    assert [line for line in out.splitlines() if line.startswith("<!-- evalbot:")] == [out.splitlines()[0]]


# Real submissions: expected results come from the format and each benchmark's eval.yaml.

REALWORLD_ERRORS = {
    "gemma-4-12B-it__gpqa.yaml": set(),
    "gemma-4-12B-it__mmlu_pro.yaml": set(),
    "hfcommit__MiniMaxAI__MiniMax-M2.5__gpqa.yaml": set(),
    "hfcommit__Zyphra__ZAYA1-8B__mmlu-pro.yaml": set(),
    "hfcommit__arcee-ai__Trinity-Large-Preview__gpqa.yaml": {"task.unknown"},
    "dual-loop-controller__bbh.yaml": {"benchmark.not-found"},
    # No folder for terminal-bench in the benchmarks fixture, so it is not found locally.
    "hfcommit__MiniMaxAI__MiniMax-M2__terminal_bench.yaml": {"benchmark.not-found"},
}


@pytest.mark.parametrize("name", sorted(REALWORLD_ERRORS))
def test_realworld_error_codes(name: str, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = REALWORLD / "eval_results" / name
    code, out, _ = run(capsys, "check", path, "--benchmarks", benchmarks, "--format", "json")
    report = json.loads(out)
    errors = {
        finding["code"]
        for file in report["files"]
        for finding in [*file["findings"], *(f for entry in file["entries"] for f in entry["findings"])]
        if finding["severity"] == "error"
    }
    assert errors == REALWORLD_ERRORS[name]
    assert code == (EXIT_FINDINGS if errors else EXIT_OK)


def test_realworld_template_zeros_is_placeholder(benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = REALWORLD / "eval_results" / "cerebellum-gguf__template_placeholder_zeros.yaml"
    code, out, _ = run(capsys, "check", path, "--benchmarks", benchmarks, "--format", "json")
    codes = {f["code"] for entry in json.loads(out)["files"][0]["entries"] for f in entry["findings"]}
    assert "value.placeholder" in codes
    assert code == EXIT_FINDINGS


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_realworld_all_files_render(benchmarks: Path, capsys: pytest.CaptureFixture[str], output_format: str) -> None:
    paths = sorted((REALWORLD / "eval_results").glob("*.yaml"))
    code, out, err = run(capsys, "check", *paths, "--benchmarks", benchmarks, "--format", output_format)
    assert code == EXIT_FINDINGS
    assert out
    assert "Traceback" not in err


def test_demo_example_fails_with_known_codes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "check", EXAMPLES / "pull-request", "--main", EXAMPLES / "model-repo-main",
        "--benchmarks", EXAMPLES / "benchmarks", "--format", "json",
    ]
    code, out, _ = run(capsys, *argv)
    errors = {
        f["code"] for file in json.loads(out)["files"] for entry in file["entries"] for f in entry["findings"]
        if f["severity"] == "error"
    }
    assert code == EXIT_FINDINGS
    assert errors == {"benchmark.not-found", "task.unknown", "duplicate.conflict"}


# Re-run flags build RerunOptions; --model implies --rerun.


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["check", "x.yaml", *argv])


def test_rerun_disabled_by_default() -> None:
    assert rerun_options(parse()).enabled is False


def test_model_implies_rerun() -> None:
    options = rerun_options(parse("--model", "openai-api/local/m"))
    assert options.enabled is True
    assert options.model == "openai-api/local/m"


def test_rerun_flags_reach_options() -> None:
    argv = ["--rerun", "--grader", "g", "--max-items", "50", "--max-generations", "90", "--delta", "2.5", "--alpha", "0.1"]
    options = rerun_options(parse(*argv))
    assert (options.enabled, options.grader, options.max_items) == (True, "g", 50)
    assert (options.max_generations, options.delta, options.alpha) == (90, 2.5, 0.1)


AIME_ENTRY = b"""- dataset:
    id: MathArena/aime_2026
    task_id: MathArena/aime_2026
  value: 46.7
  date: "2026-06-02"
  source:
    url: https://huggingface.co/google/gemma-4-12B-it
    name: Model Card
"""


def test_rerun_reaches_reproduce(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A math-arena benchmark is never re-run, so this checks the wiring without a model call.
    results = write(tmp_path / "aime.yaml", AIME_ENTRY)
    argv = ["check", results, "--benchmarks", benchmarks, "--model", "openai-api/local/m", "--format", "json"]
    code, out, _ = run(capsys, *argv)
    entry = json.loads(out)["files"][0]["entries"][0]
    assert code == EXIT_OK
    assert entry["reproduction"]["verdict"] == "not-run"
    assert [f["code"] for f in entry["findings"]] == ["reproduce.not-run"]


def test_text_shows_not_rerun(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "aime.yaml", AIME_ENTRY)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--rerun")
    assert "46.7, community; not re-run (" in out


def test_no_rerun_without_flag(tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = write(tmp_path / "aime.yaml", AIME_ENTRY)
    _, out, _ = run(capsys, "check", results, "--benchmarks", benchmarks, "--format", "json")
    assert json.loads(out)["files"][0]["entries"][0]["reproduction"] is None


# evalbot pr against the fake Hub on 127.0.0.1.

MODEL_REPO = "google/gemma-4-12B-it"


@pytest.fixture
def hub_pr(fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> int:
    """A model repo with a pull request adding a wrong task id, and the GPQA benchmark."""
    fake_hub.add_repo("Idavidrein/gpqa", repo_type="dataset", files={"eval.yaml": GPQA_SPEC})
    fake_hub.add_repo(MODEL_REPO, files={"README.md": "model card"})
    monkeypatch.setenv("HF_TOKEN", fake_hub.token)
    return fake_hub.open_pull_request(MODEL_REPO, {".eval_results/gpqa.yaml": WRONG_TASK})


def test_pr_dry_run_posts_nothing(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["pr", MODEL_REPO, hub_pr, "--dry-run", "--endpoint", fake_hub.url, "--format", "markdown"]
    code, out, _ = run(capsys, *argv)
    assert code == EXIT_FINDINGS
    assert parse_marker(out) is not None
    assert fake_hub.comments(MODEL_REPO, hub_pr) == []


def test_pr_posts_comment(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    [comment] = fake_hub.comments(MODEL_REPO, hub_pr)
    assert code == EXIT_FINDINGS
    assert comment.author == fake_hub.bot_user
    assert parse_marker(comment.body).conclusion == "failure"  # type: ignore[union-attr]


def test_pr_rerun_edits_same_comment(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    run(capsys, "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    assert len(fake_hub.comments(MODEL_REPO, hub_pr)) == 1


def test_pr_fix_posts_new_comment(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    head = fake_hub.push(MODEL_REPO, hub_pr, {".eval_results/gpqa.yaml": CLEAN_GPQA})
    code, _, _ = run(capsys, "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    markers = [parse_marker(comment.body) for comment in fake_hub.comments(MODEL_REPO, hub_pr)]
    assert code == EXIT_OK
    assert [marker.conclusion for marker in markers if marker] == ["failure", "success"]
    assert markers[-1] == Marker(conclusion="success", head=head)


def test_pr_json_has_task_finding(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "pr", MODEL_REPO, hub_pr, "--dry-run", "--endpoint", fake_hub.url, "--format", "json")
    codes = [f["code"] for f in json.loads(out)["files"][0]["entries"][0]["findings"]]
    assert codes == ["task.unknown"]


def test_pr_never_prints_token(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "-v", "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    assert code == EXIT_FINDINGS
    assert fake_hub.token not in out
    assert fake_hub.token not in err


def test_pr_without_token_exits_two(
    tmp_path: Path, fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.delenv("HF_OIDC_RESOURCE", raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-saved-token"))
    code, _, err = run(capsys, "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    assert code == EXIT_ERROR
    assert "set HF_TOKEN" in err
    assert fake_hub.requests == []


def test_pr_dry_run_needs_no_token(
    fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_TOKEN")
    code, _, _ = run(capsys, "pr", MODEL_REPO, hub_pr, "--dry-run", "--endpoint", fake_hub.url)
    assert code == EXIT_FINDINGS


def test_pr_logs_no_http_lines(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    assert "HTTP Request" not in err


def test_pr_logs_no_info_lines(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    assert "INFO " not in err


def test_pr_verbose_logs_progress(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "-v", "pr", MODEL_REPO, hub_pr, "--endpoint", fake_hub.url)
    assert "INFO bot.service: pull request checked" in err


def test_pr_missing_repo_exits_two(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "pr", "nobody/nothing", 1, "--endpoint", fake_hub.url)
    assert code == EXIT_ERROR
    assert "'nobody/nothing'" in err


def test_pr_plain_discussion_skipped(fake_hub: FakeHub, hub_pr: int, capsys: pytest.CaptureFixture[str]) -> None:
    num = fake_hub.open_discussion(MODEL_REPO)
    code, _, err = run(capsys, "pr", MODEL_REPO, num, "--endpoint", fake_hub.url)
    assert code == EXIT_OK
    assert "nothing to check" in err


# Logging: warnings by default for one-shot commands, INFO for services, DEBUG with -v.


@pytest.fixture
def root_logger():
    """The root logger, with its level and handlers put back after the test."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield root
    root.setLevel(level)
    root.handlers[:] = handlers


@pytest.mark.parametrize(
    ("argv", "level"),
    [
        (["check", "missing.yaml"], logging.WARNING),
        (["pr", "org/model", "1"], logging.WARNING),
        (["ledger", "export", "--state", "missing.sqlite3"], logging.WARNING),
        (["poll", "--config", "missing.toml"], logging.INFO),
        (["serve", "--config", "missing.toml"], logging.INFO),
        (["-v", "check", "missing.yaml"], logging.DEBUG),
        (["-v", "ledger", "export", "--state", "missing.sqlite3"], logging.DEBUG),
    ],
)
def test_log_level_by_command(
    root_logger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv, level
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    main(argv)
    assert root_logger.level == level


def test_log_handler_follows_replaced_stderr(root_logger, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging(verbose=False)
    first.close()
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("bot.test").warning("after the swap")
    assert second.getvalue() == "WARNING bot.test: after the swap\n"


def test_repeated_configure_keeps_one_handler(root_logger) -> None:
    configure_logging(verbose=False)
    configure_logging(verbose=True)
    assert sum(handler.get_name() == "evalbot-cli" for handler in root_logger.handlers) == 1


def test_invalid_rerun_flag_message_is_plain(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = write(tmp_path / "gpqa.yaml", CLEAN_GPQA)
    _, _, err = run(capsys, "check", results, "--benchmarks", benchmarks, "--delta", "-1")
    assert err.strip() == "evalbot: error: --delta is '-1.0', expected more than 0.0; see 'evalbot check --help' for its range"


# Download progress bars would fill logs and CI output, so only -v keeps them.


def test_progress_bars_off_without_verbose(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from huggingface_hub.utils import are_progress_bars_disabled, enable_progress_bars

    enable_progress_bars()
    run(capsys, "check", write(tmp_path / "gpqa.yaml", CLEAN_GPQA), "--benchmarks", benchmarks)
    assert are_progress_bars_disabled()


def test_progress_bars_kept_with_verbose(
    tmp_path: Path, benchmarks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from huggingface_hub.utils import are_progress_bars_disabled, enable_progress_bars

    enable_progress_bars()
    run(capsys, "-v", "check", write(tmp_path / "gpqa.yaml", CLEAN_GPQA), "--benchmarks", benchmarks)
    assert not are_progress_bars_disabled()
