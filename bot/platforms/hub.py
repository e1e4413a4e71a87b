"""Hub pull requests (discussions) through `huggingface_hub.HfApi`.

Requests for one check of a pull request with N changed results files, K results files on
`main` and P other open pull requests:

- fixed: discussion details (status, author, diff, comments), the head sha (repo info at
  `refs/pr/N`), the `.eval_results` tree at the head and at the base, the list of open
  pull requests, and one `.eval_results` tree per other open pull request;
- one GET per results file to read, except files already read in this process: content
  is cached by blob id, which changes with every edit;
- one GET per distinct benchmark spec; specs pinned to a commit sha are cached across
  checks;
- `whoami` once per process unless `bot_user` is given, and one call per comment posted
  or edited.

Changed files: results files are found by comparing the `.eval_results` trees of the head
and the base by blob id, so a diff cut short on a large pull request never hides one.
Other changed files come from the `diff --git` headers of the pull request's diff. When
the diff is empty, or lacks a results file that the trees show as changed (so it was cut),
the full trees are compared instead.

NOTE: a diff cut after the last changed results file is not detected, so other files
past the cut get no `pr.other-files` warning.
"""

import contextlib
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx2
from huggingface_hub import HfApi, hf_hub_url
from huggingface_hub.community import DiscussionComment, DiscussionWithDetails
from huggingface_hub.errors import (
    HfHubHTTPError,
    HFValidationError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import RepoFile
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status, validate_repo_id

from bot.platforms.base import (
    Comment,
    NotFoundError,
    PermissionDeniedError,
    PlatformError,
    PullRequest,
    UnavailableError,
    is_results_path,
)
from checks.inputs import RESULTS_DIR, ChangedFile, FileStatus, OtherPullRequest, SpecUnavailable
from checks.report import Conclusion

logger = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
SPEC_FILENAME = "eval.yaml"
# An eval.yaml larger than this is not read; real ones are a few kilobytes.
MAX_SPEC_BYTES = 1024 * 1024
# Other open pull requests read for duplicates, newest first; older ones are ignored.
MAX_OTHER_PULL_REQUESTS = 50
# Seconds before a file download gives up. The HfApi calls use the shared client's
# timeout, which is none by default; `bot.retry.configure_hub_retries` sets one.
DOWNLOAD_TIMEOUT = 30.0
# Entries of each in-process cache: blob contents, pinned specs and per-check state.
CACHE_ENTRIES = 512
RESULTS_FOLDER = RESULTS_DIR.rstrip("/")


@dataclass
class _CheckState:
    """Data fetched once per check of a pull request and reused by later calls."""

    details: DiscussionWithDetails
    base_tree: dict[str, RepoFile] | None = None


@dataclass
class _LruCache:
    """A small thread-safe least-recently-used cache."""

    max_entries: int = CACHE_ENTRIES
    entries: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: object) -> object | None:
        with self.lock:
            if key not in self.entries:
                return None
            self.entries.move_to_end(key)
            return self.entries[key]

    def put(self, key: object, value: object) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)


