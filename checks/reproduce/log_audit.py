"""Audit an Inspect log that a results entry links as its evidence (`source.url`).

A log can back a claim only if it is a finished run of this repo's model on the entry's
benchmark and task, over every item, and if its headline metric equals the claimed value.
Each check below returns the findings for one of those conditions; `audit_log` runs them
all. The checks read an `inspect_ai.log.EvalLog` that the caller has already loaded.
"""

import math
import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from inspect_ai.log import EvalLog, headline_metric
from pydantic import BaseModel, Field

from checks.messages import quote
from checks.report import Finding, finding
from checks.reproduce.log_scores import epoch_reducer, reduced_scores

FIELD = "source.url"

# Metrics that are the plain mean of the reduced sample scores, so they can be recomputed.
MEAN_METRICS = {"accuracy", "mean"}

# Recomputed and stored metrics agree when they differ by less than this (0-1 scale).
RECOMPUTE_TOLERANCE = 1e-6

_HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")


class LogClaim(BaseModel):
    """The entry's claim, its benchmark and the repo under review, which a linked log must match."""

    dataset_id: str
    task_id: str
    # The claimed value as written, on the 0-1 or the 0-100 scale. None when it is not a number.
    value: float | None = None
    # The entry's `dataset.revision`, when given.
    revision: str | None = None
    # The benchmark's task ids from its eval.yaml, or empty when the spec is unknown.
    task_ids: list[str] = Field(default_factory=list)
    # The model repo under review, or None for local checks, which skips the model check.
    model_id: str | None = None
    # Items in the benchmark's split, when the caller knows them.
    dataset_size: int | None = None
    # Where the entry is, for the findings and bot errors.
    file: str | None = None
    line: int | None = None
    index: int | None = None


def audit_log(log: EvalLog, claim: LogClaim) -> list[Finding]:
    """Run every audit of a linked log and return its findings, in a fixed order."""
    return [
        *check_status(log, claim),
        *check_model(log, claim),
        *check_task(log, claim),
        *check_subset(log, claim),
        *check_metric(log, claim),
        *check_recomputed(log, claim),
    ]


def check_status(log: EvalLog, claim: LogClaim) -> list[Finding]:
    """Flag a log whose run did not finish with status `success`, or has invalidated samples."""
    if log.status == "success" and not log.invalidated:
        return []
    if log.status == "success":
        message = "The linked Inspect log has invalidated samples, which Inspect marks for a re-run."
    else:
        reason = "" if log.error is None else f" (error: {quote(log.error.message)})"
        message = f"The linked Inspect log has status {quote(log.status)} instead of 'success'{reason}."
    return [_finding(claim, "log.status", message, "Link the log of a run that finished with status success.")]


def check_model(log: EvalLog, claim: LogClaim) -> list[Finding]:
    """Flag a log of another model than the repo under review."""
    if claim.model_id is None or model_matches(log.eval.model, claim.model_id):
        return []
    return [
        _finding(
            claim,
            "log.model-mismatch",
            f"The linked Inspect log ran model {quote(log.eval.model)}, not this repo "
            f"{quote(claim.model_id)} (the model's last path segments, without a provider "
            "prefix or ':provider' suffix, are compared case-insensitively).",
            f"Link a log of {quote(claim.model_id)}, for example run with "
            f"--model hf-inference-providers/{claim.model_id}.",
        )
    ]


def model_matches(log_model: str, model_id: str) -> bool:
    """Tell whether an Inspect model string names the repo `model_id`.

    Inspect model strings put a provider before the repo (`hf/<repo>`, `vllm/<repo>`,
    `hf-inference-providers/<repo>`, `openai-api/<service>/<repo>`), and the Hub's
    inference router accepts a `:<provider>` suffix, so the repo is the string's last
    path segments once that suffix is removed. Hub repo ids are case-insensitive.
    """
    segments = log_model.split("/")
    segments[-1] = segments[-1].split(":", 1)[0]
    repo_segments = model_id.strip("/").split("/")
    if len(segments) < len(repo_segments):
        return False
    tail = segments[-len(repo_segments) :]
    return [part.lower() for part in tail] == [part.lower() for part in repo_segments]


def check_task(log: EvalLog, claim: LogClaim) -> list[Finding]:
    """Flag a log of another benchmark, task or dataset revision than the entry's."""
    problem = task_problem(log, claim)
    if problem is None:
        return []
    return [
        _finding(
            claim,
            "log.task-mismatch",
            f"The linked Inspect log is not a run of {quote(claim.dataset_id)} task "
            f"{quote(claim.task_id)}: {problem}.",
            f"Link a log of `inspect eval hf/{claim.dataset_id}/{claim.task_id}`.",
        )
    ]


