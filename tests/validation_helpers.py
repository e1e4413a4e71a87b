"""Shared builders for the tests of `checks/`: YAML text in, entries or a report out."""

import datetime
from pathlib import Path

from checks.entries import ParsedEntry, parse_results_file
from checks.inputs import ChangedFile, CheckInput, OtherPullRequest, SpecUnavailable
from checks.loading import Limits
from checks.report import Finding, Report
from checks.validate import ValidationResult, validate

FIXTURES = Path(__file__).parent / "fixtures" / "realworld"
TODAY = datetime.date(2026, 6, 1)
RESULTS_PATH = ".eval_results/results.yaml"

GPQA_ID = "Idavidrein/gpqa"
GPQA_SPEC = (FIXTURES / "eval_yaml" / "Idavidrein__gpqa.yaml").read_bytes()

ONE_ENTRY = """\
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: 78.8
  date: '2026-05-23'
  source:
    url: https://huggingface.co/google/gemma-4-12B-it
    name: Model Card
"""


class FakeSpecs:
    """A `SpecLookup` over a dict that records every call; `failing` ids raise SpecUnavailable."""

    def __init__(self, specs: dict[str, bytes] | None = None, failing: tuple[str, ...] = ()):
        self.specs = {GPQA_ID: GPQA_SPEC} if specs is None else specs
        self.failing = failing
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, dataset_id: str, revision: str | None) -> bytes | None:
        self.calls.append((dataset_id, revision))
        if dataset_id in self.failing:
            raise SpecUnavailable("503 Service Unavailable")
        return self.specs.get(dataset_id)


def parse_entries(text: str | bytes, path: str = RESULTS_PATH) -> list[ParsedEntry]:
    content = text.encode() if isinstance(text, str) else text
    return parse_results_file(path, content).entries


def run(
    files: dict[str, str | bytes] | str,
    *,
    specs: FakeSpecs | None = None,
    main: dict[str, str] | None = None,
    other_prs: dict[int, dict[str, str]] | None = None,
    today: datetime.date = TODAY,
    status: str = "added",
    limits: Limits | None = None,
) -> ValidationResult:
    """Validate files given as path -> YAML text (a bare string is one results file)."""
    if isinstance(files, str):
        files = {RESULTS_PATH: files}
    changed = [
        ChangedFile(path=path, status=status, content=text.encode() if isinstance(text, str) else text)
        for path, text in files.items()
    ]
    inputs = CheckInput(
        changed=changed,
        main_files={path: text.encode() for path, text in (main or {}).items()},
        other_prs=[
            OtherPullRequest(num=num, files={path: text.encode() for path, text in pr_files.items()})
            for num, pr_files in (other_prs or {}).items()
        ],
        today=today,
    )
    return validate(inputs, specs if specs is not None else FakeSpecs(), limits)


def all_findings(report: Report) -> list[Finding]:
    return [found for file_report in report.files for found in file_report.all_findings()]


def codes(source: Report | ValidationResult | list[Finding]) -> list[str]:
    """Return the finding codes in report order."""
    if isinstance(source, ValidationResult):
        source = source.report
    if isinstance(source, Report):
        source = all_findings(source)
    return [found.code for found in source]
