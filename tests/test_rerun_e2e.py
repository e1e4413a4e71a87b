"""End-to-end re-runs: the real child process drives Inspect's `openai-api` provider
against the local model server on 127.0.0.1."""

import datetime
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from bot.platforms.local import LocalSpecs
from bot.rerun import RerunContext, reproduce
from checks.inputs import ChangedFile, CheckInput
from checks.report import EntryReport, FileReport, Report
from checks.reproduce.options import RerunOptions
from checks.reproduce.sampling import draw_order
from checks.validate import validate
from model_server import ModelServer
from rerun_helpers import (
    GPQA_README,
    DATASET_ID,
    RESULTS_PATH,
    TASK_ID,
    answers_of,
    raw_spec,
    raw_task,
    sum_items,
    validation_result,
    write_benchmark,
)

POPULATION = 60
MODEL = "openai-api/local/test-model"
# Two epochs reduced by pass_at_1, as GPQA declares four: each item costs two generations.
SPEC = raw_spec(raw_task(epochs=2, epoch_reducer="pass_at_1"))


@pytest.fixture(scope="module")
def items() -> list[dict[str, str]]:
    return sum_items(POPULATION)


@pytest.fixture(scope="module")
def benchmarks(tmp_path_factory: pytest.TempPathFactory, items: list[dict[str, str]]) -> Path:
    root = tmp_path_factory.mktemp("benchmarks")
    write_benchmark(root, items, SPEC)
    return root


@pytest.fixture(scope="module")
def server(items: list[dict[str, str]]) -> ModelServer:
    with ModelServer(answers_of(items), accuracy=0.7, seed=5) as running:
        yield running


@pytest.fixture(autouse=True)
def provider_env(monkeypatch: pytest.MonkeyPatch, server: ModelServer) -> None:
    monkeypatch.setenv("LOCAL_BASE_URL", server.base_url)
    monkeypatch.setenv("LOCAL_API_KEY", "test")
    monkeypatch.setenv("HF_TOKEN", "hf_write_token_must_not_leak")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_must_not_leak")


def true_accuracy(server: ModelServer, items: list[dict[str, str]]) -> float:
    return sum(server.is_right(item["Question"]) for item in items) / len(items)


def context(benchmarks: Path, **overrides: object) -> RerunContext:
    fields: dict[str, object] = {
        "repo_id": "example-org/example-model",
        "seed_material": "0123456789abcdef0123456789abcdef01234567",
        "benchmarks_dir": benchmarks,
        "eval_args": {"max_retries": 1, "timeout": 10},
    }
    fields.update(overrides)
    return RerunContext(**fields)


def options(**overrides: object) -> RerunOptions:
    fields: dict[str, object] = {"enabled": True, "model": MODEL, "batch_size": 20, "max_items": POPULATION}
    fields.update(overrides)
    return RerunOptions(**fields)


# Verdicts: the server's true accuracy over all items is known, so each claim has one
# right verdict.


def test_claim_at_truth_is_consistent(benchmarks, server, items):
    claim = round(true_accuracy(server, items) * 100, 1)
    result = validation_result(claim, spec=SPEC)
    reproduce(result, options(delta=15, batch_size=30), context(benchmarks))
    reproduction = result.report.entries()[0].reproduction
    assert reproduction.verdict == "consistent"
    assert reproduction.model == MODEL
    assert reproduction.items == len(reproduction.item_scores)
    assert reproduction.generations == 2 * reproduction.items
    assert reproduction.score == pytest.approx(sum(s.score for s in reproduction.item_scores) / reproduction.items)


def test_claim_far_off_is_inconsistent(benchmarks, server, items):
    # Through the real checks: the spec comes from the benchmarks folder, as in
    # `evalbot check --benchmarks DIR --model MODEL`.
    claim = round((true_accuracy(server, items) - 0.2) * 100, 1)
    content = f"- dataset:\n    id: {DATASET_ID}\n    task_id: {TASK_ID}\n  value: {claim}\n".encode()
    inputs = CheckInput(changed=[ChangedFile(path=RESULTS_PATH, status="added", content=content)], today=datetime.date(2026, 6, 1))
    result = validate(inputs, LocalSpecs(benchmarks))
    reproduce(result, options(), context(benchmarks))
    entry = result.report.entries()[0]
    assert entry.reproduction.verdict == "inconsistent"
    assert [f.code for f in entry.findings] == ["reproduce.inconsistent"]
    assert entry.badge == "community"
    assert result.report.conclusion == "failure"


def test_tiny_budget_is_inconclusive(benchmarks, server, items):
    claim = round(true_accuracy(server, items) * 100, 1)
    result = validation_result(claim, spec=SPEC)
    reproduce(result, options(max_items=5, batch_size=5), context(benchmarks))
    entry = result.report.entries()[0]
    assert entry.reproduction.verdict == "inconclusive"
    assert [f.code for f in entry.findings] == ["reproduce.inconclusive"]
    # The report lets anyone redo the draw: the seed gives the items, in order.
    drawn = [str(index + 1) for index in draw_order(POPULATION, entry.reproduction.seed)[:5]]
    assert [s.id for s in entry.reproduction.item_scores] == drawn
    assert entry.reproduction.generations == 10
    assert entry.reproduction.population == POPULATION
    assert entry.reproduction.inspect_version
    assert all(len(s.input_hash) == 16 for s in entry.reproduction.item_scores)


