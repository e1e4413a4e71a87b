"""A fake Hugging Face Hub on 127.0.0.1, driven by the real `huggingface_hub` client.

One in-memory store of repos (model, dataset, space), each with commits, branches and
pull request refs (`refs/pr/N`), plus discussions and pull requests with their comments.
It serves the routes that `huggingface_hub` 2.4 calls for what evalbot does:

    GET  /api/whoami-v2
    GET  /api/{type}s/{repo_id}[/revision/{rev}]            repo info with `sha`
    GET  /api/{type}s/{repo_id}/tree/{rev}[/{path}]         `?recursive=`, Link pagination
    POST /api/{type}s/{repo_id}/paths-info/{rev}            form field `paths`
    HEAD|GET /[{type}s/]{repo_id}/resolve/{rev}/{path}      `X-Repo-Commit`, `ETag`
    GET  /api/{type}s/{repo_id}/discussions                 `?type=&status=&author=&p=`
    GET  /api/{type}s/{repo_id}/discussions/{num}           `?diff=1`
    POST /api/{type}s/{repo_id}/discussions/{num}/comment
    POST /api/{type}s/{repo_id}/discussions/{num}/comment/{id}/edit

Revisions may be percent-encoded (`refs%2Fpr%2F3`) or plain. A missing repo, revision or
file gets a 404 with the `X-Error-Code` header that the client maps to its typed errors
(`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`). Writes need a token from
`FakeHub.tokens`; a comment's author is the token's user.

Every request is recorded as a `RecordedRequest` (method, decoded path, query) so tests
count calls. Fault injection: `fail_next` queues forced responses (status,
`Retry-After`, delay) matched by method and path prefix, `delay_next` queues slow but
normal responses, and `latency` delays every request.

Usage:

    with FakeHub() as hub:
        hub.add_repo("org/model", files={"README.md": "hi"})
        api = HfApi(endpoint=hub.url, token=hub.token)
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import itertools
import json
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

REPO_TYPES = ("model", "dataset", "space")
# Path prefixes of `/resolve/` URLs, as in `huggingface_hub.constants.REPO_TYPES_URL_PREFIXES`.
URL_PREFIXES = {"dataset": "datasets/", "space": "spaces/"}
# The Hub pages discussions by 50; tree listings by 1000 (50 with `expand`).
DISCUSSIONS_PER_PAGE = 50
TREE_PAGE_SIZE = 1000
FIXED_TIME = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.UTC)

Files = Mapping[str, bytes | str | None]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake Hub received: method, percent-decoded path and query."""

    method: str
    path: str
    query: dict[str, list[str]]
    # The path as sent, before percent-decoding, e.g. ".../resolve/refs%2Fpr%2F3/...".
    raw_path: str = ""


@dataclass
class Fault:
    """A forced response for the next request matching `method` and `path_prefix`.

    With `status` None the request is only delayed, then served as usual.
    """

    status: int | None
    method: str | None = None
    path_prefix: str = ""
    retry_after: str | None = None
    delay: float = 0.0
    body: str = "forced failure"


@dataclass
class FakeComment:
    id: str
    author: str
    body: str
    created_at: datetime.datetime
    history: list[str] = field(default_factory=list)
    hidden: bool = False


@dataclass
class FakeDiscussion:
    num: int
    title: str
    author: str
    status: str
    is_pull_request: bool
    created_at: datetime.datetime
    # Events other than comments: ("commit", sha, subject) or ("status-change", status).
    events: list[dict] = field(default_factory=list)
    comments: list[FakeComment] = field(default_factory=list)
    # None: render the diff from the trees; "" or text: serve this diff as is.
    diff_override: str | None = None
    merge_commit: str | None = None


@dataclass
class FakeRepo:
    repo_id: str
    repo_type: str
    # Ref name ("main", "refs/pr/3") -> commit sha.
    refs: dict[str, str] = field(default_factory=dict)
    # Commit sha -> full tree {path: content}.
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)
    discussions: dict[int, FakeDiscussion] = field(default_factory=dict)


