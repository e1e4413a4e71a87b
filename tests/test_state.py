"""SQLite state: migrations, checked heads, grants, commands, budgets and the ledger."""

import io
import json
import sqlite3

import pytest

from bot.state import LATEST_VERSION, MIGRATIONS, PullRequestRef, State, StateError
from checks.report import BotError, EntryReport, FileReport, Finding, Grant, Report

PR = PullRequestRef(platform="hub", repo_id="org/model", num=3)
HEAD = "a" * 40
OTHER_HEAD = "b" * 40


def make_report(*, error: bool = False, bot_error: bool = False) -> Report:
    findings = [Finding(code="task.unknown", severity="error", message="bad")] if error else []
    entries = [
        EntryReport(index=0, dataset_id="Idavidrein/gpqa", task_id="diamond", value=78.8),
        EntryReport(index=1, dataset_id="cais/hle", task_id="hle", value="n/a", findings=findings),
    ]
    return Report(
        files=[FileReport(path=".eval_results/gpqa.yaml", entries=entries)],
        bot_errors=[BotError(message="Hub down")] if bot_error else [],
    )


@pytest.fixture
def state(tmp_path):
    opened = State(tmp_path / "state.sqlite3")
    yield opened
    opened.close()


def test_new_file_at_latest_version(state):
    assert state.version() == LATEST_VERSION


def test_upgrade_from_version_1_keeps_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    db.execute("INSERT INTO checks VALUES ('hub', 'org/model', 3, ?, 'success', '2026-01-01T00:00:00+00:00')", (HEAD,))
    db.execute("INSERT INTO deliveries VALUES ('d-1', '2026-01-01T00:00:00+00:00')")
    db.commit()
    db.close()

    upgraded = State(path)
    assert upgraded.version() == LATEST_VERSION
    assert upgraded.is_checked(PR, HEAD)
    assert upgraded.record_delivery("d-1") is False
    upgraded.set_grant(PR, Grant(granted_by="alice", granted_at="t", head_sha=HEAD))
    assert upgraded.grant_for(PR, HEAD) is not None
    upgraded.close()


def test_newer_file_rejected(tmp_path):
    path = tmp_path / "future.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    db.close()
    with pytest.raises(RuntimeError, match="upgrade evalbot"):
        State(path)


def test_reopen_keeps_data(tmp_path):
    path = tmp_path / "s.sqlite3"
    first = State(path)
    first.record_check(PR, HEAD, make_report())
    first.close()
    second = State(path)
    assert second.is_checked(PR, HEAD)
    second.close()


def test_delivery_seen_once(state):
    assert state.record_delivery("d-1") is True
    assert state.record_delivery("d-1") is False


def test_forgotten_delivery_accepted_again(state):
    state.record_delivery("d-1")
    state.forget_delivery("d-1")
    assert state.record_delivery("d-1") is True


def test_checked_head_only(state):
    state.record_check(PR, HEAD, make_report())
    assert state.is_checked(PR, HEAD)
    assert not state.is_checked(PR, OTHER_HEAD)


def test_check_with_bot_error_resumes(state):
    state.record_check(PR, HEAD, make_report(bot_error=True))
    assert not state.is_checked(PR, HEAD)


def test_recheck_replaces_entries(state):
    state.record_check(PR, HEAD, make_report())
    state.record_check(PR, HEAD, make_report(error=True))
    records = list(state.ledger())
    assert len(records) == 2
    assert state.count_checks(PR) == 1


def test_grant_dropped_on_new_head(state):
    state.set_grant(PR, Grant(granted_by="alice", granted_at="t", head_sha=HEAD))
    assert state.grant_for(PR, HEAD) == Grant(granted_by="alice", granted_at="t", head_sha=HEAD)
    assert state.grant_for(PR, OTHER_HEAD) is None


def test_grant_removed(state):
    state.set_grant(PR, Grant(granted_by="alice", granted_at="t", head_sha=HEAD))
    assert state.remove_grant(PR, HEAD) is True
    assert state.grant_for(PR, HEAD) is None
    assert state.remove_grant(PR, HEAD) is False


def test_commands_counted_per_head(state):
    state.record_command(PR, HEAD, "author", "rerun", "accepted")
    state.record_command(PR, HEAD, "author", "rerun", "rejected")
    assert state.count_commands(PR, HEAD, "author", "rerun", "accepted") == 1
    assert state.count_commands(PR, OTHER_HEAD, "author", "rerun", "accepted") == 0


def test_generations_add_up_per_day(state):
    state.add_generations("2026-01-01", 30)
    assert state.add_generations("2026-01-01", 12) == 42
    assert state.generations_on("2026-01-02") == 0


