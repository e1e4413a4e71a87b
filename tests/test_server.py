"""The webhook server on 127.0.0.1 against the fake Hub with the real Hub platform."""

import json
import logging
import socket
import threading
import time

import pytest

from tests.bot_harness import GITHUB_SECRET, HUB_SECRET, MODEL, RunningBot, github_signature, load_webhook, seed_hub
from tests.fakehub import FakeHub


@pytest.fixture
def hub(monkeypatch):
    # huggingface_hub refuses every request in offline mode; the fake Hub is local.
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with FakeHub() as fake:
        yield fake


@pytest.fixture
def running(tmp_path, hub):
    seed_hub(hub)
    bot = RunningBot(tmp_path, hub)
    yield bot
    bot.close()


def test_healthz_ok(running):
    status, answer = running.request("GET", "/healthz")
    assert status == 200
    assert answer == {"status": "ok", "queue_depth": 0}


def test_unknown_route_404(running):
    status, _ = running.request("POST", "/webhooks/gitlab", b"{}", {"Content-Length": "2"})
    assert status == 404


# The secret decides before anything else is read.
@pytest.mark.parametrize(("secret", "expected"), [(None, 401), ("", 401), ("wrong", 403), (HUB_SECRET + "x", 403), (HUB_SECRET, 202)])
def test_hub_secret_checked(running, secret, expected):
    status, _ = running.post_hub(load_webhook("hub_discussion_create.json"), secret=secret)
    assert status == expected


@pytest.mark.parametrize("body", [b"not json", b"{", b"\xff\xfe", b"[1, 2]", b'"text"'])
def test_hub_bad_body_400(running, body):
    status, answer = running.post_hub(body)
    assert status == 400
    assert "error" in answer


def test_hub_secret_before_body(running):
    status, _ = running.post_hub(b"not json", secret="wrong")
    assert status == 403


def test_oversized_body_413(running):
    # The declared length decides, so the server never reads the oversized body.
    headers = {"X-Webhook-Secret": HUB_SECRET, "Content-Length": "2000000"}
    status, _ = running.request("POST", "/webhooks/hub", b"{}", headers)
    assert status == 413


def test_pull_request_opened_posts_comment(running):
    status, answer = running.post_hub(load_webhook("hub_discussion_create.json"))
    running.wait()
    assert status == 202
    assert answer["status"] == "accepted"
    assert len(running.bot_comments()) == 1


def test_checked_head_recorded(running, hub):
    running.post_hub(load_webhook("hub_discussion_create.json"))
    running.wait()
    head = hub.repo(MODEL).refs["refs/pr/1"]
    ref = running.bot.runner.state
    from bot.state import PullRequestRef

    assert ref.is_checked(PullRequestRef(platform="hub", repo_id=MODEL, num=1), head)


def test_push_to_pull_request_checks_new_head(running, hub):
    running.post_hub(load_webhook("hub_discussion_create.json"))
    running.wait()
    new_head = hub.push(MODEL, 1, {".eval_results/gpqa.yaml": b"- dataset:\n    id: Idavidrein/gpqa\n    task_id: nope\n  value: 50\n"})
    status, _ = running.post_hub(load_webhook("hub_repo_content_pr.json", **{"2" * 40: new_head}))
    running.wait()
    assert status == 202
    assert len(running.bot_comments()) == 2  # the conclusion flipped to failure: a new comment


def test_push_to_main_ignored(running):
    status, answer = running.post_hub(load_webhook("hub_repo_content_main.json"))
    assert status == 200
    assert answer["status"] == "ignored"


# Unknown or irrelevant events get a 2xx response and change nothing.
@pytest.mark.parametrize(
    "edit",
    [
        {'"scope": "discussion"': '"scope": "repo.config"'},
        {'"action": "create"': '"action": "delete"'},
        {'"isPullRequest": true': '"isPullRequest": false'},
        {'"num": 1': '"num": "one"'},
        {'"name": "org/model"': '"name": "other/model"'},
        {'"type": "model"': '"type": "notebook"'},
    ],
)
def test_irrelevant_event_ignored(running, edit):
    status, answer = running.post_hub(load_webhook("hub_discussion_create.json", **edit))
    running.wait()
    assert status == 200
    assert answer["status"] == "ignored"
    assert running.bot_comments() == []


def test_event_with_missing_fields_ignored(running):
    status, answer = running.post_hub(json.dumps({"event": {"scope": "discussion"}}).encode())
    assert status == 200
    assert answer["status"] == "ignored"


def test_same_delivery_twice_one_run(running):
    body = load_webhook("hub_discussion_create.json")
    first, _ = running.post_hub(body)
    second, answer = running.post_hub(body)
    running.wait()
    assert (first, second) == (202, 200)
    assert answer["status"] == "duplicate"
    assert len(running.bot_comments()) == 1