class _QuietServer(ThreadingHTTPServer):
    """A server that does not print a client hanging up, as clients timing out on a
    slow-response fault do on purpose."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def blob_oid(content: bytes) -> str:
    """Return the git blob sha1 of `content`, as the Hub reports in `oid` and `ETag`."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _to_bytes(content: bytes | str) -> bytes:
    return content.encode() if isinstance(content, str) else content


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class HubNotFound(Exception):
    """A 404 to send with an `X-Error-Code` header."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code


class FakeHub:
    """The store and the HTTP server; use as a context manager or call start/stop."""

    def __init__(self, *, bot_user: str = "evalbot", token: str = "hf_fake_bot_token") -> None:
        self.lock = threading.RLock()
        self.repos: dict[tuple[str, str], FakeRepo] = {}
        # Token -> user name; the first entry is the bot's own token.
        self.tokens: dict[str, str] = {token: bot_user}
        self.bot_user = bot_user
        self.token = token
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.latency = 0.0
        # Serve at most this many characters of a diff, like the Hub cuts large diffs.
        self.max_diff_chars: int | None = None
        self.tree_page_size = TREE_PAGE_SIZE
        self._counter = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Server lifecycle

    def start(self) -> FakeHub:
        self._server = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        # A short poll interval makes `stop` return quickly; `shutdown` waits for one poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake Hub first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # Repos and commits

    def add_repo(self, repo_id: str, *, repo_type: str = "model", files: Files | None = None) -> str:
        """Create a repo whose `main` has `files`; return the commit sha of `main`."""
        with self.lock:
            repo = FakeRepo(repo_id=repo_id, repo_type=repo_type)
            self.repos[(repo_type, repo_id)] = repo
            sha = self._new_commit(repo, {}, files or {})
            repo.refs["main"] = sha
            return sha

    def commit(
        self, repo_id: str, files: Files, *, revision: str = "main", repo_type: str = "model"
    ) -> str:
        """Commit `files` onto the branch or ref `revision`; None as content deletes a path."""
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            parent = repo.commits[repo.refs[revision]]
            sha = self._new_commit(repo, parent, files)
            repo.refs[revision] = sha
            return sha

    def tag_commit(self, repo_id: str, files: Files, *, repo_type: str = "dataset") -> str:
        """Add a commit reachable only by its sha (an older revision), and return the sha."""
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            return self._new_commit(repo, {}, files)

    def repo(self, repo_id: str, repo_type: str = "model") -> FakeRepo:
        return self.repos[(repo_type, repo_id)]

    def files_at(self, repo_id: str, revision: str, *, repo_type: str = "model") -> dict[str, bytes]:
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            return dict(repo.commits[self._resolve(repo, revision)])

    def _new_commit(self, repo: FakeRepo, parent: Mapping[str, bytes], changes: Files) -> str:
        tree = dict(parent)
        for path, content in changes.items():
            if content is None:
                tree.pop(path, None)
            else:
                tree[path] = _to_bytes(content)
        seed = f"{repo.repo_type}/{repo.repo_id}/{next(self._counter)}".encode()
        sha = hashlib.sha1(seed).hexdigest()
        repo.commits[sha] = tree
        return sha

    # Discussions and pull requests

    def open_pull_request(
        self,
        repo_id: str,
        files: Files,
        *,
        author: str = "contributor",
        title: str = "Add evaluation results",
        repo_type: str = "model",
        status: str = "open",
    ) -> int:
        """Open a pull request whose ref `refs/pr/N` is `main` plus `files`; return N."""
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            num = self._add_discussion(repo, title, author, status, is_pull_request=True)
            sha = self._new_commit(repo, repo.commits[repo.refs["main"]], files)
            repo.refs[f"refs/pr/{num}"] = sha
            repo.discussions[num].events.append(self._commit_event(author, sha))
            return num

    def push(self, repo_id: str, num: int, files: Files, *, repo_type: str = "model") -> str:
        """Push a commit to pull request `num`; return the new head sha."""
        with self.lock:
            sha = self.commit(repo_id, files, revision=f"refs/pr/{num}", repo_type=repo_type)
            discussion = self.repo(repo_id, repo_type).discussions[num]
            discussion.events.append(self._commit_event(discussion.author, sha))
            return sha

    def open_discussion(
        self, repo_id: str, *, author: str = "someone", title: str = "A question", repo_type: str = "model"
    ) -> int:
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            return self._add_discussion(repo, title, author, "open", is_pull_request=False)

    def set_status(self, repo_id: str, num: int, status: str, *, repo_type: str = "model") -> None:
        """Set a discussion's status; "merged" also moves `main` to the pull request's tree."""
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            discussion = repo.discussions[num]
            if status == "merged":
                head = repo.commits[repo.refs[f"refs/pr/{num}"]]
                discussion.merge_commit = self._new_commit(repo, head, {})
                repo.refs["main"] = discussion.merge_commit
            discussion.status = status
            discussion.events.append(self._event("status-change", discussion.author, {"status": status}))

    def set_diff(self, repo_id: str, num: int, diff: str | None, *, repo_type: str = "model") -> None:
        """Serve `diff` verbatim for pull request `num`; None renders it from the trees again."""
        with self.lock:
            self.repo(repo_id, repo_type).discussions[num].diff_override = diff

    def add_comment(self, repo_id: str, num: int, body: str, *, author: str, repo_type: str = "model") -> str:
        """Post a comment as `author` directly in the store; return its id."""
        with self.lock:
            discussion = self.repo(repo_id, repo_type).discussions[num]
            comment = FakeComment(id=self._comment_id(), author=author, body=body, created_at=self._now())
            discussion.comments.append(comment)
            return comment.id

    def comments(self, repo_id: str, num: int, *, repo_type: str = "model") -> list[FakeComment]:
        with self.lock:
            return list(self.repo(repo_id, repo_type).discussions[num].comments)

    def _add_discussion(self, repo: FakeRepo, title: str, author: str, status: str, *, is_pull_request: bool) -> int:
        num = max(repo.discussions, default=0) + 1
        repo.discussions[num] = FakeDiscussion(
            num=num,
            title=title,
            author=author,
            status=status,
            is_pull_request=is_pull_request,
            created_at=self._now(),
        )
        return num

    def _commit_event(self, author: str, sha: str) -> dict:
        return self._event("commit", author, {"subject": "Upload files", "oid": sha})

    def _event(self, event_type: str, author: str, data: dict) -> dict:
        return {
            "id": self._comment_id(),
            "type": event_type,
            "createdAt": _iso(self._now()),
            "author": {"name": author},
            "data": data,
        }

    def _comment_id(self) -> str:
        return hashlib.sha1(f"event-{next(self._counter)}".encode()).hexdigest()[:24]

    def _now(self) -> datetime.datetime:
        # Strictly increasing timestamps keep event order stable without a clock.
        return FIXED_TIME + datetime.timedelta(seconds=next(self._counter))

    # Requests and faults

    def fail_next(
        self,
        status: int,
        *,
        method: str | None = None,
        path_prefix: str = "",
        retry_after: str | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Fail the next `times` matching requests with `status`, after `delay` seconds."""
        with self.lock:
            for _ in range(times):
                self.faults.append(Fault(status, method, path_prefix, retry_after, delay))

    def delay_next(
        self, delay: float, *, method: str | None = None, path_prefix: str = "", times: int = 1
    ) -> None:
        """Serve the next `times` matching requests as usual, but only after `delay` seconds."""
        with self.lock:
            for _ in range(times):
                self.faults.append(Fault(None, method, path_prefix, None, delay))

    def reset_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    def count(self, method: str | None = None, path_contains: str = "") -> int:
        """Count recorded requests by method and a substring of the decoded path."""
        with self.lock:
            return sum(
                1
                for request in self.requests
                if (method is None or request.method == method) and path_contains in request.path
            )

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for index, fault in enumerate(self.faults):
                if (fault.method is None or fault.method == method) and path.startswith(fault.path_prefix):
                    return self.faults.pop(index)
            return None

    # Lookups used by the handler

    def _find_repo(self, repo_type: str, segments: list[str]) -> tuple[FakeRepo, list[str]]:
        """Split `segments` into a known repo id (one or two parts) and the rest."""
        for parts in (2, 1):
            repo = self.repos.get((repo_type, "/".join(segments[:parts])))
            if len(segments) >= parts and repo is not None:
                return repo, segments[parts:]
        raise HubNotFound("RepoNotFound", f"Repository not found: {'/'.join(segments[:2])}")

    def _resolve(self, repo: FakeRepo, revision: str) -> str:
        if revision in repo.refs:
            return repo.refs[revision]
        if revision.startswith("refs/heads/") and revision.removeprefix("refs/heads/") in repo.refs:
            return repo.refs[revision.removeprefix("refs/heads/")]
        if revision in repo.commits:
            return revision
        raise HubNotFound("RevisionNotFound", f"Invalid rev id: {revision}")

    def _diff(self, repo: FakeRepo, discussion: FakeDiscussion) -> str:
        if discussion.diff_override is not None:
            return discussion.diff_override
        base = repo.commits[repo.refs["main"]]
        head = repo.commits[repo.refs[f"refs/pr/{discussion.num}"]]
        chunks = []
        for path in sorted(set(base) | set(head)):
            if base.get(path) == head.get(path):
                continue
            old = base.get(path, b"").decode(errors="replace").splitlines(keepends=True)
            new = head.get(path, b"").decode(errors="replace").splitlines(keepends=True)
            chunks.append(f"diff --git a/{path} b/{path}\n")
            if path not in base:
                chunks.append("new file mode 100644\n")
            elif path not in head:
                chunks.append("deleted file mode 100644\n")
            from_name = f"a/{path}" if path in base else "/dev/null"
            to_name = f"b/{path}" if path in head else "/dev/null"
            lines = difflib.unified_diff(old, new, from_name, to_name)
            chunks.extend(line if line.endswith("\n") else line + "\n" for line in lines)
        diff = "".join(chunks)
        if self.max_diff_chars is not None:
            diff = diff[: self.max_diff_chars]
        return diff


