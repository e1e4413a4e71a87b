"""Faults: the fake Hub responds 429, 5xx and slowly; the bot retries and still comments."""

import pytest
import requests

from bot.comment import parse_marker
from bot.retry import RetryPolicy, RetryStats, call_with_retries, parse_retry_after, retry_delay
from bot.state import PullRequestRef
from tests.bot_harness import MODEL, RunningBot, load_webhook, seed_hub
from tests.fakehub import FakeHub

PR = PullRequestRef(platform="hub", repo_id=MODEL, num=1)
DETAILS = f"/api/models/{MODEL}/discussions/1"


@pytest.fixture
def hub(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with FakeHub() as fake:
        seed_hub(fake)
        yield fake


def start(tmp_path, hub, **options):
    return RunningBot(tmp_path, hub, **options)


def deliver(running, **replacements):
    status, _ = running.post_hub(load_webhook("hub_discussion_create.json", **replacements))
    running.wait()
    return status


def test_rate_limit_retried_then_comment(tmp_path, hub):
    hub.fail_next(429, method="GET", path_prefix=DETAILS, retry_after="0", times=2)
    running = start(tmp_path, hub)
    try:
        deliver(running)
        assert len(running.bot_comments()) == 1
        assert running.bot.retries.snapshot().get("429") == 2
    finally:
        running.close()


def test_server_errors_retried_then_comment(tmp_path, hub):
    hub.fail_next(500, method="GET", path_prefix=DETAILS, times=1)
    hub.fail_next(503, method="GET", path_prefix=DETAILS, times=1)
    running = start(tmp_path, hub)
    try:
        deliver(running)
        assert len(running.bot_comments()) == 1
        assert running.bot.retries.snapshot() == {"500": 1, "503": 1}
    finally:
        running.close()


def test_slow_response_times_out_and_retries(tmp_path, hub):
    hub.fail_next(200, method="GET", path_prefix=DETAILS, delay=1.0)
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, timeout=0.3)
    running = start(tmp_path, hub, policy=policy)
    try:
        deliver(running)
        assert len(running.bot_comments()) == 1
        assert running.bot.retries.snapshot() == {"ReadTimeout": 1}
    finally:
        running.close()


def test_outage_on_pull_request_leaves_head_unchecked(tmp_path, hub):
    hub.fail_next(503, method="GET", path_prefix=DETAILS, times=4)
    running = start(tmp_path, hub)
    try:
        deliver(running)
        assert running.bot_comments() == []
        assert running.bot.state.count_checks(PR) == 0
        # The next trigger resumes.
        deliver(running, **{"Add evaluation results": "Add evaluation results (retry)"})
        assert len(running.bot_comments()) == 1
    finally:
        running.close()


def test_spec_outage_comment_names_bot_error(tmp_path, hub):
    hub.fail_next(503, path_prefix="/datasets/Idavidrein/gpqa", times=50)
    hub.fail_next(503, path_prefix="/api/datasets/Idavidrein/gpqa", times=50)
    running = start(tmp_path, hub)
    try:
        deliver(running)
        comments = running.bot_comments()
        head = hub.repo(MODEL).refs["refs/pr/1"]
        assert len(comments) == 1
        assert "\n### Bot errors\n" in comments[0]
        assert not running.bot.state.is_checked(PR, head)
    finally:
        running.close()


def test_next_trigger_resumes_after_spec_outage(tmp_path, hub):
    hub.fail_next(503, path_prefix="/datasets/Idavidrein/gpqa", times=50)
    hub.fail_next(503, path_prefix="/api/datasets/Idavidrein/gpqa", times=50)
    running = start(tmp_path, hub)
    try:
        deliver(running)
        hub.faults.clear()
        deliver(running, **{"Add evaluation results": "Add evaluation results (retry)"})
        head = hub.repo(MODEL).refs["refs/pr/1"]
        assert running.bot.state.is_checked(PR, head)
        assert parse_marker(running.bot_comments()[-1]) is not None
    finally:
        running.close()


