"""Checks of an entry against its benchmark's eval.yaml: benchmark, task, framework, revision.

Task id rule: an entry's `task_id` must be one of the spec's task ids exactly (a single
task without an `id` is `default`). When it is not, the hint names the nearest id found
by, in order: a case-insensitive match, the id with a benchmark-name prefix removed
(`gpqa_diamond` -> `diamond`), the only task of a one-task benchmark, and edit distance.
"""

import difflib
import re

from checks.entries import ParsedEntry
from checks.messages import quote
from checks.report import Finding, finding
from checks.spec import BenchmarkSpec

_COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")
_PARTIAL_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")


def check_benchmark_found(item: ParsedEntry, dataset_id: str, missing: str, *, described: bool = False) -> Finding:
    """Report a dataset id whose eval.yaml the spec lookup did not find.

    `missing` names the place the lookup looked (see `checks.inputs.describe_missing_spec`),
    so the message claims no more than was checked. `described` is True when that place
    is not the Hub, such as a local benchmarks folder.
    """
    if described:
        hint = "Fix `dataset.id`, or put the benchmark's eval.yaml at the path the message names."
    elif "/" not in dataset_id:
        hint = (
            "Use the full `owner/name` id of a benchmark dataset that has an eval.yaml; "
            "ids without an owner are legacy dataset names, not benchmarks."
        )
    else:
        hint = "Use the id of a benchmark dataset that has an eval.yaml at its root."
    return finding(
        "benchmark.not-found",
        f"No benchmark spec was found for {quote(dataset_id)}: {missing}.",
        file=item.file, line=item.line_of("dataset", "id"), field="dataset.id", hint=hint,
    )


def invalid_spec_finding(item: ParsedEntry, dataset_id: str, problem: str) -> Finding:
    return finding(
        "benchmark.invalid-spec",
        f"The eval.yaml of {quote(dataset_id)} is invalid, so this entry cannot be checked: {problem}",
        file=item.file, line=item.line_of("dataset", "id"), field="dataset.id",
        hint="Ask the benchmark's maintainers to fix their eval.yaml; the entry is checked again on the next push.",
    )


def check_task(item: ParsedEntry, dataset_id: str, spec: BenchmarkSpec) -> list[Finding]:
    """Report a task id that is not one of the benchmark's task ids."""
    assert item.entry is not None
    task_id = item.entry.dataset.task_id
    task_ids = spec.task_ids()
    if task_id in task_ids:
        return []
    nearest = nearest_task_id(task_id, dataset_id, spec)
    if nearest is not None:
        hint = f"Use {quote(nearest)}."
    else:
        hint = f"Use one of: {', '.join(task_ids[:10])}."
    return [
        finding(
            "task.unknown",
            f"The task id {quote(task_id)} is not a task of {quote(dataset_id)}.",
            file=item.file, line=item.line_of("dataset", "task_id"), field="dataset.task_id", hint=hint,
        )
    ]


def nearest_task_id(task_id: str, dataset_id: str, spec: BenchmarkSpec) -> str | None:
    """Return the spec's task id that `task_id` most likely meant, or None."""
    task_ids = spec.task_ids()
    by_lower = {candidate.lower(): candidate for candidate in task_ids}
    wanted = task_id.lower()
    if wanted in by_lower:
        return by_lower[wanted]

    for prefix in _benchmark_prefixes(dataset_id, spec):
        for separator in ("_", "-", "/"):
            if wanted.startswith(prefix + separator) and wanted[len(prefix) + 1 :] in by_lower:
                return by_lower[wanted[len(prefix) + 1 :]]

    if len(task_ids) == 1:
        return task_ids[0]
    close = difflib.get_close_matches(wanted, list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def _benchmark_prefixes(dataset_id: str, spec: BenchmarkSpec) -> list[str]:
    names = [dataset_id.rsplit("/", 1)[-1], spec.name or ""]
    prefixes = []
    for name in names:
        lowered = name.lower()
        prefixes += [lowered, lowered.replace("-", "_"), re.sub(r"[^a-z0-9]+", "_", lowered).strip("_")]
    return [prefix for prefix in dict.fromkeys(prefixes) if prefix]


def check_framework(item: ParsedEntry, dataset_id: str, spec: BenchmarkSpec) -> list[Finding]:
    """Report an entry whose `evaluation_framework` differs from the benchmark's."""
    named = item.raw_field("evaluation_framework")
    if named is None or named == spec.evaluation_framework:
        return []
    return [
        finding(
            "framework.mismatch",
            f"The entry names the framework {quote(named)}, but {quote(dataset_id)} "
            f"is evaluated with {quote(spec.evaluation_framework)}.",
            file=item.file, line=item.line_of("evaluation_framework"), field="evaluation_framework",
            hint="Report a result of the benchmark's own framework, or remove `evaluation_framework`.",
        )
    ]


def check_revision(item: ParsedEntry) -> list[Finding]:
    """Warn when `dataset.revision` is given but is not a full commit sha."""
    assert item.entry is not None
    revision = item.entry.dataset.revision
    if revision is None or _COMMIT_SHA.match(revision):
        return []
    if _PARTIAL_SHA.match(revision):
        problem = "is a short or upper-case commit sha"
    else:
        problem = "is a branch or tag name, so the result is not pinned to one version of the dataset"
    return [
        finding(
            "revision.invalid",
            f"The dataset revision {quote(revision)} {problem}.",
            file=item.file, line=item.line_of("dataset", "revision"), field="dataset.revision",
            hint="Use the full 40-character lowercase commit sha of the dataset, or remove `revision`.",
        )
    ]