def task_problem(log: EvalLog, claim: LogClaim) -> str | None:
    """Return why the log's task differs from the entry's, or None when it matches.

    Inspect names a task built from a benchmark's eval.yaml `hf/<org>/<name>` and, when
    the eval.yaml has several tasks, appends `/<task id>`. A command line that already
    named the task id (`hf/<org>/<name>/<task id>`) gets the id twice, and `@<revision>`
    stays where the command line put it. A task with another name (for example from
    inspect_evals) matches when its dataset location or name is the benchmark, and its
    task id is then not checked.
    """
    task = log.eval.task
    # Inspect's hf_dataset records the repo id as both the dataset's location and name.
    dataset_refs = [ref for ref in (log.eval.dataset.location, log.eval.dataset.name) if ref]
    if not task.startswith("hf/"):
        if any(_same_dataset(ref, claim.dataset_id) for ref in dataset_refs):
            return None
        dataset_text = quote(dataset_refs[0]) if dataset_refs else "unknown"
        return f"its task {quote(task)} is not an hf/ task and its dataset {dataset_text} is not the benchmark"

    dataset_id, task_ids, revision = _parse_hf_task(task)
    if dataset_id.lower() != claim.dataset_id.lower():
        return f"its task {quote(task)} runs the dataset {quote(dataset_id)}"
    other = next((task_id for task_id in task_ids if task_id != claim.task_id), None)
    if other is not None:
        return f"its task {quote(task)} runs the task id {quote(other)}"
    if not task_ids and len(claim.task_ids) > 1:
        return f"its task {quote(task)} names no task id of a multi-task benchmark"
    if revision is not None and claim.revision is not None:
        if not _same_revision(revision, claim.revision):
            return f"it ran dataset revision {quote(revision)}, not {quote(claim.revision)}"
    for ref in dataset_refs:
        if _HUB_ID.fullmatch(ref) and not _same_dataset(ref, claim.dataset_id):
            return f"its dataset is {quote(ref)}"
    return None


def check_subset(log: EvalLog, claim: LogClaim) -> list[Finding]:
    """Flag a log that ran only some items: a limit, chosen sample ids or missing items."""
    config = log.eval.config
    results = log.results
    dataset_size = log.eval.dataset.samples
    epochs = config.epochs or 1

    reasons: list[str] = []
    if config.limit is not None:
        reasons.append(f"limit {quote(config.limit)}")
    if config.sample_id is not None:
        reasons.append(f"sample_id {quote(config.sample_id)}")
    if results is not None:
        if results.completed_samples < results.total_samples:
            reasons.append(
                f"{results.completed_samples} of {results.total_samples} samples completed"
            )
        # Set only when a cancelled or drained run abandoned queued samples.
        if results.logged_samples is not None and results.logged_samples < results.total_samples:
            reasons.append(f"{results.logged_samples} of {results.total_samples} samples logged")
        if dataset_size is not None and results.total_samples < dataset_size * epochs:
            reasons.append(
                f"{results.total_samples} samples planned for {dataset_size} items "
                f"over {epochs} epoch(s)"
            )
    if dataset_size is not None and claim.dataset_size is not None:
        if dataset_size < claim.dataset_size:
            reasons.append(
                f"the log's dataset has {dataset_size} items, the benchmark's split "
                f"{claim.dataset_size}"
            )

    if not reasons:
        return []
    return [
        _finding(
            claim,
            "log.subset",
            "The linked Inspect log ran a subset of the items: " + ", ".join(reasons) + ".",
            "Link a log of a run over every item, without --limit or --sample-id.",
        )
    ]


def check_metric(log: EvalLog, claim: LogClaim) -> list[Finding]:
    """Flag a headline metric that differs from the claimed value beyond its rounding."""
    headline = headline_metric(log)
    if headline is None or claim.value is None or not math.isfinite(claim.value):
        return []
    stored = float(headline.metric.value)
    if claim_matches(claim.value, stored):
        return []
    return [
        _finding(
            claim,
            "log.metric-mismatch",
            f"The linked Inspect log's {quote(headline.name)} of scorer {quote(headline.score.name)} "
            f"is {stored:.6g}, which does not round to the claimed value {claim.value:g}.",
            f"Set the value to the log's {quote(headline.name)} ({stored:.6g}, or "
            f"{100 * stored:.4g} on the 0-100 scale), or link the log of the claimed run.",
        )
    ]