class HubPlatform:
    """A `bot.platforms.base.Platform` for pull requests on the Hugging Face Hub.

    One instance serves many pull requests and threads. `get_pull_request` fetches the
    discussion once per check; `changed_files` and `list_comments` reuse that fetch, so
    call it first (as `bot.service.check_pull_request` does).
    """

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        token: str | None = None,
        bot_user: str | None = None,
    ) -> None:
        """Args:
        endpoint: Hub URL; None uses huggingface_hub's default (`HF_ENDPOINT` or huggingface.co).
        token: Token that reads the repos and posts comments; never logged.
        bot_user: Account the token belongs to; None looks it up once with `whoami`.
        """
        self.api = HfApi(endpoint=endpoint, token=token)
        self.hub_endpoint = self.api.endpoint.rstrip("/")
        self._token = token
        self._bot_user = bot_user
        # Keyed by (repo type, repo id, number); bounded because a server runs for weeks.
        self._checks = _LruCache()
        self._blobs = _LruCache()
        self._pinned_specs = _LruCache()

    @property
    def download_token(self) -> str | None:
        """Token for the re-run's dataset downloads, which happen in the bot's own process.

        The child process that runs the model never receives it.
        """
        return self._token

    # Pull request

    def get_pull_request(self, repo_id: str, num: int, *, repo_type: str = "model") -> PullRequest:
        """Fetch the discussion's details and resolve the head sha of `refs/pr/{num}`."""
        what = f"pull request {num} of {repo_type} '{repo_id}'"
        with hub_errors(what):
            details = self.api.get_discussion_details(repo_id, num, repo_type=repo_type)
        head_sha = _last_commit_oid(details) or ""
        if details.is_pull_request and details.status in ("open", "draft"):
            with hub_errors(f"head commit of {what}"):
                info = self.api.repo_info(repo_id, revision=f"refs/pr/{num}", repo_type=repo_type)
            head_sha = info.sha or head_sha
        self._checks.put((repo_type, repo_id, num), _CheckState(details=details))
        base = (details.target_branch or "main").removeprefix("refs/heads/")
        return PullRequest(
            repo_id=repo_id,
            repo_type=repo_type,
            num=num,
            head_sha=head_sha,
            author=details.author,
            status=details.status,
            is_pull_request=details.is_pull_request,
            title=details.title,
            base=base,
            url=details.url,
        )

    def changed_files(self, pr: PullRequest, *, max_file_size: int) -> list[ChangedFile]:
        """Compare results trees by blob id, take other paths from the diff, read results files."""
        state = self._state(pr)
        head_tree = self._results_tree(pr, pr.head_sha)
        base_tree = self._base_tree(pr, state)

        changed: list[ChangedFile] = []
        for path, status in _compare_trees(head_tree, base_tree).items():
            if status == "deleted" or not is_results_path(path):
                changed.append(ChangedFile(path=path, status=status))
                continue
            content = self._read_blob(pr, pr.head_sha, head_tree[path], max_file_size)
            changed.append(ChangedFile(path=path, status=status, content=content))

        diff_paths = _parse_diff(state.details.diff or "")
        results_paths = {file.path for file in changed}
        if not state.details.diff or not results_paths <= set(diff_paths):
            # The diff is missing or cut short: compare the full trees instead.
            logger.info("diff incomplete, comparing trees", extra=_ids(pr))
            diff_paths = self._compare_full_trees(pr)
        for path, status in diff_paths.items():
            if not path.startswith(RESULTS_DIR):
                changed.append(ChangedFile(path=path, status=status))
        return changed

    def main_results(self, pr: PullRequest, *, max_file_size: int) -> dict[str, bytes]:
        """Read the results files on the base branch."""
        base_tree = self._base_tree(pr, self._state(pr))
        return {
            path: self._read_blob(pr, pr.base, entry, max_file_size)
            for path, entry in base_tree.items()
            if is_results_path(path)
        }

    def other_pull_requests(self, pr: PullRequest, *, max_file_size: int) -> list[OtherPullRequest]:
        """Read the results files that other open pull requests add or change."""
        nums = [num for num in self.open_pull_request_numbers(pr.repo_id, repo_type=pr.repo_type) if num != pr.num]
        base_tree = self._base_tree(pr, self._state(pr))

        others: list[OtherPullRequest] = []
        for num in nums[:MAX_OTHER_PULL_REQUESTS]:
            revision = f"refs/pr/{num}"
            try:
                tree = self._results_tree(pr, revision)
            except NotFoundError:
                logger.info("other pull request has no ref", extra={**_ids(pr), "other_num": num})
                continue
            files = {
                path: self._read_blob(pr, revision, tree[path], max_file_size)
                for path, status in _compare_trees(tree, base_tree).items()
                if status != "deleted" and is_results_path(path)
            }
            others.append(OtherPullRequest(num=num, files=files))
        return others

    def open_pull_request_numbers(self, repo_id: str, *, repo_type: str = "model") -> list[int]:
        """List the numbers of a repo's open pull requests (drafts included), newest first.

        NOTE: this relies on the Hub's `status=open` filter listing draft pull requests
        too, as the fake Hub does; a draft it leaves out is not compared for duplicates.
        """
        with hub_errors(f"open pull requests of {repo_type} '{repo_id}'"):
            discussions = self.api.get_repo_discussions(
                repo_id, repo_type=repo_type, discussion_type="pull_request", discussion_status="open"
            )
            return [d.num for d in discussions if d.is_pull_request and d.status in ("open", "draft")]

    # Benchmark specs

    def fetch_spec(self, dataset_id: str, revision: str | None) -> bytes | None:
        """Fetch `eval.yaml` of a dataset repo; None when the repo or file does not exist."""
        try:
            validate_repo_id(dataset_id)
        except HFValidationError:
            return None
        pinned = revision is not None and _is_commit_sha(revision)
        if pinned:
            cached = self._pinned_specs.get((dataset_id, revision))
            if cached is not None:
                return cached  # type: ignore[return-value]

        what = f"{SPEC_FILENAME} of dataset '{dataset_id}' at '{revision or 'main'}'"
        try:
            content = self._download("dataset", dataset_id, revision or "main", SPEC_FILENAME, MAX_SPEC_BYTES, what)
        except NotFoundError:
            return None
        except PlatformError as error:
            raise SpecUnavailable(str(error)) from error
        if len(content) > MAX_SPEC_BYTES:
            raise SpecUnavailable(f"{what} is larger than {MAX_SPEC_BYTES} bytes; the bot reads no larger spec.")
        if pinned:
            self._pinned_specs.put((dataset_id, revision), content)
        return content

    # Comments and status

    def bot_user(self) -> str:
        if self._bot_user is None:
            with hub_errors("the bot's account (whoami)"):
                self._bot_user = self.api.whoami(cache=True)["name"]
        return self._bot_user

    def list_comments(self, pr: PullRequest) -> list[Comment]:
        """List the comments as of the latest `get_pull_request` call for this pull request."""
        events = self._state(pr).details.events
        return [
            Comment(id=event.id, author=event.author, body=event.content)
            for event in events
            if isinstance(event, DiscussionComment) and not event.hidden
        ]

    def create_comment(self, pr: PullRequest, body: str) -> Comment:
        with hub_errors(f"posting a comment on pull request {pr.num} of '{pr.repo_id}'"):
            posted = self.api.comment_discussion(pr.repo_id, pr.num, body, repo_type=pr.repo_type)
        return Comment(id=posted.id, author=posted.author, body=posted.content)

    def edit_comment(self, pr: PullRequest, comment_id: str, body: str) -> Comment:
        what = f"editing comment '{comment_id}' on pull request {pr.num} of '{pr.repo_id}'"
        with hub_errors(what):
            edited = self.api.edit_discussion_comment(
                pr.repo_id, pr.num, comment_id, body, repo_type=pr.repo_type
            )
        return Comment(id=edited.id, author=edited.author, body=edited.content)

    def set_status(
        self, pr: PullRequest, conclusion: Conclusion, *, description: str, target_url: str | None
    ) -> None:
        """Do nothing: Hub pull requests have no commit statuses, the comment carries the verdict."""
        logger.debug("no status on the hub", extra={**_ids(pr), "conclusion": conclusion})

    # Helpers

    def _state(self, pr: PullRequest) -> _CheckState:
        state = self._checks.get((pr.repo_type, pr.repo_id, pr.num))
        if not isinstance(state, _CheckState):
            raise PlatformError(
                f"pull request {pr.num} of '{pr.repo_id}' was not fetched; call get_pull_request first."
            )
        return state

    def _base_tree(self, pr: PullRequest, state: _CheckState) -> dict[str, RepoFile]:
        if state.base_tree is None:
            state.base_tree = self._results_tree(pr, pr.base)
        return state.base_tree

    def _results_tree(self, pr: PullRequest, revision: str) -> dict[str, RepoFile]:
        """List the files under `.eval_results/` at a revision; empty when the folder is absent."""
        return self._tree(pr, revision, RESULTS_FOLDER)

    def _tree(self, pr: PullRequest, revision: str, folder: str | None) -> dict[str, RepoFile]:
        what = f"files of '{pr.repo_id}' at '{revision}'"
        try:
            with hub_errors(what):
                entries = list(
                    self.api.list_repo_tree(
                        pr.repo_id, folder, recursive=True, revision=revision, repo_type=pr.repo_type
                    )
                )
        except NotFoundError as error:
            # A missing folder is an empty folder; a missing revision is an error.
            if folder is not None and isinstance(error.__cause__, RemoteEntryNotFoundError):
                return {}
            raise
        return {entry.path: entry for entry in entries if isinstance(entry, RepoFile)}

    def _compare_full_trees(self, pr: PullRequest) -> dict[str, FileStatus]:
        head = self._tree(pr, pr.head_sha, None)
        base = self._tree(pr, pr.base, None)
        return _compare_trees(head, base)

    def _read_blob(self, pr: PullRequest, revision: str, entry: RepoFile, max_file_size: int) -> bytes:
        """Read a results file, from the cache by blob id when possible.

        A file over `max_file_size` bytes is not downloaded. The content returned is a
        placeholder of `max_file_size + 1` bytes, so the checks report `yaml.too-large`.
        """
        if entry.size > max_file_size:
            return b"\n" * (max_file_size + 1)
        key = (pr.repo_type, pr.repo_id, entry.blob_id)
        cached = self._blobs.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        what = f"'{entry.path}' of '{pr.repo_id}' at '{revision}'"
        content = self._download(pr.repo_type, pr.repo_id, revision, entry.path, max_file_size, what)
        # A branch can move between the tree listing and the download; only content
        # that matches the listed blob id is cached under it.
        if git_blob_id(content) == entry.blob_id:
            self._blobs.put(key, content)
        return content

    def _download(
        self, repo_type: str, repo_id: str, revision: str, path: str, max_bytes: int, what: str
    ) -> bytes:
        """GET a file through `/resolve/`, reading at most `max_bytes + 1` bytes.

        One request per file, with no disk cache: `hf_hub_download` would add a HEAD
        request and write every file to disk.
        """
        url = hf_hub_url(repo_id, path, repo_type=repo_type, revision=revision, endpoint=self.hub_endpoint)
        headers = build_hf_headers(token=self._token)
        with hub_errors(what):
            with get_session().stream("GET", url, headers=headers, timeout=DOWNLOAD_TIMEOUT) as response:
                if response.status_code >= 400:
                    response.read()
                hf_raise_for_status(response)
                content = bytearray()
                for chunk in response.iter_bytes():
                    content += chunk
                    if len(content) > max_bytes:
                        break
        return bytes(content[: max_bytes + 1])


