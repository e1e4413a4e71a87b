"""Child process of a re-run: read a request as JSON, run Inspect, write a Reproduction as JSON.

Usage: `python -m checks.reproduce.child REQUEST.json RESULT.json`

The parent (`bot/rerun.py`) starts this process without any Hub or GitHub write token,
because the benchmark's solvers and scorers run here against a model. Problems of the
benchmark or the model provider end in a `not-run` reproduction with the reason. Any
other failure exits non-zero without a result file, and the parent reports it as a bot
error.
"""

import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, Field

from checks.report import Reproduction
from checks.reproduce.data import DataFilesError, load_split
from checks.reproduce.options import RerunOptions
from checks.reproduce.run import Budget, RunFailed, inspect_version, reproduction_from, run_batches
from checks.reproduce.sampling import draw_order
from checks.reproduce.stats import SequentialTest
from checks.reproduce.task import build_samples, build_task, parse_task, task_name

logger = logging.getLogger(__name__)


class ChildRequest(BaseModel):
    """Everything the child needs to re-run one entry; the parent writes it as JSON."""

    dataset_id: str
    task_id: str | None
    # Number of tasks in the eval.yaml, which decides the Task's name as in Inspect.
    task_count: int = Field(ge=1)
    raw_task: dict[str, Any]
    # Local folder with the split's data files, laid out as in the dataset repo.
    data_dir: str
    model: str
    seed: int
    claim: float = Field(ge=0.0, le=1.0)
    claim_scale: str | None = None
    options: RerunOptions
    # Settings key of the shared budget that lowered `options.max_generations`, if any.
    generation_budget: str | None = None
    # Extra keyword arguments of `inspect_ai.eval`, e.g. `max_retries` or `timeout`.
    eval_args: dict[str, Any] = Field(default_factory=dict)


class BenchmarkDataError(Exception):
    """The benchmark's data cannot be read or does not fit its `field_spec`."""


def run_request(request: ChildRequest, work_dir: Path) -> Reproduction:
    """Re-run one entry as the request specifies and return its reproduction."""
    task_spec = parse_task(request.raw_task)
    samples = _load_samples(request, task_spec, work_dir)
    task = build_task(
        task_spec,
        samples,
        name=task_name(request.dataset_id, request.task_id, request.task_count),
        choices_seed=request.seed,
        grader=request.options.grader,
    )

    order = [samples[index].id for index in draw_order(len(samples), request.seed)]
    budget = Budget.of(
        request.options, population=len(samples), epochs=task_spec.epochs, generation_budget=request.generation_budget
    )
    base = {
        "claim": request.claim,
        "claim_scale": request.claim_scale,
        "population": len(samples),
        "seed": request.seed,
        "model": request.model,
        "inspect_version": inspect_version(),
        "delta": request.options.delta,
        "alpha": request.options.alpha,
    }
    if budget.items == 0:
        reason = f"one item costs {task_spec.epochs} generations, more than {budget.limited_by} allows"
        return Reproduction(verdict="not-run", reason=reason, **base)

    test = SequentialTest(
        claim=request.claim,
        delta=request.options.delta / 100,
        alpha=request.options.alpha,
        population=len(samples),
    )
    try:
        decision, scores = run_batches(
            task,
            order=[item for item in order if item is not None],
            test=test,
            budget=budget,
            model=request.model,
            options=request.options,
            eval_args=request.eval_args,
        )
    except RunFailed as failure:
        # Report what finished, so a rerun after a provider outage can be compared.
        return Reproduction(
            verdict="not-run",
            reason=str(failure),
            items=len(failure.completed),
            generations=len(failure.completed) * task_spec.epochs,
            item_scores=failure.completed,
            **base,
        )

    outcome = reproduction_from(decision, scores, budget=budget, population=len(samples), epochs=task_spec.epochs)
    return outcome.model_copy(update={key: value for key, value in base.items() if key != "population"})


def _load_samples(request: ChildRequest, task_spec: Any, work_dir: Path) -> list[Any]:
    where = f"config '{task_spec.config}' and split '{task_spec.split}'"
    try:
        records = load_split(Path(request.data_dir), task_spec.config, task_spec.split, cache_dir=work_dir / "datasets")
    except (DataFilesError, FileNotFoundError, ValueError) as error:
        # `datasets` raises FileNotFoundError or ValueError for missing files and splits.
        # Its message names paths on the bot's machine, so only the log gets it.
        logger.warning("rerun data unreadable dataset=%s error=%s", request.dataset_id, error)
        raise BenchmarkDataError(f"no data files of {where} could be read ({type(error).__name__})") from error
    try:
        samples = build_samples(task_spec, records)
    except KeyError as error:
        raise BenchmarkDataError(f"the data of {where} has no column {error} that the field_spec names") from error
    except pydantic.ValidationError as error:
        # E.g. a choices column of numbers: Inspect's Sample takes text choices only.
        fields = sorted({str(detail["loc"][0]) for detail in error.errors() if detail["loc"]})
        raise BenchmarkDataError(f"the data of {where} does not make valid Inspect samples (fields: {', '.join(fields)})") from error
    if not samples:
        raise BenchmarkDataError(f"split '{task_spec.split}' of config '{task_spec.config}' has no items")
    return samples


def main(argv: list[str]) -> int:
    """Run the request at argv[0] and write the reproduction to argv[1]; return the exit code."""
    if len(argv) != 2:
        print("usage: python -m checks.reproduce.child REQUEST.json RESULT.json", file=sys.stderr)
        return 2
    request_path, result_path = Path(argv[0]), Path(argv[1])
    request = ChildRequest.model_validate_json(request_path.read_text(encoding="utf-8"))

    with tempfile.TemporaryDirectory(prefix="evalbot-child-") as work_dir:
        try:
            reproduction = run_request(request, Path(work_dir))
        except (BenchmarkDataError, pydantic.ValidationError) as error:
            reproduction = Reproduction(
                verdict="not-run",
                reason=str(error),
                model=request.model,
                seed=request.seed,
                claim=request.claim,
                claim_scale=request.claim_scale,
            )
    result_path.write_text(reproduction.model_dump_json(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main(sys.argv[1:]))
