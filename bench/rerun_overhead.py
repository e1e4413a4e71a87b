"""Measure the wall-clock cost of one re-run entry against a local model server.

Runs the bundled demo benchmark (`examples/benchmarks/evalbot-demo/sums`, 80 items) through
`bot.rerun.reproduce` with every item drawn (a claim equal to the server's accuracy and
`max_items` = 80, so the run ends at n = N), for several batch sizes. One `inspect_ai.eval`
call runs per batch, so the difference between batch sizes estimates the cost of one call,
and the rest is the child's start-up (imports, data loading) plus the model calls.

Usage: `python bench/rerun_overhead.py [--rounds 2]`. Prints a markdown table.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from types import SimpleNamespace

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))

import yaml  # noqa: E402

from bot.rerun import RerunContext, reproduce  # noqa: E402
from checks.report import EntryReport, FileReport, Report  # noqa: E402
from checks.reproduce.options import RerunOptions  # noqa: E402
from model_server import ModelServer  # noqa: E402

BENCHMARKS = PROJECT / "examples" / "benchmarks"
DATASET_ID = "evalbot-demo/sums"
SPEC = yaml.safe_load((BENCHMARKS / DATASET_ID / "eval.yaml").read_text(encoding="utf-8"))
ROWS = [json.loads(line) for line in (BENCHMARKS / DATASET_ID / "data" / "test-00000-of-00001.jsonl").read_text().splitlines()]
BATCH_SIZES = (10, 20, 40, 80)


def one_run(batch_size: int, claim: float) -> tuple[float, int, str]:
    """Re-run task `sums_fixed_order` once; return (seconds, items, verdict)."""
    entry = EntryReport(index=0, dataset_id=DATASET_ID, task_id="sums_fixed_order", value=claim)
    result = SimpleNamespace(
        report=Report(files=[FileReport(path=".eval_results/bench.yaml", entries=[entry])]),
        specs={(DATASET_ID, None): SimpleNamespace(evaluation_framework="inspect-ai")},
        raw_specs={(DATASET_ID, None): SPEC},
    )
    options = RerunOptions(enabled=True, model="openai-api/bench/local-model", max_items=80, batch_size=batch_size, delta=3.0)
    context = RerunContext(seed_material="bench", benchmarks_dir=BENCHMARKS)
    started = time.perf_counter()
    reproduce(result, options, context)
    reproduction = entry.reproduction
    return time.perf_counter() - started, reproduction.items, reproduction.verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="runs per batch size; the table shows the fastest")
    args = parser.parse_args()

    answers = {row["question"]: row["right"] for row in ROWS}
    with ModelServer(answers, accuracy=0.75, seed=2026) as server:
        os.environ["BENCH_BASE_URL"] = server.base_url
        os.environ["BENCH_API_KEY"] = "bench"
        truth = sum(server.is_right(row["question"]) for row in ROWS) / len(ROWS)
        print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
        print("| batch size | eval calls | items | verdict | seconds (best of rounds) |")
        print("|---|---|---|---|---|")
        for batch_size in BATCH_SIZES:
            runs = [one_run(batch_size, truth * 100) for _ in range(args.rounds)]
            seconds, items, verdict = min(runs)
            calls = -(-items // batch_size)
            print(f"| {batch_size} | {calls} | {items} | {verdict} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
