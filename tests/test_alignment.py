"""Tests of entries against their benchmark: not found, invalid spec, task, framework, revision."""

import pytest

from checks.alignment import nearest_task_id
from checks.spec import parse_spec
from tests.validation_helpers import FIXTURES, GPQA_ID, FakeSpecs, codes, run


def entry(dataset_id: str = GPQA_ID, task_id: str = "diamond", extra: str = "") -> str:
    return f"- dataset:\n    id: {dataset_id}\n    task_id: {task_id}\n{extra}  value: 50.0\n"


def findings_of(text: str, specs: FakeSpecs | None = None) -> list:
    result = run(text, specs=specs)
    return [f for f in result.report.entries()[0].findings]


def test_clean_entry_has_no_findings() -> None:
    assert codes(run(entry())) == []


def test_unregistered_dataset_is_not_found() -> None:
    assert codes(run(entry("lukaemon/bbh", "navigate"))) == ["benchmark.not-found"]


def test_ownerless_id_hint_names_owner_form() -> None:
    found = findings_of(entry("ai2_arc", "arc_challenge"))[0]
    assert "owner/name" in (found.hint or "")


def test_invalid_spec_reported_on_each_entry() -> None:
    specs = FakeSpecs({"couto/bjj-vqa": (FIXTURES / "eval_yaml" / "couto__bjj-vqa__v1_missing_solvers_scorers.yaml").read_bytes()})
    text = entry("couto/bjj-vqa", "bjj_vqa") + entry("couto/bjj-vqa", "other")
    assert codes(run(text, specs=specs)) == ["benchmark.invalid-spec", "benchmark.invalid-spec"]


def test_invalid_spec_message_names_problem() -> None:
    specs = FakeSpecs({"x/y": b"tasks: []\n"})
    found = findings_of(entry("x/y", "t"), specs)[0]
    assert "no `tasks` list" in found.message


def test_unavailable_spec_is_bot_error() -> None:
    result = run(entry(), specs=FakeSpecs(failing=(GPQA_ID,)))
    assert codes(result) == []
    assert len(result.report.bot_errors) == 1
    assert result.report.bot_errors[0].entry_index == 0


def test_spec_fetched_once_per_revision() -> None:
    specs = FakeSpecs()
    run(entry() * 3 + entry(extra="    revision: main\n"), specs=specs)
    assert len(specs.calls) == 2
    assert set(specs.calls) == {(GPQA_ID, None), (GPQA_ID, "main")}


def test_valid_specs_are_returned() -> None:
    result = run(entry(), specs=FakeSpecs())
    assert list(result.specs) == [(GPQA_ID, None)]
    assert result.raw_specs[(GPQA_ID, None)]["name"] == "GPQA"


# Unknown task ids and the hint each must get.
@pytest.mark.parametrize(
    ("task_id", "hint"),
    [
        ("gpqa_diamond", "'diamond'"),
        ("Diamond", "'diamond'"),
        ("GPQA-Diamond", "'diamond'"),
        ("diamnd", "'diamond'"),
        ("extnded", "'extended'"),
    ],
)
def test_unknown_task_hints_nearest(task_id: str, hint: str) -> None:
    found = findings_of(entry(task_id=task_id))
    assert [f.code for f in found] == ["task.unknown"]
    assert found[0].hint == f"Use {hint}."


def test_unknown_task_without_match_lists_ids() -> None:
    found = findings_of(entry(task_id="zzz"))[0]
    assert found.hint == "Use one of: diamond, main, extended."


def test_single_task_benchmark_suggests_its_task() -> None:
    spec = parse_spec({"evaluation_framework": "inspect-ai", "tasks": [
        {"id": "hle", "field_spec": {}, "solvers": [{"name": "generate"}], "scorers": [{"name": "match"}]}]})
    assert nearest_task_id("default", "cais/hle", spec) == "hle"


def test_task_id_with_slash_matches() -> None:
    specs = FakeSpecs({"MathArena/aime_2026": (FIXTURES / "eval_yaml" / "MathArena__aime_2026.yaml").read_bytes()})
    assert codes(run(entry("MathArena/aime_2026", "MathArena/aime_2026"), specs=specs)) == []


def test_framework_mismatch_is_reported() -> None:
    text = entry(extra="") + "  evaluation_framework: lm-eval-harness\n"
    assert codes(run(text)) == ["framework.mismatch", "schema.unknown-field"]


def test_same_framework_is_not_mismatch() -> None:
    text = entry(extra="") + "  evaluation_framework: inspect-ai\n"
    assert codes(run(text)) == ["schema.unknown-field"]


# Revisions: only a full lowercase commit sha pins the dataset.
@pytest.mark.parametrize(
    ("revision", "words"),
    [
        ("main", "branch or tag"),
        ("v1.0", "branch or tag"),
        ("5503434", "short or upper-case"),
        ("5503434DDD753F426F4B38109466949A1217C2BB", "short or upper-case"),
    ],
)
def test_unpinned_revision_is_warned(revision: str, words: str) -> None:
    found = findings_of(entry(extra=f"    revision: '{revision}'\n"))
    assert [f.code for f in found] == ["revision.invalid"]
    assert words in found[0].message


def test_full_sha_revision_is_clean() -> None:
    sha = "5503434ddd753f426f4b38109466949a1217c2bb"
    assert codes(run(entry(extra=f"    revision: {sha}\n"))) == []


def test_unavailable_spec_reported_once() -> None:
    result = run(entry() + entry(task_id="main"), specs=FakeSpecs(failing=(GPQA_ID,)))
    assert len(result.report.bot_errors) == 1


# The not-found message names only the place the lookup looked.


class DescribedSpecs(FakeSpecs):
    """A lookup that describes where it looked, like `bot.platforms.local.LocalSpecs`."""

    def describe(self, dataset_id: str, revision: str | None) -> str:
        return f"no eval.yaml at 'benchmarks/{dataset_id}/eval.yaml'"


def test_not_found_on_hub_by_default() -> None:
    found = findings_of(entry("lukaemon/bbh", "navigate"))[0]
    assert found.message == "No benchmark spec was found for 'lukaemon/bbh': the dataset 'lukaemon/bbh' on the Hub has no eval.yaml."


def test_not_found_names_revision() -> None:
    found = findings_of(entry("lukaemon/bbh", "navigate", "    revision: v2\n"))[0]
    assert found.message.endswith("on the Hub has no eval.yaml at revision 'v2'.")


def test_not_found_uses_lookup_description() -> None:
    found = findings_of(entry("lukaemon/bbh", "navigate"), DescribedSpecs())[0]
    assert found.message == "No benchmark spec was found for 'lukaemon/bbh': no eval.yaml at 'benchmarks/lukaemon/bbh/eval.yaml'."


def test_described_lookup_hint_names_path() -> None:
    found = findings_of(entry("lukaemon/bbh", "navigate"), DescribedSpecs())[0]
    assert "at the path the message names" in (found.hint or "")


def test_not_found_claims_no_benchmark_status() -> None:
    found = findings_of(entry("lukaemon/bbh", "navigate"), DescribedSpecs())[0]
    assert "not a benchmark" not in found.message


def test_plain_function_lookup_still_works() -> None:
    result = run(entry(), specs=lambda dataset_id, revision: None)  # type: ignore[arg-type]
    assert codes(result) == ["benchmark.not-found"]
