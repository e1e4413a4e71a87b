"""Tests of the `date` field: ISO-8601, quoting, and dates after the day of the check."""

import datetime

import pytest

from checks.dates import parse_iso_date
from tests.validation_helpers import TODAY, codes, run


def entry(date: str) -> str:
    return f"- dataset:\n    id: Idavidrein/gpqa\n    task_id: diamond\n  value: 50.0\n  date: {date}\n"


@pytest.mark.parametrize(
    "date",
    ["'2026-05-23'", "'2026-06-01'", "'2026-05-23T10:30:00Z'", "'2026-05-23T10:30:00+02:00'", "'2026-05-23 10:30'"],
)
def test_valid_date_is_clean(date: str) -> None:
    assert codes(run(entry(date))) == []


@pytest.mark.parametrize(
    "date",
    ["'23/05/2026'", "'May 2026'", "'2026-13-01'", "'2026-02-30'", "''", "'2026'", "'yesterday'"],
)
def test_invalid_date_is_reported(date: str) -> None:
    assert codes(run(entry(date))) == ["date.invalid"]


def test_unquoted_date_is_warned() -> None:
    assert codes(run(entry("2026-05-23"))) == ["date.unquoted"]


def test_unquoted_datetime_is_warned() -> None:
    assert codes(run(entry("2026-05-23 10:30:00"))) == ["date.unquoted"]


def test_unquoted_impossible_date_is_invalid() -> None:
    assert codes(run(entry("2026-02-30"))) == ["date.invalid", "date.unquoted"]


@pytest.mark.parametrize("date", ["'2026-06-02'", "'2027-01-01'", "'2026-06-02T00:00:00Z'"])
def test_future_date_is_error(date: str) -> None:
    assert codes(run(entry(date))) == ["date.future"]


def test_date_today_is_not_future() -> None:
    assert codes(run(entry(f"'{TODAY.isoformat()}'"))) == []


def test_timezone_date_kept_as_written() -> None:
    assert parse_iso_date("2026-06-01T23:00:00-05:00") == datetime.date(2026, 6, 1)


def test_missing_date_is_fine() -> None:
    text = "- dataset:\n    id: Idavidrein/gpqa\n    task_id: diamond\n  value: 50.0\n"
    assert codes(run(text)) == []
