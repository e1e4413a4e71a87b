"""Build the Inspect Task of one eval.yaml task, as `inspect eval hf/<org>/<name>` does.

Inspect's hf/ loader (`inspect_ai/_eval/task/hf.py`, inspect-ai 0.3.280 to 0.3.x)
downloads the data itself and shuffles choices without a seed. The re-run needs the data
from a local folder and a seeded shuffle, so it rebuilds the same Task here from the raw
task mapping, reusing the loader's own validation model, record mapping and
solver/scorer registry lookups. The project pins `inspect-ai>=0.3.280,<0.4` because
these helpers are private, and `tests/test_task_build.py` compares the result with the
loader's Task.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from inspect_ai import Task
from inspect_ai._eval.loader import scorer_from_spec, solver_from_spec
from inspect_ai._eval.task.epochs import Epochs
from inspect_ai._eval.task.hf import HFTask, _record_to_sample_hf
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer._scorer import ScorerSpec
from inspect_ai.solver._solver import SolverSpec

# Scorers that call a grader model, which costs money and needs an opt-in grader.
MODEL_GRADED_SCORERS = frozenset({"model_graded_qa", "model_graded_fact"})
# Solvers that give the model tools, which need a sandbox the re-run does not provide.
TOOL_SOLVERS = frozenset({"use_tools"})


def parse_task(raw_task: Mapping[str, Any]) -> HFTask:
    """Validate a raw eval.yaml task with Inspect's own rules (`extra="forbid"`).

    Raises:
        pydantic.ValidationError: when the task would fail in `inspect eval hf/...`.
    """
    return HFTask.model_validate(dict(raw_task))


def not_run_reason(task: HFTask, grader: str | None) -> str | None:
    """Return why the bot cannot re-run this task, or None when it can."""
    tool_solvers = [solver.name for solver in task.solvers if solver.name in TOOL_SOLVERS]
    if tool_solvers:
        return f"the task uses the solver '{tool_solvers[0]}', which needs a sandbox the re-run does not provide"
    graded = [scorer.name for scorer in task.scorers if scorer.name in MODEL_GRADED_SCORERS]
    if graded and grader is None:
        return f"the scorer '{graded[0]}' needs a grader model; pass --grader MODEL to opt in"
    return None


def task_name(dataset_id: str, task_id: str | None, task_count: int) -> str:
    """Name the Task as Inspect's hf/ loader does, so logs from both compare equal."""
    name = f"hf/{dataset_id}"
    return f"{name}/{task_id}" if task_count > 1 else name


def build_samples(task: HFTask, records: Iterable[Mapping[str, Any]]) -> list[Sample]:
    """Map dataset records to Samples with ids 1..N in record order.

    Inspect gives id-less samples the same ids when it runs them, so item ids in the
    report match a full `inspect eval` run of the benchmark.
    """
    samples = []
    for index, record in enumerate(records):
        sample = _record_to_sample_hf(dict(record), task.field_spec)
        sample.id = index + 1
        samples.append(sample)
    return samples


def build_task(
    task: HFTask,
    samples: list[Sample],
    *,
    name: str,
    choices_seed: int,
    grader: str | None = None,
) -> Task:
    """Build the Inspect Task over `samples`, with choices shuffled by `choices_seed`.

    A grader replaces the `model` argument of model-graded scorers.
    """
    dataset = MemoryDataset(samples=samples, name=name, location=name)
    if task.shuffle_choices:
        dataset.shuffle_choices(seed=choices_seed)

    solvers = [
        solver_from_spec(SolverSpec(solver=solver.name, args=solver.args, args_passed=solver.args))
        for solver in task.solvers
    ]
    scorers = []
    for scorer in task.scorers:
        args = dict(scorer.args)
        if grader is not None and scorer.name in MODEL_GRADED_SCORERS:
            args["model"] = grader
        scorers.append(scorer_from_spec(ScorerSpec(scorer=scorer.name), task_path=None, **args))

    return Task(
        name=name,
        dataset=dataset,
        solver=solvers,
        scorer=scorers,
        epochs=Epochs(task.epochs, task.epoch_reducer),
    )