def test_ledger_export_lines(state):
    state.record_check(PR, HEAD, make_report(error=True))
    state.set_grant(PR, Grant(granted_by="alice", granted_at="2026-01-02T00:00:00+00:00", head_sha=HEAD))
    output = io.StringIO()
    assert state.export_ledger(output) == 2
    first, second = (json.loads(line) for line in output.getvalue().splitlines())
    assert first["repo"] == "org/model"
    assert first["pr"] == 3
    assert first["head_sha"] == HEAD
    assert first["dataset"] == "Idavidrein/gpqa"
    assert first["task"] == "diamond"
    assert first["value"] == 78.8
    assert first["badge"] == "community"
    assert first["verdict"] is None
    assert first["grant"] == {"granted_by": "alice", "granted_at": "2026-01-02T00:00:00+00:00"}
    assert "checked_at" in first
    assert second["value"] == "n/a"


def test_concurrent_deliveries_counted_once(state):
    import threading

    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(state.record_delivery("same"))) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1


# `evalbot ledger export` through the real command line.
def test_ledger_export_command_writes_file(tmp_path):
    from bot.cli import main

    path = tmp_path / "state.sqlite3"
    filled = State(path)
    filled.record_check(PR, HEAD, make_report())
    filled.close()
    output = tmp_path / "ledger.jsonl"
    assert main(["ledger", "export", "--state", str(path), "--output", str(output)]) == 0
    assert len(output.read_text().splitlines()) == 2


def test_ledger_export_missing_state_exit_2(tmp_path, capsys):
    from bot.cli import main

    assert main(["ledger", "export", "--state", str(tmp_path / "absent.sqlite3")]) == 2
    assert "absent.sqlite3" in capsys.readouterr().err


def test_old_deliveries_pruned(state, monkeypatch):
    import bot.state

    state._db.execute("INSERT INTO deliveries VALUES ('old', '2020-01-01T00:00:00+00:00')")
    monkeypatch.setattr(bot.state, "PRUNE_EVERY", 2)
    state.record_delivery("new-1")
    state.record_delivery("new-2")
    assert state.record_delivery("old") is True
    assert state.record_delivery("new-1") is False


# A state file that is not a SQLite database is a usage error, never a traceback.

NOT_A_DATABASE = [
    pytest.param(bytes(range(256)) * 16, id="random-bytes"),
    pytest.param(b"root:x:0:0:root:/root:/bin/bash\n" * 4, id="passwd-like-text"),
]


@pytest.mark.parametrize("content", NOT_A_DATABASE)
def test_not_a_database_raises_state_error(tmp_path, content):
    path = tmp_path / "junk"
    path.write_bytes(content)
    with pytest.raises(StateError, match="could not be opened as an evalbot state database"):
        State(path)


@pytest.mark.parametrize("content", NOT_A_DATABASE)
def test_not_a_database_left_unchanged(tmp_path, content):
    path = tmp_path / "junk"
    path.write_bytes(content)
    with pytest.raises(StateError):
        State(path)
    assert path.read_bytes() == content


def test_state_in_missing_folder_raises_state_error(tmp_path):
    with pytest.raises(StateError, match="unable to open"):
        State(tmp_path / "absent" / "state.sqlite3")


def run_with_junk_state(tmp_path, command: str) -> int:
    from bot.cli import main

    junk = tmp_path / "junk"
    junk.write_bytes(bytes(range(256)) * 16)
    config = tmp_path / "evalbot.toml"
    config.write_text('hub_endpoint = "http://127.0.0.1:9"\n\n[[repos]]\nid = "org/model"\n')
    argv = {
        "ledger": ["ledger", "export", "--state", str(junk)],
        "poll": ["poll", "--config", str(config), "--state", str(junk)],
        "serve": ["serve", "--config", str(config), "--state", str(junk), "--host", "127.0.0.1", "--port", "0"],
    }[command]
    return main(argv)


@pytest.mark.parametrize("command", ["ledger", "poll", "serve"])
def test_junk_state_command_exit_2(tmp_path, capsys, command):
    assert run_with_junk_state(tmp_path, command) == 2


@pytest.mark.parametrize("command", ["ledger", "poll", "serve"])
def test_junk_state_command_one_line_error(tmp_path, capsys, command):
    run_with_junk_state(tmp_path, command)
    error = capsys.readouterr().err
    assert error.startswith(f"evalbot: error: state file '{tmp_path / 'junk'}' could not be opened")
    assert error.count("\n") == 1


def test_ledger_export_state_folder_exit_2(tmp_path, capsys):
    from bot.cli import main

    assert main(["ledger", "export", "--state", str(tmp_path)]) == 2
    assert "is not a file" in capsys.readouterr().err


@pytest.mark.parametrize("output", ["absent/ledger.jsonl", "."])
def test_ledger_export_unwritable_output_exit_2(tmp_path, capsys, output):
    from bot.cli import main

    path = tmp_path / "state.sqlite3"
    State(path).close()
    assert main(["ledger", "export", "--state", str(path), "--output", str(tmp_path / output)]) == 2
    assert "could not be written" in capsys.readouterr().err