def test_maintainer_verify_grants(running, hub):
    running.post_hub(load_webhook("hub_discussion_create.json"))
    running.wait()
    comment_id = hub.add_comment(MODEL, 1, "/evalbot verify", author="alice")
    status, _ = running.post_hub(load_webhook("hub_comment_create.json", COMMENT_ID=comment_id))
    running.wait()
    records = list(running.bot.state.ledger())
    assert status == 202
    assert [record["badge"] for record in records] == ["verified"]
    assert records[0]["grant"]["granted_by"] == "alice"
    assert "alice" in running.bot_comments()[-1]


def test_stranger_verify_refused(running, hub):
    running.post_hub(load_webhook("hub_discussion_create.json"))
    running.wait()
    comment_id = hub.add_comment(MODEL, 1, "/evalbot verify", author="mallory")
    running.post_hub(load_webhook("hub_comment_create.json", COMMENT_ID=comment_id))
    running.wait()
    replies = running.bot_replies()
    assert len(replies) == 1
    assert "reserved for the benchmark maintainers" in replies[0]
    assert [record["badge"] for record in running.bot.state.ledger()] == ["community"]


def test_author_rerun_once_per_head(running, hub):
    running.post_hub(load_webhook("hub_discussion_create.json"))
    running.wait()
    for _ in range(2):
        comment_id = hub.add_comment(MODEL, 1, "/evalbot rerun", author="contributor")
        running.post_hub(load_webhook("hub_comment_create.json", COMMENT_ID=comment_id, **{"/evalbot verify": "/evalbot rerun"}))
        running.wait()
    replies = running.bot_replies()
    assert len(replies) == 1
    assert "one re-run per head commit" in replies[0]


def test_bot_own_command_ignored(running, hub):
    running.post_hub(load_webhook("hub_discussion_create.json"))
    running.wait()
    comment_id = hub.add_comment(MODEL, 1, "/evalbot verify", author="evalbot")
    running.post_hub(load_webhook("hub_comment_create.json", COMMENT_ID=comment_id))
    running.wait()
    assert running.bot_replies() == ["/evalbot verify"]  # only the planted comment
    assert [record["badge"] for record in running.bot.state.ledger()] == ["community"]


def test_comment_without_command_ignored(running):
    body = load_webhook("hub_comment_create.json", **{"/evalbot verify": "Thanks for the results!"})
    status, answer = running.post_hub(body)
    assert status == 200
    assert answer["reason"] == "the comment holds no /evalbot command"


# A burst of deliveries for one head (redeliveries, several events) must cost one run.
def test_fifty_concurrent_deliveries_one_run(running, hub):
    head = hub.repo(MODEL).refs["refs/pr/1"]
    bodies = [load_webhook("hub_repo_content_pr.json", **{"2" * 40: head, "1" * 40: f"{n:040d}"}) for n in range(50)]
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda b=body: statuses.append(running.post_hub(b)[0])) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    running.wait()

    from bot.state import PullRequestRef

    assert statuses == [202] * 50
    assert len(running.bot_comments()) == 1
    assert hub.count("POST", "/comment") == 1
    assert running.bot.state.count_checks(PullRequestRef(platform="hub", repo_id=MODEL, num=1)) == 1


def test_github_route_needs_signature(running):
    body = load_webhook("github_pull_request_opened.json")
    missing, _ = running.post_github("pull_request", body, delivery="d-1")
    wrong, _ = running.post_github("pull_request", body, delivery="d-2", signature=github_signature(body, "other"))
    assert (missing, wrong) == (401, 403)


def test_github_ping_ignored(running):
    body = b'{"zen": "Keep it logically awesome."}'
    status, answer = running.post_github("ping", body, delivery="d-ping", signature=github_signature(body))
    assert status == 200
    assert answer["reason"] == "ping"


def test_secrets_never_logged(running, hub, caplog):
    caplog.set_level(logging.DEBUG)
    running.post_hub(load_webhook("hub_discussion_create.json"))
    running.post_hub(load_webhook("hub_discussion_create.json"), secret="wrong-guess")
    body = load_webhook("github_pull_request_opened.json")
    running.post_github("pull_request", body, delivery="d-3", signature=github_signature(body, "bad"))
    running.wait()
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records
    for secret in (HUB_SECRET, GITHUB_SECRET, hub.token):
        assert secret not in logged