def _split_revision(segments: list[str]) -> tuple[str, list[str]]:
    """Take a revision off the front of decoded segments; `refs/pr/3` may come unencoded."""
    if len(segments) >= 3 and segments[0] == "refs" and segments[1] in ("pr", "heads", "convert", "tags"):
        return "/".join(segments[:3]), segments[3:]
    if not segments:
        return "main", []
    return segments[0], segments[1:]


def _tree_entries(tree: Mapping[str, bytes], folder: str, recursive: bool) -> list[dict]:
    prefix = f"{folder}/" if folder else ""
    entries: dict[str, dict] = {}
    for path in sorted(tree):
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix) :]
        if recursive or "/" not in rest:
            entries[path] = _file_info(path, tree[path])
        if "/" in rest:
            parts = rest.split("/")[:-1]
            depths = range(1, len(parts) + 1) if recursive else range(1, 2)
            for depth in depths:
                folder_path = prefix + "/".join(parts[:depth])
                entries.setdefault(folder_path, _folder_info(folder_path))
    return list(entries.values())


def _file_info(path: str, content: bytes) -> dict:
    return {"type": "file", "oid": blob_oid(content), "size": len(content), "path": path}


def _folder_info(path: str) -> dict:
    return {"type": "directory", "oid": hashlib.sha1(path.encode()).hexdigest(), "size": 0, "path": path}


