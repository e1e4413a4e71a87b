"""The re-run's Task equals the one `inspect eval hf/<org>/<name>/<task>` builds.

Inspect's own loader (`task_create_from_hf`) runs on the same real eval.yaml files, with
its Hub download and dataset reader pointed at local files, so nothing leaves the machine.
"""

from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml
from inspect_ai import Task
from inspect_ai._eval.task import hf as inspect_hf
from inspect_ai._util.registry import registry_info, registry_params
from inspect_ai.dataset import MemoryDataset

from checks.reproduce.task import build_samples, build_task, not_run_reason, parse_task, task_name

FIXTURES = Path(__file__).parent / "fixtures" / "eval_yaml"
IMAGE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

# Small records in each benchmark's own columns.
RECORDS: dict[str, list[dict[str, Any]]] = {
    "Idavidrein__gpqa.yaml": [
        {
            "Question": f"Which particle is number {i}?",
            "Incorrect Answer 1": f"muon {i}",
            "Incorrect Answer 2": f"tau {i}",
            "Incorrect Answer 3": f"pion {i}",
            "Correct Answer": f"electron {i}",
        }
        for i in range(4)
    ],
    "TIGER-Lab__MMLU-Pro.yaml": [
        {"question": "2 + 2 = ?", "options": ["3", "4", "5", "6"], "answer": "B"},
        {"question": "3 * 3 = ?", "options": ["9", "6", "12"], "answer": "A"},
    ],
    "cais__hle.yaml": [{"question": "Name the capital of France.", "answer": "Paris"}],
    "openai__gsm8k.yaml": [{"question": "Tom has 3 apples and eats 1. How many are left?", "answer": "#### 2"}],
    "couto__bjj-vqa__current.yaml": [
        {"question": "Why is the grip here?", "image": IMAGE, "answer": 1, "choices": ["reach", "control", "speed"]},
        {"question": "Why does the hip move?", "image": "", "answer": 0, "choices": ["base", "grip"]},
    ],
}

# (fixture file, dataset id, task id) of every task the re-run can build.
CASES = [
    ("Idavidrein__gpqa.yaml", "Idavidrein/gpqa", "diamond"),
    ("Idavidrein__gpqa.yaml", "Idavidrein/gpqa", "extended"),
    ("TIGER-Lab__MMLU-Pro.yaml", "TIGER-Lab/MMLU-Pro", "mmlu_pro"),
    ("cais__hle.yaml", "cais/hle", "hle"),
    ("openai__gsm8k.yaml", "openai/gsm8k", "gsm8k"),
    ("couto__bjj-vqa__current.yaml", "couto/bjj-vqa", "bjj_vqa"),
]


def load_spec(filename: str) -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / filename).read_text(encoding="utf-8"))


def inspect_task(monkeypatch: pytest.MonkeyPatch, filename: str, dataset_id: str, task_id: str) -> Task:
    """Build the Task with Inspect's hf/ loader, reading the fixture and local records."""
    monkeypatch.setattr("huggingface_hub.hf_hub_download", lambda **kwargs: str(FIXTURES / filename))

    def local_dataset(path: str, split: str, name: str, revision: str, sample_fields: Any) -> MemoryDataset:
        return MemoryDataset([sample_fields(record) for record in RECORDS[filename]])

    monkeypatch.setattr(inspect_hf, "hf_dataset", local_dataset)
    # Loading every task of the spec names them as `inspect eval hf/<org>/<name>` does.
    tasks = inspect_hf.task_create_from_hf(f"hf/{dataset_id}")
    if len(tasks) == 1:
        return tasks[0]
    return next(task for task in tasks if task.name == f"hf/{dataset_id}/{task_id}")


def our_task(filename: str, dataset_id: str, task_id: str, grader: str | None = None) -> Task:
    spec = load_spec(filename)
    raw = next(task for task in spec["tasks"] if task.get("id") == task_id)
    task = parse_task(raw)
    samples = build_samples(task, RECORDS[filename])
    return build_task(task, samples, name=task_name(dataset_id, task_id, len(spec["tasks"])), choices_seed=7, grader=grader)


def describe(task: Task) -> dict[str, Any]:
    """Reduce a Task to what decides a run: plan, scorers, epochs, reducer and samples."""
    return {
        "name": task.name,
        "solvers": [(registry_info(s).name, registry_params(s)) for s in task.solver],
        "scorers": [(registry_info(s).name, registry_params(s)) for s in task.scorer or []],
        "epochs": task.epochs,
        "reducers": [(registry_info(r).name, registry_params(r)) for r in task.epochs_reducer or []],
        "samples": [
            (
                s.input if isinstance(s.input, str) else [m.model_dump(exclude={"id"}) for m in s.input],
                s.target,
                sorted(s.choices or []),
                s.metadata,
            )
            for s in task.dataset
        ],
    }


@pytest.mark.parametrize(("filename", "dataset_id", "task_id"), CASES)
def test_task_matches_inspect_loader(monkeypatch, filename, dataset_id, task_id):
    ours = describe(our_task(filename, dataset_id, task_id))
    theirs = describe(inspect_task(monkeypatch, filename, dataset_id, task_id))
    # Shuffled choices keep their set but not their order, and the target letter moves
    # with them, so targets are compared only where choices are not shuffled.
    if load_spec(filename)["tasks"][0].get("shuffle_choices"):
        ours["samples"] = [sample[:1] + sample[2:] for sample in ours["samples"]]
        theirs["samples"] = [sample[:1] + sample[2:] for sample in theirs["samples"]]
    for key in ("name", "solvers", "scorers", "epochs", "reducers", "samples"):
        assert ours[key] == theirs[key], key


