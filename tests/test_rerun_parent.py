"""The parent side of the re-run: not-run cases, the child's environment, data downloads.

None of these tests starts Inspect: a not-run case is decided before the child starts,
and downloads go to the fake Hub on 127.0.0.1.
"""

import datetime
import json
import sys
from pathlib import Path

import pytest
from huggingface_hub.utils import _http as hf_http

from bot.rerun import RerunError, NotRun, RerunContext, child_environment, download_split, reproduce
from checks.report import finding
from checks.reproduce.options import RerunOptions
from rerun_helpers import DATASET_ID, GPQA_README, RESULTS_PATH, raw_spec, raw_task, sum_items, validation_result, write_benchmark

MODEL = "openai-api/local/test-model"
# A child that must never start in these tests: it fails loudly if it does.
NO_CHILD = (sys.executable, "-c", "raise SystemExit('the child started')")


@pytest.fixture
def benchmarks(tmp_path: Path) -> Path:
    write_benchmark(tmp_path, sum_items(5))
    return tmp_path


def run(result, benchmarks: Path, **option_fields: object) -> None:
    fields: dict[str, object] = {"enabled": True, "model": MODEL}
    fields.update(option_fields)
    context = RerunContext(repo_id="example-org/model", seed_material="abc", benchmarks_dir=benchmarks, child_command=NO_CHILD)
    reproduce(result, RerunOptions(**fields), context)


# Each case that cannot be re-run gives the reason, in the reproduction and in an info finding.

NOT_RUN_CASES = [
    ("disabled", validation_result(70.0), {"enabled": False}, "not enabled"),
    (
        "error-findings",
        validation_result(70.0, findings=[finding("value.out-of-range", "The value '170' is over 100.")]),
        {},
        "error findings",
    ),
    ("text-value", validation_result("n/a"), {}, "not a finite number"),
    ("nan-value", validation_result(float("nan")), {}, "not a finite number"),
    ("missing-value", validation_result(None), {}, "not a finite number"),
    ("over-100", validation_result(170.0), {}, "cannot be read as a score"),
    ("negative", validation_result(-1.0), {}, "cannot be read as a score"),
    ("other-framework", validation_result(70.0, spec=raw_spec(framework="math-arena")), {}, "only 'inspect-ai'"),
    ("unknown-task", validation_result(70.0, task_id="nope"), {}, "'nope' is not in the eval.yaml"),
    (
        "grader-needed",
        validation_result(70.0, spec=raw_spec(raw_task(scorers=[{"name": "model_graded_fact"}]))),
        {},
        "--grader MODEL",
    ),
    (
        "tools",
        validation_result(70.0, spec=raw_spec(raw_task(solvers=[{"name": "use_tools"}, {"name": "generate"}]))),
        {},
        "sandbox",
    ),
    ("invalid-task", validation_result(70.0, spec=raw_spec(raw_task(solvers=[]))), {}, "Inspect's eval.yaml rules"),
]


@pytest.mark.parametrize(("result", "fields", "reason"), [case[1:] for case in NOT_RUN_CASES], ids=[case[0] for case in NOT_RUN_CASES])
def test_not_run_case_gives_reason(benchmarks, result, fields, reason):
    run(result, benchmarks, **fields)
    entry = result.report.entries()[0]
    assert entry.reproduction.verdict == "not-run"
    assert reason in entry.reproduction.reason
    assert entry.findings[-1].code == "reproduce.not-run"
    assert entry.findings[-1].file == RESULTS_PATH
    assert result.report.bot_errors == []


def test_local_check_without_model_is_not_run(benchmarks):
    result = validation_result(70.0)
    context = RerunContext(seed_material="abc", benchmarks_dir=benchmarks, child_command=NO_CHILD)
    reproduce(result, RerunOptions(enabled=True), context)
    assert "--model MODEL" in result.report.entries()[0].reproduction.reason


def test_missing_local_folder_is_not_run(tmp_path):
    result = validation_result(70.0)
    run(result, tmp_path)
    assert "has no folder" in result.report.entries()[0].reproduction.reason


@pytest.mark.parametrize("dataset_id", ["../../etc", "org/..", "/etc/passwd", "org/name/../../x"])
def test_hostile_dataset_id_names_no_folder(tmp_path, dataset_id):
    result = validation_result(70.0)
    result.raw_specs = {(dataset_id, None): raw_spec()}
    result.specs = {(dataset_id, None): result.specs[(DATASET_ID, None)]}
    result.report.entries()[0].dataset_id = dataset_id
    run(result, tmp_path)
    assert "cannot name a local benchmarks folder" in result.report.entries()[0].reproduction.reason


