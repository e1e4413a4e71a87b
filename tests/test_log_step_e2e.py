"""The log-audit step inside a pull-request check: a results file links an Inspect log
kept in the model repo on the fake Hub, and the audit's findings reach the report."""

import datetime
from pathlib import Path

import pytest

from bot.platforms.hub import HubPlatform
from bot.service import check_pull_request
from fakehub import FakeHub
from log_helpers import BENCHMARK, MODEL_ID, build_log

SPEC = (Path(__file__).parent / "fixtures" / "eval_yaml" / "Idavidrein__gpqa.yaml").read_bytes()
TODAY = datetime.date(2026, 6, 1)


def results_file(hub: FakeHub, value: str) -> str:
    url = f"{hub.url}/{MODEL_ID}/resolve/main/logs/run.eval"
    return (
        f"- dataset:\n    id: {BENCHMARK}\n    task_id: diamond\n  value: {value}\n"
        f"  source:\n    url: {url}\n    name: Inspect log\n"
    )


@pytest.fixture
def hub(fake_hub: FakeHub, tmp_path: Path) -> FakeHub:
    log_bytes = build_log(tmp_path / "logs").read_bytes()
    fake_hub.add_repo(BENCHMARK, repo_type="dataset", files={"eval.yaml": SPEC})
    fake_hub.add_repo(MODEL_ID, files={"README.md": "# model", "logs/run.eval": log_bytes})
    return fake_hub


def entry_codes(hub: FakeHub, value: str) -> list[str]:
    hub.open_pull_request(MODEL_ID, {".eval_results/gpqa.yaml": results_file(hub, value)})
    platform = HubPlatform(endpoint=hub.url, token=hub.token)
    outcome = check_pull_request(platform, MODEL_ID, 1, today=TODAY, dry_run=True)
    assert outcome.report is not None
    assert outcome.report.bot_errors == []
    return [f.code for f in outcome.report.entries()[0].findings]


def test_log_matching_claim_adds_no_log_finding(hub: FakeHub) -> None:
    # The mock log scores 0.5 over its five items, so 50.0 is the claim it backs.
    assert [code for code in entry_codes(hub, "50.0") if code.startswith("log.")] == []


def test_log_contradicting_claim_is_metric_mismatch(hub: FakeHub) -> None:
    assert "log.metric-mismatch" in entry_codes(hub, "70.0")


def test_log_audit_downloads_log_once(hub: FakeHub) -> None:
    entry_codes(hub, "50.0")
    assert hub.count("GET", "logs/run.eval") == 1
