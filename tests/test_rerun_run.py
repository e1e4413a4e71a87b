"""The batch loop and the child's request handling, with a scripted `eval` in place of Inspect.

The scripted eval returns logs whose reduced scores the test chooses, so each test states
exactly which items scored what, and no model is called.
"""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalSampleReductions, EvalSampleScore

from checks.reproduce import child
from checks.reproduce import run as run_module
from checks.reproduce.options import RerunOptions
from checks.reproduce.run import Budget, RunFailed, item_scores, reproduction_from, run_batches
from checks.reproduce.stats import SequentialTest
from rerun_helpers import DATASET_ID, TASK_ID, raw_task, sum_items, write_benchmark

POPULATION = 40


def make_task(count: int = POPULATION) -> Task:
    samples = [Sample(id=index + 1, input=f"question {index}", target="A") for index in range(count)]
    return Task(dataset=MemoryDataset(samples), name="scripted")


def scripted_eval(scores: dict[int, object], status: str = "success", calls: list | None = None, arguments: list | None = None):
    """Return an `eval` stand-in whose logs score each requested sample from `scores`."""

    def run(task, *, sample_id, **kwargs):
        if calls is not None:
            calls.append(list(sample_id))
        if arguments is not None:
            arguments.append(kwargs)
        reduced = [EvalSampleScore(value=scores[item], sample_id=item) for item in sample_id if item in scores]
        log = SimpleNamespace(
            status=status,
            error=SimpleNamespace(message="the provider returned 500") if status != "success" else None,
            reductions=[EvalSampleReductions(scorer="choice", reducer="mean", samples=reduced)],
        )
        return [log]

    return run


def loop(scores, *, claim: float, options: RerunOptions, status: str = "success", calls=None, arguments=None, eval_args=None):
    task = make_task()
    order = list(range(1, POPULATION + 1))
    test = SequentialTest(claim=claim, delta=options.delta / 100, alpha=options.alpha, population=POPULATION)
    budget = Budget.of(options, population=POPULATION, epochs=1)
    return run_batches(
        task, order=order, test=test, budget=budget, model="scripted/model", options=options,
        eval_args=eval_args, eval_function=scripted_eval(scores, status, calls, arguments),
    )


# Budgets: the tightest of items, generations per epoch count, and the population.


@pytest.mark.parametrize(
    ("max_items", "max_generations", "epochs", "population", "items", "limit"),
    [
        (200, 800, 1, 1000, 200, "max_items"),
        (200, 800, 4, 1000, 200, "max_items"),
        (200, 400, 4, 1000, 100, "max_generations"),
        (200, 800, 1, 60, 60, "number of items"),
        (200, 3, 4, 1000, 0, "max_generations"),
    ],
)
def test_budget_takes_tightest_limit(max_items, max_generations, epochs, population, items, limit):
    options = RerunOptions(max_items=max_items, max_generations=max_generations)
    budget = Budget.of(options, population=population, epochs=epochs)
    assert budget.items == items
    assert limit in budget.limited_by


def test_shared_budget_named_when_it_limits():
    options = RerunOptions(max_items=40, max_generations=20)
    budget = Budget.of(options, population=80, epochs=1, generation_budget="generations_per_pr")
    assert budget.items == 20
    assert budget.limited_by == (
        "this entry's share of the shared re-run budget (generations_per_pr: 20 generations at 1 per item)"
    )


# The loop: batches in draw order, stopping as soon as the test decides.


def test_loop_stops_when_decided():
    calls: list[list[int]] = []
    scores = {item: 0 for item in range(1, POPULATION + 1)}
    decision, done = loop(scores, claim=0.9, options=RerunOptions(batch_size=10), calls=calls)
    assert decision.verdict == "inconsistent"
    assert len(calls) < POPULATION // 10
    assert [score.id for score in done] == [str(item) for item in range(1, len(calls) * 10 + 1)]


def test_loop_runs_whole_budget_when_undecided():
    calls: list[list[int]] = []
    scores = {item: item % 2 for item in range(1, POPULATION + 1)}
    decision, done = loop(scores, claim=0.5, options=RerunOptions(batch_size=10, max_items=20), calls=calls)
    assert decision.verdict == "inconclusive"
    assert calls == [list(range(1, 11)), list(range(11, 21))]
    assert len(done) == 20


def test_loop_converts_letter_scores():
    scores = {item: "C" if item <= 20 else "I" for item in range(1, POPULATION + 1)}
    decision, done = loop(scores, claim=0.5, options=RerunOptions(batch_size=40))
    assert [score.score for score in done] == [1.0] * 20 + [0.0] * 20
    assert decision.mean == 0.5


