"""The report model: findings, per-entry results and the versioned JSON output.

Two kinds of failure are kept apart. A `Finding` means the submission is wrong and names
the file, line, field and fix. A `BotError` means evalbot or a service failed: it is not
the contributor's fault and the next trigger retries.
"""

from typing import Literal

from pydantic import BaseModel, Field, computed_field

from checks.codes import Severity, severity_of

SCHEMA_VERSION = 1

Badge = Literal["verified", "community"]
Conclusion = Literal["success", "failure"]
Verdict = Literal["consistent", "inconsistent", "inconclusive", "not-run", "error"]


class Finding(BaseModel):
    """One problem in a submission, with where it is and how to fix it."""

    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    hint: str | None = None


def finding(
    code: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    field: str | None = None,
    hint: str | None = None,
) -> Finding:
    """Build a finding whose severity comes from the code table, never from the caller."""
    return Finding(
        code=code,
        severity=severity_of(code),
        message=message,
        file=file,
        line=line,
        field=field,
        hint=hint,
    )


class ItemScore(BaseModel):
    """Score of one re-run item, reduced over epochs, in [0, 1]."""

    id: str
    input_hash: str
    score: float


class Reproduction(BaseModel):
    """Outcome of re-running the benchmark on a sample of its items for one entry.

    `claim`, `score` and `interval` are on the 0-1 scale; `claim_scale` states which
    scale the submitted value was read as.
    """

    verdict: Verdict
    reason: str
    claim: float | None = None
    claim_scale: str | None = None
    score: float | None = None
    interval: tuple[float, float] | None = None
    items: int = 0
    population: int | None = None
    generations: int = 0
    seed: int | None = None
    model: str | None = None
    inspect_version: str | None = None
    delta: float | None = None
    alpha: float | None = None
    item_scores: list[ItemScore] = Field(default_factory=list)


class Grant(BaseModel):
    """A maintainer's `verified` grant for the entries of one head commit."""

    granted_by: str
    granted_at: str
    head_sha: str


class EntryReport(BaseModel):
    """Checks of one entry of a results file, in file order (`index` starts at 0)."""

    index: int
    dataset_id: str | None = None
    task_id: str | None = None
    value: float | str | None = None
    line: int | None = None
    findings: list[Finding] = Field(default_factory=list)
    reproduction: Reproduction | None = None
    grant: Grant | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def badge(self) -> Badge:
        """`verified` needs a clean entry and either a consistent re-run or a grant."""
        if any(f.severity == "error" for f in self.findings):
            return "community"
        if self.grant is not None:
            return "verified"
        if self.reproduction is not None and self.reproduction.verdict == "consistent":
            return "verified"
        return "community"


class FileReport(BaseModel):
    """Checks of one changed file: file-level findings and one report per entry."""

    path: str
    findings: list[Finding] = Field(default_factory=list)
    entries: list[EntryReport] = Field(default_factory=list)

    def all_findings(self) -> list[Finding]:
        return [*self.findings, *(f for e in self.entries for f in e.findings)]


class BotError(BaseModel):
    """A failure of evalbot or of a service it calls, never the contributor's fault."""

    message: str
    file: str | None = None
    entry_index: int | None = None


class Report(BaseModel):
    """The whole result for one pull request or one `evalbot check` run."""

    schema_version: int = SCHEMA_VERSION
    files: list[FileReport] = Field(default_factory=list)
    bot_errors: list[BotError] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def conclusion(self) -> Conclusion:
        """`failure` when any finding is an error; bot errors alone do not fail a PR."""
        for file_report in self.files:
            if any(f.severity == "error" for f in file_report.all_findings()):
                return "failure"
        return "success"

    def entries(self) -> list[EntryReport]:
        return [entry for file_report in self.files for entry in file_report.entries]

    def badge_counts(self) -> dict[Badge, int]:
        counts: dict[Badge, int] = {"verified": 0, "community": 0}
        for entry in self.entries():
            counts[entry.badge] += 1
        return counts