def claim_matches(value: float, metric: float) -> bool:
    """Tell whether a claimed value is a log metric rounded to the digits it shows.

    The scale of a claim is not specified: a metric in [0, 1] may be claimed as 0.788
    or as 78.8. A claim above 1 is read on the 0-100 scale. A claim of at most 1 is
    accepted on either scale, because a 0-100 claim below 1 is rare and never a
    plausible match on the 0-1 scale too. The claim may round half up or truncate.
    """
    if metric > 1:
        candidates = [metric, metric / 100]
    elif value > 1:
        candidates = [100 * metric]
    else:
        candidates = [metric, 100 * metric]
    return any(_rounds_to(candidate, value) for candidate in candidates)


def check_recomputed(log: EvalLog, claim: LogClaim) -> list[Finding]:
    """Flag a stored mean metric that the log's own sample scores do not give."""
    headline = headline_metric(log)
    if headline is None or headline.name not in MEAN_METRICS or not log.samples:
        return []
    # A metric created with arguments (such as its own `to_float`) cannot be rebuilt
    # from the log, so recomputing it with the defaults could flag a correct log.
    if headline.metric.params:
        return []

    score = headline.score
    reducer = epoch_reducer(log, score.reducer)
    by_sample = reduced_scores(log, score.scorer, score.name, reducer)
    if not by_sample:
        return []

    # Inspect leaves samples whose reduced score is NaN (unscored) out of its metrics.
    values = [value for value in by_sample.values() if not math.isnan(value)]
    if not values:
        return []
    recomputed = sum(values) / len(values)
    stored = float(headline.metric.value)
    problems: list[str] = []
    if not math.isclose(recomputed, stored, abs_tol=RECOMPUTE_TOLERANCE):
        problems.append(
            f"the {len(values)} samples' scores, reduced with {quote(reducer)}, give "
            f"{headline.name} {recomputed:.6g} but the log stores {stored:.6g}"
        )
    scored = score.scored_samples
    if scored is not None and scored != len(values):
        problems.append(f"the results count {scored} scored samples but the log has {len(values)}")

    if not problems:
        return []
    return [
        _finding(
            claim,
            "log.recomputed-mismatch",
            "The linked Inspect log's metrics do not follow from its samples: "
            + ", and ".join(problems)
            + ".",
            "Link the unedited log file that Inspect wrote.",
        )
    ]


def _parse_hf_task(task: str) -> tuple[str, list[str], str | None]:
    """Split `hf/<org>/<name>[@rev][/<task id>...]` into dataset id, task ids, revision."""
    revision = None
    segments: list[str] = []
    for segment in task.removeprefix("hf/").split("/"):
        name, at, rest = segment.partition("@")
        if at:
            revision = rest
        segments.append(name)
    return "/".join(segments[:2]), segments[2:], revision


def _same_dataset(location: str, dataset_id: str) -> bool:
    """Tell whether a dataset location (a Hub id, hf:// path or URL) is the benchmark."""
    path = location.split("@", 1)[0].rstrip("/").lower()
    benchmark = dataset_id.lower()
    return path == benchmark or path.endswith("/" + benchmark)


def _same_revision(ran: str, claimed: str) -> bool:
    """Tell whether two revisions agree; a short commit sha matches its full form."""
    ran, claimed = ran.lower(), claimed.lower()
    return ran.startswith(claimed) or claimed.startswith(ran)


def _rounds_to(exact: float, claimed: float) -> bool:
    # Rounding `exact` to 10 places first drops float noise such as 78.74999999999999,
    # and normalising `claimed` makes 79.0 show no decimals, like the integer 79 it may be.
    try:
        claimed_decimal = Decimal(repr(claimed)).normalize()
        exact_decimal = Decimal(repr(round(exact, 10)))
        exponent = claimed_decimal.as_tuple().exponent
        if not isinstance(exponent, int):
            return False
        quantum = Decimal(1).scaleb(min(exponent, 0))
        return any(
            exact_decimal.quantize(quantum, rounding=rounding) == claimed_decimal
            for rounding in (ROUND_HALF_UP, ROUND_DOWN)
        )
    # A metric too large for the decimal context cannot be the claim anyway.
    except InvalidOperation:
        return False


def _finding(claim: LogClaim, code: str, message: str, hint: str) -> Finding:
    return finding(code, message, file=claim.file, line=claim.line, field=FIELD, hint=hint)
