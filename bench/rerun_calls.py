"""Measure model calls to a decided verdict: sequential test versus a fixed-size Wilson design.

For every cell of a grid of true scores and claims, the script simulates seeded re-runs
of `SequentialTest` on a population of N binary item scores. Each run draws items
without replacement in batches of 20 and stops as soon as the verdict is decided. A run that is still
undecided when the item budget is spent counts the whole budget (here the budget is N,
and at n == N the test always decides because the mean is then exact).

The fixed-size design is a two-sided Wilson score interval at the same alpha, judged
with the same band [claim - delta, claim + delta]. Its n is the smallest n whose Wilson
interval, computed at the true score, is at most as wide as the distance from the true
score to the nearest band edge. Such an interval decides whenever it covers the true
score, so at least 1 - alpha of its runs decide. It ignores the finite-population
correction, as the standard Wilson interval does, and it is capped at N because scoring
all N items gives the exact mean. Two fixed designs are reported:

- per cell: n is chosen for each cell, which needs the true score in advance;
- one n: the largest per-cell n, which a bot that cannot know the true score must use to
  decide every cell of the grid.

The sequential test calls `consistent` with one-sided bounds at alpha each (a 1 - 2 alpha
interval, as in two one-sided tests), while the Wilson design above uses its 1 - alpha
interval for both verdicts. The last line of each report therefore also gives a per-cell
design matched to that: a 1 - 2 alpha Wilson interval in the cells whose truth is inside
the band, and the 1 - alpha one elsewhere.

One model call is one item in one epoch. Both designs run the same epochs per item, so
the ratio is the same in calls and in items, and the script counts items.

Usage: python bench/rerun_calls.py [--runs 200] [--population 1000 12000]
"""

import argparse
import math
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Run as a script from any folder, so the project root must be importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checks.reproduce.stats import SequentialTest  # noqa: E402

DELTA = 0.03
ALPHA = 0.05
BATCH_SIZE = 20
TRUE_SCORES = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
CLAIM_OFFSETS = [0.0, -0.01, 0.01, -0.05, 0.05, -0.10, 0.10, -0.20, 0.20]


@dataclass
class Cell:
    """Result of one (true score, claim) cell for one population size."""

    truth: float
    claim: float
    sequential_items: float
    decided_rate: float
    wrong_rate: float
    fixed_items: int
    matched_items: int


