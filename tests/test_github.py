"""The GitHub platform with `responses`: files, contents, comment upsert, commit status.

The API root is a 127.0.0.1 address that nothing listens on, so a request that slips
past `responses` fails instead of reaching GitHub.
"""

import base64
import json

import pytest
import requests
import responses

from bot.comment import parse_marker
from bot.platforms.base import NotFoundError, PermissionDeniedError, PlatformError, UnavailableError
from bot.platforms.github import GitHubPlatform
from bot.retry import RetryingSession, RetryPolicy
from bot.service import check_pull_request
from tests.bot_harness import GPQA_RESULT, GPQA_SPEC

API = "http://127.0.0.1:9"
REPO = "org/results"
HEAD = "4" * 40
BAD_RESULT = b"- dataset:\n    id: Idavidrein/gpqa\n    task_id: nope\n  value: 50\n"
FAST = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=2.0)


def lookup(dataset_id, revision):
    return GPQA_SPEC if dataset_id == "Idavidrein/gpqa" else None


def make_platform(token: str | None = "gh-token-value") -> GitHubPlatform:
    return GitHubPlatform(spec_lookup=lookup, token=token, api_url=API, session=RetryingSession(FAST), login="evalbot")


def contents(content: bytes) -> dict:
    return {"type": "file", "size": len(content), "encoding": "base64", "content": base64.b64encode(content).decode()}


class FakeGitHub:
    """Canned GitHub responses for one pull request, with comments and statuses kept in lists."""

    def __init__(self, mock: responses.RequestsMock, result: bytes = GPQA_RESULT) -> None:
        self.comments: list[dict] = []
        self.statuses: list[dict] = []
        self.result = result
        mock.get(f"{API}/repos/{REPO}/pulls/7", json={
            "number": 7, "state": "open", "merged": False, "draft": False, "title": "Add GPQA",
            "user": {"login": "contributor"}, "head": {"sha": HEAD}, "base": {"ref": "main"},
            "html_url": "https://github.example/org/results/pull/7",
        })
        # Two pages of changed files, linked by the Link header.
        mock.get(f"{API}/repos/{REPO}/pulls/7/files", match=[responses.matchers.query_param_matcher({"per_page": "100"})],
                 json=[{"filename": ".eval_results/gpqa.yaml", "status": "added"}],
                 headers={"Link": f'<{API}/repos/{REPO}/pulls/7/files?per_page=100&page=2>; rel="next"'})
        mock.get(f"{API}/repos/{REPO}/pulls/7/files", match=[responses.matchers.query_param_matcher({"per_page": "100", "page": "2"})],
                 json=[{"filename": "README.md", "status": "modified"}])
        mock.add_callback(responses.GET, f"{API}/repos/{REPO}/contents/.eval_results/gpqa.yaml",
                          callback=lambda request: (200, {}, json.dumps(contents(self.result))))
        mock.get(f"{API}/repos/{REPO}/contents/.eval_results", status=404, json={"message": "Not Found"})
        mock.get(f"{API}/repos/{REPO}/pulls", json=[{"number": 7, "head": {"sha": HEAD}}])
        mock.add_callback(responses.GET, f"{API}/repos/{REPO}/issues/7/comments",
                          callback=lambda request: (200, {}, json.dumps(self.comments)))
        mock.add_callback(responses.POST, f"{API}/repos/{REPO}/issues/7/comments", callback=self._create)
        mock.add_callback(responses.PATCH, f"{API}/repos/{REPO}/issues/comments/100", callback=self._edit)
        mock.add_callback(responses.PATCH, f"{API}/repos/{REPO}/issues/comments/101", callback=self._edit)
        mock.add_callback(responses.GET, f"{API}/repos/{REPO}/commits/{HEAD}/statuses",
                          callback=lambda request: (200, {}, json.dumps(self.statuses[::-1])))
        mock.add_callback(responses.POST, f"{API}/repos/{REPO}/statuses/{HEAD}", callback=self._status)

    def _create(self, request):
        comment = {"id": 100 + len(self.comments), "user": {"login": "evalbot"}, "body": json.loads(request.body)["body"],
                   "html_url": f"https://github.example/org/results/pull/7#issuecomment-{100 + len(self.comments)}"}
        self.comments.append(comment)
        return 201, {}, json.dumps(comment)

    def _edit(self, request):
        comment_id = int(request.url.rsplit("/", 1)[1])
        comment = next(c for c in self.comments if c["id"] == comment_id)
        comment["body"] = json.loads(request.body)["body"]
        return 200, {}, json.dumps(comment)

    def _status(self, request):
        self.statuses.append(json.loads(request.body))
        return 201, {}, request.body


@pytest.fixture
def github():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeGitHub(mock), mock


def test_flow_posts_comment_and_status(github):
    fake, _ = github
    outcome = check_pull_request(make_platform(), REPO, 7)
    assert outcome.action == "created"
    assert len(fake.comments) == 1
    assert parse_marker(fake.comments[0]["body"]) is not None
    assert [s["state"] for s in fake.statuses] == [outcome.report.conclusion]


def test_status_links_comment(github):
    fake, _ = github
    check_pull_request(make_platform(), REPO, 7)
    assert fake.statuses[0]["context"] == "evalbot"
    assert fake.statuses[0]["target_url"] == fake.comments[0]["html_url"]
    assert len(fake.statuses[0]["description"]) <= 140


