"""Per-item scores of an Inspect log, and their agreement with the bot's re-run.

A log stores one score per sample and epoch. Inspect reduces the epochs of each sample
with the task's reducer (`mean` unless the task names another) and then takes the metric
over the reduced scores. `reduced_scores` repeats that reduction with Inspect's own
reducers and `value_to_float`, so the audit can recompute a stored metric and the re-run
can pair the log's items with its own by `input_hash`.
"""

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from inspect_ai.log import EvalLog, EvalSample, headline_metric
from inspect_ai.scorer import (
    Score,
    ScoreReducer,
    at_least,
    max_score,
    mean_score,
    median_score,
    mode_score,
    pass_at,
    value_to_float,
)
from pydantic import BaseModel

from checks.report import Finding, ItemScore, Report, finding
from checks.reproduce.hashing import input_hash

DEFAULT_REDUCER = "mean"

# Two scores of one item agree when they differ by less than this (scores are in [0, 1]).
AGREEMENT_TOLERANCE = 1e-6

_to_float = value_to_float()

# Per-item scores of the logs that entries link, keyed by (file path, entry index), each
# mapping `input_hash` to the item's score.
LogItemScores = dict[tuple[str, int], dict[str, float]]


class Agreement(BaseModel):
    """Per-item comparison of a submitted log with the re-run, over the items both ran."""

    paired: int
    # Share of paired items whose scores are equal, or None when nothing was paired.
    agreement_rate: float | None = None
    # Mean of (re-run score - log score) over the paired items, on the 0-1 scale.
    mean_difference: float | None = None
    # Re-run items whose input does not occur in the log.
    unpaired: int = 0


def reducer_by_name(name: str) -> ScoreReducer | None:
    """Return Inspect's epoch reducer for a name as logs record it, or None if unknown.

    Logs record `mean`, `median`, `mode`, `max`, `pass_at_<k>` and `at_least_<k>`. A
    custom reducer of the submitter's task cannot be rebuilt from its name.
    """
    simple = {"mean": mean_score, "median": median_score, "mode": mode_score, "max": max_score}
    if name in simple:
        return simple[name]()

    match = re.fullmatch(r"(pass_at|at_least)_(\d+)", name)
    if match is None:
        return None
    k = int(match.group(2))
    return pass_at(k) if match.group(1) == "pass_at" else at_least(k)


def reduced_scores(
    log: EvalLog, scorer: str, score_name: str | None = None, reducer: str = DEFAULT_REDUCER
) -> dict[str | int, float] | None:
    """Reduce each sample's epoch scores of one scorer to a float, keyed by sample id.

    Args:
        log: a log read with its samples.
        scorer: the key of `EvalSample.scores` to read.
        score_name: for a scorer whose value is a dict, the key to read from it.
        reducer: the epoch reducer's name, as `EvalScore.reducer` records it.

    Returns:
        Sample id -> reduced score, or None when the log has no samples, the reducer is
        unknown, or a score value is not a scalar (a list, or a dict without the key).
    """
    reduce = reducer_by_name(reducer)
    if not log.samples or reduce is None:
        return None

    epochs: dict[str | int, list[Score]] = defaultdict(list)
    for sample in log.samples:
        score = _sample_score(sample, scorer, score_name)
        if score is None:
            continue
        if isinstance(score.value, list | dict):
            return None
        epochs[sample.id].append(score)

    return {sample_id: _to_float(reduce(scores).value) for sample_id, scores in epochs.items()}


def log_item_scores(
    log: EvalLog, scorer: str, score_name: str | None = None, reducer: str = DEFAULT_REDUCER
) -> dict[str, float]:
    """Map `input_hash` of each sample's input to its reduced score, for pairing.

    Samples that share an input (duplicated questions) get the mean of their scores.
    Returns an empty mapping when the scores cannot be reduced (see `reduced_scores`).
    """
    by_id = reduced_scores(log, scorer, score_name, reducer) or {}
    inputs = {sample.id: sample.input for sample in log.samples or []}

    grouped: dict[str, list[float]] = defaultdict(list)
    for sample_id, score in by_id.items():
        grouped[input_hash(inputs[sample_id])].append(score)
    return {key: sum(scores) / len(scores) for key, scores in grouped.items()}


def epoch_reducer(log: EvalLog, recorded: str | None) -> str:
    """Return the reducer of a score: as recorded, else the run's first, else `mean`.

    Inspect records the reducer on each score only when the task names one, and reduces
    with `mean` otherwise.
    """
    if recorded:
        return recorded
    reducers = log.eval.config.epochs_reducer
    return reducers[0] if reducers else DEFAULT_REDUCER


def headline_item_scores(log: EvalLog) -> dict[str, float]:
    """Map `input_hash` of each item to its score under the log's headline scorer."""
    headline = headline_metric(log)
    if headline is None:
        return {}
    score = headline.score
    return log_item_scores(log, score.scorer, score.name, epoch_reducer(log, score.reducer))


def add_agreement_findings(report: Report, log_scores: LogItemScores) -> None:
    """Add a `log.agreement` info to each re-run entry whose linked log has item scores.

    Call it after the re-run, with the scores `bot.logs.audit_submitted_logs` returned.
    """
    for file_report in report.files:
        for entry in file_report.entries:
            scores = log_scores.get((file_report.path, entry.index))
            if not scores or entry.reproduction is None or not entry.reproduction.item_scores:
                continue
            agreement = pair_scores(scores, entry.reproduction.item_scores)
            entry.findings.append(agreement_finding(agreement, file=file_report.path, line=entry.line))


def pair_scores(
    log_scores: Mapping[str, float], rerun_item_scores: Iterable[ItemScore]
) -> Agreement:
    """Compare the re-run's item scores with the log's scores of the same inputs."""
    differences: list[float] = []
    unpaired = 0
    for item in rerun_item_scores:
        log_score = log_scores.get(item.input_hash)
        if log_score is None or math.isnan(log_score):
            unpaired += 1
            continue
        differences.append(item.score - log_score)

    if not differences:
        return Agreement(paired=0, unpaired=unpaired)
    agreeing = sum(1 for difference in differences if abs(difference) < AGREEMENT_TOLERANCE)
    return Agreement(
        paired=len(differences),
        agreement_rate=agreeing / len(differences),
        mean_difference=sum(differences) / len(differences),
        unpaired=unpaired,
    )


def agreement_finding(
    agreement: Agreement, *, file: str | None = None, line: int | None = None
) -> Finding:
    """Build the `log.agreement` info that states how the log and the re-run compare."""
    if agreement.paired == 0:
        message = (
            f"None of the {agreement.unpaired} re-run items occur in the linked Inspect log, "
            "so the log and the re-run could not be compared item by item."
        )
    else:
        message = (
            f"The linked Inspect log and the re-run agree on "
            f"{agreement.agreement_rate:.0%} of {agreement.paired} shared items. "
            f"The re-run scores {100 * agreement.mean_difference:+.1f} points on average."
        )
    return finding("log.agreement", message, file=file, line=line, field="source.url")


def _sample_score(sample: EvalSample, scorer: str, score_name: str | None) -> Score | None:
    """Return one sample's score of a scorer, narrowed to `score_name` for dict values."""
    if not sample.scores or scorer not in sample.scores:
        return None
    score = sample.scores[scorer]
    if score_name is None or not isinstance(score.value, dict):
        return score
    if score_name not in score.value:
        return None
    return score.model_copy(update={"value": score.value[score_name]})
