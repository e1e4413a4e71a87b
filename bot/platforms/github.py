"""GitHub pull requests through the REST API, with `requests`.

Repos that mirror the Hub layout keep `.eval_results/*.yaml` on GitHub. Their benchmark
specs still live on the Hub, so the caller passes in the spec lookup (usually the Hub
platform's `fetch_spec`). Files are read at the head sha through the contents API and
never executed. The commit status has the context `evalbot` and links to the bot's
comment; it is posted only when its state or description changes.
"""

import base64
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

from bot.platforms.base import (
    Comment,
    NotFoundError,
    PermissionDeniedError,
    PlatformError,
    PullRequest,
    PullRequestStatus,
    UnavailableError,
)
from bot.retry import RetryingSession, parse_retry_after
from checks.inputs import RESULTS_DIR, ChangedFile, FileStatus, OtherPullRequest, SpecLookup
from checks.report import Conclusion

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
STATUS_CONTEXT = "evalbot"
# GitHub cuts status descriptions at 140 characters.
MAX_DESCRIPTION = 140
# The login that GITHUB_TOKEN in Actions posts as; `GET /user` is not allowed for it.
ACTIONS_LOGIN = "github-actions[bot]"
PER_PAGE = 100

# GitHub's file statuses mapped to the checks' three; a rename also deletes the old path.
FILE_STATUSES: dict[str, FileStatus] = {
    "added": "added",
    "removed": "deleted",
    "modified": "modified",
    "renamed": "added",
    "copied": "added",
    "changed": "modified",
    "unchanged": "modified",
}


def is_results_path(path: str) -> bool:
    return path.startswith(RESULTS_DIR) and path.endswith((".yaml", ".yml"))


