"""Which files hold a config and split, and reading them from a local folder offline."""

import json
from pathlib import Path

import pytest

from checks.reproduce.data import DataFilesError, data_file_patterns, load_split, readme_configs

README_LIST = """---
configs:
- config_name: gpqa_diamond
  data_files:
  - split: train
    path: gpqa_diamond/train-*.csv
  - split: test
    path:
    - gpqa_diamond/test-a.csv
    - gpqa_diamond/test-b.csv
- config_name: plain
  data_files: plain/all.csv
---
# GPQA
"""


@pytest.mark.parametrize(
    ("config", "split", "expected"),
    [
        ("gpqa_diamond", "train", ["gpqa_diamond/train-*.csv"]),
        ("gpqa_diamond", "test", ["gpqa_diamond/test-a.csv", "gpqa_diamond/test-b.csv"]),
        ("plain", "train", ["plain/all.csv"]),
    ],
)
def test_patterns_from_readme_configs(config, split, expected):
    assert data_file_patterns(README_LIST, config, split) == expected


@pytest.mark.parametrize(
    ("config", "split", "message"),
    [
        ("gpqa_main", "train", "'gpqa_main' is not in the README's configs"),
        ("gpqa_diamond", "validation", "no data files for split 'validation'"),
        ("plain", "test", "no data files for split 'test'"),
    ],
)
def test_unknown_config_or_split_raises(config, split, message):
    with pytest.raises(DataFilesError, match=message):
        data_file_patterns(README_LIST, config, split)


@pytest.mark.parametrize("readme", [None, "", "# No header\n", "---\nlicense: mit\n---\n"])
def test_default_layout_without_configs(readme):
    patterns = data_file_patterns(readme, "default", "test")
    assert "data/test-*" in patterns


def test_config_folder_without_configs():
    assert data_file_patterns(None, "main", "test")[0] == "main/test-*"


@pytest.mark.parametrize(
    ("readme", "message"),
    [
        ("---\nconfigs: [unclosed\n---\n", "YAML header is invalid"),
        ("---\nconfigs: gpqa\n---\n", "not a list of mappings"),
        ("---\nconfigs:\n- 3\n---\n", "not a list of mappings"),
    ],
)
def test_bad_readme_header_raises(readme, message):
    with pytest.raises(DataFilesError, match=message):
        readme_configs(readme)


def test_bad_data_files_type_raises():
    readme = "---\nconfigs:\n- config_name: default\n  data_files: 3\n---\n"
    with pytest.raises(DataFilesError, match="'int'"):
        data_file_patterns(readme, "default", "test")


# Local folders in the layouts the Hub uses.


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_load_default_layout(tmp_path):
    write_jsonl(tmp_path / "data" / "test-00000-of-00001.jsonl", [{"q": "a"}, {"q": "b"}])
    write_jsonl(tmp_path / "data" / "train-00000-of-00001.jsonl", [{"q": "c"}])
    assert [row["q"] for row in load_split(tmp_path, "default", "test", tmp_path / "cache")] == ["a", "b"]


def test_load_config_folder(tmp_path):
    write_jsonl(tmp_path / "main" / "test-00000-of-00001.jsonl", [{"q": "main"}])
    write_jsonl(tmp_path / "socratic" / "test-00000-of-00001.jsonl", [{"q": "socratic"}])
    assert [row["q"] for row in load_split(tmp_path, "main", "test", tmp_path / "cache")] == ["main"]


def test_load_readme_configs(tmp_path):
    (tmp_path / "gpqa_diamond").mkdir()
    (tmp_path / "gpqa_diamond" / "train-0.csv").write_text("Question\nwhy\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(README_LIST, encoding="utf-8")
    rows = list(load_split(tmp_path, "gpqa_diamond", "train", tmp_path / "cache"))
    assert rows == [{"Question": "why"}]


def test_load_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "data").mkdir()
    pq.write_table(pa.table({"q": ["x", "y"]}), tmp_path / "data" / "test-00000-of-00001.parquet")
    assert [row["q"] for row in load_split(tmp_path, "default", "test", tmp_path / "cache")] == ["x", "y"]


def test_missing_split_raises(tmp_path):
    write_jsonl(tmp_path / "data" / "train-00000-of-00001.jsonl", [{"q": "c"}])
    with pytest.raises(ValueError):
        load_split(tmp_path, "default", "test", tmp_path / "cache")
