"""Shared builders for re-run tests: a small local benchmark and a validation result.

The benchmark mirrors GPQA's layout (a `Question` column, three incorrect answers and a
`Correct Answer`, `target: literal:D`, `shuffle_choices: true`), so the tests exercise
literal targets and seeded choice shuffling.
"""

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from checks.report import EntryReport, FileReport, Report

DATASET_ID = "evalbot-tests/sums"
TASK_ID = "sums"
RESULTS_PATH = ".eval_results/sums.yaml"

# GPQA's dataset card header: one folder of CSV files per config, each with a train split.
GPQA_README = """---
configs:
- config_name: gpqa_diamond
  data_files:
  - split: train
    path: gpqa_diamond/train-*.csv
- config_name: gpqa_main
  data_files:
  - split: train
    path: gpqa_main/train-*.csv
---
"""


def sum_items(count: int) -> list[dict[str, str]]:
    """Return `count` multiple-choice records whose correct answer is a sum."""
    items = []
    for index in range(count):
        left, right = 10 + index, 3 * index + 7
        total = left + right
        items.append(
            {
                "Question": f"Item {index}: what is {left} plus {right}?",
                "Incorrect Answer 1": str(total + 1),
                "Incorrect Answer 2": str(total - 2),
                "Incorrect Answer 3": str(total + 10),
                "Correct Answer": str(total),
            }
        )
    return items


def raw_task(**overrides: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "id": TASK_ID,
        "config": "default",
        "split": "test",
        "shuffle_choices": True,
        "field_spec": {
            "input": "Question",
            "target": "literal:D",
            "choices": ["Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3", "Correct Answer"],
        },
        "solvers": [{"name": "multiple_choice"}],
        "scorers": [{"name": "choice"}],
    }
    task.update(overrides)
    return task


def raw_spec(*tasks: dict[str, Any], framework: str = "inspect-ai") -> dict[str, Any]:
    return {"name": "Sums", "evaluation_framework": framework, "tasks": list(tasks) or [raw_task()]}


def write_benchmark(root: Path, items: list[dict[str, str]], spec: dict[str, Any] | None = None) -> Path:
    """Write `root/<org>/<name>/eval.yaml` and `data/test-00000-of-00001.jsonl`; return the folder."""
    folder = root / DATASET_ID
    (folder / "data").mkdir(parents=True)
    (folder / "eval.yaml").write_text(yaml.safe_dump(spec or raw_spec()), encoding="utf-8")
    with (folder / "data" / "test-00000-of-00001.jsonl").open("w", encoding="utf-8") as data:
        for item in items:
            data.write(json.dumps(item) + "\n")
    return folder


def answers_of(items: list[dict[str, str]]) -> dict[str, str]:
    """Map each question to its correct choice, as `tests.model_server.ModelServer` takes them."""
    return {item["Question"]: item["Correct Answer"] for item in items}


def validation_result(
    value: float | str | None,
    *,
    spec: dict[str, Any] | None = None,
    task_id: str = TASK_ID,
    findings: list[Any] | None = None,
) -> SimpleNamespace:
    """Build what `checks.validate.validate` returns for one entry against one spec."""
    raw = spec or raw_spec()
    entry = EntryReport(index=0, dataset_id=DATASET_ID, task_id=task_id, value=value, line=1, findings=findings or [])
    report = Report(files=[FileReport(path=RESULTS_PATH, entries=[entry])])
    framework = SimpleNamespace(evaluation_framework=raw.get("evaluation_framework"))
    return SimpleNamespace(report=report, specs={(DATASET_ID, None): framework}, raw_specs={(DATASET_ID, None): raw})