def _make_handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; without TCP_NODELAY each keep-alive
        # request waits about 40 ms for a delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # keep test output clean

        def do_GET(self) -> None:
            self._handle("GET")

        def do_HEAD(self) -> None:
            self._handle("HEAD")

        def do_POST(self) -> None:
            self._handle("POST")

        def _handle(self, method: str) -> None:
            raw_path, _, raw_query = self.path.partition("?")
            segments = [unquote(part) for part in raw_path.strip("/").split("/")]
            query = parse_qs(raw_query)
            body = self._read_body()
            with hub.lock:
                hub.requests.append(RecordedRequest(method, "/" + "/".join(segments), query, raw_path))
            if hub.latency:
                time.sleep(hub.latency)
            fault = hub._take_fault(method, "/" + "/".join(segments))
            if fault is not None:
                time.sleep(fault.delay)
                if fault.status is not None:
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    self._send_json(fault.status, {"error": fault.body}, headers)
                    return
            try:
                with hub.lock:
                    self._route(method, segments, query, body)
            except HubNotFound as error:
                self._send_json(404, {"error": str(error)}, {"X-Error-Code": error.error_code})
            except PermissionError as error:
                # This exact message makes the client raise a plain 401 rather than
                # RepositoryNotFoundError, as it does for the real Hub.
                self._send_json(401, {"error": str(error)}, {"X-Error-Message": str(error)})
            except (KeyError, ValueError) as error:
                self._send_json(400, {"error": f"bad request: {error}"})

        def _read_body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        # Routing

        def _route(self, method: str, segments: list[str], query: dict, body: bytes) -> None:
            if segments[:2] == ["api", "whoami-v2"]:
                self._send_json(200, {"type": "user", "name": self._user(required=True)})
                return
            if segments[0] == "api" and len(segments) >= 3 and segments[1].rstrip("s") in REPO_TYPES:
                repo, rest = hub._find_repo(segments[1][:-1], segments[2:])
                self._route_api(method, repo, rest, query, body)
                return
            repo_type = "model"
            if segments[0] in ("datasets", "spaces"):
                repo_type, segments = segments[0][:-1], segments[1:]
            if "resolve" in segments and method in ("GET", "HEAD"):
                repo, rest = hub._find_repo(repo_type, segments)
                if rest and rest[0] == "resolve":
                    self._resolve_file(method, repo, rest[1:])
                    return
            self._send_json(404, {"error": "no such route"})

        def _route_api(self, method: str, repo: FakeRepo, rest: list[str], query: dict, body: bytes) -> None:
            if not rest and method == "GET":
                self._repo_info(repo, "main")
            elif rest[:1] == ["revision"] and method == "GET":
                self._repo_info(repo, _split_revision(rest[1:])[0])
            elif rest[:1] == ["tree"] and method == "GET":
                revision, path = _split_revision(rest[1:])
                self._tree(repo, revision, "/".join(path), query)
            elif rest[:1] == ["paths-info"] and method == "POST":
                self._paths_info(repo, _split_revision(rest[1:])[0], body)
            elif rest == ["discussions"] and method == "GET":
                self._list_discussions(repo, query)
            elif rest[:1] == ["discussions"] and len(rest) >= 2:
                self._route_discussion(method, repo, int(rest[1]), rest[2:], body)
            else:
                self._send_json(404, {"error": "no such route"})

        def _route_discussion(self, method: str, repo: FakeRepo, num: int, rest: list[str], body: bytes) -> None:
            discussion = repo.discussions.get(num)
            if discussion is None:
                self._send_json(404, {"error": f"Discussion {num} not found"})
            elif not rest and method == "GET":
                self._send_json(200, self._discussion_details(repo, discussion))
            elif rest == ["comment"] and method == "POST":
                self._create_comment(discussion, body)
            elif len(rest) == 3 and rest[0] == "comment" and rest[2] == "edit" and method == "POST":
                self._edit_comment(discussion, rest[1], body)
            else:
                self._send_json(404, {"error": "no such route"})

        # Handlers

        def _repo_info(self, repo: FakeRepo, revision: str) -> None:
            sha = hub._resolve(repo, revision)
            siblings = [{"rfilename": path} for path in sorted(repo.commits[sha])]
            self._send_json(200, {"id": repo.repo_id, "sha": sha, "private": False, "siblings": siblings})

        def _tree(self, repo: FakeRepo, revision: str, folder: str, query: dict) -> None:
            tree = repo.commits[hub._resolve(repo, revision)]
            if folder and folder in tree:
                raise HubNotFound("EntryNotFound", f"{folder} is a file, not a folder")
            if folder and not any(path.startswith(folder + "/") for path in tree):
                raise HubNotFound("EntryNotFound", f"{folder} does not exist on {revision}")
            recursive = query.get("recursive", ["false"])[0].lower() in ("true", "1")
            entries = _tree_entries(tree, folder, recursive)
            cursor = int(query.get("cursor", ["0"])[0])
            page = entries[cursor : cursor + hub.tree_page_size]
            headers = {}
            if cursor + hub.tree_page_size < len(entries):
                next_query = f"recursive={str(recursive).lower()}&cursor={cursor + hub.tree_page_size}"
                next_url = f"{hub.url}{self.path.partition('?')[0]}?{next_query}"
                headers["Link"] = f'<{next_url}>; rel="next"'
            self._send_json(200, page, headers)

        def _paths_info(self, repo: FakeRepo, revision: str, body: bytes) -> None:
            tree = repo.commits[hub._resolve(repo, revision)]
            form = parse_qs(body.decode())
            infos = []
            for path in form.get("paths", []):
                if path in tree:
                    infos.append(_file_info(path, tree[path]))
                elif any(other.startswith(path + "/") for other in tree):
                    infos.append(_folder_info(path))
            self._send_json(200, infos)

        def _resolve_file(self, method: str, repo: FakeRepo, rest: list[str]) -> None:
            revision, path_segments = _split_revision(rest)
            sha = hub._resolve(repo, revision)
            path = "/".join(path_segments)
            content = repo.commits[sha].get(path)
            if content is None:
                headers = {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": sha}
                self._send_json(404, {"error": f"Entry not found: {path}"}, headers)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(content)))
            self.send_header("X-Repo-Commit", sha)
            self.send_header("ETag", f'"{blob_oid(content)}"')
            self.end_headers()
            if method == "GET":
                self.wfile.write(content)

        def _list_discussions(self, repo: FakeRepo, query: dict) -> None:
            type_filter = query.get("type", ["all"])[0]
            status_filter = query.get("status", ["all"])[0]
            author_filter = query.get("author", [None])[0]
            page = int(query.get("p", ["0"])[0])
            selected = []
            for discussion in sorted(repo.discussions.values(), key=lambda d: -d.num):
                if type_filter == "pull_request" and not discussion.is_pull_request:
                    continue
                if type_filter == "discussion" and discussion.is_pull_request:
                    continue
                if status_filter == "open" and discussion.status not in ("open", "draft"):
                    continue
                if status_filter == "closed" and discussion.status not in ("closed", "merged"):
                    continue
                if author_filter is not None and discussion.author != author_filter:
                    continue
                selected.append(discussion)
            start = page * DISCUSSIONS_PER_PAGE
            page_items = selected[start : start + DISCUSSIONS_PER_PAGE]
            payload = {
                "discussions": [self._discussion_summary(repo, discussion) for discussion in page_items],
                "count": len(selected),
                "start": start,
            }
            self._send_json(200, payload)

        def _discussion_summary(self, repo: FakeRepo, discussion: FakeDiscussion) -> dict:
            return {
                "num": discussion.num,
                "title": discussion.title,
                "status": discussion.status,
                "isPullRequest": discussion.is_pull_request,
                "createdAt": _iso(discussion.created_at),
                "author": {"name": discussion.author},
                "repo": {"name": repo.repo_id, "type": repo.repo_type},
                "numComments": len(discussion.comments),
            }

        def _discussion_details(self, repo: FakeRepo, discussion: FakeDiscussion) -> dict:
            details = self._discussion_summary(repo, discussion)
            events = [*discussion.events, *(self._comment_event(comment) for comment in discussion.comments)]
            details["events"] = sorted(events, key=lambda event: event["createdAt"])
            if discussion.is_pull_request:
                details["changes"] = {"base": "refs/heads/main"}
                if discussion.merge_commit is not None:
                    details["changes"]["mergeCommitId"] = discussion.merge_commit
                details["filesWithConflicts"] = []
                details["diff"] = hub._diff(repo, discussion)
            return details

        def _comment_event(self, comment: FakeComment) -> dict:
            return {
                "id": comment.id,
                "type": "comment",
                "createdAt": _iso(comment.created_at),
                "author": {"name": comment.author},
                "data": {
                    "edited": bool(comment.history),
                    "hidden": comment.hidden,
                    "latest": {
                        "raw": "" if comment.hidden else comment.body,
                        "html": "",
                        "updatedAt": _iso(comment.created_at),
                        "author": {"name": comment.author},
                    },
                    "numEdits": len(comment.history),
                    "history": [{"raw": old} for old in comment.history],
                },
            }

        def _create_comment(self, discussion: FakeDiscussion, body: bytes) -> None:
            author = self._user(required=True)
            text = json.loads(body)["comment"]
            comment = FakeComment(id=hub._comment_id(), author=author, body=text, created_at=hub._now())
            discussion.comments.append(comment)
            self._send_json(200, {"newMessage": self._comment_event(comment)})

        def _edit_comment(self, discussion: FakeDiscussion, comment_id: str, body: bytes) -> None:
            author = self._user(required=True)
            comment = next((c for c in discussion.comments if c.id == comment_id), None)
            if comment is None:
                self._send_json(404, {"error": f"Comment {comment_id} not found"})
                return
            if comment.author != author:
                self._send_json(403, {"error": "You can only edit your own comments"})
                return
            comment.history.append(comment.body)
            comment.body = json.loads(body)["content"]
            self._send_json(200, {"updatedComment": self._comment_event(comment)})

        # Helpers

        def _user(self, *, required: bool) -> str | None:
            authorization = self.headers.get("Authorization", "")
            user = hub.tokens.get(authorization.removeprefix("Bearer ").strip())
            if user is None and required:
                raise PermissionError("Invalid credentials in Authorization header")
            return user

        def _send_json(self, status: int, payload: object, headers: Mapping[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else None)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    return Handler


def resolve_url(hub: FakeHub, repo_id: str, revision: str, path: str, *, repo_type: str = "model") -> str:
    """Build a `/resolve/` URL of the fake Hub with a percent-encoded revision."""
    prefix = URL_PREFIXES.get(repo_type, "")
    return f"{hub.url}/{prefix}{repo_id}/resolve/{quote(revision, safe='')}/{quote(path)}"


def parse_url(url: str) -> str:
    """Return the path of a URL, for comparing recorded requests with built URLs."""
    return unquote(urlsplit(url).path)
