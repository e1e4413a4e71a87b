"""Sequential equivalence test of a claimed score against re-run item scores.

The re-run draws the benchmark's N items in a seeded random order without replacement,
scores each in [0, 1] (the mean over epochs) and, after each batch, calls
`SequentialTest.update`. The test keeps one-sided confidence sequences for the population
mean (see `confseq`), each built from anytime-valid tests by betting, so they stay valid
however the caller decides to stop. With the band [claim - delta, claim + delta]:

- `consistent`: the lower bound at level alpha is at or above claim - delta and the upper
  bound at level alpha is at or below claim + delta. This is an intersection-union test:
  a true mean below the band is above that lower bound with probability at most alpha
  (and the mirror image above the band), so no split of alpha is needed.
- `inconsistent`: the upper bound at level alpha / 2 is below claim - delta, or the lower
  bound at level alpha / 2 is above claim + delta. A true mean inside the band makes each
  of these wrong with probability at most alpha / 2, so at most alpha in total.
- `inconclusive`: neither yet, so draw more items or stop at the budget.

`Decision.lower` and `Decision.upper` are the bounds at level alpha, and each misses the
population mean with probability at most alpha. Together they form a two-sided
confidence sequence at level 1 - 2 alpha (90% for alpha 0.05), as in the classical two
one-sided tests (TOST) for equivalence. The verdict is `consistent` exactly when that
interval lies inside the band, and `inconsistent` implies that it misses the band. The
interval can also miss the band while the verdict is still `inconclusive`, because
`inconsistent` needs the wider alpha / 2 bounds to miss it.

The bounds tighten from batch to batch, and a decided verdict is kept for the rest of the
run. When all N items are scored the bounds collapse to the exact mean and the verdict is
the exact one, which differs from an earlier decided verdict only if that one was wrong.
"""

import math
import numbers
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from checks.reproduce.confseq import WithoutReplacementCS
from checks.reproduce.verdict import MetricScale, Verdict, equivalence_verdict, normalize_claim

__all__ = ["Decision", "MetricScale", "SequentialTest", "normalize_claim"]


class Decision(BaseModel):
    """Verdict and confidence interval after the items scored so far (all on 0-1).

    `lower` and `upper` each miss the population mean with probability at most alpha, so
    the interval has level 1 - 2 alpha (see the module docstring).

    `mean` is the mean of the `n` item scores; before any item it is 0.5, the midpoint of
    the interval [0, 1].
    """

    verdict: Literal["consistent", "inconsistent", "inconclusive"]
    lower: float
    upper: float
    mean: float
    n: int


class SequentialTest:
    """Equivalence test of one claim, updated batch by batch until it is decided.

    Args:
        claim: the claimed score on 0-1 (see `normalize_claim`).
        delta: the tolerance on 0-1; a tolerance of 3 points on 0-100 is 0.03.
        alpha: the maximum rate of a wrong verdict, in (0, 1).
        population: N, the number of items of the benchmark task.

    Raises:
        ValueError: an argument is not a finite number in its range.
    """

    def __init__(self, *, claim: float, delta: float, alpha: float, population: int) -> None:
        _require_number("claim", claim, low=0.0, high=1.0, fix="convert the claim with normalize_claim")
        _require_number("delta", delta, low=0.0, high=1.0, fix="pass the tolerance on 0-1, e.g. 0.03 for 3 points")
        if delta == 0:
            raise ValueError("delta '0' leaves no tolerance band: pass a positive tolerance, e.g. 0.03 for 3 points")
        _require_number("alpha", alpha, low=0.0, high=1.0, fix="pass an error rate such as 0.05")
        if alpha in (0, 1):
            raise ValueError(f"alpha '{alpha}' is not inside (0, 1): pass an error rate such as 0.05")
        if isinstance(population, bool) or not isinstance(population, numbers.Integral) or population < 1:
            raise ValueError(f"population {population!r} is not a positive integer: pass N, the task's item count")

        self.claim = float(claim)
        self.delta = float(delta)
        self.alpha = float(alpha)
        self.population = int(population)
        # The band edges are candidates of the sequences, so a bound can reach them exactly.
        self._sequence = WithoutReplacementCS(
            alpha=self.alpha,
            population=self.population,
            anchors=(self.claim - self.delta, self.claim + self.delta),
        )
        self._decision = Decision(verdict="inconclusive", lower=0.0, upper=1.0, mean=0.5, n=0)

    def update(self, scores: Sequence[float]) -> Decision:
        """Add a batch of item scores in draw order and return the new decision.

        An empty batch leaves the decision unchanged. A batch with any invalid score is
        rejected whole, so the test keeps its state and the caller can retry.

        Raises:
            ValueError: a score is not a number in [0, 1], or the batch would take the
                item count past `population`.
        """
        batch = list(scores)
        for position, score in enumerate(batch):
            _require_number(
                f"item score at batch position {position}",
                score,
                low=0.0,
                high=1.0,
                fix="reduce each item's epochs to one mean score in [0, 1]",
            )
        n = self._sequence.count + len(batch)
        if n > self.population:
            raise ValueError(
                f"item count '{n}' would exceed population '{self.population}': "
                "score each of the N items at most once"
            )
        if not batch:
            return self._decision

        lower, upper = self._sequence.update([float(score) for score in batch])
        verdict = self._verdict(lower, upper)
        mean = self._sequence.total / n
        self._decision = Decision(verdict=verdict, lower=lower, upper=upper, mean=mean, n=n)
        return self._decision

    def _verdict(self, lower: float, upper: float) -> Verdict:
        """Combine the bounds at alpha and at alpha / 2 into the verdict after this batch."""
        if self._sequence.count == self.population:
            # The bounds are the exact mean, so the verdict is exact, even if it differs
            # from an earlier decided one (which was then wrong).
            return equivalence_verdict(lower, upper, claim=self.claim, delta=self.delta)
        if self.decided:
            return self._decision.verdict

        wide_lower, wide_upper = self._sequence.wide_bounds()
        consistent = equivalence_verdict(lower, upper, claim=self.claim, delta=self.delta) == "consistent"
        inconsistent = equivalence_verdict(wide_lower, wide_upper, claim=self.claim, delta=self.delta) == "inconsistent"
        # The bounds at alpha lie inside those at alpha / 2, or are the even wider
        # deterministic bounds, so both cannot hold at once. Should they ever,
        # `inconclusive` is the verdict that is never wrong.
        if consistent == inconsistent:
            return "inconclusive"
        return "consistent" if consistent else "inconsistent"

    @property
    def decision(self) -> Decision:
        """Decision after the last batch; inconclusive on [0, 1] before any batch."""
        return self._decision

    @property
    def decided(self) -> bool:
        """True once the verdict is consistent or inconsistent, so drawing can stop."""
        return self._decision.verdict != "inconclusive"


def _require_number(name: str, value: object, *, low: float, high: float, fix: str) -> None:
    """Raise ValueError unless `value` is a finite real number in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} {value!r} is not a number: {fix}")
    if not math.isfinite(value):
        raise ValueError(f"{name} '{value}' is not a finite number: {fix}")
    if not low <= value <= high:
        raise ValueError(f"{name} '{value}' is outside [{low:g}, {high:g}]: {fix}")
