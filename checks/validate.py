"""Validation of a pull request's results files: every check, in one report.

`validate` is the one entry point. It also covers `evalbot check` on local files: the
caller lists them as `added` in `CheckInput.changed` and puts the model's existing results
in `main_files`.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checks.alignment import check_benchmark_found, check_framework, check_revision, check_task, invalid_spec_finding
from checks.dates import check_date
from checks.duplicates import ResultKey, Sighting, check_duplicates, index_sightings
from checks.entries import EntryFinding, ParsedEntry, ParsedFile, parse_results_file
from checks.inputs import CheckInput, DescribedSpecLookup, SpecLookup, SpecUnavailable, describe_missing_spec
from checks.loading import Limits
from checks.messages import quote
from checks.notes import check_notes_tools
from checks.pr_shape import check_file_shape, is_results_path
from checks.report import BotError, EntryReport, FileReport, Finding, Report
from checks.sources import check_source
from checks.spec import BenchmarkSpec, InvalidSpec, load_spec
from checks.values import check_placeholder, check_scale, check_value, numeric_value

__all__ = ["Limits", "ValidationResult", "validate"]

logger = logging.getLogger(__name__)

SpecKey = tuple[str, str | None]


@dataclass
class ValidationResult:
    """The report, plus the valid specs it used so the re-run need not fetch them again."""

    report: Report
    specs: dict[SpecKey, BenchmarkSpec] = field(default_factory=dict)
    # The raw eval.yaml mapping of each spec in `specs`, under the same key.
    raw_specs: dict[SpecKey, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _SpecOutcome:
    spec: BenchmarkSpec | None = None
    invalid: str | None = None
    unavailable: str | None = None
    reported: bool = False


class _SpecCache:
    """Fetch each (dataset id, revision) at most once per run, and parse it once."""

    def __init__(self, lookup: SpecLookup, limits: Limits, result: ValidationResult):
        self._lookup = lookup
        self._limits = limits
        self._result = result
        self._outcomes: dict[SpecKey, _SpecOutcome] = {}

    def get(self, dataset_id: str, revision: str | None) -> _SpecOutcome:
        key = (dataset_id, revision)
        if key not in self._outcomes:
            self._outcomes[key] = self._fetch(key)
        return self._outcomes[key]

    @property
    def described(self) -> bool:
        """True when the lookup describes where it looked, so the checks do not assume the Hub."""
        return isinstance(self._lookup, DescribedSpecLookup)

    def describe_missing(self, dataset_id: str, revision: str | None) -> str:
        return describe_missing_spec(self._lookup, dataset_id, revision)

    def _fetch(self, key: SpecKey) -> _SpecOutcome:
        try:
            content = self._lookup(*key)
        except SpecUnavailable as error:
            logger.warning("spec fetch failed dataset=%s revision=%s error=%s", key[0], key[1], error)
            return _SpecOutcome(unavailable=str(error) or type(error).__name__)
        if content is None:
            return _SpecOutcome()
        try:
            raw, spec = load_spec(content, self._limits)
        except InvalidSpec as error:
            return _SpecOutcome(invalid=str(error))
        self._result.specs[key] = spec
        self._result.raw_specs[key] = raw
        return _SpecOutcome(spec=spec)


def validate(inputs: CheckInput, specs: SpecLookup, limits: Limits | None = None) -> ValidationResult:
    """Check every changed file of a pull request and return the report and specs used."""
    limits = limits or Limits()
    result = ValidationResult(report=Report())
    cache = _SpecCache(specs, limits, result)

    # 1. Sort the changed files: parse the results files and report the rest.
    parsed_files: list[ParsedFile] = []
    for changed in inputs.changed:
        shape = check_file_shape(changed)
        if shape or not is_results_path(changed.path):
            result.report.files.append(FileReport(path=changed.path, findings=shape))
            continue
        if changed.content is None:
            result.report.bot_errors.append(
                BotError(message="The file's content was not fetched, so it was not checked.", file=changed.path)
            )
            continue
        parsed = _guarded(result.report, changed.path, lambda: parse_results_file(changed.path, changed.content, limits))
        if parsed is not None:
            parsed_files.append(parsed)

    # 2. Read what the pull request is compared with: main's other files and other PRs.
    changed_paths = {changed.path for changed in inputs.changed}
    main_items = _main_entries(inputs, changed_paths, limits)
    other_pr_sightings = _other_pr_sightings(inputs, limits)

    # 3. Checks that look across files: scale and duplicates.
    pr_items = [item for parsed in parsed_files for item in parsed.valid_entries()]
    main_sightings = [Sighting(item, f"{item.file} line {item.line} on main") for item in main_items]
    elsewhere = index_sightings([*main_sightings, *other_pr_sightings])
    cross = _guarded(result.report, None, lambda: _cross_file_findings(pr_items, main_items, elsewhere)) or {}

    # 4. Checks of each file and entry, then one report per file.
    for parsed in parsed_files:
        file_report = _guarded(
            result.report, parsed.path, lambda: _file_report(parsed, inputs, cache, cross, result.report)
        )
        result.report.files.append(file_report or FileReport(path=parsed.path, findings=parsed.findings))

    _sort_findings(result.report)
    return result


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _sort_findings(report: Report) -> None:
    """Order the findings of each file and entry by line, then errors before warnings.

    Findings without a line concern the whole file or entry, so they come first. The
    sort is stable, so findings on one line with one severity keep the order of the checks.
    """
    def key(found: Finding) -> tuple[int, int]:
        return (found.line if found.line is not None else -1, _SEVERITY_ORDER.get(found.severity, len(_SEVERITY_ORDER)))

    for file_report in report.files:
        file_report.findings.sort(key=key)
        for entry in file_report.entries:
            entry.findings.sort(key=key)


def _guarded(report: Report, path: str | None, step: Any) -> Any:
    """Run one step; an unexpected exception becomes a bot error instead of a crash."""
    try:
        return step()
    except Exception as error:  # noqa: BLE001 - a bad submission must never crash the bot
        logger.exception("validation step failed file=%s", path)
        scope = "this file" if path is not None else "the pull request across its files"
        report.bot_errors.append(
            BotError(message=f"evalbot failed while checking {scope}: {type(error).__name__}: {error}", file=path)
        )
        return None


def _cross_file_findings(
    pr_items: list[ParsedEntry], main_items: list[ParsedEntry], elsewhere: dict[ResultKey, Sighting]
) -> dict[int, list[Finding]]:
    return _by_entry([*check_scale(pr_items, main_items), *check_duplicates(pr_items, elsewhere)])


def _by_entry(pairs: Iterable[EntryFinding]) -> dict[int, list[Finding]]:
    """Group findings by the `id()` of the entry they belong to."""
    grouped: dict[int, list[Finding]] = {}
    for item, found in pairs:
        grouped.setdefault(id(item), []).append(found)
    return grouped


def _file_report(
    parsed: ParsedFile, inputs: CheckInput, cache: _SpecCache, cross: dict[int, list[Finding]], report: Report
) -> FileReport:
    file_report = FileReport(path=parsed.path, findings=list(parsed.findings))
    valid = parsed.valid_entries()
    across_file = _by_entry([*check_placeholder(valid), *check_notes_tools(valid, parsed.path)])
    for item in parsed.entries:
        findings = list(item.schema_findings)
        if item.entry is not None:
            findings += _entry_findings(item, inputs, cache, report)
            findings += across_file.get(id(item), [])
            findings += cross.get(id(item), [])
        file_report.entries.append(_entry_report(item, findings))
    return file_report


def _entry_findings(item: ParsedEntry, inputs: CheckInput, cache: _SpecCache, report: Report) -> list[Finding]:
    """Run the checks of one schema-valid entry, including those against its benchmark."""
    assert item.entry is not None
    findings = [*check_value(item), *check_date(item, inputs.today), *check_source(item), *check_revision(item)]

    dataset_id, revision = item.entry.dataset.id, item.entry.dataset.revision
    outcome = cache.get(dataset_id, revision)
    if outcome.unavailable is not None:
        # One bot error per spec is enough: it names the first entry that needed it.
        if not outcome.reported:
            outcome.reported = True
            report.bot_errors.append(
                BotError(
                    message=f"The eval.yaml of {quote(dataset_id)} could not be fetched ({outcome.unavailable}), "
                    "so the benchmark checks of the entries that use it were skipped. The next trigger retries.",
                    file=item.file,
                    entry_index=item.index,
                )
            )
    elif outcome.invalid is not None:
        findings.append(invalid_spec_finding(item, dataset_id, outcome.invalid))
    elif outcome.spec is None:
        findings.append(check_benchmark_found(
            item, dataset_id, cache.describe_missing(dataset_id, revision), described=cache.described
        ))
    else:
        findings += check_task(item, dataset_id, outcome.spec)
        findings += check_framework(item, dataset_id, outcome.spec)
    return findings


def _entry_report(item: ParsedEntry, findings: list[Finding]) -> EntryReport:
    dataset_id = item.raw_field("dataset", "id")
    task_id = item.raw_field("dataset", "task_id")
    return EntryReport(
        index=item.index,
        dataset_id=dataset_id if isinstance(dataset_id, str) else None,
        task_id=task_id if isinstance(task_id, str) else None,
        value=_reported_value(item.raw_field("value")),
        line=item.line,
        findings=findings,
    )


def _reported_value(value: Any) -> float | str | None:
    """Return the value as given when it is a finite number, else its text."""
    if value is None:
        return None
    number = numeric_value(value)
    if number is not None:
        return number
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _main_entries(inputs: CheckInput, changed_paths: set[str], limits: Limits) -> list[ParsedEntry]:
    """Parse main's results files that the pull request leaves unchanged.

    A file the pull request modifies or deletes is skipped: its old version is being
    replaced, so it is no duplicate of the new one. Broken files on main are skipped
    too, because they are not this pull request's fault.
    """
    return [
        item
        for path, content in sorted(inputs.main_files.items())
        if is_results_path(path) and path not in changed_paths
        for item in _safe_parse(path, content, limits)
    ]


def _other_pr_sightings(inputs: CheckInput, limits: Limits) -> Iterable[Sighting]:
    for other in inputs.other_prs:
        for path, content in sorted(other.files.items()):
            if not is_results_path(path):
                continue
            for item in _safe_parse(path, content, limits):
                yield Sighting(item, f"pull request #{other.num} ({path} line {item.line})")


def _safe_parse(path: str, content: bytes, limits: Limits) -> list[ParsedEntry]:
    try:
        return _parse_valid(path, content, limits)
    except Exception:  # noqa: BLE001 - another file's bug must not fail this pull request
        logger.exception("could not parse a comparison file file=%s", path)
        return []


def _parse_valid(path: str, content: bytes, limits: Limits) -> list[ParsedEntry]:
    return parse_results_file(path, content, limits).valid_entries()
