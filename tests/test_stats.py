"""Tests of the sequential equivalence test, its confidence sequence and claim reading."""

import math

import numpy as np
import pytest

from checks.reproduce.confseq import GRID_POINTS, WithoutReplacementCS
from checks.reproduce.stats import Decision, SequentialTest, normalize_claim
from checks.reproduce.verdict import equivalence_verdict

DELTA = 0.03
ALPHA = 0.05
GRID_STEP = 1 / (GRID_POINTS - 1)


def binary_population(size: int, ones: int, seed: int) -> list[float]:
    """Return `size` scores with `ones` ones, in a seeded random draw order."""
    scores = np.zeros(size)
    scores[:ones] = 1.0
    np.random.default_rng(seed).shuffle(scores)
    return scores.tolist()


def run_in_batches(test: SequentialTest, scores: list[float], batch_size: int) -> list[Decision]:
    """Feed `scores` to `test` batch by batch and return every decision."""
    return [test.update(scores[i : i + batch_size]) for i in range(0, len(scores), batch_size)]


# The sequence collapses to the exact mean once every item is scored, because nothing
# about the population is unknown any more.


@pytest.mark.parametrize("population", [1, 7, 198, 1000])
def test_all_items_give_exact_mean(population):
    scores = np.random.default_rng(population).uniform(size=population).tolist()
    test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=population)
    decision = run_in_batches(test, scores, 20)[-1]
    exact = math.fsum(scores) / population
    assert decision.n == population
    assert decision.lower == pytest.approx(exact, abs=1e-12)
    assert decision.upper == pytest.approx(exact, abs=1e-12)
    assert decision.mean == pytest.approx(exact, abs=1e-12)


def test_all_items_at_claim_are_consistent():
    scores = binary_population(198, 99, seed=0)
    test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=198)
    assert run_in_batches(test, scores, 20)[-1].verdict == "consistent"


def test_all_items_at_band_edge_are_consistent():
    # 0.788 + 0.03 is not exactly 0.818 in floating point, and the edge is inside the band.
    scores = binary_population(1000, 818, seed=1)
    test = SequentialTest(claim=0.788, delta=DELTA, alpha=ALPHA, population=1000)
    assert test.update(scores).verdict == "consistent"


def test_all_items_just_outside_band_are_inconsistent():
    scores = binary_population(1000, 819, seed=1)
    test = SequentialTest(claim=0.788, delta=DELTA, alpha=ALPHA, population=1000)
    assert test.update(scores).verdict == "inconsistent"


# The interval must be usable after every batch. It contains the sample mean, stays
# within the deterministic bounds and never grows, so a decided verdict never flips.


@pytest.mark.parametrize(("population", "ones", "seed"), [(198, 40, 0), (1000, 500, 1), (1000, 930, 2), (12000, 3000, 3)])
def test_interval_contains_sample_mean(population, ones, seed):
    scores = binary_population(population, ones, seed)[:600]
    test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=population)
    for decision in run_in_batches(test, scores, 15):
        assert decision.lower <= decision.mean <= decision.upper


@pytest.mark.parametrize(("population", "ones", "seed"), [(198, 40, 0), (1000, 500, 1), (12000, 3000, 3)])
def test_interval_is_nested(population, ones, seed):
    scores = binary_population(population, ones, seed)[:600]
    test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=population)
    decisions = run_in_batches(test, scores, 15)
    for before, after in zip(decisions, decisions[1:]):
        assert after.lower >= before.lower
        assert after.upper <= before.upper


def test_batch_split_gives_same_interval():
    # Rejection is checked after every item, so batching cannot change the interval.
    scores = binary_population(1000, 700, seed=10)[:300]
    one_batch = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=1000).update(scores)
    split = run_in_batches(SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=1000), scores, 7)[-1]
    assert split.lower == one_batch.lower
    assert split.upper == one_batch.upper


def test_large_batch_over_chunk_size():
    scores = binary_population(12000, 6000, seed=11)
    decision = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=12000).update(scores)
    assert decision.n == 12000
    assert decision.lower == decision.upper == 0.5


def test_small_population_narrows_interval():
    # The same 800 draws pin down the mean of 1000 items more tightly than that of a
    # million items, and by more than the deterministic bounds (0.2 wide here) explain.
    scores = binary_population(1000, 500, seed=12)[:800]
    small = WithoutReplacementCS(alpha=ALPHA, population=1000).update(scores)
    large = WithoutReplacementCS(alpha=ALPHA, population=1_000_000).update(scores)
    assert small[1] - small[0] < 0.8 * (large[1] - large[0])


def test_interval_shrinks_with_items():
    scores = binary_population(12000, 6000, seed=4)
    widths = []
    for n in (20, 100, 400, 1600):
        test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=12000)
        decision = test.update(scores[:n])
        widths.append(decision.upper - decision.lower)
    assert widths == sorted(widths, reverse=True)
    assert widths[-1] < widths[0] / 4


