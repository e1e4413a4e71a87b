"""Tests of `source.url`: placeholders, non-web links and the benchmark's own page."""

import pytest

from tests.validation_helpers import codes, run


def entry(url: str) -> str:
    return (
        "- dataset:\n    id: Idavidrein/gpqa\n    task_id: diamond\n  value: 50.0\n"
        f"  source:\n    url: '{url}'\n    name: Source\n"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://huggingface.co/datasets/Idavidrein/gpqa",
        "https://huggingface.co/datasets/Idavidrein/gpqa/",
        "https://huggingface.co/datasets/idavidrein/GPQA",
        "https://huggingface.co/datasets/Idavidrein/gpqa/tree/main",
        "https://huggingface.co/datasets/Idavidrein/gpqa/viewer/gpqa_diamond",
        "https://huggingface.co/datasets/Idavidrein/gpqa/blob/main/README.md",
        "https://huggingface.co/datasets/Idavidrein/gpqa/discussions/3",
        "https://hf.co/datasets/Idavidrein/gpqa",
        "https://huggingface.co/example-user/REPO_NAME/tree/main/results",
        "https://huggingface.co/{model}",
        "https://huggingface.co/<your-model>",
        "https://huggingface.co/YOUR_ORG/model",
        "https://example.com/results",
        "https://docs.example.org/x",
        "ftp://files.org/results.json",
        "results.json",
        "",
    ],
)
def test_url_that_is_not_evidence(url: str) -> None:
    assert codes(run(entry(url))) == ["source.not-evidence"]


@pytest.mark.parametrize(
    "url",
    [
        "https://huggingface.co/google/gemma-4-12B-it",
        "https://huggingface.co/datasets/Idavidrein/gpqa/blob/main/logs/model-run.eval",
        "https://huggingface.co/datasets/Idavidrein/gpqa-results",
        "https://huggingface.co/datasets/other/leaderboard",
        "https://arxiv.org/abs/2311.12022",
        "https://www.tbench.ai/leaderboard/terminal-bench/2.0",
    ],
)
def test_url_that_can_be_evidence(url: str) -> None:
    assert codes(run(entry(url))) == []


def test_message_names_placeholder() -> None:
    found = run(entry("https://huggingface.co/x/REPO_NAME")).report.entries()[0].findings[0]
    assert "'REPO_NAME'" in found.message


def test_long_url_is_truncated_in_message() -> None:
    found = run(entry("https://example.com/" + "a" * 500)).report.entries()[0].findings[0]
    assert len(found.message) < 200
