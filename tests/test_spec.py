"""Tests of eval.yaml parsing: Inspect's task rules, frameworks and the real specs."""

from typing import Any

import pytest
from inspect_ai._eval.task.hf import HFTask
from pydantic import ValidationError

from checks.loading import Limits
from checks.spec import INSPECT_AI, InvalidSpec, load_spec, parse_spec
from tests.validation_helpers import FIXTURES

TASK = {
    "id": "t",
    "field_spec": {"input": "question", "target": "answer"},
    "solvers": [{"name": "generate"}],
    "scorers": [{"name": "match"}],
}


def inspect_spec(**task_fields: Any) -> dict[str, Any]:
    task = {key: value for key, value in {**TASK, **task_fields}.items() if value is not None}
    return {"name": "B", "evaluation_framework": INSPECT_AI, "tasks": [task]}


def spec_file(name: str) -> bytes:
    return (FIXTURES / "eval_yaml" / name).read_bytes()


# Real specs: which load, with which framework and task ids.
@pytest.mark.parametrize(
    ("name", "framework", "task_ids"),
    [
        ("Idavidrein__gpqa.yaml", INSPECT_AI, ["diamond", "main", "extended"]),
        ("cais__hle.yaml", INSPECT_AI, ["hle"]),
        ("TIGER-Lab__MMLU-Pro.yaml", INSPECT_AI, ["mmlu_pro"]),
        ("openai__gsm8k.yaml", INSPECT_AI, ["gsm8k"]),
        ("couto__bjj-vqa__current.yaml", INSPECT_AI, ["bjj_vqa"]),
        ("MathArena__aime_2026.yaml", "math-arena", ["MathArena/aime_2026"]),
    ],
)
def test_real_spec_loads(name: str, framework: str, task_ids: list[str]) -> None:
    spec = load_spec(spec_file(name))[1]
    assert spec.evaluation_framework == framework
    assert spec.task_ids() == task_ids


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("couto__bjj-vqa__v1_missing_solvers_scorers.yaml", "`solvers`"),
        ("final-bench__final-bench__malformed.yaml", "must be inside each task"),
    ],
)
def test_real_invalid_spec_rejected(name: str, words: str) -> None:
    with pytest.raises(InvalidSpec, match=words):
        load_spec(spec_file(name))


def test_missing_framework_with_inspect_fields_is_inspect() -> None:
    spec = load_spec(spec_file("cais__hle.yaml"))[1]
    assert spec.evaluation_framework == INSPECT_AI
    assert spec.framework_declared is False


def test_gpqa_keeps_epochs_and_reducer() -> None:
    task = load_spec(spec_file("Idavidrein__gpqa.yaml"))[1].tasks[0]
    assert (task.epochs, task.epoch_reducer, task.shuffle_choices) == (4, "pass_at_1", True)


# Inspect's task rules: each of these specs must be rejected.
@pytest.mark.parametrize(
    "raw",
    [
        inspect_spec(field_spec=None),
        inspect_spec(solvers=[]),
        inspect_spec(scorers=[]),
        inspect_spec(solvers=None),
        inspect_spec(solvers=[{"name": "basic_agent"}]),
        inspect_spec(scorers=[{"name": "accuracy"}]),
        inspect_spec(epochs=0),
        inspect_spec(epochs="many"),
        inspect_spec(epoch_reducer="pass@1"),
        inspect_spec(epoch_reducer="best"),
        inspect_spec(unknown_key=1),
        inspect_spec(field_spec={"input": "q", "answer": "a"}),
        inspect_spec(shuffle_choices="sometimes"),
    ],
)
def test_inspect_rule_rejects(raw: dict[str, Any]) -> None:
    with pytest.raises(InvalidSpec):
        parse_spec(raw)


@pytest.mark.parametrize(
    "task_fields",
    [
        {},
        {"epochs": "4"},
        {"epoch_reducer": "at_least_2"},
        {"field_spec": {}},
        {"field_spec": {"input": "q", "choices": ["a", "b"], "input_image": "img", "metadata": ["m"]}},
        {"solvers": [{"name": "generate", "extra": 1}]},
    ],
)
def test_inspect_rule_accepts(task_fields: dict[str, Any]) -> None:
    assert parse_spec(inspect_spec(**task_fields)).is_inspect


