"""The platform interface: the words the bot needs from a code host, and its error types.

A platform (the Hub, GitHub, a local folder) fetches a pull request and its files,
`main`'s results, other open pull requests and benchmark specs, and posts the bot's
comment and status. `bot.service` drives any platform through this interface only, so
the comment behaviour (find by marker, edit in place, post anew on a flip) is written
once.

Errors: every platform maps its client's exceptions to the `PlatformError` family below
in one place, so callers never catch `huggingface_hub` or `requests` errors.
"""

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from checks.inputs import ChangedFile, OtherPullRequest
# Re-exported: the checks decide which paths are results files, and platforms read those.
from checks.pr_shape import is_results_path
from checks.report import Conclusion

# Hub URL used for benchmark links in comments when a platform has no `hub_endpoint`.
DEFAULT_HUB_ENDPOINT = "https://huggingface.co"

# The Hub's discussion statuses; GitHub maps its states onto the same words.
PullRequestStatus = Literal["open", "closed", "merged", "draft"]


class PullRequest(BaseModel):
    """A pull request pinned to its head commit."""

    model_config = ConfigDict(frozen=True)

    repo_id: str
    # "model", "dataset" or "space" on the Hub; always "model" on GitHub.
    repo_type: str = "model"
    num: int
    head_sha: str
    author: str
    status: PullRequestStatus
    # False for a Hub discussion that is not a pull request; the bot skips those.
    is_pull_request: bool = True
    title: str = ""
    # Branch the pull request merges into, usually "main".
    base: str = "main"
    # Web page of the pull request, for status links; None when the platform has none.
    url: str | None = None


class Comment(BaseModel):
    """A comment on a pull request, as posted or as listed."""

    model_config = ConfigDict(frozen=True)

    id: str
    author: str
    body: str


class PlatformError(Exception):
    """A call to the platform failed; a bot error, never the contributor's fault."""


class NotFoundError(PlatformError):
    """The repo, pull request, revision or file does not exist (or is not visible)."""


class PermissionDeniedError(PlatformError):
    """The token is missing, invalid, or lacks the right for this call (HTTP 401/403)."""


class UnavailableError(PlatformError):
    """The service failed or timed out (HTTP 5xx, 429, network error); retry later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        # Seconds to wait before retrying, from the `Retry-After` header; None when absent.
        self.retry_after = retry_after


class Platform(Protocol):
    """A code host that the bot reads pull requests from and comments on.

    Methods raise `PlatformError` subclasses only. Files are read at `pr.head_sha`, so
    one check reads one consistent commit even when the author pushes meanwhile.

    A platform may also have a `hub_endpoint` attribute: the Hub URL its specs come
    from, used for links in the comment. Without it the service uses
    `DEFAULT_HUB_ENDPOINT`.
    """

    def get_pull_request(self, repo_id: str, num: int, *, repo_type: str = "model") -> PullRequest:
        """Fetch the pull request's status, author and head commit."""
        ...

    def changed_files(self, pr: PullRequest, *, max_file_size: int) -> list[ChangedFile]:
        """List the files the pull request adds, modifies or deletes against its base.

        Content is read for results files (`checks.pr_shape.is_results_path`) only. A results file
        larger than `max_file_size` bytes is not downloaded: its content is a placeholder
        of `max_file_size + 1` bytes so the checks report `yaml.too-large`.
        """
        ...

    def main_results(self, pr: PullRequest, *, max_file_size: int) -> dict[str, bytes]:
        """Read the results files on the pull request's base branch, by path."""
        ...

    def other_pull_requests(self, pr: PullRequest, *, max_file_size: int) -> list[OtherPullRequest]:
        """Read the results files of the repo's other open pull requests (not `pr`)."""
        ...

    def fetch_spec(self, dataset_id: str, revision: str | None) -> bytes | None:
        """Fetch a benchmark's `eval.yaml`; this method is a `checks.inputs.SpecLookup`.

        Returns None when the dataset or its eval.yaml does not exist and raises
        `checks.inputs.SpecUnavailable` on a service failure.
        """
        ...

    def bot_user(self) -> str:
        """Return the account name the bot posts as, to recognise its own comments."""
        ...

    def list_comments(self, pr: PullRequest) -> list[Comment]:
        """List the pull request's comments, oldest first, hidden ones left out."""
        ...

    def create_comment(self, pr: PullRequest, body: str) -> Comment:
        """Post a new comment on the pull request."""
        ...

    def edit_comment(self, pr: PullRequest, comment_id: str, body: str) -> Comment:
        """Replace the body of one of the bot's comments."""
        ...

    def set_status(
        self, pr: PullRequest, conclusion: Conclusion, *, description: str, target_url: str | None
    ) -> None:
        """Set the commit status of the head commit; a no-op where the platform has none."""
        ...
