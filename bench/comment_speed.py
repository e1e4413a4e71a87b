"""Measure rendering the comment and the JSON report against validating the same pull request.

The pull request is built like bench/validate_speed.py builds its corpus: results files of
entries for the real GPQA, HLE, MMLU-Pro and GSM8K specs in tests/fixtures/realworld, with
one typical mistake in about every twentieth entry. Every fifth entry also carries hostile
text (HTML, a link, a mention, backticks, a fake marker) so the escaping runs on real
findings. The timings, each the best of `--rounds` runs in one process:

- validate: `checks.validate.validate` on all files as one pull request;
- comment: `bot.comment.render_comment` on the resulting report;
- json: `bot.output.report_to_json` and `json.dumps` on the same report.

The ratios show how much the output adds to a check. A typical pull request has one to
ten entries; `--files 1 --entries 5` measures that case.

Usage: python bench/comment_speed.py [--files 20] [--entries 50] [--rounds 5]
"""

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.comment import CommentContext, render_comment  # noqa: E402
from bot.output import report_to_json  # noqa: E402
from checks.inputs import ChangedFile, CheckInput  # noqa: E402
from checks.report import Report  # noqa: E402
from checks.validate import validate  # noqa: E402
from bench.corpus import BENCHMARKS, TODAY, load_specs  # noqa: E402

HOSTILE = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) @everyone ``a`` <!-- evalbot:v1 -->"
CONTEXT = CommentContext(
    repo_id="example-org/model",
    num=12,
    head_sha="3f5e2a9c1b7d4e6f8a0b2c4d6e8f0a1b3c5d7e9f",
    endpoint="http://127.0.0.1:9",
    benchmarks=[(dataset_id, None) for dataset_id in BENCHMARKS],
)


def build_entry(number: int) -> str:
    """Return one entry's YAML; about one in twenty is wrong and one in five is hostile."""
    dataset_id = list(BENCHMARKS)[number % len(BENCHMARKS)]
    task_ids = BENCHMARKS[dataset_id][1]
    task_id = task_ids[number % len(task_ids)]
    if number % 20 == 1:
        task_id = f"{dataset_id.split('/')[1].lower()}_{task_id}"
    if number % 5 == 2:
        task_id = json.dumps(HOSTILE)
    return (
        f"- dataset:\n"
        f"    id: {dataset_id}\n"
        f"    task_id: {task_id}\n"
        f"  value: {20 + (number % 700) / 10:.1f}\n"
        f"  date: '2026-0{1 + number % 9}-1{number % 10}'\n"
        f"  source:\n"
        f"    url: https://huggingface.co/example-org/model\n"
        f"    name: Model Card\n"
        f"  notes: 'run {number}'\n"
    )


def build_inputs(files: int, entries: int) -> CheckInput:
    changed = [
        ChangedFile(
            path=f".eval_results/results_{file_index:03d}.yaml",
            status="added",
            content="".join(build_entry(file_index * 1000 + index) for index in range(entries)).encode(),
        )
        for file_index in range(files)
    ]
    return CheckInput(changed=changed, today=TODAY)


def best_time(step: Callable[[], object], rounds: int) -> float:
    """Return the fastest of `rounds` runs, in seconds."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20, help="number of results files")
    parser.add_argument("--entries", type=int, default=50, help="entries per results file")
    parser.add_argument("--rounds", type=int, default=5, help="runs per timing; the fastest counts")
    args = parser.parse_args()

    inputs = build_inputs(args.files, args.entries)
    specs = load_specs()
    report: Report = validate(inputs, lambda dataset_id, revision: specs.get(dataset_id)).report
    findings = sum(len(file_report.all_findings()) for file_report in report.files)
    comment = render_comment(report, CONTEXT)
    print(f"pull request: {args.files} files x {args.entries} entries, {findings} findings")
    print(f"comment: {len(comment):,} characters")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")

    timings = {
        "validate": best_time(lambda: validate(inputs, lambda dataset_id, revision: specs.get(dataset_id)), args.rounds),
        "comment": best_time(lambda: render_comment(report, CONTEXT), args.rounds),
        "json": best_time(lambda: json.dumps(report_to_json(report)), args.rounds),
    }
    for name, seconds in timings.items():
        print(f"{name}: {seconds * 1000:.2f} ms")
    for name in ("comment", "json"):
        print(f"ratio {name} / validate: {timings[name] / timings['validate']:.3f}")


if __name__ == "__main__":
    main()