# GitHub deliveries run against the GitHub platform, mocked with `responses`.
@pytest.fixture
def github_running(tmp_path, hub):
    import responses

    from bot.platforms.github import GitHubPlatform
    from bot.platforms.hub import HubPlatform
    from bot.retry import RetryingSession
    from tests.test_github import API, FAST, FakeGitHub

    seed_hub(hub)
    hub_platform = HubPlatform(endpoint=hub.url, token=hub.token)
    github = GitHubPlatform(spec_lookup=hub_platform.fetch_spec, token="gh", api_url=API, session=RetryingSession(FAST), login="evalbot")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # The spec lookup goes to the fake Hub through httpx2, which `responses` does not intercept.
        fake = FakeGitHub(mock)
        bot = RunningBot(tmp_path, hub, platforms={"hub": hub_platform, "github": github})
        yield bot, fake
        bot.close()


def test_github_pull_request_opened_comments(github_running):
    running, fake = github_running
    body = load_webhook("github_pull_request_opened.json")
    status, _ = running.post_github("pull_request", body, delivery="gh-1", signature=github_signature(body))
    running.wait()
    assert status == 202
    assert len(fake.comments) == 1
    assert [s["state"] for s in fake.statuses] == ["success"]


def test_github_maintainer_verify(github_running):
    running, fake = github_running
    opened = load_webhook("github_pull_request_opened.json")
    running.post_github("pull_request", opened, delivery="gh-1", signature=github_signature(opened))
    running.wait()
    command = load_webhook("github_issue_comment_created.json")
    status, _ = running.post_github("issue_comment", command, delivery="gh-2", signature=github_signature(command))
    running.wait()
    assert status == 202
    assert len(fake.comments) == 1
    assert "alice" in fake.comments[0]["body"]
    assert fake.statuses[-1]["description"] == "success: 1 verified, 0 community"


def test_github_stranger_command_replied(github_running):
    running, fake = github_running
    command = load_webhook("github_issue_comment_created.json", **{'"login": "alice"': '"login": "mallory"'})
    running.post_github("issue_comment", command, delivery="gh-3", signature=github_signature(command))
    running.wait()
    # The reply comes first; then the trigger checks the head, which was never checked.
    assert fake.comments[0]["body"] == (
        "`mallory`: `/evalbot verify` is reserved for the benchmark maintainers "
        "listed in the bot's settings, so nothing happened."
    )
    assert fake.statuses[-1]["description"] == "success: 0 verified, 1 community"


# Payload parsing, table-driven: which deliveries become jobs.
from bot.webhooks import parse_github, parse_hub  # noqa: E402


def hub_payload(name: str, **edits: str) -> dict:
    return json.loads(load_webhook(name, **edits))


def test_hub_push_to_several_pull_requests():
    payload = hub_payload("hub_repo_content_pr.json")
    payload["updatedRefs"].append({"ref": "refs/pr/4", "newSha": "f" * 40})
    payload["updatedRefs"].append({"ref": "refs/heads/pr/5", "newSha": "e" * 40})
    parsed = parse_hub(payload, "d")
    assert [(job.pr.num, job.head_sha) for job in parsed.jobs] == [(1, "2" * 40), (4, "f" * 40)]


@pytest.mark.parametrize("ref", ["refs/pr/0", "refs/pr/-1", "refs/pr/1x", "refs/pr/", 5, None])
def test_hub_push_bad_ref_ignored(ref):
    payload = hub_payload("hub_repo_content_pr.json")
    payload["updatedRefs"] = [{"ref": ref, "newSha": "f" * 40}]
    assert parse_hub(payload, "d").jobs == []


def test_hub_push_bad_sha_dropped():
    payload = hub_payload("hub_repo_content_pr.json", **{"2" * 40: "not-a-sha"})
    assert parse_hub(payload, "d").jobs[0].head_sha is None


def test_hub_hidden_comment_ignored():
    payload = hub_payload("hub_comment_create.json", **{'"hidden": false': '"hidden": true'})
    assert parse_hub(payload, "d").ignored == "the comment is hidden"


def test_hub_comment_job_has_no_author():
    # The Hub sends the author's id only, so the runner reads the name from the Hub.
    parsed = parse_hub(hub_payload("hub_comment_create.json", COMMENT_ID="c1"), "d")
    assert parsed.jobs[0].commands[0].comment_id == "c1"
    assert parsed.jobs[0].commands[0].author is None


@pytest.mark.parametrize(
    ("event", "edits", "reason"),
    [
        ("pull_request", {'"action": "opened"': '"action": "closed"'}, "pull_request action 'closed' is not handled"),
        ("pull_request", {'"action": "opened"': '"action": "labeled"'}, "pull_request action 'labeled' is not handled"),
        ("pull_request", {'"full_name": "org/results"': '"full_name": 5'}, "payload has no repository.full_name"),
        ("push", {}, "event 'push' is not handled"),
        (None, {}, "event None is not handled"),
    ],
)
def test_github_pull_request_ignored(event, edits, reason):
    payload = json.loads(load_webhook("github_pull_request_opened.json", **edits))
    assert parse_github(event, payload, "d").ignored == reason


