"""Run an Inspect Task on a seeded draw of its items, in batches, until the verdict is decided.

Each batch is one `inspect_ai.eval` call restricted to the batch's sample ids. After each
batch the sequential test takes the batch's item scores (reduced over epochs by the
task's reducer). The run stops when the test has decided, or when the item or generation
budget is spent. A generation is one item in one epoch, so a task with `epochs: 4` costs
four generations per item.
"""

import logging
import tempfile
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalLog
from inspect_ai.scorer import value_to_float
from pydantic import BaseModel

from checks.report import ItemScore, Reproduction
from checks.reproduce.hashing import input_hash
from checks.reproduce.options import RerunOptions
from checks.reproduce.sampling import batches
from checks.reproduce.stats import Decision, SequentialTest

logger = logging.getLogger(__name__)

# Concurrent model requests per batch; a batch is at most `batch_size` items anyway.
MAX_CONNECTIONS = 10
# Inspect retries a failed model request without limit by default, so a provider outage
# would hold the child until its timeout and lose the scored items. Six retries with
# Inspect's exponential backoff, and at most ten minutes per request, end the run
# instead, and the finished items reach the report. `eval_args` may override both.
DEFAULT_EVAL_ARGS: dict[str, Any] = {"max_retries": 6, "timeout": 600}

EvalFunction = Callable[..., list[EvalLog]]


class RunFailed(Exception):
    """An Inspect run did not finish after Inspect's own retries; `completed` keeps the scored items."""

    def __init__(self, message: str, completed: list[ItemScore]) -> None:
        super().__init__(message)
        self.completed = completed


class Budget(BaseModel):
    """How many items a run may draw, given the options, the population and the epochs."""

    items: int
    limited_by: str

    @classmethod
    def of(cls, options: RerunOptions, population: int, epochs: int, generation_budget: str | None = None) -> "Budget":
        """Take the tightest of the item budget, the generation budget and the population.

        `generation_budget` is the settings key of a shared budget that lowered
        `options.max_generations` (e.g. "generations_per_pr"), so a run it cut short
        names that budget rather than the option.
        """
        generations_name = f"the generation budget (max_generations at {epochs} per item)"
        if generation_budget is not None:
            generations_name = (
                f"this entry's share of the shared re-run budget ({generation_budget}: "
                f"{options.max_generations} generations at {epochs} per item)"
            )
        limits = [
            (options.max_items, "the item budget (max_items)"),
            (options.max_generations // epochs, generations_name),
            (population, "the number of items in the split"),
        ]
        items, limited_by = min(limits, key=lambda limit: limit[0])
        return cls(items=items, limited_by=limited_by)


def item_scores(log: EvalLog, samples_by_id: dict[int | str, Sample]) -> list[ItemScore]:
    """Read each sample's score, reduced over epochs, from the first scorer of a log.

    Inspect stores the reduced score of every sample in `log.reductions`. The values
    become floats with Inspect's `value_to_float` ("C" is 1, "I" is 0, "P" is 0.5).

    Raises:
        ValueError: when a score is not a number in [0, 1].
    """
    if not log.reductions:
        return []
    to_float = value_to_float()
    scores = []
    for reduced in log.reductions[0].samples:
        value = to_float(reduced.value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(
                f"sample '{reduced.sample_id}' has the score '{reduced.value}', outside [0, 1]; "
                "the re-run needs a scorer whose values lie in [0, 1]"
            )
        sample = samples_by_id[reduced.sample_id]  # type: ignore[index]
        scores.append(ItemScore(id=str(reduced.sample_id), input_hash=input_hash(sample.input), score=value))
    return scores


def run_batches(
    task: Task,
    *,
    order: Sequence[int | str],
    test: SequentialTest,
    budget: Budget,
    model: str,
    options: RerunOptions,
    eval_args: dict[str, Any] | None = None,
    eval_function: EvalFunction = eval,
) -> tuple[Decision | None, list[ItemScore]]:
    """Evaluate the items of `order` batch by batch until `test` decides or the budget ends.

    Returns the last decision (None when no batch ran) and the item scores in draw order.

    Raises:
        RunFailed: when a batch's run does not finish with status `success`.
    """
    samples_by_id = {sample.id: sample for sample in task.dataset if sample.id is not None}
    done: list[ItemScore] = []
    decision: Decision | None = None

    with tempfile.TemporaryDirectory(prefix="evalbot-rerun-") as log_dir:
        for batch in batches(list(order[: budget.items]), options.batch_size):
            logs = eval_function(
                task,
                model=model,
                sample_id=batch,
                log_dir=log_dir,
                display="none",
                max_connections=MAX_CONNECTIONS,
                **{**DEFAULT_EVAL_ARGS, **(eval_args or {})},
            )
            log = logs[0]
            # Batch scores go to the test in draw order, whatever order Inspect ran them in.
            by_id = {score.id: score for score in item_scores(log, samples_by_id)}
            batch_scores = [by_id[str(item)] for item in batch if str(item) in by_id]
            if log.status != "success" or len(batch_scores) != len(batch):
                done.extend(batch_scores)
                raise RunFailed(_failure_message(log, len(done)), done)

            done.extend(batch_scores)
            decision = test.update([score.score for score in batch_scores])
            logger.info("rerun batch items=%d mean=%.3f verdict=%s", decision.n, decision.mean, decision.verdict)
            if test.decided:
                break
    return decision, done


# Provider errors can carry whole response bodies; the report keeps their start.
MAX_ERROR_CHARS = 300


def _failure_message(log: EvalLog, completed: int) -> str:
    error = log.error.message if log.error is not None else f"status '{log.status}'"
    if len(error) > MAX_ERROR_CHARS:
        error = error[:MAX_ERROR_CHARS] + "..."
    return f"the Inspect run failed after {completed} completed items: {error}"


def inspect_version() -> str:
    return version("inspect_ai")


def reproduction_from(
    decision: Decision | None,
    scores: list[ItemScore],
    *,
    budget: Budget,
    population: int,
    epochs: int,
) -> Reproduction:
    """Turn the last decision of a finished run into the report's reproduction fields.

    The caller adds the claim, seed, model and statistics settings, which are fixed
    before the run starts.
    """
    if decision is None:
        return Reproduction(verdict="not-run", reason="no item was run", population=population)
    reasons = {
        "consistent": f"the interval after {decision.n} items lies inside the tolerance band",
        "inconsistent": f"the interval after {decision.n} items lies outside the tolerance band",
        "inconclusive": f"neither verdict was reached when {budget.limited_by} ran out at {decision.n} items",
    }
    return Reproduction(
        verdict=decision.verdict,
        reason=reasons[decision.verdict],
        score=decision.mean,
        interval=(decision.lower, decision.upper),
        items=decision.n,
        population=population,
        generations=decision.n * epochs,
        item_scores=scores,
    )
