"""Tests of claimed values: finite numbers, range, scale and all-zero templates."""

import pytest

from checks.report import EntryReport
from tests.validation_helpers import codes, run


def entry(value: str, task_id: str = "diamond", dataset_id: str = "Idavidrein/gpqa") -> str:
    return f"- dataset:\n    id: {dataset_id}\n    task_id: {task_id}\n  value: {value}\n"


# Values that are not finite numbers, with the hint each must give.
@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ('"85.2%"', "Write 85.2 as a plain number"),
        ("'85.2'", "Write 85.2 as a plain number"),
        ("85.2%", "Write 85.2 as a plain number"),
        ("true", "plain number, for example"),
        ("yes", "plain number, for example"),
        ("-.inf", "plain number, for example"),
        ("null", "plain number, for example"),
        ("", "plain number, for example"),
        ("[85.2]", "plain number, for example"),
        ("{score: 85.2}", "plain number, for example"),
        ("eighty", "plain number, for example"),
        ("1e3", "Write 1000.0 as a plain number"),
        ("1e400", "overflows a 64-bit float"),
        ("'-1e400'", "overflows a 64-bit float"),
        ("1.0e+400", "Write the real score as a plain number, for example 85.2."),
        (".inf", "The value is infinite"),
        (".nan", "The value is NaN"),
    ],
)
def test_non_number_value_is_not_finite(value: str, hint: str) -> None:
    found = run(entry(value)).report.entries()[0].findings
    assert [f.code for f in found] == ["value.not-finite"]
    assert hint in (found[0].hint or "")


@pytest.mark.parametrize("value", ["-0.1", "100.01", "1.0e+300", "-5", "9" * 400])
def test_value_outside_range_is_reported(value: str) -> None:
    assert codes(run(entry(value))) == ["value.out-of-range"]


@pytest.mark.parametrize("value", ["0", "0.0", "0.412", "1", "85", "100", "100.0"])
def test_value_in_range_is_clean(value: str) -> None:
    assert codes(run(entry(value))) == []


def test_overflowing_value_hint_names_no_inf() -> None:
    found = run(entry("1e400")).report.entries()[0].findings
    assert "inf" not in (found[0].hint or "").replace("infinite", "")


def test_reported_value_keeps_text() -> None:
    assert run(entry('"85.2%"')).report.entries()[0].value == "85.2%"


def test_reported_value_keeps_number() -> None:
    assert run(entry("85.2")).report.entries()[0].value == 85.2


# Scale: only the odd one out is reported, so a correct 0-100 entry stays clean.
def test_fraction_beside_percentage_in_pr() -> None:
    result = run(entry("0.412", "diamond") + entry("85.2", "main"))
    assert [codes_of(e) for e in result.report.entries()] == [["value.scale"], []]


def test_minority_percentage_beside_fractions() -> None:
    result = run(entry("0.412", "diamond") + entry("0.5", "main") + entry("85.2", "extended"))
    assert [codes_of(e) for e in result.report.entries()] == [[], [], ["value.scale"]]


def test_fraction_beside_two_percentages_flags_fraction_only() -> None:
    result = run(entry("0.612", "diamond"), main={".eval_results/old.yaml": entry("63.3", "main") + entry("81.3", "extended")})
    assert [codes_of(e) for e in result.report.entries()] == [["value.scale"]]


def test_percentage_beside_fractions_everywhere() -> None:
    result = run(entry("85.2", "diamond") + entry("0.5", "extended"), main={".eval_results/old.yaml": entry("0.412", "main")})
    assert [codes_of(e) for e in result.report.entries()] == [["value.scale"], []]


def test_fraction_beside_percentage_on_main() -> None:
    result = run(entry("0.412"), main={".eval_results/old.yaml": entry("85.2", "main")})
    found = result.report.entries()[0].findings
    assert [f.code for f in found] == ["value.scale"]
    assert "'.eval_results/old.yaml' line 1" in found[0].message


def test_percentage_beside_fraction_on_main() -> None:
    result = run(entry("85.2"), main={".eval_results/old.yaml": entry("0.412", "main")})
    assert codes(result) == ["value.scale"]


def test_scale_ignores_other_benchmarks() -> None:
    result = run(entry("0.412") + entry("85.2", dataset_id="other/bench"), specs=None)
    assert "value.scale" not in codes(result)


def test_scale_ignores_zero() -> None:
    assert codes(run(entry("0.0", "diamond") + entry("85.2", "main"))) == []


def codes_of(entry_report: EntryReport) -> list[str]:
    return [f.code for f in entry_report.findings]


# Placeholder: every value of a file zero.
def test_all_zero_file_is_placeholder() -> None:
    assert codes(run(entry("0.000", "diamond") + entry("0", "main"))) == ["value.placeholder"] * 2


def test_single_zero_is_not_placeholder() -> None:
    assert codes(run(entry("0.0"))) == []


def test_one_nonzero_clears_placeholder() -> None:
    assert codes(run(entry("0.0", "diamond") + entry("0.5", "main"))) == []