# Backoff: Retry-After in seconds wins, capped; otherwise exponential.
@pytest.mark.parametrize(
    ("retry", "header", "expected"),
    [
        (0, None, 0.5),
        (1, None, 1.0),
        (3, None, 4.0),
        (10, None, 30.0),
        (0, "2", 2.0),
        (0, "120", 30.0),
        (2, "0", 0.0),
        (0, "Wed, 21 Oct 2015 07:28:00 GMT", 0.5),
        (0, "-5", 0.5),
        (0, "nan", 0.5),
    ],
)
def test_retry_delay(retry, header, expected):
    assert retry_delay(RetryPolicy(), retry, header) == expected


@pytest.mark.parametrize(("value", "seconds"), [("3", 3.0), (" 1.5 ", 1.5), ("", None), (None, None), ("soon", None)])
def test_parse_retry_after(value, seconds):
    assert parse_retry_after(value) == seconds


class Answer:
    def __init__(self, status: int, retry_after: str | None = None) -> None:
        self.status = status
        self.retry_after = retry_after


def run_answers(answers: list[Answer], attempts: int = 4) -> tuple[Answer, list[float], RetryStats]:
    waits: list[float] = []
    stats = RetryStats()
    queue = list(answers)
    result = call_with_retries(
        lambda: queue.pop(0), RetryPolicy(attempts=attempts), describe="GET /x",
        status_of=lambda a: a.status, retry_after_of=lambda a: a.retry_after,
        transient=(requests.ConnectionError,), stats=stats, sleep=waits.append,
    )
    return result, waits, stats


def test_retry_after_honoured():
    result, waits, stats = run_answers([Answer(429, "7"), Answer(200)])
    assert result.status == 200
    assert waits == [7.0]
    assert stats.snapshot() == {"429": 1}


def test_last_failure_returned_after_attempts():
    result, waits, stats = run_answers([Answer(500)] * 4)
    assert result.status == 500
    assert len(waits) == 3
    assert stats.total() == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_not_retried(status):
    result, waits, _ = run_answers([Answer(status), Answer(200)])
    assert result.status == status
    assert waits == []


# A POST that creates a comment is retried only when the service cannot have acted on it.
def test_comment_post_not_retried_on_500(tmp_path, hub):
    hub.fail_next(500, method="POST", path_prefix=f"/api/models/{MODEL}/discussions/1/comment")
    running = start(tmp_path, hub)
    try:
        deliver(running)
        assert running.bot_comments() == []
        assert running.bot.retries.total() == 0
        assert running.bot.state.count_checks(PR) == 0
    finally:
        running.close()


def test_comment_post_retried_on_429(tmp_path, hub):
    hub.fail_next(429, method="POST", path_prefix=f"/api/models/{MODEL}/discussions/1/comment", retry_after="0")
    running = start(tmp_path, hub)
    try:
        deliver(running)
        assert len(running.bot_comments()) == 1
        assert running.bot.retries.snapshot() == {"429": 1}
    finally:
        running.close()


def test_github_post_not_retried_on_502():
    import responses

    from bot.retry import RetryingSession

    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:9/repos/o/r/issues/1/comments", status=502)
        response = RetryingSession(RetryPolicy(attempts=3, base_delay=0)).post("http://127.0.0.1:9/repos/o/r/issues/1/comments", json={})
        assert response.status_code == 502
        assert len(mock.calls) == 1


def test_timeout_applies_when_library_passes_none(tmp_path, hub):
    # repo_info (the head sha of refs/pr/1) is called with timeout=None by huggingface_hub.
    hub.fail_next(200, method="GET", path_prefix=f"/api/models/{MODEL}/revision", delay=1.0)
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, timeout=0.3)
    running = start(tmp_path, hub, policy=policy)
    try:
        deliver(running)
        assert running.bot.retries.snapshot() == {"ReadTimeout": 1}
        assert len(running.bot_comments()) == 1
    finally:
        running.close()