def test_shared_budget_named_in_reason(benchmarks, server, items):
    # The bot's runner lowers max_generations to the pull request's share, and the reason names that budget.
    claim = round(true_accuracy(server, items) * 100, 1)
    result = validation_result(claim, spec=SPEC)
    reproduce(result, options(max_generations=10, batch_size=5), context(benchmarks, generation_budget="generations_per_pr"))
    reproduction = result.report.entries()[0].reproduction
    assert reproduction.verdict == "inconclusive"
    assert "(generations_per_pr: 10 generations at 2 per item)" in reproduction.reason


# Provider failures: Inspect retries, then the entry is not run and keeps what finished.


def test_provider_error_is_not_run(benchmarks, items, monkeypatch):
    with ModelServer(answers_of(items), accuracy=0.7, fail_status=400) as failing:
        monkeypatch.setenv("LOCAL_BASE_URL", failing.base_url)
        result = validation_result(70.0, spec=SPEC)
        reproduce(result, options(max_items=5, batch_size=5), context(benchmarks))
    reproduction = result.report.entries()[0].reproduction
    assert reproduction.verdict == "not-run"
    assert "failed" in reproduction.reason
    assert result.report.bot_errors == []


# The child process: no write token, and its failures are bot errors.


def test_child_gets_no_write_token(benchmarks, tmp_path):
    dump = tmp_path / "environment.json"
    code = f"import json, os; open({str(dump)!r}, 'w').write(json.dumps(dict(os.environ)))"
    result = validation_result(70.0, spec=SPEC)
    reproduce(result, options(), context(benchmarks, child_command=(sys.executable, "-c", code)))
    environment = json.loads(dump.read_text())
    assert "HF_TOKEN" not in environment
    assert "GITHUB_TOKEN" not in environment
    assert environment["HOME"] != os.environ["HOME"]
    assert environment["LOCAL_API_KEY"] == "test"


@pytest.mark.parametrize(
    ("code", "timeout", "reason"),
    [
        ("import sys; sys.exit(3)", 30.0, "exited with code 3"),
        ("raise RuntimeError('boom')", 30.0, "exited with code 1"),
        ("import time; time.sleep(30)", 1.0, "timed out after 1 seconds"),
        ("import sys; open(sys.argv[-1], 'w').write('not json')", 30.0, "invalid result"),
    ],
    ids=["exit-code", "exception", "hang", "garbage-result"],
)
def test_child_failure_is_bot_error(benchmarks, code, timeout, reason):
    result = validation_result(70.0, spec=SPEC)
    reproduce(result, options(timeout=timeout), context(benchmarks, child_command=(sys.executable, "-c", code)))
    entry = result.report.entries()[0]
    assert entry.reproduction.verdict == "error"
    assert reason in entry.reproduction.reason
    assert len(result.report.bot_errors) == 1
    assert entry.findings == []


# The Hub path: GPQA's real eval.yaml, its data downloaded from the fake Hub by config and
# split, four epochs reduced by pass_at_1, and seeded choice shuffling.


def test_gpqa_from_hub_is_rerun(fake_hub, tmp_path, monkeypatch):
    columns = ["Question", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3", "Correct Answer"]
    # Text answers, as in GPQA: a CSV column of bare numbers would be read as integers.
    items = [{key: value if key == "Question" else f"{value} apples" for key, value in item.items()} for item in sum_items(8)]
    rows = [",".join(columns)] + [",".join(item[column] for column in columns) for item in items]
    fake_hub.add_repo(
        "Idavidrein/gpqa",
        repo_type="dataset",
        files={"README.md": GPQA_README, "gpqa_diamond/train-00000.csv": "\n".join(rows) + "\n", "gpqa_main/train-00000.csv": "x\n"},
    )
    spec = yaml.safe_load((Path(__file__).parent / "fixtures" / "eval_yaml" / "Idavidrein__gpqa.yaml").read_text())
    entry = EntryReport(index=0, dataset_id="Idavidrein/gpqa", task_id="diamond", value=50.0)
    result = SimpleNamespace(
        report=Report(files=[FileReport(path=RESULTS_PATH, entries=[entry])]),
        specs={("Idavidrein/gpqa", None): SimpleNamespace(evaluation_framework="inspect-ai")},
        raw_specs={("Idavidrein/gpqa", None): spec},
    )
    with ModelServer(answers_of(items), accuracy=0.5, seed=11) as gpqa_server:
        monkeypatch.setenv("LOCAL_BASE_URL", gpqa_server.base_url)
        claim = true_accuracy(gpqa_server, items) * 100
        entry.value = claim
        hub = {"endpoint": fake_hub.url, "cache_dir": tmp_path / "cache", "benchmarks_dir": None}
        reproduce(result, options(max_items=8, batch_size=8), context(tmp_path, **hub))
        requests = gpqa_server.requests
    assert entry.reproduction.verdict == "consistent", entry.reproduction.reason
    assert entry.reproduction.population == 8
    assert entry.reproduction.generations == 32
    assert requests == 32