def test_retries_are_bounded_by_default():
    arguments: list[dict] = []
    loop({item: 1 for item in range(1, POPULATION + 1)}, claim=0.5, options=RerunOptions(batch_size=40), arguments=arguments)
    assert arguments[0]["max_retries"] == 6
    assert arguments[0]["timeout"] == 600
    assert arguments[0]["display"] == "none"


def test_eval_args_override_defaults():
    arguments: list[dict] = []
    scores = {item: 1 for item in range(1, POPULATION + 1)}
    loop(scores, claim=0.5, options=RerunOptions(batch_size=40), arguments=arguments, eval_args={"max_retries": 1})
    assert arguments[0]["max_retries"] == 1


def test_failed_batch_keeps_completed_items():
    scores = {item: 1 for item in range(1, POPULATION + 1)}
    with pytest.raises(RunFailed, match="the provider returned 500") as failure:
        loop(scores, claim=0.5, options=RerunOptions(batch_size=10), status="error")
    assert len(failure.value.completed) == 10


def test_missing_scores_fail_the_batch():
    scores = {item: 1 for item in range(1, 6)}
    with pytest.raises(RunFailed, match="after 5 completed items"):
        loop(scores, claim=0.5, options=RerunOptions(batch_size=10))


@pytest.mark.parametrize("value", [1.5, -0.2, 7])
def test_score_outside_unit_interval_raises(value):
    log = SimpleNamespace(reductions=[EvalSampleReductions(scorer="f", samples=[EvalSampleScore(value=value, sample_id=1)])])
    with pytest.raises(ValueError, match="outside \\[0, 1\\]"):
        item_scores(log, {1: Sample(id=1, input="q")})


def test_no_batch_is_not_run():
    budget = Budget(items=0, limited_by="the item budget (max_items)")
    assert reproduction_from(None, [], budget=budget, population=10, epochs=1).verdict == "not-run"


# The child's request handling, without Inspect: bad data ends in not-run with the reason.


def write_request(tmp_path: Path, **fields: object) -> Path:
    benchmark = write_benchmark(tmp_path / "benchmarks", sum_items(3))
    request = {
        "dataset_id": DATASET_ID,
        "task_id": TASK_ID,
        "task_count": 1,
        "raw_task": raw_task(),
        "data_dir": str(benchmark),
        "model": "openai-api/local/none",
        "seed": 1,
        "claim": 0.5,
        "options": RerunOptions(enabled=True).model_dump(mode="json"),
    }
    request.update(fields)
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"raw_task": raw_task(field_spec={"input": "Missing column", "target": "literal:D", "choices": ["Correct Answer"]})}, "no column 'Missing column'"),
        ({"raw_task": raw_task(split="validation")}, "no data files of config 'default' and split 'validation'"),
        ({"raw_task": raw_task(epochs=900)}, "one item costs 900 generations"),
        ({"raw_task": raw_task(solvers=[])}, "validation error"),
    ],
    ids=["missing-column", "missing-split", "over-budget", "invalid-task"],
)
def test_child_reports_bad_data_as_not_run(tmp_path, fields, reason):
    result_path = tmp_path / "result.json"
    assert child.main([str(write_request(tmp_path, **fields)), str(result_path)]) == 0
    reproduction = json.loads(result_path.read_text())
    assert reproduction["verdict"] == "not-run"
    assert reason in reproduction["reason"]


def test_child_usage_error_exits_2(tmp_path):
    assert child.main([str(tmp_path / "request.json")]) == 2


def test_long_provider_error_is_cut():
    log = SimpleNamespace(status="error", error=SimpleNamespace(message="x" * 5000))
    message = run_module._failure_message(log, 3)
    assert len(message) < 400
    assert message.endswith("...")


def test_numeric_choices_are_not_run(tmp_path):
    items = [{**item, "Correct Answer": int(item["Correct Answer"])} for item in sum_items(3)]
    request_path = write_request(tmp_path)
    request = json.loads(request_path.read_text())
    folder = Path(request["data_dir"])
    (folder / "data" / "test-00000-of-00001.jsonl").write_text("".join(json.dumps(item) + "\n" for item in items))
    result_path = tmp_path / "result.json"
    child.main([str(request_path), str(result_path)])
    reproduction = json.loads(result_path.read_text())
    assert reproduction["verdict"] == "not-run"
    assert "does not make valid Inspect samples (fields: choices)" in reproduction["reason"]
