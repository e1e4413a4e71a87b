"""Real submissions checked against real benchmark specs.

Each expected set of codes follows from the results format and the benchmark's
eval.yaml, as described in fixtures/realworld/README.md.
"""

import datetime
from pathlib import Path

import pytest

from tests.validation_helpers import FIXTURES, FakeSpecs, run

# Dates in the files go up to 2026-09-17; the check runs on a later day.
TODAY = datetime.date(2026, 12, 1)
VARIANT_SPECS = {"couto__bjj-vqa__v1_missing_solvers_scorers.yaml", "final-bench__final-bench__malformed.yaml"}


def spec_id(path: Path) -> str:
    owner, name = path.stem.split("__")[:2]
    return f"{owner}/{name}"


def live_specs() -> FakeSpecs:
    """Return the current spec of each benchmark; older and malformed variants are left out."""
    return FakeSpecs({
        spec_id(path): path.read_bytes()
        for path in sorted((FIXTURES / "eval_yaml").glob("*.yaml"))
        if path.name not in VARIANT_SPECS
    })


def check_file(name: str, specs: FakeSpecs | None = None) -> list:
    content = (FIXTURES / "eval_results" / name).read_bytes()
    result = run({f".eval_results/{name}": content}, specs=specs or live_specs(), today=TODAY)
    assert result.report.bot_errors == []
    return [f for f in result.report.files[0].all_findings()]


REALWORLD_CASES: list[tuple[str, set[str]]] = [
    ("gemma-4-12B-it__gpqa.yaml", set()),
    ("gemma-4-12B-it__mmlu_pro.yaml", set()),
    ("gemma-4-12B-it__hle.yaml", {"notes.tools"}),
    ("hfcommit__MiniMaxAI__MiniMax-M2.5__gpqa.yaml", set()),
    ("hfcommit__MiniMaxAI__MiniMax-M2.5__hle.yaml", set()),
    ("hfcommit__MiniMaxAI__MiniMax-M2__terminal_bench.yaml", {"benchmark.not-found"}),
    ("hfcommit__Zyphra__ZAYA1-8B__mmlu-pro.yaml", set()),
    ("hfcommit__arcee-ai__Trinity-Large-Preview__gpqa.yaml", {"task.unknown"}),
    ("dual-loop-controller__bbh.yaml", {"benchmark.not-found"}),
    (
        "cerebellum-gguf__template_placeholder_zeros.yaml",
        {"benchmark.not-found", "task.unknown", "value.placeholder", "source.not-evidence"},
    ),
    ("ternary-bonsai-27b-gguf__gpqa_diamond__community.yaml", {"source.not-evidence"}),
    ("ternary-bonsai-27b-gguf__mmmu_pro__v1_standard_4_options.yaml", {"benchmark.not-found"}),
]


@pytest.mark.parametrize(("name", "expected"), REALWORLD_CASES)
def test_realworld_file_codes(name: str, expected: set[str]) -> None:
    assert {f.code for f in check_file(name)} == expected


def test_every_fixture_is_covered() -> None:
    names = {path.name for path in (FIXTURES / "eval_results").glob("*.yaml")}
    assert names == {name for name, _ in REALWORLD_CASES}


def test_arcee_task_hint_is_diamond() -> None:
    found = check_file("hfcommit__arcee-ai__Trinity-Large-Preview__gpqa.yaml")
    assert [f.hint for f in found] == ["Use 'diamond'."]


def test_cerebellum_mmlu_pro_hint() -> None:
    found = check_file("cerebellum-gguf__template_placeholder_zeros.yaml")
    assert [f.hint for f in found if f.code == "task.unknown"] == ["Use 'mmlu_pro'."]


def test_cerebellum_every_entry_is_placeholder() -> None:
    found = check_file("cerebellum-gguf__template_placeholder_zeros.yaml")
    assert len([f for f in found if f.code == "value.placeholder"]) == 4


def test_bonsai_source_line() -> None:
    found = check_file("ternary-bonsai-27b-gguf__gpqa_diamond__community.yaml")
    assert [(f.field, f.line) for f in found] == [("source.url", 8)]


@pytest.mark.parametrize(
    ("spec_name", "dataset_id", "task_id"),
    [
    ("couto__bjj-vqa__v1_missing_solvers_scorers.yaml", "couto/bjj-vqa", "bjj_vqa"),
    ("final-bench__final-bench__malformed.yaml", "final-bench/final-bench", "default"),
    ],
)
def test_variant_spec_is_invalid(spec_name: str, dataset_id: str, task_id: str) -> None:
    specs = FakeSpecs({dataset_id: (FIXTURES / "eval_yaml" / spec_name).read_bytes()})
    text = f"- dataset:\n    id: {dataset_id}\n    task_id: {task_id}\n  value: 50.0\n"
    result = run(text, specs=specs, today=TODAY)
    assert [f.code for f in result.report.entries()[0].findings] == ["benchmark.invalid-spec"]


def test_current_bjj_spec_is_valid() -> None:
    text = "- dataset:\n    id: couto/bjj-vqa\n    task_id: bjj_vqa\n  value: 50.0\n"
    assert run(text, specs=live_specs(), today=TODAY).report.entries()[0].findings == []