@contextlib.contextmanager
def hub_errors(what: str) -> Iterator[None]:
    """Map huggingface_hub and transport errors to the platform's error types.

    `what` names the object in the message, e.g. "pull request 3 of model 'org/name'".
    """
    try:
        yield
    except (RepositoryNotFoundError, RevisionNotFoundError, RemoteEntryNotFoundError) as error:
        raise NotFoundError(f"{what} was not found; check the repo id, the number and the token's access.") from error
    except HfHubHTTPError as error:
        raise _http_error(what, error) from error
    except (httpx2.TransportError, OSError) as error:
        raise UnavailableError(f"{what} could not be fetched ({type(error).__name__}); retry later.") from error
    except HFValidationError as error:
        raise NotFoundError(f"{what} is not a valid Hub id: {error}") from error


def _http_error(what: str, error: HfHubHTTPError) -> PlatformError:
    status = error.response.status_code if error.response is not None else None
    if status in (401, 403):
        return PermissionDeniedError(
            f"{what}: access denied (HTTP {status}); check that the token is valid and may write discussions."
        )
    if status == 404:
        return NotFoundError(f"{what} was not found (HTTP 404); check the repo id and the number.")
    if status == 429 or (status is not None and status >= 500):
        retry_after = _retry_after(error)
        return UnavailableError(f"{what} failed with HTTP {status}; retry later.", retry_after=retry_after)
    return PlatformError(f"{what} failed with HTTP {status}; this is a bot error, report it with the logs.")


