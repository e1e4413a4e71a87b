"""`evalbot poll` against the fake Hub: checks new heads once, skips checked ones."""

import pytest

from bot.poller import poll
from bot.runner import Job
from bot.state import PullRequestRef
from tests.bot_harness import GPQA_RESULT, MODEL, make_bot, seed_hub
from tests.fakehub import FakeHub


@pytest.fixture
def hub(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with FakeHub() as fake:
        seed_hub(fake)
        fake.open_pull_request(MODEL, {".eval_results/gpqa-2.yaml": GPQA_RESULT}, author="other")
        closed = fake.open_pull_request(MODEL, {".eval_results/gpqa-3.yaml": GPQA_RESULT})
        fake.set_status(MODEL, closed, "closed")
        fake.open_discussion(MODEL)
        yield fake


@pytest.fixture
def bot(tmp_path, hub):
    # The settings also watch a GitHub repo; without GITHUB_TOKEN its listing fails alone.
    made = make_bot(tmp_path, hub)
    yield made
    made.close()


def run_poll(bot, hub):
    return poll(bot.config, bot.runner, hf_token=hub.token)


def test_poll_checks_open_pull_requests(bot, hub):
    summary = run_poll(bot, hub)
    assert summary.pull_requests == 2
    assert summary.checked == 2


def test_poll_comments_once_per_pull_request(bot, hub):
    run_poll(bot, hub)
    for num in (1, 2):
        assert sum(c.author == "evalbot" for c in hub.comments(MODEL, num)) == 1
    assert hub.comments(MODEL, 3) == []


def test_second_poll_skips_checked_heads(bot, hub):
    run_poll(bot, hub)
    hub.reset_requests()
    summary = run_poll(bot, hub)
    assert summary.skipped == 2
    assert summary.checked == 0
    assert hub.count("POST") == 0


def test_poll_checks_new_commit(bot, hub):
    run_poll(bot, hub)
    new_head = hub.push(MODEL, 1, {"README.md": "# changed\n"})
    summary = run_poll(bot, hub)
    assert summary.checked == 1
    assert bot.state.is_checked(PullRequestRef(platform="hub", repo_id=MODEL, num=1), new_head)


def test_unlisted_github_repo_counted_failed(bot, hub):
    summary = run_poll(bot, hub)
    assert summary.repos == 2
    assert summary.failed == 1


def test_missing_repo_does_not_stop_poll(tmp_path, hub):
    made = make_bot(tmp_path, hub, extra_config='\n[[repos]]\nid = "org/absent"\n')
    try:
        summary = poll(made.config, made.runner, hf_token=hub.token)
    finally:
        made.close()
    assert summary.checked == 2
    assert summary.failed == 2


def test_poll_command_without_repos_exit_2(tmp_path, capsys):
    from bot.cli import main

    config = tmp_path / "evalbot.toml"
    config.write_text('hub_endpoint = "http://127.0.0.1:9"\n')
    assert main(["poll", "--config", str(config), "--state", str(tmp_path / "s.sqlite3")]) == 2
    assert "no [[repos]]" in capsys.readouterr().err


def test_poll_command_invalid_config_exit_2(tmp_path, capsys):
    from bot.cli import main

    config = tmp_path / "evalbot.toml"
    config.write_text("hf_token = 'x'\n")
    assert main(["poll", "--config", str(config), "--state", str(tmp_path / "s.sqlite3")]) == 2
    assert "'hf_token'" in capsys.readouterr().err


def test_poll_one_pull_request_command(tmp_path, hub, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("HF_TOKEN", hub.token)
    config = tmp_path / "evalbot.toml"
    config.write_text(f'hub_endpoint = "{hub.url}"\n')
    argv = ["poll", "--config", str(config), "--state", str(tmp_path / "s.sqlite3"), "--repo", f"hub:{MODEL}", "--pr", "1"]
    assert main(argv) == 0
    assert main(argv) == 0  # --pr checks again even when the head was checked
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"hub:{MODEL}#1: unchanged")
    assert sum(c.author == "evalbot" for c in hub.comments(MODEL, 1)) == 1


@pytest.mark.parametrize("value", ["gitlab:a/b", "hub:no-slash", "github:"])
def test_poll_invalid_repo_option_exit_2(value, capsys):
    from bot.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["poll", "--repo", value])
    assert exit_info.value.code == 2


def test_pull_request_without_results_checked_once(bot, hub):
    hub.open_pull_request(MODEL, {"README.md": "# only the card\n"})
    run_poll(bot, hub)
    result = bot.runner.run(Job(pr=PullRequestRef(platform="hub", repo_id=MODEL, num=5), event="poll"))
    assert result.outcome == "skipped: head already checked"