# Guard: our task model agrees with Inspect's own HFTask on every case above.
AGREEMENT_CASES = [
    {**TASK, "epochs": 0},
    {**TASK, "epoch_reducer": "pass@1"},
    {**TASK, "solvers": []},
    {**TASK, "bogus": 1},
    {**TASK, "field_spec": {"input": "q", "answer": "a"}},
    {**TASK, "epochs": "4"},
    {**TASK, "field_spec": {}},
    TASK,
]


@pytest.mark.parametrize("task", AGREEMENT_CASES)
def test_task_rules_agree_with_inspect(task: dict[str, Any]) -> None:
    try:
        HFTask.model_validate(task)
        inspect_accepts = True
    except ValidationError:
        inspect_accepts = False
    try:
        parse_spec({"evaluation_framework": INSPECT_AI, "tasks": [task]})
        ours_accepts = True
    except InvalidSpec:
        ours_accepts = False
    assert ours_accepts == inspect_accepts


# Spec-level rules.
@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ([], "not a mapping"),
        ({"name": "B"}, "no `tasks`"),
        ({"tasks": []}, "no `tasks`"),
        ({"tasks": [{"id": "a"}]}, "names no `evaluation_framework`"),
        ({"evaluation_framework": 3, "tasks": [{"id": "a"}]}, "expected a framework name"),
        ({"evaluation_framework": "math-arena", "tasks": [{"config": "x"}]}, "has no `id`"),
        ({"evaluation_framework": INSPECT_AI, "tasks": [{**TASK, "id": None}, TASK]}, "has no `id`"),
        ({"evaluation_framework": "mteb", "tasks": [{"id": "a"}, {"id": "a"}]}, "more than one task"),
        ({"evaluation_framework": "mteb", "tasks": [{"id": "a"}], "name": ["x"]}, "`name`"),
        ({"solvers": [{"name": "generate"}], "tasks": [TASK]}, "must be inside each task"),
    ],
)
def test_spec_rule_rejects(raw: Any, words: str) -> None:
    with pytest.raises(InvalidSpec, match=words):
        parse_spec(raw)


def test_single_inspect_task_without_id_is_default() -> None:
    raw = {"tasks": [{key: value for key, value in TASK.items() if key != "id"}]}
    assert parse_spec(raw).task_ids() == ["default"]


def test_other_framework_keeps_extra_keys() -> None:
    spec = parse_spec({"evaluation_framework": "harbor", "tasks": [{"id": "a", "docker": "img"}]})
    assert spec.tasks[0].model_extra == {"docker": "img"}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"tasks: &t [1]\nmore: *t\n", "anchor or alias"),
        (b"tasks: [\n", "invalid"),
        (b"name: a\nname: b\ntasks: []\n", "appears twice"),
    ],
)
def test_unsafe_spec_yaml_is_invalid(content: bytes, words: str) -> None:
    with pytest.raises(InvalidSpec, match=words):
        load_spec(content)


def test_oversized_spec_is_invalid() -> None:
    with pytest.raises(InvalidSpec, match="larger than the limit"):
        load_spec(b"name: " + b"x" * 200 + b"\n", Limits(max_file_size=100))


# Spec errors describe pydantic's errors in our own words.
@pytest.mark.parametrize(
    ("task_fields", "message"),
    [
        (
            {"field_spec": {"input": "q", "choices": 3}},
            "task 'a': `field_spec.choices` is '3' of type number, expected a string.",
        ),
        ({"epochs": 0}, "task 'a': `epochs` is '0', expected at least 1."),
        ({"epochs": "x"}, "task 'a': `epochs` is 'x' of type string, expected an integer."),
        ({"solvers": []}, "task 'a': `solvers` has 0 items, expected at least 1."),
        ({"bogus": 1}, "task 'a': `bogus` is not a known key."),
    ],
)
def test_spec_error_message_is_plain(task_fields: dict[str, Any], message: str) -> None:
    raw = {"tasks": [{**inspect_spec()["tasks"][0], "id": "a", **task_fields}]}
    with pytest.raises(InvalidSpec) as raised:
        parse_spec(raw)
    assert str(raised.value) == message


def test_spec_missing_field_message() -> None:
    task = {key: value for key, value in inspect_spec()["tasks"][0].items() if key != "field_spec"}
    with pytest.raises(InvalidSpec) as raised:
        parse_spec({"tasks": [{**task, "id": "a"}]})
    assert str(raised.value) == "task 'a': `field_spec` is missing."
