"""Parse a `source.url` that links an Inspect log into the Hub file to download.

The download is rebuilt from the parsed (repo, revision, path), so nothing else in the
URL is ever requested. A URL on another host than the Hub endpoint, with user info, or
with a path that leaves the repo is returned as an `UnfetchableLog` with the reason.
"""

from typing import Literal
from urllib.parse import SplitResult, unquote, urlsplit

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id
from pydantic import BaseModel, ConfigDict

from checks.messages import quote

LOG_SUFFIXES = (".eval", ".json")
MAX_URL_LENGTH = 2048

_URL_ACTIONS = ("resolve", "blob", "raw")
_REPO_TYPE_PREFIXES = {"datasets": "dataset", "spaces": "space"}

RepoType = Literal["model", "dataset", "space"]


class HubFile(BaseModel):
    """A file in a Hub repo at a revision, as a log URL names it."""

    model_config = ConfigDict(frozen=True)

    repo_id: str
    repo_type: RepoType
    revision: str
    path: str


class UnfetchableLog(BaseModel):
    """A log URL that is not fetched, and the reason."""

    reason: str


def is_log_url(url: str) -> bool:
    """Tell whether a URL's path ends in an Inspect log suffix (`.eval` or `.json`)."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return False
    return unquote(path).lower().endswith(LOG_SUFFIXES)


def parse_log_url(url: str, endpoint: str) -> HubFile | UnfetchableLog | None:
    """Parse a `source.url` into the Hub file to download.

    Accepts `{endpoint}/[datasets/|spaces/]{repo_id}/(resolve|blob|raw)/{revision}/{path}`
    where `revision` is one path segment (percent-encoded when it contains `/`, like
    `refs%2Fpr%2F3`). The query and fragment are ignored.

    Returns:
        None when the URL is not a log link at all, an `UnfetchableLog` when it is one
        that is not fetched (another host, user info, a path that leaves the repo), and
        the `HubFile` otherwise.
    """
    if not is_log_url(url):
        return None
    if len(url) > MAX_URL_LENGTH or any(ord(char) < 0x21 or char == "\x7f" for char in url):
        return UnfetchableLog(reason="the URL is too long or contains spaces or control characters")

    try:
        parts = urlsplit(url)
        host_problem = _host_problem(parts, urlsplit(endpoint))
    except ValueError:
        return UnfetchableLog(reason="the URL's host or port is invalid")
    if host_problem is not None:
        return UnfetchableLog(reason=host_problem)

    base_path = urlsplit(endpoint).path.rstrip("/")
    if not parts.path.startswith(base_path + "/"):
        return UnfetchableLog(reason=f"the URL is not under the Hub endpoint {quote(endpoint)}")
    return _parse_repo_path(parts.path[len(base_path) + 1 :])


def _parse_repo_path(path: str) -> HubFile | UnfetchableLog:
    """Split `[datasets/|spaces/]{repo_id}/{action}/{revision}/{path}`; segments stay encoded."""
    segments = path.split("/")
    repo_type: RepoType = "model"
    if segments[0] in _REPO_TYPE_PREFIXES:
        repo_type = _REPO_TYPE_PREFIXES[segments[0]]  # type: ignore[assignment]
        segments = segments[1:]

    # A repo id is `org/name`, or a bare `name` for a few legacy models.
    if len(segments) > 2 and segments[2] in _URL_ACTIONS:
        repo_segments, rest = segments[:2], segments[3:]
    elif repo_type == "model" and len(segments) > 1 and segments[1] in _URL_ACTIONS:
        repo_segments, rest = segments[:1], segments[2:]
    else:
        return UnfetchableLog(reason="the URL is not a file link (`/resolve/` or `/blob/`) in a Hub repo")
    if len(rest) < 2:
        return UnfetchableLog(reason="the URL names no revision and file path")

    repo_id = "/".join(unquote(segment) for segment in repo_segments)
    revision = unquote(rest[0])
    file_segments = [unquote(segment) for segment in rest[1:]]
    problem = _path_problem(repo_id, revision, file_segments)
    if problem is not None:
        return UnfetchableLog(reason=problem)
    return HubFile(repo_id=repo_id, repo_type=repo_type, revision=revision, path="/".join(file_segments))


def _path_problem(repo_id: str, revision: str, file_segments: list[str]) -> str | None:
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        return f"{quote(repo_id)} is not a valid repo id"
    if not revision or ".." in revision.split("/") or "\\" in revision:
        return f"{quote(revision)} is not a valid revision"
    for segment in file_segments:
        if segment in ("", ".", "..") or "/" in segment or "\\" in segment:
            return "the file path has an empty, '.', '..' or encoded '/' segment"
    return None


def _host_problem(parts: SplitResult, endpoint: SplitResult) -> str | None:
    """Return why a URL's host is not the endpoint's, or None when it is the same."""
    if parts.scheme not in ("http", "https"):
        return f"its scheme {quote(parts.scheme)} is not http or https"
    if parts.username is not None or parts.password is not None:
        return "it contains user info before the host"
    same_host = (parts.hostname or "") == (endpoint.hostname or "")
    if not same_host or _port(parts) != _port(endpoint):
        return f"its host {quote(parts.netloc)} is not the Hub endpoint {quote(endpoint.netloc)}"
    return None


def _port(parts: SplitResult) -> int | None:
    if parts.port is not None:
        return parts.port
    return {"http": 80, "https": 443}.get(parts.scheme)
