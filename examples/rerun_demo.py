"""Re-run a bundled benchmark with Inspect against a local model server on 127.0.0.1.

The benchmark is `examples/benchmarks/evalbot-demo/sums/` (80 multiple-choice sums, two
tasks). The model is the test suite's OpenAI-compatible server (`tests/model_server.py`),
which answers each question right with a seeded probability of 0.75. With seed 2026 it
gets 69 of the 80 questions right (86.25%), so the demo's results file claims 86.3 for
task `sums` (consistent) and 62.0 for `sums_fixed_order` (inconsistent). No real model
provider and no Hub is contacted.

Run it with `python examples/rerun_demo.py` inside the project's venv, or call
`run_rerun_demo()` from another script.
"""

import datetime
import json
import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))

from bot.platforms.local import LocalSpecs  # noqa: E402
from bot.rerun import RerunContext, reproduce  # noqa: E402
from checks.inputs import ChangedFile, CheckInput  # noqa: E402
from checks.report import Report  # noqa: E402
from checks.reproduce.options import RerunOptions  # noqa: E402
from checks.validate import validate  # noqa: E402
from model_server import ModelServer  # noqa: E402

BENCHMARKS = PROJECT / "examples" / "benchmarks"
DATA_FILE = BENCHMARKS / "evalbot-demo" / "sums" / "data" / "test-00000-of-00001.jsonl"
# Inspect's `openai-api` provider reads `DEMO_BASE_URL` and `DEMO_API_KEY` for this name.
MODEL = "openai-api/demo/local-model"
SERVER_ACCURACY = 0.75
SERVER_SEED = 2026

RESULTS_FILE = b"""\
- dataset:
    id: evalbot-demo/sums
    task_id: sums
  value: 86.3
  date: "2026-05-01"
- dataset:
    id: evalbot-demo/sums
    task_id: sums_fixed_order
  value: 62.0
  date: "2026-05-01"
"""


def run_rerun_demo() -> Report:
    """Start the local model server, check and re-run the demo results file, return the report."""
    questions = [json.loads(line) for line in DATA_FILE.read_text(encoding="utf-8").splitlines()]
    answers = {row["question"]: row["right"] for row in questions}
    inputs = CheckInput(
        changed=[ChangedFile(path=".eval_results/demo_sums.yaml", status="added", content=RESULTS_FILE)],
        today=datetime.date(2026, 6, 1),
        model_id="example-org/example-model",
    )
    result = validate(inputs, LocalSpecs(BENCHMARKS))

    with ModelServer(answers, accuracy=SERVER_ACCURACY, seed=SERVER_SEED) as server:
        print(f"Re-running with Inspect against the local model server at {server.base_url} (not a real model)", flush=True)
        os.environ["DEMO_BASE_URL"] = server.base_url
        os.environ["DEMO_API_KEY"] = "demo"
        options = RerunOptions(enabled=True, model=MODEL, max_items=80, batch_size=40)
        context = RerunContext(repo_id="example-org/example-model", seed_material="demo", benchmarks_dir=BENCHMARKS)
        reproduce(result, options, context)
    return result.report


def summary(report: Report) -> str:
    """Return one line per entry: task, claim, verdict, re-run score and interval."""
    lines = []
    for entry in report.entries():
        reproduction = entry.reproduction
        if reproduction is None or reproduction.score is None or reproduction.interval is None:
            reason = reproduction.reason if reproduction is not None else "no re-run"
            lines.append(f"{entry.task_id}: claim {entry.value}: not re-run ({reason})")
            continue
        lower, upper = reproduction.interval
        lines.append(
            f"{entry.task_id}: claim {entry.value}: {reproduction.verdict}, re-run score "
            f"{reproduction.score * 100:.1f} on {reproduction.items} of {reproduction.population} items, "
            f"interval {lower * 100:.1f} to {upper * 100:.1f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(run_rerun_demo()))