def test_paginated_files_all_read(github):
    _, mock = github
    outcome = check_pull_request(make_platform(), REPO, 7, dry_run=True)
    assert outcome.report is not None
    # README.md is only on page 2; the pull request shape check reports it.
    assert sorted(f.path for f in outcome.report.files) == [".eval_results/gpqa.yaml", "README.md"]


def test_same_head_posts_nothing(github):
    fake, mock = github
    platform = make_platform()
    check_pull_request(platform, REPO, 7)
    writes_before = sum(call.request.method in ("POST", "PATCH") for call in mock.calls)
    outcome = check_pull_request(platform, REPO, 7)
    writes_after = sum(call.request.method in ("POST", "PATCH") for call in mock.calls)
    assert outcome.action == "unchanged"
    assert writes_after == writes_before


def test_flipped_conclusion_posts_new_comment(github):
    fake, _ = github
    platform = make_platform()
    check_pull_request(platform, REPO, 7)
    fake.result = BAD_RESULT
    outcome = check_pull_request(platform, REPO, 7)
    assert outcome.action == "created"
    assert len(fake.comments) == 2
    assert [s["state"] for s in fake.statuses] == ["success", "failure"]


def test_flipped_conclusion_marks_old_comment_superseded(github):
    fake, _ = github
    platform = make_platform()
    check_pull_request(platform, REPO, 7)
    fake.result = BAD_RESULT
    check_pull_request(platform, REPO, 7)
    assert [parse_marker(c["body"]).superseded for c in fake.comments] == [True, False]


def test_unchanged_status_not_posted_again(github):
    fake, _ = github
    platform = make_platform()
    pr = platform.get_pull_request(REPO, 7)
    platform.set_status(pr, "success", description="success: 0 verified, 1 community", target_url=None)
    platform.set_status(pr, "success", description="success: 0 verified, 1 community", target_url=None)
    assert len(fake.statuses) == 1


def test_token_sent_as_bearer(github):
    _, mock = github
    make_platform().get_pull_request(REPO, 7)
    assert mock.calls[0].request.headers["Authorization"] == "Bearer gh-token-value"


# One funnel maps every failure to the platform's error types.
@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (404, {}, NotFoundError),
        (401, {}, PermissionDeniedError),
        (403, {}, PermissionDeniedError),
        (403, {"X-RateLimit-Remaining": "0"}, UnavailableError),
        (429, {"Retry-After": "0"}, UnavailableError),
        (500, {}, UnavailableError),
        (503, {}, UnavailableError),
        (422, {}, PlatformError),
    ],
)
def test_http_error_mapped(status, headers, error):
    with responses.RequestsMock() as mock:
        mock.get(f"{API}/repos/{REPO}/pulls/7", status=status, headers=headers, json={"message": "x"})
        with pytest.raises(error):
            make_platform().get_pull_request(REPO, 7)


def test_connection_error_unavailable():
    with responses.RequestsMock() as mock:
        mock.get(f"{API}/repos/{REPO}/pulls/7", body=requests.ConnectionError("refused"))
        with pytest.raises(UnavailableError):
            make_platform().get_pull_request(REPO, 7)


def test_error_message_has_no_token():
    with responses.RequestsMock() as mock:
        mock.get(f"{API}/repos/{REPO}/pulls/7", status=401, json={"message": "Bad credentials"})
        with pytest.raises(PermissionDeniedError) as caught:
            make_platform(token="gh-secret-abc").get_pull_request(REPO, 7)
    assert "gh-secret-abc" not in str(caught.value)


def test_large_file_placeholder_not_decoded():
    with responses.RequestsMock() as mock:
        mock.get(f"{API}/repos/{REPO}/contents/.eval_results/big.yaml", json={"type": "file", "size": 5_000_000, "encoding": "none", "content": ""})
        content = make_platform()._content(REPO, ".eval_results/big.yaml", HEAD, 1000)
    assert len(content) == 1001


def test_renamed_results_file_deletes_old_path():
    with responses.RequestsMock() as mock:
        mock.get(f"{API}/repos/{REPO}/pulls/7/files", json=[{"filename": ".eval_results/new.yaml", "status": "renamed", "previous_filename": ".eval_results/old.yaml"}])
        mock.get(f"{API}/repos/{REPO}/contents/.eval_results/new.yaml", json=contents(GPQA_RESULT))
        files = make_platform()._files_of(REPO, 7, HEAD, 10_000)
    assert [(f.path, f.status) for f in files] == [(".eval_results/old.yaml", "deleted"), (".eval_results/new.yaml", "added")]


@pytest.mark.parametrize(("payload", "status"), [({"merged": True, "state": "closed"}, "merged"), ({"state": "closed"}, "closed"), ({"state": "open", "draft": True}, "draft")])
def test_pull_request_status_mapped(payload, status):
    with responses.RequestsMock() as mock:
        mock.get(f"{API}/repos/{REPO}/pulls/7", json={"head": {"sha": HEAD}, "base": {"ref": "main"}, "user": {"login": "c"}, **payload})
        assert make_platform().get_pull_request(REPO, 7).status == status


def test_actions_token_login_fallback():
    with responses.RequestsMock() as mock:
        mock.get(f"{API}/user", status=403, json={"message": "Resource not accessible by integration"})
        platform = GitHubPlatform(spec_lookup=lookup, token="t", api_url=API, session=RetryingSession(FAST))
        assert platform.bot_user() == "github-actions[bot]"