@pytest.mark.parametrize(
    ("edits", "reason"),
    [
        ({'"action": "created"': '"action": "edited"'}, "issue_comment action 'edited' is not handled"),
        ({'"pull_request": {"url": "https://api.github.com/repos/org/results/pulls/7"}': '"labels": []'}, "the comment is not on a pull request"),
        ({'"body": "/evalbot verify"': '"body": "nice work"'}, "the comment holds no /evalbot command"),
        ({'"body": "/evalbot verify"': '"body": null'}, "the comment holds no /evalbot command"),
    ],
)
def test_github_comment_ignored(edits, reason):
    payload = json.loads(load_webhook("github_issue_comment_created.json", **edits))
    assert parse_github("issue_comment", payload, "d").ignored == reason


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened"])
def test_github_pull_request_actions_queued(action):
    payload = json.loads(load_webhook("github_pull_request_opened.json", **{'"action": "opened"': f'"action": "{action}"'}))
    parsed = parse_github("pull_request", payload, "d")
    assert [(job.pr.repo_id, job.pr.num, job.head_sha) for job in parsed.jobs] == [("org/results", 7, "4" * 40)]


def test_internal_error_500_and_logged(running, monkeypatch, caplog):
    def broken(delivery_id):
        raise RuntimeError("disk full")

    monkeypatch.setattr(running.bot.state, "record_delivery", broken)
    status, answer = running.post_hub(load_webhook("hub_discussion_create.json"))
    assert status == 500
    assert answer["error"].startswith("internal error")
    assert any("failed with an unexpected error" in r.getMessage() for r in caplog.records)


def test_queue_full_503_with_retry_after(running, monkeypatch):
    real_submit = running.bot.queue.submit
    monkeypatch.setattr(running.bot.queue, "submit", lambda key, job: "full")
    body = load_webhook("hub_discussion_create.json")
    status, answer = running.post_hub(body)
    assert status == 503
    assert answer["retry_after"] == 30
    # The delivery was forgotten, so the sender's redelivery is accepted.
    monkeypatch.setattr(running.bot.queue, "submit", real_submit)
    status, _ = running.post_hub(body)
    assert status == 202


def test_merged_pull_request_not_commented(running, hub):
    hub.set_status(MODEL, 1, "merged")
    status, _ = running.post_hub(load_webhook("hub_discussion_create.json", **{'"action": "create"': '"action": "update"', '"status": "open"': '"status": "merged"'}))
    running.wait()
    assert status == 202
    assert running.bot_comments() == []


def test_job_log_line_carries_ids(running, hub, caplog):
    caplog.set_level(logging.INFO, logger="bot.runner")
    running.post_hub(load_webhook("hub_discussion_create.json"))
    running.wait()
    record = next(r for r in caplog.records if r.getMessage() == "job done")
    assert record.repo_id == MODEL
    assert record.num == 1
    assert record.head_sha == hub.repo(MODEL).refs["refs/pr/1"]
    assert record.delivery_id.startswith("hub-")
    assert record.outcome == "created: success"
    assert record.duration_s >= 0


def test_chunked_body_without_length_411(running):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
    try:
        connection.request("POST", "/webhooks/hub", body=iter([b"{}"]), headers={"X-Webhook-Secret": "x"}, encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 411
    finally:
        connection.close()


# A sender that stops mid-body must not hold a server thread for ever.


def test_stalled_body_connection_closed(tmp_path, hub):
    seed_hub(hub)
    bot = RunningBot(tmp_path, hub, read_timeout=0.5)
    try:
        with socket.create_connection(("127.0.0.1", bot.port), timeout=10) as connection:
            connection.sendall(
                b"POST /webhooks/hub HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
                b"X-Webhook-Secret: " + HUB_SECRET.encode() + b"\r\n\r\n{"
            )
            started = time.monotonic()
            assert connection.recv(1024) == b""
            assert time.monotonic() - started < 5
    finally:
        bot.close()


def test_serve_on_busy_port_exits_two(tmp_path, hub, capsys):
    from bot.cli import main

    config = tmp_path / "evalbot.toml"
    config.write_text(f'hub_endpoint = "{hub.url}"\n')
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--config", str(config), "--state", str(tmp_path / "s.sqlite3"), "--port", str(port)])
    assert code == 2
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    assert last_line.startswith(f"evalbot: error: cannot listen on 127.0.0.1:{port}: ")