def wilson_interval(successes: float, n: int, z: float) -> tuple[float, float]:
    """Return the Wilson score interval for `successes` out of `n`."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half_width = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half_width, centre + half_width


def fixed_wilson_items(truth: float, claim: float, population: int, *, tail: float = ALPHA / 2) -> int:
    """Return the smallest n whose Wilson width at the truth fits the margin, capped at N.

    `tail` is the error of each side of the interval: alpha / 2 for the 1 - alpha interval.
    """
    z = normal_quantile(1 - tail)
    margin = abs(abs(truth - claim) - DELTA)
    for n in range(1, population + 1):
        lower, upper = wilson_interval(truth * n, n, z)
        if upper - lower <= margin:
            return n
    return population


def normal_quantile(probability: float) -> float:
    """Return the standard normal quantile by bisection on math.erf (no scipy needed)."""
    low, high = -10.0, 10.0
    for _ in range(100):
        middle = (low + high) / 2
        if 0.5 * (1 + math.erf(middle / math.sqrt(2))) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def run_sequential(truth: float, claim: float, population: int, runs: int) -> tuple[float, float, float]:
    """Simulate `runs` re-runs and return mean items, decided rate and wrong-verdict rate."""
    scores = np.zeros(population)
    scores[: round(truth * population)] = 1.0
    exact = scores.mean()
    expected = "consistent" if abs(exact - claim) <= DELTA + 1e-9 else "inconsistent"

    items = decided = wrong = 0
    for seed in range(runs):
        order = np.random.default_rng(seed).permutation(scores)
        test = SequentialTest(claim=claim, delta=DELTA, alpha=ALPHA, population=population)
        drawn = 0
        while drawn < population and not test.decided:
            test.update(order[drawn : drawn + BATCH_SIZE].tolist())
            drawn = test.decision.n
        items += drawn
        decided += test.decided
        wrong += test.decided and test.decision.verdict != expected
    return items / runs, decided / runs, wrong / runs


def measure(population: int, runs: int) -> list[Cell]:
    cells = []
    for truth in TRUE_SCORES:
        for offset in CLAIM_OFFSETS:
            claim = round(truth + offset, 4)
            if not 0 <= claim <= 1:
                continue
            mean_items, decided_rate, wrong_rate = run_sequential(truth, claim, population, runs)
            fixed = fixed_wilson_items(truth, claim, population)
            inside = abs(truth - claim) <= DELTA + 1e-9
            matched = fixed_wilson_items(truth, claim, population, tail=ALPHA if inside else ALPHA / 2)
            cells.append(Cell(truth, claim, mean_items, decided_rate, wrong_rate, fixed, matched))
    return cells


def print_report(population: int, runs: int, cells: list[Cell], seconds: float) -> None:
    single_n = max(cell.fixed_items for cell in cells)
    print(f"\n### N = {population}, {runs} runs per cell, {seconds:.0f} s\n")
    print("| claim - truth (points) | cells | sequential items (mean) | decided | wrong | "
          "fixed n per cell (mean) | ratio to per-cell n | ratio to one n |")
    print("|---|---|---|---|---|---|---|---|")
    for offset in sorted(set(round((c.claim - c.truth) * 100) for c in cells)):
        group = [c for c in cells if round((c.claim - c.truth) * 100) == offset]
        sequential = sum(c.sequential_items for c in group)
        fixed = sum(c.fixed_items for c in group)
        decided = sum(c.decided_rate for c in group) / len(group)
        wrong = max(c.wrong_rate for c in group)
        print(f"| {offset:+d} | {len(group)} | {sequential / len(group):.0f} | {decided:.1%} | "
              f"max {wrong:.1%} | {fixed / len(group):.0f} | {sequential / fixed:.2f} | "
              f"{sequential / (single_n * len(group)):.2f} |")
    sequential = sum(c.sequential_items for c in cells)
    fixed = sum(c.fixed_items for c in cells)
    print(f"| all | {len(cells)} | {sequential / len(cells):.0f} | "
          f"{sum(c.decided_rate for c in cells) / len(cells):.1%} | "
          f"max {max(c.wrong_rate for c in cells):.1%} | {fixed / len(cells):.0f} | "
          f"{sequential / fixed:.2f} | {sequential / (single_n * len(cells)):.2f} |")
    print(f"\nOne n for the whole grid: {single_n} items.")
    matched = sum(c.matched_items for c in cells)
    print(f"Matched per-cell design (1 - 2 alpha Wilson where the truth is inside the band): "
          f"{matched / len(cells):.0f} items per cell (mean), ratio {sequential / matched:.2f}.")

    offsets = sorted(set(round((c.claim - c.truth) * 100) for c in cells))
    print("\nPer cell, sequential items / per-cell fixed n (rows: true score; columns: claim - truth "
          "in points; - where the claim is outside 0-1):\n")
    print("| truth | " + " | ".join(f"{offset:+d}" for offset in offsets) + " |")
    print("|---|" + "---|" * len(offsets))
    for truth in TRUE_SCORES:
        row = []
        for offset in offsets:
            match = [c for c in cells if c.truth == truth and round((c.claim - c.truth) * 100) == offset]
            row.append(f"{match[0].sequential_items / match[0].fixed_items:.2f}" if match else "-")
        print(f"| {truth:.1f} | " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="seeded re-runs per grid cell")
    parser.add_argument("--population", type=int, nargs="+", default=[1000, 12000],
                        help="population sizes N (items of the benchmark task)")
    arguments = parser.parse_args()

    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"delta {DELTA}, alpha {ALPHA}, batch {BATCH_SIZE}, budget N")
    for population in arguments.population:
        start = time.perf_counter()
        cells = measure(population, arguments.runs)
        print_report(population, arguments.runs, cells, time.perf_counter() - start)


if __name__ == "__main__":
    main()
