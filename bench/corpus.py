"""Benchmark specs shared by the speed benchmarks: real eval.yaml files from the tests.

The entries that the benchmarks build name these datasets and task ids, so every entry
is checked against a real spec.
"""

import datetime
from pathlib import Path

SPECS_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "realworld" / "eval_yaml"
# dataset id -> (spec file in SPECS_DIR, the spec's task ids)
BENCHMARKS = {
    "Idavidrein/gpqa": ("Idavidrein__gpqa.yaml", ["diamond", "main", "extended"]),
    "cais/hle": ("cais__hle.yaml", ["hle"]),
    "TIGER-Lab/MMLU-Pro": ("TIGER-Lab__MMLU-Pro.yaml", ["mmlu_pro"]),
    "openai/gsm8k": ("openai__gsm8k.yaml", ["gsm8k"]),
}
# A fixed "today", so date checks give the same findings in every run.
TODAY = datetime.date(2026, 12, 1)


def load_specs() -> dict[str, bytes]:
    """Read each benchmark's eval.yaml, keyed by dataset id."""
    return {dataset_id: (SPECS_DIR / name).read_bytes() for dataset_id, (name, _) in BENCHMARKS.items()}
