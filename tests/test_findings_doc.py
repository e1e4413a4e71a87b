"""Tests that docs/findings.md documents every finding code with its fixed severity."""

import re
from pathlib import Path

import pytest

from checks.codes import CODES

DOC = (Path(__file__).resolve().parent.parent / "docs" / "findings.md").read_text(encoding="utf-8")
DOC_ROWS = dict(re.findall(r"^\| `([a-z-]+\.[a-z-]+)` \| (error|warning|info) \|", DOC, re.MULTILINE))


@pytest.mark.parametrize("code", sorted(CODES))
def test_code_documented_with_severity(code: str) -> None:
    assert DOC_ROWS.get(code) == CODES[code][0]


def test_doc_lists_no_unknown_code() -> None:
    assert set(DOC_ROWS) <= set(CODES)
