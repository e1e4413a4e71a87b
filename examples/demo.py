"""Check an example pull request offline and print the report and the bot's comment.

The example is a model repo (`google/gemma-4-12B-it`) whose pull request adds seven
results files to the two on main (`examples/model-repo-main/`). Three are wrong: a task id
from another leaderboard, a dataset that is not a benchmark, and a GPQA score that
conflicts with the one on main. Two draw warnings: a 0-1 score beside 0-100 ones, and
notes that repeat the default. Benchmark specs are real eval.yaml files, laid out like
the Hub under `examples/benchmarks/<org>/<name>/eval.yaml`, so nothing is downloaded.

Run it with `make demo`, or `python examples/demo.py` inside the project's venv.
"""

import os
import sys
from pathlib import Path

# The demo reads only local folders, so any Hub request would be a bug.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bot.cli import EXIT_ERROR, main  # noqa: E402

# Relative to the project folder, so the report shows short paths.
PULL_REQUEST = Path("examples/pull-request")
MAIN = Path("examples/model-repo-main")
BENCHMARKS = Path("examples/benchmarks")


def check_argv(output_format: str, *extra: str) -> list[str]:
    """Return the `evalbot check` arguments for the example pull request."""
    return [
        "check",
        str(PULL_REQUEST),
        "--main",
        str(MAIN),
        "--benchmarks",
        str(BENCHMARKS),
        "--format",
        output_format,
        *extra,
    ]


def run_step(title: str, argv: list[str]) -> int:
    """Print a heading and the command, run it in this process, and return its exit code."""
    print(f"\n== {title}\n$ evalbot {' '.join(argv)}\n", flush=True)
    exit_code = main(argv)
    print(f"\n(exit code {exit_code})", flush=True)
    return exit_code


def demo() -> int:
    """Run each step; fail only when evalbot itself could not run (exit code 2)."""
    os.chdir(PROJECT)
    steps = [
        ("The report, as a terminal shows it", check_argv("text")),
        ("The comment the bot would post on the pull request", check_argv("markdown")),
    ]
    exit_codes = [run_step(title, argv) for title, argv in steps]

    # A real Inspect re-run of a bundled benchmark against a local model server.
    from rerun_demo import run_rerun_demo, summary

    print("\n== A real Inspect re-run against a local model server on 127.0.0.1 (not a real model)\n", flush=True)
    print(summary(run_rerun_demo()), flush=True)
    # The example pull request has error findings on purpose, so exit code 1 is expected.
    return 1 if EXIT_ERROR in exit_codes else 0


if __name__ == "__main__":
    sys.exit(demo())