def test_interval_within_feasible_bounds():
    # After 50 zeros, only the 50 unseen items can score 1, so the mean is at most 0.5.
    test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=100)
    decision = test.update([0.0] * 50)
    assert decision.lower >= 0.0
    assert decision.upper <= 0.5


def test_grid_bounds_cover_true_mean_off_grid():
    # A true mean between grid points must still be inside the interval.
    population = 3 * (GRID_POINTS - 1) + 1
    scores = binary_population(population, population // 3, seed=5)
    sequence = WithoutReplacementCS(alpha=ALPHA, population=population)
    lower, upper = sequence.update(scores[: population - 5])
    true_mean = (population // 3) / population
    assert lower <= true_mean <= upper


def test_decided_verdict_stays_after_more_items():
    scores = binary_population(1000, 800, seed=6)
    test = SequentialTest(claim=0.3, delta=DELTA, alpha=ALPHA, population=1000)
    decisions = run_in_batches(test, scores, 20)
    first_decided = next(i for i, d in enumerate(decisions) if d.verdict != "inconclusive")
    assert {d.verdict for d in decisions[first_decided:]} == {"inconsistent"}


# How the verdict combines the bounds at alpha (the reported interval) with the wider
# bounds at alpha / 2, checked with a sequence that returns scripted bounds.


class ScriptedSequence:
    """Stand-in for WithoutReplacementCS that returns preset (bounds, wide bounds) per batch."""

    def __init__(self, steps: list[tuple[tuple[float, float], tuple[float, float]]], population: int) -> None:
        self.steps = iter(steps)
        self.population = population
        self.count = 0
        self.total = 0.0
        self.wide = (0.0, 1.0)

    def update(self, scores: list[float]) -> tuple[float, float]:
        self.count += len(scores)
        self.total += sum(scores)
        bounds, self.wide = next(self.steps)
        return bounds

    def wide_bounds(self) -> tuple[float, float]:
        return self.wide


def scripted_test(monkeypatch, steps, population: int = 100) -> SequentialTest:
    def factory(*, alpha: float, population: int, anchors: tuple[float, ...]) -> ScriptedSequence:
        return ScriptedSequence(steps, population)

    monkeypatch.setattr("checks.reproduce.stats.WithoutReplacementCS", factory)
    return SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=population)


VERDICT_BOUNDS = [
    # (bounds at alpha, bounds at alpha / 2, verdict) for the band [0.47, 0.53].
    ((0.48, 0.52), (0.46, 0.54), "consistent"),
    ((0.47, 0.53), (0.46, 0.54), "consistent"),
    ((0.35, 0.45), (0.34, 0.46), "inconsistent"),
    ((0.56, 0.70), (0.54, 0.71), "inconsistent"),
    ((0.40, 0.465), (0.39, 0.475), "inconclusive"),
    ((0.46, 0.52), (0.45, 0.53), "inconclusive"),
    ((0.48, 0.52), (0.40, 0.46), "inconclusive"),
]


@pytest.mark.parametrize(("bounds", "wide", "verdict"), VERDICT_BOUNDS)
def test_verdict_from_both_levels(monkeypatch, bounds, wide, verdict):
    test = scripted_test(monkeypatch, [(bounds, wide)])
    decision = test.update([0.5] * 10)
    assert decision.verdict == verdict
    assert (decision.lower, decision.upper) == bounds


def test_decided_verdict_kept_before_last_item(monkeypatch):
    steps = [((0.48, 0.52), (0.46, 0.54)), ((0.35, 0.45), (0.34, 0.46))]
    test = scripted_test(monkeypatch, steps)
    test.update([0.5] * 10)
    assert test.update([0.5] * 10).verdict == "consistent"


def test_last_item_gives_exact_verdict(monkeypatch):
    # At n == N the bounds are the exact mean, which overrides an earlier verdict.
    steps = [((0.48, 0.52), (0.46, 0.54)), ((0.40, 0.40), (0.40, 0.40))]
    test = scripted_test(monkeypatch, steps, population=20)
    test.update([0.5] * 10)
    assert test.update([0.3] * 10).verdict == "inconsistent"


def test_band_edges_are_candidates():
    # Without anchors the lower bound is a grid point. An anchor just above it is rejected
    # too (capital is continuous in the candidate), so the bound moves onto the anchor.
    # Anchors outside [0, 1] are ignored.
    scores = binary_population(12000, 6000, seed=13)[:800]
    grid_lower, _ = WithoutReplacementCS(alpha=ALPHA, population=12000).update(scores)
    anchor = grid_lower + 1e-6
    anchored = WithoutReplacementCS(alpha=ALPHA, population=12000, anchors=(anchor, 1.5, -0.2))
    lower, _ = anchored.update(scores)
    assert lower == anchor


@pytest.mark.parametrize(("population", "ones", "seed"), [(198, 99, 0), (1000, 500, 1), (12000, 6000, 2)])
def test_reported_interval_inside_wide_one(population, ones, seed):
    scores = binary_population(population, ones, seed)[:600]
    sequence = WithoutReplacementCS(alpha=ALPHA, population=population, anchors=(0.47, 0.53))
    for start in range(0, 600, 20):
        lower, upper = sequence.update(scores[start : start + 20])
        wide_lower, wide_upper = sequence.wide_bounds()
        assert wide_lower <= lower
        assert upper <= wide_upper


@pytest.mark.parametrize(("claim", "ones", "seed"), [(0.5, 500, 3), (0.45, 500, 4), (0.56, 500, 5), (0.3, 500, 6)])
def test_verdict_agrees_with_interval(claim, ones, seed):
    scores = binary_population(1000, ones, seed)
    test = SequentialTest(claim=claim, delta=DELTA, alpha=ALPHA, population=1000)
    for decision in run_in_batches(test, scores, 20):
        inside = claim - DELTA - 1e-9 <= decision.lower and decision.upper <= claim + DELTA + 1e-9
        misses = decision.upper < claim - DELTA or decision.lower > claim + DELTA
        assert (decision.verdict == "consistent") == inside
        assert decision.verdict != "inconsistent" or misses


# Verdicts on typical runs.


def test_far_claim_is_inconsistent_within_dozens():
    scores = binary_population(1000, 800, seed=7)
    test = SequentialTest(claim=0.3, delta=DELTA, alpha=ALPHA, population=1000)
    for decision in run_in_batches(test, scores[:60], 20):
        if test.decided:
            break
    assert decision.verdict == "inconsistent"
    assert decision.n <= 60


@pytest.mark.parametrize(("claim", "score"), [(0.99, 1.0), (0.01, 0.0), (1.0, 1.0), (0.0, 0.0)])
def test_claim_at_scale_edge_decides_early(claim, score):
    # One band edge lies outside [0, 1], so only the bound at the other edge must move.
    # Bet truncation limits each item's gain there, so this takes 160 to 200 items.
    test = SequentialTest(claim=claim, delta=DELTA, alpha=ALPHA, population=1000)
    while not test.decided and test.decision.n < 300:
        test.update([score] * 20)
    assert test.decision.verdict == "consistent"
    assert test.decision.n <= 200


def test_tiny_budget_is_inconclusive():
    scores = binary_population(1000, 600, seed=8)
    test = SequentialTest(claim=0.6, delta=DELTA, alpha=ALPHA, population=1000)
    decision = test.update(scores[:10])
    assert decision.verdict == "inconclusive"
    assert test.decided is False


def test_decision_before_any_batch():
    test = SequentialTest(claim=0.6, delta=DELTA, alpha=ALPHA, population=1000)
    assert test.decision == Decision(verdict="inconclusive", lower=0.0, upper=1.0, mean=0.5, n=0)
    assert test.decided is False


def test_empty_batch_keeps_decision():
    test = SequentialTest(claim=0.6, delta=DELTA, alpha=ALPHA, population=1000)
    first = test.update([1.0, 0.0, 1.0])
    assert test.update([]) == first


def test_fractional_scores_are_accepted():
    # Scores are means over epochs, e.g. 3 correct of 4 epochs.
    test = SequentialTest(claim=0.6, delta=DELTA, alpha=ALPHA, population=4)
    decision = test.update([0.75, 0.25, 1.0, 0.5])
    assert decision.mean == pytest.approx(0.625)
    assert decision.verdict == "consistent"


@pytest.mark.parametrize(
    ("lower", "upper", "verdict"),
    [
        (0.50, 0.53, "consistent"),
        (0.47, 0.53, "consistent"),
        (0.40, 0.46, "inconsistent"),
        (0.54, 0.70, "inconsistent"),
        (0.45, 0.52, "inconclusive"),
        (0.52, 0.60, "inconclusive"),
        (0.0, 1.0, "inconclusive"),
    ],
)
def test_equivalence_verdict_table(lower, upper, verdict):
    assert equivalence_verdict(lower, upper, claim=0.5, delta=DELTA) == verdict


# Invalid arguments raise a ValueError that names the value, before any state changes.

BAD_ARGUMENTS = [
    ({"claim": math.nan}, "claim 'nan'"),
    ({"claim": -0.1}, "claim '-0.1'"),
    ({"claim": 78.8}, "claim '78.8'"),
    ({"claim": "0.5"}, "claim '0.5'"),
    ({"delta": 0}, "delta '0'"),
    ({"delta": -0.03}, "delta '-0.03'"),
    ({"delta": math.inf}, "delta 'inf'"),
    ({"alpha": 0.0}, "alpha '0.0'"),
    ({"alpha": 1.0}, "alpha '1.0'"),
    ({"alpha": 1.5}, "alpha '1.5'"),
    ({"alpha": math.nan}, "alpha 'nan'"),
    ({"population": 0}, "population 0"),
    ({"population": -5}, "population -5"),
    ({"population": 12.0}, "population 12.0"),
    ({"population": True}, "population True"),
]


@pytest.mark.parametrize(("override", "named"), BAD_ARGUMENTS)
def test_invalid_argument_raises(override, named):
    arguments = {"claim": 0.5, "delta": DELTA, "alpha": ALPHA, "population": 100} | override
    with pytest.raises(ValueError) as error:
        SequentialTest(**arguments)
    assert named in str(error.value)


BAD_BATCHES = [
    ([math.nan], "item score at batch position 0 'nan'"),
    ([0.5, math.inf], "item score at batch position 1 'inf'"),
    ([1.0, 0.0, 1.5], "item score at batch position 2 '1.5'"),
    ([-0.25], "item score at batch position 0 '-0.25'"),
    (["1"], "item score at batch position 0 '1'"),
    ([None], "item score at batch position 0 None"),
    ([True], "item score at batch position 0 True"),
]


@pytest.mark.parametrize(("batch", "named"), BAD_BATCHES)
def test_invalid_score_raises(batch, named):
    test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=100)
    with pytest.raises(ValueError) as error:
        test.update(batch)
    assert named in str(error.value)


