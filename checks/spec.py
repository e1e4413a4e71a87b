"""The eval.yaml of a benchmark dataset repo: models and the rules that make it valid.

For `inspect-ai` tasks the rules are the ones Inspect AI applies when it loads
`hf/<org>/<dataset>` (inspect_ai 0.3.285, `inspect_ai/_eval/task/hf.py`). Unknown task
keys are rejected and `field_spec` is required. Solver and scorer names come from fixed
lists, with at least one of each. `epochs` is at least 1 and the epoch reducer matches a
fixed pattern. `id` is required when there are several tasks. Like Inspect, values are
validated in lax mode, so `epochs: "4"` passes. Other frameworks need only a task `id`.

Missing framework rule: several real specs have no `evaluation_framework` key. Inspect's
loader ignores the key, so a spec without it is read as `inspect-ai` when any task has
`field_spec`, `solvers` or `scorers`; without those it names no framework at all and is
invalid.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from checks.loading import Limits, load_yaml
from checks.messages import quote
from checks.validation_errors import describe_problem, error_field

INSPECT_AI = "inspect-ai"

_INSPECT_TASK_KEYS = ("field_spec", "solvers", "scorers")
_TASK_ONLY_KEYS = (*_INSPECT_TASK_KEYS, "epochs", "epoch_reducer", "shuffle_choices", "config", "split")

SolverName = Literal[
    "prompt_template",
    "system_message",
    "user_message",
    "chain_of_thought",
    "use_tools",
    "generate",
    "self_critique",
    "multiple_choice",
]
ScorerName = Literal[
    "includes",
    "match",
    "pattern",
    "answer",
    "exact",
    "f1",
    "model_graded_qa",
    "model_graded_fact",
    "choice",
    "math",
]
EpochReducer = Annotated[str, StringConstraints(pattern=r"^(pass_at_\d+|at_least_\d+|max|mode|median|mean)$")]


class InvalidSpec(Exception):
    """The eval.yaml breaks a rule, which the message names for the user."""


class SolverSpec(BaseModel):
    """One solver of an Inspect task. Unknown keys are ignored, as Inspect does."""

    name: SolverName
    args: dict[str, Any] = Field(default_factory=dict)


class ScorerSpec(BaseModel):
    """One scorer of an Inspect task. Unknown keys are ignored, as Inspect does."""

    name: ScorerName
    args: dict[str, Any] = Field(default_factory=dict)


class FieldSpec(BaseModel):
    """Dataset column names for each Sample field, with Inspect's defaults."""

    model_config = ConfigDict(extra="forbid")

    input: str = "input"
    target: str = "target"
    choices: str | list[str] | None = None
    id: str = "id"
    metadata: list[str] | None = None
    sandbox: str = "sandbox"
    files: str = "files"
    setup: str = "setup"
    checkpoint: str | None = "checkpoint"
    description: str | None = None
    input_image: str | None = None


