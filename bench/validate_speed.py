"""Measure full validation against plain parsing on the same 10,000-entry corpus.

The corpus is one pull request of 100 results files with 100 entries each, built from
the real benchmark specs in tests/fixtures/realworld (GPQA, HLE, MMLU-Pro, GSM8K). Every
entry has a quoted date, a source and notes. About one in twenty has a typical mistake
(an unknown task id, a value written as text, a benchmark's own page as source), so the
checks that build findings run too.

Three timings run in the same process, each the best of `--rounds` runs:

- baseline: `yaml.safe_load` (PyYAML's default, pure Python) then
  `huggingface_hub.parse_eval_result_entries`, per file;
- baseline with LibYAML: the same with `yaml.CSafeLoader`;
- full: `checks.validate.validate` on all 100 files as one pull request.

Usage: python bench/validate_speed.py [--files 100] [--entries 100] [--rounds 5]
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import yaml
from huggingface_hub import parse_eval_result_entries

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checks.inputs import ChangedFile, CheckInput  # noqa: E402
from checks.validate import validate  # noqa: E402
from bench.corpus import BENCHMARKS, TODAY, load_specs  # noqa: E402



def build_entry(file_index: int, entry_index: int) -> str:
    """Return one entry's YAML; every twentieth entry carries one typical mistake."""
    number = file_index * 1000 + entry_index
    dataset_id = list(BENCHMARKS)[number % len(BENCHMARKS)]
    task_ids = BENCHMARKS[dataset_id][1]
    task_id = task_ids[number % len(task_ids)]
    value = f"{20 + (number % 700) / 10:.1f}"
    url = f"https://huggingface.co/example-org/model-{file_index}"
    mistake = number % 20
    if mistake == 1:
        task_id = f"{dataset_id.split('/')[1].lower()}_{task_id}"
    elif mistake == 2:
        value = f'"{value}%"'
    elif mistake == 3:
        url = f"https://huggingface.co/datasets/{dataset_id}"
    return (
        f"- dataset:\n"
        f"    id: {dataset_id}\n"
        f"    task_id: {task_id}\n"
        f"  value: {value}\n"
        f"  date: '2026-0{1 + number % 9}-1{number % 10}'\n"
        f"  source:\n"
        f"    url: {url}\n"
        f"    name: Model Card\n"
        f"  notes: 'run {number}, temperature 0.{number % 10}'\n"
    )


def build_corpus(files: int, entries: int) -> dict[str, bytes]:
    return {
        f".eval_results/results_{file_index:03d}.yaml": "".join(
            build_entry(file_index, entry_index) for entry_index in range(entries)
        ).encode()
        for file_index in range(files)
    }


def baseline(corpus: dict[str, bytes], loader: type) -> int:
    count = 0
    for content in corpus.values():
        count += len(parse_eval_result_entries(yaml.load(content, Loader=loader)))
    return count


def full(corpus: dict[str, bytes], specs: dict[str, bytes]) -> int:
    inputs = CheckInput(
        changed=[ChangedFile(path=path, status="added", content=content) for path, content in corpus.items()],
        today=TODAY,
    )
    result = validate(inputs, lambda dataset_id, revision: specs.get(dataset_id))
    return len(result.report.entries())


def best_time(step, rounds: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Return the fastest of `rounds` runs in seconds, and the entry count it returned."""
    best = float("inf")
    count = 0
    for _ in range(rounds):
        started = time.perf_counter()
        count = step()
        best = min(best, time.perf_counter() - started)
    return best, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100, help="number of results files")
    parser.add_argument("--entries", type=int, default=100, help="entries per results file")
    parser.add_argument("--rounds", type=int, default=5, help="runs per timing; the fastest counts")
    args = parser.parse_args()

    corpus = build_corpus(args.files, args.entries)
    specs = load_specs()
    size = sum(len(content) for content in corpus.values())
    print(f"corpus: {args.files} files x {args.entries} entries, {size / 1e6:.2f} MB")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"PyYAML {yaml.__version__} (LibYAML {'yes' if yaml.__with_libyaml__ else 'no'})")

    timings = {
        "baseline (safe_load + parse_eval_result_entries)": best_time(lambda: baseline(corpus, yaml.SafeLoader), args.rounds),
        "baseline with LibYAML (CSafeLoader)": best_time(lambda: baseline(corpus, yaml.CSafeLoader), args.rounds),
        "full validate()": best_time(lambda: full(corpus, specs), args.rounds),
    }
    for name, (seconds, count) in timings.items():
        print(f"{name}: {seconds:.3f} s, {count / seconds:,.0f} entries/s")

    full_seconds = timings["full validate()"][0]
    for name in list(timings)[:2]:
        print(f"ratio full / {name}: {full_seconds / timings[name][0]:.2f}")


if __name__ == "__main__":
    main()
