"""What the checks receive: a pull request's files, `main`'s results and spec access.

The platform layer (`bot/`) builds these from the Hub, GitHub or local folders; the
checks never fetch anything themselves.
"""

import datetime
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from checks.messages import quote

RESULTS_DIR = ".eval_results/"

FileStatus = Literal["added", "modified", "deleted"]


class ChangedFile(BaseModel):
    """One file changed by a pull request, with its content at the PR head."""

    path: str
    status: FileStatus
    # None for a deleted file, and for files outside `.eval_results/` that are not read.
    content: bytes | None = None


class OtherPullRequest(BaseModel):
    """Results files of another open pull request on the same repo, for duplicates."""

    num: int
    files: dict[str, bytes] = Field(default_factory=dict)


class CheckInput(BaseModel):
    """Everything one validation run looks at."""

    changed: list[ChangedFile]
    main_files: dict[str, bytes] = Field(default_factory=dict)
    other_prs: list[OtherPullRequest] = Field(default_factory=list)
    today: datetime.date
    # The model repo under review, e.g. "google/gemma-4-12B-it"; None for local checks.
    model_id: str | None = None


class SpecUnavailable(Exception):
    """The spec could not be fetched because of a service failure (a bot error)."""


class SpecLookup(Protocol):
    """Fetch a benchmark's raw eval.yaml at a revision (None means the default branch).

    Returns None when the dataset or its eval.yaml does not exist, and raises
    `SpecUnavailable` when the service failed, so the two never get mixed up.
    """

    def __call__(self, dataset_id: str, revision: str | None) -> bytes | None: ...


@runtime_checkable
class DescribedSpecLookup(SpecLookup, Protocol):
    """A `SpecLookup` that also describes where it looked, for the message of a missing spec.

    Plain callables stay valid lookups: the checks then assume the Hub was asked.
    """

    def describe(self, dataset_id: str, revision: str | None) -> str:
        """Return where the eval.yaml was looked for, as a clause: "no eval.yaml at 'DIR/org/name/eval.yaml'"."""
        ...


def describe_missing_spec(lookup: SpecLookup, dataset_id: str, revision: str | None) -> str:
    """Return why the lookup found no eval.yaml, naming only the place it looked."""
    if isinstance(lookup, DescribedSpecLookup):
        return lookup.describe(dataset_id, revision)
    at = f" at revision {quote(revision)}" if revision else ""
    return f"the dataset {quote(dataset_id)} on the Hub has no eval.yaml{at}"