def test_two_revisions_of_one_benchmark_are_not_run(benchmarks):
    result = validation_result(70.0)
    result.raw_specs[(DATASET_ID, "a" * 40)] = raw_spec()
    run(result, benchmarks)
    assert "several revisions" in result.report.entries()[0].reproduction.reason


# The child's environment is an allow-list: provider keys, never a write token.

HOME = Path("/tmp/evalbot-child-home")
ENVIRON = {
    "PATH": "/usr/bin",
    "HOME": "/home/bot",
    "HF_TOKEN": "hf_write",
    "HUGGING_FACE_HUB_TOKEN": "hf_write",
    "GITHUB_TOKEN": "ghp_write",
    "GH_TOKEN": "ghp_write",
    "EVALBOT_INFERENCE_TOKEN": "hf_inference_only",
    "OPENAI_API_KEY": "sk-openai",
    "LOCAL_API_KEY": "local-key",
    "LOCAL_BASE_URL": "http://127.0.0.1:8000/v1",
    "ANTHROPIC_API_KEY": "sk-anthropic",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "DATABASE_URL": "postgres://secret",
}


@pytest.mark.parametrize("model", [MODEL, "openai/gpt-4o", "anthropic/claude", "hf-inference-providers/org/model"])
@pytest.mark.parametrize("name", ["GITHUB_TOKEN", "GH_TOKEN", "HUGGING_FACE_HUB_TOKEN", "EVALBOT_INFERENCE_TOKEN", "DATABASE_URL"])
def test_child_never_gets_write_token(model, name):
    assert name not in child_environment(model, None, ENVIRON, HOME)


@pytest.mark.parametrize(
    ("model", "grader", "expected"),
    [
        (MODEL, None, {"LOCAL_API_KEY", "LOCAL_BASE_URL"}),
        ("openai/gpt-4o", None, {"OPENAI_API_KEY"}),
        (MODEL, "anthropic/claude", {"LOCAL_API_KEY", "LOCAL_BASE_URL", "ANTHROPIC_API_KEY"}),
        ("bedrock/model", None, {"AWS_SECRET_ACCESS_KEY"}),
    ],
)
def test_child_gets_only_its_provider_keys(model, grader, expected):
    environment = child_environment(model, grader, ENVIRON, HOME)
    keys = {name for name in environment if name in ENVIRON} - {"PATH", "HOME"}
    assert keys == expected


def test_inference_token_becomes_hf_token():
    environment = child_environment("hf-inference-providers/org/model", None, ENVIRON, HOME)
    assert environment["HF_TOKEN"] == "hf_inference_only"


def test_hf_token_is_not_passed_without_inference_token():
    environ = {name: value for name, value in ENVIRON.items() if name != "EVALBOT_INFERENCE_TOKEN"}
    assert "HF_TOKEN" not in child_environment("hf-inference-providers/org/model", None, environ, HOME)


def test_child_gets_empty_home():
    environment = child_environment(MODEL, None, ENVIRON, HOME)
    assert environment["HOME"] == str(HOME)
    assert environment["HF_HOME"].startswith(str(HOME))
    assert environment["HF_HUB_DISABLE_IMPLICIT_TOKEN"] == "1"


def test_child_reads_data_offline():
    environment = child_environment(MODEL, None, ENVIRON, HOME)
    assert environment["HF_HUB_OFFLINE"] == "1"
    assert environment["HF_DATASETS_OFFLINE"] == "1"


# Downloads through huggingface_hub fetch only the config and split that the task needs.


def hub_context(hub, tmp_path: Path) -> RerunContext:
    return RerunContext(seed_material="abc", endpoint=hub.url, cache_dir=tmp_path / "cache", child_command=NO_CHILD)


def test_download_fetches_only_the_split(fake_hub, tmp_path):
    fake_hub.add_repo(
        "Idavidrein/gpqa",
        repo_type="dataset",
        files={
            "README.md": GPQA_README + "# GPQA\n",
            "eval.yaml": "name: GPQA\n",
            "gpqa_diamond/train-00000.csv": "Question\nq1\n",
            "gpqa_main/train-00000.csv": "Question\nq2\n",
        },
    )
    folder = download_split("Idavidrein/gpqa", None, "gpqa_diamond", "train", hub_context(fake_hub, tmp_path))
    files = sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
    assert files == ["README.md", "gpqa_diamond/train-00000.csv"]


def test_download_uses_default_layout_without_readme(fake_hub, tmp_path):
    fake_hub.add_repo(
        "org/plain",
        repo_type="dataset",
        files={"data/test-00000-of-00001.jsonl": "{}\n", "data/train-00000-of-00001.jsonl": "{}\n"},
    )
    folder = download_split("org/plain", None, "default", "test", hub_context(fake_hub, tmp_path))
    files = sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
    assert files == ["data/test-00000-of-00001.jsonl"]


