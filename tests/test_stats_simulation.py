"""Simulated re-runs: the rate of wrong verdicts stays under alpha with early stopping.

Each run shuffles a fixed population with its own seed, feeds it to `SequentialTest` in
batches of 10 to 20 items and stops as soon as the test is decided or the item budget is
spent, as the re-run does. No model is called.
"""

import math

import numpy as np
import pytest

from checks.reproduce.confseq import WithoutReplacementCS
from checks.reproduce.stats import SequentialTest

ALPHA = 0.05
DELTA = 0.03
RUNS = 400


def max_wrong_verdicts(runs: int, alpha: float) -> int:
    """Return the most wrong verdicts allowed: alpha * runs plus three standard deviations.

    For 400 runs at alpha 0.05 the bound is 34. A test whose wrong-verdict rate is alpha
    exceeds it with probability 0.1%, and one that errs at twice alpha exceeds it with
    probability 82% (binomial tails).
    """
    return math.ceil(alpha * runs + 3 * math.sqrt(runs * alpha * (1 - alpha)))


def binary_population(size: int, mean: float) -> np.ndarray:
    """Return `size` scores of 0 and 1 whose mean is round(mean * size) / size."""
    scores = np.zeros(size)
    scores[: round(mean * size)] = 1.0
    return scores


def epoch_population(size: int, mean: float, seed: int) -> np.ndarray:
    """Return `size` scores that are means over 4 epochs, with a mean near `mean`."""
    return np.random.default_rng(seed).binomial(4, mean, size=size) / 4


def count_verdicts(population: np.ndarray, claim: float, budget: int) -> dict[str, int]:
    """Run RUNS seeded re-runs with early stopping and count their final verdicts."""
    counts = {"consistent": 0, "inconsistent": 0, "inconclusive": 0}
    for seed in range(RUNS):
        rng = np.random.default_rng(seed)
        order = rng.permutation(population)
        test = SequentialTest(claim=claim, delta=DELTA, alpha=ALPHA, population=len(population))
        drawn = 0
        while drawn < budget and not test.decided:
            batch_size = min(int(rng.integers(10, 21)), budget - drawn)
            test.update(order[drawn : drawn + batch_size].tolist())
            drawn += batch_size
        counts[test.decision.verdict] += 1
    return counts


# A true mean inside the band, at its centre or on either edge, must rarely be called
# inconsistent. Budgets cover the whole population where it is small, so the exact
# collapse at n == N is part of the run.

INSIDE_BAND = [
    # (population size, true mean, claim, item budget)
    (198, 99 / 198, 99 / 198, 198),
    (198, 99 / 198, 99 / 198 + DELTA, 198),
    (1000, 0.8, 0.8 - DELTA, 400),
    (12000, 0.5, 0.5, 200),
    (12000, 0.65, 0.65 + DELTA, 300),
]


@pytest.mark.parametrize(("size", "mean", "claim", "budget"), INSIDE_BAND)
def test_true_claim_rarely_inconsistent(size, mean, claim, budget):
    counts = count_verdicts(binary_population(size, mean), claim, budget)
    assert counts["inconsistent"] <= max_wrong_verdicts(RUNS, ALPHA)


def test_epoch_scores_rarely_inconsistent():
    population = epoch_population(1000, 0.6, seed=11)
    claim = float(population.mean()) + DELTA
    counts = count_verdicts(population, claim, 200)
    assert counts["inconsistent"] <= max_wrong_verdicts(RUNS, ALPHA)


# A true mean just outside the band must rarely be called consistent. Small populations
# run to the end. The large one gets a budget at which a fixed 95% interval is already
# narrower than the band, so a sequence that is too narrow would show up.

OUTSIDE_BAND = [
    (198, 110 / 198, 110 / 198 - DELTA - 1.5 / 198, 198),
    (500, 0.5, 0.5 + DELTA + 0.004, 500),
    (500, 0.9, 0.9 - DELTA - 0.004, 500),
    (12000, 0.5, 0.5 - DELTA - 0.003, 1200),
]


@pytest.mark.parametrize(("size", "mean", "claim", "budget"), OUTSIDE_BAND)
def test_false_claim_rarely_consistent(size, mean, claim, budget):
    counts = count_verdicts(binary_population(size, mean), claim, budget)
    assert counts["consistent"] <= max_wrong_verdicts(RUNS, ALPHA)


# The reported interval is a confidence sequence whose bounds each miss the mean with
# probability at most alpha, at every batch and not only where a run stops.

COVERAGE = [
    # (population, scores' mean or None for epoch scores, item budget)
    (1000, 0.3, 300),
    (2000, None, 300),
]


@pytest.mark.parametrize(("size", "mean", "budget"), COVERAGE)
def test_interval_bounds_rarely_miss_mean(size, mean, budget):
    population = binary_population(size, mean) if mean is not None else epoch_population(size, 0.7, seed=12)
    true_mean = float(population.mean())
    lower_misses = upper_misses = 0
    for seed in range(RUNS):
        order = np.random.default_rng(seed).permutation(population)
        test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=size)
        decisions = [test.update(order[start : start + 20].tolist()) for start in range(0, budget, 20)]
        lower_misses += any(decision.lower > true_mean for decision in decisions)
        upper_misses += any(decision.upper < true_mean for decision in decisions)
    assert lower_misses <= max_wrong_verdicts(RUNS, ALPHA)
    assert upper_misses <= max_wrong_verdicts(RUNS, ALPHA)


# Guard: the counts above can fail. A sequence built at a far larger alpha than the one
# the verdict claims is too narrow, and the same check must catch it.


def test_too_narrow_sequence_is_caught(monkeypatch):
    def loose_sequence(*, alpha: float, population: int, anchors: tuple[float, ...]) -> WithoutReplacementCS:
        return WithoutReplacementCS(alpha=0.8, population=population, anchors=anchors)

    monkeypatch.setattr("checks.reproduce.stats.WithoutReplacementCS", loose_sequence)
    counts = count_verdicts(binary_population(198, 99 / 198), 99 / 198 + DELTA, 198)
    assert counts["inconsistent"] > max_wrong_verdicts(RUNS, ALPHA)