def test_invalid_batch_keeps_state():
    scores = binary_population(100, 50, seed=9)
    test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=100)
    reference = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=100)
    test.update(scores[:20])
    with pytest.raises(ValueError):
        test.update([*scores[20:40], math.nan])
    reference.update(scores[:20])
    assert test.update(scores[20:40]) == reference.update(scores[20:40])


def test_items_past_population_raise():
    test = SequentialTest(claim=0.5, delta=DELTA, alpha=ALPHA, population=10)
    test.update([1.0] * 8)
    with pytest.raises(ValueError) as error:
        test.update([1.0] * 3)
    assert "item count '11' would exceed population '10'" in str(error.value)
    assert test.decision.n == 8


# normalize_claim: the value's scale is unstated in results files.

CLAIMS = [
    (0.412, None, 0.412, "read 0.412 as 0-1, so 0.412"),
    (78.8, None, 0.788, "read 78.8 as 0-100, so 0.788"),
    (0, None, 0.0, "read 0 as 0, which is the same on 0-1 and 0-100"),
    (100, None, 1.0, "read 100 as 0-100, so 1"),
    (0.412, "0-100", 0.00412, "read 0.412 as 0-100, as the metric is on 0-100, so 0.00412"),
    (1.0, "0-100", 0.01, "read 1 as 0-100, as the metric is on 0-100, so 0.01"),
    (0.95, "0-1", 0.95, "read 0.95 as 0-1, as the metric is on 0-1"),
]