class GitHubPlatform:
    """A `bot.platforms.base.Platform` for GitHub pull requests."""

    def __init__(
        self,
        *,
        spec_lookup: SpecLookup,
        token: str | None = None,
        api_url: str = DEFAULT_API_URL,
        session: requests.Session | None = None,
        login: str | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._spec_lookup = spec_lookup
        self._session = session or RetryingSession()
        self._session.headers["Accept"] = "application/vnd.github+json"
        self._session.headers["X-GitHub-Api-Version"] = "2022-11-28"
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"
        self._login = login
        # html_url of the comment last created or edited per pull request, for status links.
        self._comment_urls: dict[tuple[str, int], str] = {}

    # Reading

    def get_pull_request(self, repo_id: str, num: int, *, repo_type: str = "model") -> PullRequest:
        data = self._json("GET", f"/repos/{repo_id}/pulls/{num}")
        status: PullRequestStatus = "open"
        if data.get("merged"):
            status = "merged"
        elif data.get("state") == "closed":
            status = "closed"
        elif data.get("draft"):
            status = "draft"
        return PullRequest(
            repo_id=repo_id,
            repo_type="model",
            num=num,
            head_sha=data["head"]["sha"],
            author=(data.get("user") or {}).get("login", "ghost"),
            status=status,
            title=data.get("title") or "",
            base=data["base"]["ref"],
            url=data.get("html_url"),
        )

    def changed_files(self, pr: PullRequest, *, max_file_size: int) -> list[ChangedFile]:
        return self._files_of(pr.repo_id, pr.num, pr.head_sha, max_file_size)

    def main_results(self, pr: PullRequest, *, max_file_size: int) -> dict[str, bytes]:
        try:
            listing = self._json("GET", f"/repos/{pr.repo_id}/contents/{RESULTS_DIR.rstrip('/')}", params={"ref": pr.base})
        except NotFoundError:
            return {}
        files: dict[str, bytes] = {}
        for item in listing if isinstance(listing, list) else []:
            if item.get("type") == "file" and is_results_path(item["path"]):
                files[item["path"]] = self._content(pr.repo_id, item["path"], pr.base, max_file_size)
        return files

    def other_pull_requests(self, pr: PullRequest, *, max_file_size: int) -> list[OtherPullRequest]:
        others = []
        for item in self._pages(f"/repos/{pr.repo_id}/pulls", {"state": "open"}):
            if item["number"] == pr.num:
                continue
            changed = self._files_of(pr.repo_id, item["number"], item["head"]["sha"], max_file_size)
            files = {f.path: f.content for f in changed if f.content is not None}
            if files:
                others.append(OtherPullRequest(num=item["number"], files=files))
        return others

    def open_pull_request_numbers(self, repo_id: str) -> list[int]:
        """List the numbers of the repo's open pull requests, for the poller."""
        return [item["number"] for item in self._pages(f"/repos/{repo_id}/pulls", {"state": "open"})]

    def fetch_spec(self, dataset_id: str, revision: str | None) -> bytes | None:
        return self._spec_lookup(dataset_id, revision)

    def bot_user(self) -> str:
        if self._login is None:
            try:
                self._login = self._json("GET", "/user")["login"]
            except PermissionDeniedError:
                self._login = ACTIONS_LOGIN
        return self._login

    def list_comments(self, pr: PullRequest) -> list[Comment]:
        return [
            Comment(id=str(item["id"]), author=(item.get("user") or {}).get("login", "ghost"), body=item.get("body") or "")
            for item in self._pages(f"/repos/{pr.repo_id}/issues/{pr.num}/comments", {})
        ]

    # Writing

    def create_comment(self, pr: PullRequest, body: str) -> Comment:
        data = self._json("POST", f"/repos/{pr.repo_id}/issues/{pr.num}/comments", json={"body": body})
        return self._remember(pr, data)

    def edit_comment(self, pr: PullRequest, comment_id: str, body: str) -> Comment:
        data = self._json("PATCH", f"/repos/{pr.repo_id}/issues/comments/{comment_id}", json={"body": body})
        return self._remember(pr, data)

    def set_status(self, pr: PullRequest, conclusion: Conclusion, *, description: str, target_url: str | None) -> None:
        """Post the `evalbot` commit status, unless the latest one has the same state, text and link."""
        status_body = {
            "state": conclusion,
            "context": STATUS_CONTEXT,
            "description": description[:MAX_DESCRIPTION],
            "target_url": self._comment_urls.get((pr.repo_id, pr.num), target_url),
        }
        current = self._latest_status(pr)
        if current is not None and all(current.get(key) == status_body[key] for key in ("state", "description", "target_url")):
            logger.debug("status unchanged", extra={"repo_id": pr.repo_id, "num": pr.num, "head_sha": pr.head_sha})
            return
        self._json("POST", f"/repos/{pr.repo_id}/statuses/{pr.head_sha}", json=status_body)

    # Helpers

    def _latest_status(self, pr: PullRequest) -> dict[str, Any] | None:
        # The list is newest first; the first one with our context is the current status.
        statuses = self._json("GET", f"/repos/{pr.repo_id}/commits/{pr.head_sha}/statuses", params={"per_page": PER_PAGE})
        return next((s for s in statuses if s.get("context") == STATUS_CONTEXT), None)

    def _remember(self, pr: PullRequest, data: dict[str, Any]) -> Comment:
        if data.get("html_url"):
            self._comment_urls[(pr.repo_id, pr.num)] = data["html_url"]
        return Comment(id=str(data["id"]), author=(data.get("user") or {}).get("login", ""), body=data.get("body") or "")

    def _files_of(self, repo_id: str, num: int, head_sha: str, max_file_size: int) -> list[ChangedFile]:
        changed: list[ChangedFile] = []
        for item in self._pages(f"/repos/{repo_id}/pulls/{num}/files", {}):
            path = item["filename"]
            status = FILE_STATUSES.get(item.get("status", ""), "modified")
            if item.get("status") == "renamed" and item.get("previous_filename"):
                changed.append(ChangedFile(path=item["previous_filename"], status="deleted"))
            content = None
            if status != "deleted" and is_results_path(path):
                content = self._content(repo_id, path, head_sha, max_file_size)
            changed.append(ChangedFile(path=path, status=status, content=content))
        return changed

    def _content(self, repo_id: str, path: str, ref: str, max_file_size: int) -> bytes:
        """Read a file at `ref`; over `max_file_size`, return a placeholder one byte longer."""
        data = self._json("GET", f"/repos/{repo_id}/contents/{quote(path, safe='/')}", params={"ref": ref})
        if not isinstance(data, dict) or data.get("type") != "file":
            raise NotFoundError(f"'{path}' at '{ref}' in '{repo_id}' is not a file; check the path")
        if int(data.get("size", 0)) > max_file_size:
            return b"\0" * (max_file_size + 1)
        if data.get("encoding") == "base64":
            return base64.b64decode(data.get("content") or "")
        # Files over 1 MB come without content in the JSON form; ask for the raw bytes.
        response = self._send(
            "GET", f"/repos/{repo_id}/contents/{quote(path, safe='/')}",
            params={"ref": ref}, headers={"Accept": "application/vnd.github.raw+json"},
        )
        return response.content[: max_file_size + 1]

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Yield the items of a paginated list, following the `Link: rel="next"` header."""
        response = self._send("GET", path, params={**params, "per_page": PER_PAGE})
        while True:
            yield from response.json()
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return
            response = self._send("GET", next_url)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._send(method, path, **kwargs).json()

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request and map failures to the platform's errors (the one funnel)."""
        url = path if path.startswith(("http://", "https://")) else f"{self.api_url}{path}"
        display_path = url.removeprefix(self.api_url)
        try:
            response = self._session.request(method, url, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise UnavailableError(f"GitHub {method} {display_path} failed: {type(error).__name__}; retry later") from error
        if response.ok:
            return response

        status = response.status_code
        detail = f"GitHub {method} {display_path} failed with HTTP {status}"
        if status == 429 or status >= 500 or _is_rate_limited(response):
            raise UnavailableError(f"{detail}; retry later", retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if status == 404:
            raise NotFoundError(f"{detail}: not found; check the repo, pull request number and token scope")
        if status in (401, 403):
            raise PermissionDeniedError(f"{detail}: permission denied; check that GITHUB_TOKEN may read and write pull requests and statuses")
        raise PlatformError(f"{detail}; see {_docs_url(response)}")


def _is_rate_limited(response: requests.Response) -> bool:
    """GitHub signals rate limits with 403 and either `Retry-After` or no remaining calls."""
    return response.status_code == 403 and (
        "Retry-After" in response.headers or response.headers.get("X-RateLimit-Remaining") == "0"
    )


def _docs_url(response: requests.Response) -> str:
    try:
        return str(response.json().get("documentation_url") or "the GitHub REST API docs")
    except ValueError:
        return "the GitHub REST API docs"
