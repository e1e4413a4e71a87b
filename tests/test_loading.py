"""Tests of safe YAML loading: limits, hostile files and line numbers."""

import os
import time

import pytest
import yaml

from checks import loading
from checks.loading import Limits, UnquotedDate, load_yaml, read_limited


def codes_of(content: bytes, limits: Limits | None = None) -> list[str]:
    return [found.code for found in load_yaml(content, "f.yaml", limits).findings]


# Bad inputs and the one finding each must produce.
@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"- a: 1\n  a: 2\n", "yaml.duplicate-key"),
        (b"- &anchor {a: 1}\n- *anchor\n", "yaml.alias"),
        (b"a: [1\n", "yaml.syntax"),
        (b"- a\n- b: c\n d\n", "yaml.syntax"),
        (b"---\n- 1\n---\n- 2\n", "yaml.syntax"),
        (b"- !!python/object/apply:os.system [ls]\n", "yaml.syntax"),
        (b"- !!binary aGVsbG8=\n", "yaml.syntax"),
        (b"- !!set {a: null}\n", "yaml.syntax"),
        (b"- !!int twelve\n", "yaml.syntax"),
        (b"? [a, b]\n: c\n", "yaml.syntax"),
        (b"- \x07\n", "yaml.syntax"),
        (b"- caf\xe9\n", "yaml.encoding"),
        ("- ü\n".encode("utf-16"), "yaml.encoding"),
        (b"[" * 40 + b"]" * 40, "yaml.too-deep"),
    ],
)
def test_bad_yaml_is_one_finding(content: bytes, code: str) -> None:
    assert codes_of(content) == [code]


def test_billion_laughs_is_alias() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    assert codes_of("\n".join(lines).encode()) == ["yaml.alias"]


# Guards: hostile sizes and depths are rejected fast and without recursion.
def test_too_large_is_rejected_before_parsing() -> None:
    content = b"- [" + b"x, " * 400_000 + b"]\n"
    assert codes_of(content) == ["yaml.too-large"]


def test_sparse_gib_file_read_is_bounded(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "huge.yaml")
    with open(path, "wb") as stream:
        stream.truncate(1024**3)
    started = time.perf_counter()
    content = read_limited(path)
    found = load_yaml(content, "huge.yaml").findings
    elapsed = time.perf_counter() - started
    assert len(content) == Limits().max_file_size + 1
    assert [f.code for f in found] == ["yaml.too-large"]
    assert elapsed < 1.0


@pytest.mark.parametrize("use_libyaml", [True, False])
def test_ten_thousand_deep_flow_is_too_deep(monkeypatch: pytest.MonkeyPatch, use_libyaml: bool) -> None:
    if not use_libyaml:
        monkeypatch.setattr(loading, "_Parser", None)
    content = b"[" * 10_000 + b"]" * 10_000
    assert codes_of(content) == ["yaml.too-deep"]


@pytest.mark.parametrize("use_libyaml", [True, False])
def test_deep_block_nesting_is_too_deep(monkeypatch: pytest.MonkeyPatch, use_libyaml: bool) -> None:
    if not use_libyaml:
        monkeypatch.setattr(loading, "_Parser", None)
    content = b"- " * 10_000 + b"1\n"
    assert codes_of(content) == ["yaml.too-deep"]


def test_depth_limit_is_configurable() -> None:
    content = b"- {a: {b: 1}}\n"
    assert codes_of(content, Limits(max_depth=2)) == ["yaml.too-deep"]
    assert codes_of(content, Limits(max_depth=3)) == []


# Values and lines: the loader must agree with yaml.safe_load except for dates.
def test_scalars_match_safe_load() -> None:
    content = b"- [1, 2.5, null, true, text, '3', 0x10, 1e3, .nan, -.inf, ~, 1_000, yes]\n"
    assert repr(load_yaml(content).value) == repr(yaml.safe_load(content))


def test_unquoted_date_stays_text() -> None:
    value = load_yaml(b"- date: 2026-05-23\n").value[0]["date"]
    assert value == "2026-05-23"
    assert isinstance(value, UnquotedDate)


def test_quoted_date_is_plain_text() -> None:
    value = load_yaml(b"- date: '2026-05-23'\n").value[0]["date"]
    assert not isinstance(value, UnquotedDate)


def test_lines_are_one_based() -> None:
    loaded = load_yaml(b"# comment\n- dataset:\n    id: a/b\n  value: 1\n")
    assert loaded.lines[(0,)] == 2
    assert loaded.lines[(0, "dataset", "id")] == 3
    assert loaded.lines[(0, "value")] == 4


def test_finding_carries_line() -> None:
    found = load_yaml(b"- a: 1\n  b: 2\n  a: 3\n", "f.yaml").findings[0]
    assert found.line == 3


def test_byte_order_mark_is_allowed() -> None:
    loaded = load_yaml(b"\xef\xbb\xbf- 1\n")
    assert loaded.findings == []
    assert loaded.value == [1]


def test_invalid_utf8_names_line() -> None:
    found = load_yaml(b"- a\n- b\n- \xff\n", "f.yaml").findings[0]
    assert found.line == 3


def test_empty_file_has_no_value() -> None:
    loaded = load_yaml(b"")
    assert loaded.value is None
    assert loaded.findings == []