@pytest.mark.parametrize(("value", "scale", "claim", "sentence"), CLAIMS)
def test_normalize_claim_table(value, scale, claim, sentence):
    normalized, explanation = normalize_claim(value, metric_scale=scale)
    assert normalized == pytest.approx(claim, abs=1e-12)
    assert explanation == sentence


def test_normalize_claim_one_is_ambiguous():
    normalized, explanation = normalize_claim(1.0)
    assert normalized == 1.0
    assert explanation == (
        "read 1 as 0-1, so a perfect score of 1, because every value up to 1 is read as 0-1; "
        "it would be 0.01 on 0-100, so declare the metric scale if that is meant"
    )


BAD_CLAIMS = [
    (math.nan, None, "claimed value 'nan' is not finite"),
    (math.inf, None, "claimed value 'inf' is not finite"),
    (-3.0, None, "claimed value '-3' is negative"),
    (101.0, None, "claimed value '101' is above 100"),
    (1.2, "0-1", "claimed value '1.2' is above 1 on a 0-1 metric"),
    (100.5, "0-100", "claimed value '100.5' is above 100 on a 0-100 metric"),
    ("78.8", None, "claimed value '78.8' is not a number"),
    (True, None, "claimed value True is not a number"),
    (50.0, "percent", "metric scale 'percent' is unknown"),
]


@pytest.mark.parametrize(("value", "scale", "message"), BAD_CLAIMS)
def test_normalize_claim_rejects_bad_value(value, scale, message):
    with pytest.raises(ValueError) as error:
        normalize_claim(value, metric_scale=scale)
    assert str(error.value).startswith(message)