class TaskSpec(BaseModel):
    """A task of any framework: only `id` is checked, other keys are kept."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    config: str = "default"
    split: str = "test"


class InspectTaskSpec(TaskSpec):
    """A task that Inspect AI can run."""

    model_config = ConfigDict(extra="forbid")

    field_spec: FieldSpec
    shuffle_choices: bool | None = None
    epochs: int = Field(default=1, ge=1)
    epoch_reducer: EpochReducer | None = None
    solvers: list[SolverSpec] = Field(min_length=1)
    scorers: list[ScorerSpec] = Field(min_length=1)


class BenchmarkSpec(BaseModel):
    """A valid eval.yaml, with the framework resolved by the missing framework rule."""

    name: str | None = None
    description: str | None = None
    evaluation_framework: str
    framework_declared: bool = True
    tasks: list[InspectTaskSpec] | list[TaskSpec]

    @property
    def is_inspect(self) -> bool:
        return self.evaluation_framework == INSPECT_AI

    def task_ids(self) -> list[str]:
        """Return the ids an entry may name, where a single task without `id` is `default`."""
        return [task.id if task.id is not None else "default" for task in self.tasks]


def load_spec(content: bytes, limits: Limits | None = None) -> tuple[dict[str, Any], BenchmarkSpec]:
    """Parse eval.yaml bytes into the raw mapping and the validated spec.

    Raises:
        InvalidSpec: the YAML is unsafe or invalid, or the spec breaks a rule.
    """
    loaded = load_yaml(content, "eval.yaml", limits)
    if loaded.findings:
        problem = loaded.findings[0]
        raise InvalidSpec(f"line {problem.line}: {problem.message}" if problem.line else problem.message)
    return loaded.value, parse_spec(loaded.value)


def parse_spec(raw: Any) -> BenchmarkSpec:
    """Validate a raw eval.yaml mapping.

    Raises:
        InvalidSpec: the spec breaks a rule, which the message names with the key.
    """
    if not isinstance(raw, dict):
        raise InvalidSpec("The eval.yaml top level is not a mapping with `tasks`.")
    misplaced = [key for key in _TASK_ONLY_KEYS if key in raw]
    if misplaced:
        names = ", ".join(f"`{key}`" for key in misplaced)
        raise InvalidSpec(f"{names} must be inside each task under `tasks`, not at the top level.")
    tasks = raw.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        raise InvalidSpec("The eval.yaml has no `tasks` list with at least one task.")

    framework, declared = _framework(raw, tasks)
    task_model = InspectTaskSpec if framework == INSPECT_AI else TaskSpec
    parsed = [_parse_task(task_model, task, index) for index, task in enumerate(tasks)]
    _check_task_ids(parsed, framework)
    try:
        return BenchmarkSpec(
            name=raw.get("name"),
            description=raw.get("description"),
            evaluation_framework=framework,
            framework_declared=declared,
            tasks=parsed,
        )
    except ValidationError as error:
        raise InvalidSpec(_describe(error, "")) from error


def _framework(raw: dict[str, Any], tasks: list[Any]) -> tuple[str, bool]:
    framework = raw.get("evaluation_framework")
    if framework is not None:
        if not isinstance(framework, str) or not framework:
            raise InvalidSpec(f"`evaluation_framework` is {quote(framework)}, expected a framework name.")
        return framework, True
    if any(isinstance(task, dict) and any(k in task for k in _INSPECT_TASK_KEYS) for task in tasks):
        return INSPECT_AI, False
    raise InvalidSpec("The eval.yaml names no `evaluation_framework` and its tasks have no Inspect fields.")


def _parse_task(model: type[TaskSpec], task: Any, index: int) -> TaskSpec:
    where = f"task {quote(task.get('id'))}" if isinstance(task, dict) and task.get("id") else f"task {index + 1}"
    try:
        return model.model_validate(task)
    except ValidationError as error:
        raise InvalidSpec(_describe(error, where)) from error


def _check_task_ids(tasks: list[TaskSpec], framework: str) -> None:
    ids = [task.id for task in tasks]
    # Inspect needs ids only to pick one of several tasks; other frameworks always do.
    if (len(tasks) > 1 or framework != INSPECT_AI) and None in ids:
        raise InvalidSpec(f"Task {ids.index(None) + 1} has no `id`, which is required here.")
    repeated = sorted({task_id for task_id in ids if task_id is not None and ids.count(task_id) > 1})
    if repeated:
        raise InvalidSpec(f"The task id {quote(repeated[0])} is used by more than one task.")


def _describe(error: ValidationError, where: str) -> str:
    """Summarise the first pydantic error as `<where>: <field> <problem>`."""
    details = error.errors()
    field = error_field(details[0])
    sentence = f"`{field}` {describe_problem(details[0])}" if field else describe_problem(details[0])
    # A union field reports one error per member type, which is still one problem.
    more = len({error_field(detail) for detail in details} - {field})
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ": ".join(part for part in (where, sentence) if part) + suffix + "."