def _retry_after(error: HfHubHTTPError) -> float | None:
    value = error.response.headers.get("Retry-After") if error.response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def git_blob_id(content: bytes) -> str:
    """Return git's blob sha1 of `content`, the `oid` that the Hub's tree listing reports."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _compare_trees(head: dict[str, RepoFile], base: dict[str, RepoFile]) -> dict[str, FileStatus]:
    """Return the status of every path whose blob differs between two trees, sorted by path."""
    statuses: dict[str, FileStatus] = {}
    for path in sorted(set(head) | set(base)):
        if path not in base:
            statuses[path] = "added"
        elif path not in head:
            statuses[path] = "deleted"
        elif head[path].blob_id != base[path].blob_id:
            statuses[path] = "modified"
    return statuses


def _parse_diff(diff: str) -> dict[str, FileStatus]:
    """Read the changed paths and their statuses from the `diff --git` headers of a diff.

    NOTE: git quotes paths with unusual characters, and a rename names two paths.
    Both are read as written in the header. Results files never depend on this,
    because the tree comparison finds them.
    """
    statuses: dict[str, FileStatus] = {}
    path: str | None = None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            path = _header_path(line.removeprefix("diff --git "))
            if path is not None:
                statuses[path] = "modified"
        elif path is not None and (line.startswith("new file mode") or line == "--- /dev/null"):
            statuses[path] = "added"
        elif path is not None and (line.startswith("deleted file mode") or line == "+++ /dev/null"):
            statuses[path] = "deleted"
    return statuses


def _header_path(header: str) -> str | None:
    """Return `p` from `a/p b/p`; both halves name the same path unless it is a rename."""
    middle = (len(header) - 1) // 2
    old, new = header[:middle], header[middle + 1 :]
    if old.startswith("a/") and new.startswith("b/") and old[2:] == new[2:]:
        return new[2:]
    _, separator, tail = header.rpartition(" b/")
    return tail if separator else None


def _last_commit_oid(details: DiscussionWithDetails) -> str | None:
    oids = [event.oid for event in details.events if hasattr(event, "oid")]
    return oids[-1] if oids else None


def _is_commit_sha(revision: str) -> bool:
    return len(revision) == 40 and all(char in "0123456789abcdef" for char in revision)


def _ids(pr: PullRequest) -> dict[str, object]:
    return {"repo_id": pr.repo_id, "num": pr.num, "head_sha": pr.head_sha}