def test_missing_dataset_is_not_run(fake_hub, tmp_path):
    with pytest.raises(NotRun, match="not found on the Hub"):
        download_split("org/missing", None, "default", "test", hub_context(fake_hub, tmp_path))


def test_unknown_config_is_not_run(fake_hub, tmp_path):
    fake_hub.add_repo("Idavidrein/gpqa", repo_type="dataset", files={"README.md": GPQA_README})
    with pytest.raises(NotRun, match="'gpqa_extended' is not in the README's configs"):
        download_split("Idavidrein/gpqa", None, "gpqa_extended", "train", hub_context(fake_hub, tmp_path))


def test_split_without_files_is_not_run(fake_hub, tmp_path):
    fake_hub.add_repo("org/plain", repo_type="dataset", files={"data/train-00000-of-00001.jsonl": "{}\n"})
    with pytest.raises(NotRun, match="no data files"):
        download_split("org/plain", None, "default", "test", hub_context(fake_hub, tmp_path))


def test_hub_outage_is_bot_error(fake_hub, tmp_path, monkeypatch):
    fake_hub.add_repo("org/plain", repo_type="dataset", files={"data/test-0.jsonl": "{}\n"})
    fake_hub.fail_next(503, times=20)
    # huggingface_hub retries a 503 with waits of 1 to 8 seconds; the test skips the waits.
    monkeypatch.setattr(hf_http.time, "sleep", lambda seconds: None)
    with pytest.raises(RerunError, match="from the Hub failed"):
        download_split("org/plain", None, "default", "test", hub_context(fake_hub, tmp_path))


def test_download_result_reaches_child(fake_hub, tmp_path):
    fake_hub.add_repo("org/plain", repo_type="dataset", files={"data/test-0.jsonl": "{}\n"})
    dump = tmp_path / "request.json"
    code = f"import shutil, sys; shutil.copy(sys.argv[-2], {str(dump)!r})"
    result = validation_result(70.0)
    result.raw_specs = {("org/plain", None): raw_spec()}
    result.specs = {("org/plain", None): result.specs[(DATASET_ID, None)]}
    result.report.entries()[0].dataset_id = "org/plain"
    context = hub_context(fake_hub, tmp_path).model_copy(update={"child_command": (sys.executable, "-c", code)})
    reproduce(result, RerunOptions(enabled=True, model=MODEL), context)
    request = json.loads(dump.read_text())
    assert Path(request["data_dir"], "data", "test-0.jsonl").is_file()
    assert "token" not in json.dumps(request).lower()


def test_invalid_hub_id_is_not_run(fake_hub, tmp_path):
    with pytest.raises(NotRun, match="not a valid Hub id"):
        download_split("org/bad name!", None, "default", "test", hub_context(fake_hub, tmp_path))


def test_yaml_date_in_task_reaches_child(benchmarks, tmp_path):
    dump = tmp_path / "request.json"
    code = f"import shutil, sys; shutil.copy(sys.argv[-2], {str(dump)!r})"
    solvers = [{"name": "multiple_choice", "args": {"template": datetime.date(2026, 1, 2)}}]
    result = validation_result(70.0, spec=raw_spec(raw_task(solvers=solvers)))
    context = RerunContext(seed_material="abc", benchmarks_dir=benchmarks, child_command=(sys.executable, "-c", code))
    reproduce(result, RerunOptions(enabled=True, model=MODEL), context)
    assert json.loads(dump.read_text())["raw_task"]["solvers"][0]["args"]["template"] == "2026-01-02"


# A bug in the re-run becomes a bot error on the entry, never a crash of the check.


def test_internal_error_is_bot_error(benchmarks, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("bot.rerun.parse_task", broken)
    result = validation_result(70.0)
    run(result, benchmarks)
    assert result.report.entries()[0].reproduction.verdict == "error"
    assert result.report.bot_errors[0].message == "The re-run failed: an internal error (RuntimeError)."


def test_relative_benchmarks_dir_reaches_child_absolute(tmp_path, monkeypatch):
    write_benchmark(tmp_path / "benchmarks", sum_items(3))
    monkeypatch.chdir(tmp_path)
    dump = tmp_path / "request.json"
    code = f"import shutil, sys; shutil.copy(sys.argv[-2], {str(dump)!r})"
    context = RerunContext(seed_material="abc", benchmarks_dir=Path("benchmarks"), child_command=(sys.executable, "-c", code))
    reproduce(validation_result(70.0), RerunOptions(enabled=True, model=MODEL), context)
    data_dir = Path(json.loads(dump.read_text())["data_dir"])
    assert data_dir.is_absolute()
    assert (data_dir / "eval.yaml").is_file()