def test_gpqa_costs_four_epochs_with_pass_at_1():
    task = our_task("Idavidrein__gpqa.yaml", "Idavidrein/gpqa", "diamond")
    assert task.epochs == 4
    assert [(registry_info(r).name, registry_params(r)) for r in task.epochs_reducer] == [("inspect_ai/pass_at", {"k": 1})]


def test_samples_get_ids_in_record_order():
    task = our_task("TIGER-Lab__MMLU-Pro.yaml", "TIGER-Lab/MMLU-Pro", "mmlu_pro")
    assert [s.id for s in task.dataset] == [1, 2]


def test_multimodal_record_gets_image_message():
    task = our_task("couto__bjj-vqa__current.yaml", "couto/bjj-vqa", "bjj_vqa")
    with_image, without_image = list(task.dataset)
    assert [part.type for part in with_image.input[0].content] == ["text", "image"]
    assert without_image.input == "Why does the hip move?"


def test_integer_target_becomes_letter_with_choices():
    task = our_task("couto__bjj-vqa__current.yaml", "couto/bjj-vqa", "bjj_vqa")
    assert [s.target for s in task.dataset] == ["B", "A"]


# Seeded shuffling: the same seed gives the same order, and the target follows the
# correct answer.


def test_shuffled_target_follows_correct_answer():
    task = our_task("Idavidrein__gpqa.yaml", "Idavidrein/gpqa", "diamond")
    for index, sample in enumerate(task.dataset):
        position = "ABCD".index(sample.target)
        assert sample.choices[position] == f"electron {index}"


def test_shuffle_is_seeded():
    first = [s.choices for s in our_task("Idavidrein__gpqa.yaml", "Idavidrein/gpqa", "diamond").dataset]
    second = [s.choices for s in our_task("Idavidrein__gpqa.yaml", "Idavidrein/gpqa", "diamond").dataset]
    assert first == second


def test_grader_replaces_scorer_model():
    task = our_task("cais__hle.yaml", "cais/hle", "hle", grader="openai-api/grader/judge")
    (scorer,) = task.scorer
    assert registry_params(scorer)["model"] == "openai-api/grader/judge"


# Tasks the re-run refuses: invalid under Inspect's rules, or needing what it lacks.


@pytest.mark.parametrize(
    "raw",
    [
        {"field_spec": {"input": "q", "target": "a"}},
        {"field_spec": {"input": "q", "target": "a"}, "solvers": [], "scorers": [{"name": "choice"}]},
        {"field_spec": {"input": "q", "target": "a"}, "solvers": [{"name": "generate"}], "scorers": [{"name": "bleu"}]},
        {"field_spec": {"input": "q", "target": "a"}, "solvers": [{"name": "generate"}], "scorers": [{"name": "match"}], "epochs": 0},
        {"field_spec": {"input": "q", "target": "a"}, "solvers": [{"name": "generate"}], "scorers": [{"name": "match"}], "epoch_reducer": "best"},
        {"field_spec": {"input": "q", "target": "a"}, "solvers": [{"name": "generate"}], "scorers": [{"name": "match"}], "shots": 5},
    ],
    ids=["no-solvers", "empty-solvers", "unknown-scorer", "zero-epochs", "unknown-reducer", "extra-key"],
)
def test_invalid_task_is_rejected(raw):
    with pytest.raises(pydantic.ValidationError):
        parse_task(raw)


def test_real_spec_without_solvers_is_rejected():
    (raw,) = load_spec("couto__bjj-vqa__v1_missing_solvers_scorers.yaml")["tasks"]
    with pytest.raises(pydantic.ValidationError):
        parse_task(raw)


@pytest.mark.parametrize(
    ("filename", "task_id", "grader", "expected"),
    [
        ("cais__hle.yaml", "hle", None, "needs a grader model"),
        ("openai__gsm8k.yaml", "gsm8k", None, "needs a grader model"),
        ("cais__hle.yaml", "hle", "openai-api/grader/judge", None),
        ("Idavidrein__gpqa.yaml", "diamond", None, None),
    ],
)
def test_not_run_reason_of_real_specs(filename, task_id, grader, expected):
    raw = next(task for task in load_spec(filename)["tasks"] if task.get("id") == task_id)
    reason = not_run_reason(parse_task(raw), grader)
    if expected is None:
        assert reason is None
    else:
        assert expected in reason


def test_tool_solver_is_not_run():
    raw = {"field_spec": {"input": "q", "target": "a"}, "solvers": [{"name": "use_tools"}, {"name": "generate"}], "scorers": [{"name": "match"}]}
    assert "sandbox" in not_run_reason(parse_task(raw), grader="openai-api/grader/judge")


@pytest.mark.parametrize(("count", "expected"), [(1, "hf/cais/hle"), (3, "hf/Idavidrein/gpqa/diamond")])
def test_task_name_follows_inspect(count, expected):
    dataset_id = expected.split("/")[1] + "/" + expected.split("/")[2]
    task_id = "hle" if count == 1 else "diamond"
    assert task_name(dataset_id, task_id, count) == expected
