"""One-sided betting confidence sequences for the mean of a finite population sampled without replacement.

Sources: Waudby-Smith and Ramdas, "Confidence sequences for sampling without replacement"
(NeurIPS 2020, arXiv:2006.04347), for the conditional mean of the next draw, and
Waudby-Smith and Ramdas, "Estimating means of bounded random variables by betting"
(JRSS-B 2024, arXiv:2010.09686), for testing by betting and the name of the approximate
growth-rate-optimal (aGRAPA) bet. Only the latter's abstract was checked, so the bet
below is this module's own definition. Validity holds for any predictable bet in the
truncated range, so the form of the bet only affects how fast a verdict is reached.

For every candidate population mean m, two gamblers bet against it, one per side:

- the up-gambler tests the null "the population mean is at most m" with capital
  K_t = prod_{i<=t} (1 + lambda_i (x_i - mu_i(m))), lambda_i >= 0;
- the down-gambler tests "the population mean is at least m" with
  K_t = prod_{i<=t} (1 - lambda_i (x_i - mu_i(m))), lambda_i >= 0.

Here mu_t(m) = (N m - S_{t-1}) / (N - t + 1) is the mean of the items not yet drawn when
the population mean is m and the first t - 1 draws sum to S_{t-1}. Each step of the
validity argument:

- Conditional mean: a draw without replacement is uniform over the items not yet drawn,
  so given the past, x_t has mean mu_t(m*) under the true mean m*.
- Composite null by monotonicity: mu_t(m) increases in m, so when m* <= m every up-factor
  has conditional mean 1 + lambda_t (mu_t(m*) - mu_t(m)) <= 1, and the up-capital is a
  nonnegative supermartingale for every mean in the null, not only for m itself.
  The down-gambler is the mirror image.
- Predictability: lambda_t uses only x_1 .. x_{t-1} and m, never x_t.
- Positivity: an up-bet is at most BET_TRUNCATION / mu_t(m) and x_t >= 0, so each factor
  is at least 1 - BET_TRUNCATION > 0. A down-bet is at most BET_TRUNCATION / (1 - mu_t(m))
  and x_t <= 1, with the same bound.
- Ville's inequality: a nonnegative supermartingale that starts at 1 ever reaches 1/a
  with probability at most a. A candidate rejected once therefore stays rejected.

The lower bound at level a is the largest candidate below which every candidate, itself
included, has been rejected by its up-gambler at 1/a. A bound at or above the true mean
m* means that the up-gambler of the first candidate at or above m* rejected a true null.
That happens with probability at most a, and the argument needs no monotonicity of the
capitals in m. The upper bound is the mirror image. So [lower, upper] at level a is a
two-sided confidence sequence at level 1 - 2a that stays valid at any stopping time.
The class keeps both bounds at two levels: alpha and alpha / 2.
"""

import math
from collections.abc import Sequence

import numpy as np

# Candidate means on [0, 1]. The bounds are candidates known to be rejected (or the
# deterministic bounds), so a coarser grid widens the interval by at most one step
# (1 / (GRID_POINTS - 1)) and never makes it invalid. Callers may add exact candidates,
# such as the edges of a tolerance band, so that a bound can land on them.
GRID_POINTS = 1001
# Bets are truncated at this fraction of the largest bet that keeps capital nonnegative,
# so one item can cost at most half of the capital.
BET_TRUNCATION = 0.5
# Items processed at once; bounds memory at CHUNK_ITEMS x candidates floats per array.
CHUNK_ITEMS = 64


class WithoutReplacementCS:
    """Running one-sided confidence sequences for a population mean of scores in [0, 1].

    `bounds()` returns the lower and upper bounds that each miss the mean with
    probability at most alpha, and `wide_bounds()` those at alpha / 2, a two-sided
    confidence sequence at level 1 - alpha.

    The caller validates inputs (scores in [0, 1], at most `population` of them) because
    this class keeps no copy of its state to roll back to.
    """

    def __init__(self, *, alpha: float, population: int, anchors: Sequence[float] = ()) -> None:
        self.alpha = alpha
        self.population = population
        self.count = 0
        self.total = 0.0
        extra = [float(anchor) for anchor in anchors if 0.0 <= anchor <= 1.0]
        self._candidates = np.unique(np.concatenate((np.linspace(0.0, 1.0, GRID_POINTS), extra)))
        size = len(self._candidates)
        # Candidates outside [_start, _stop) are rejected at alpha / 2 on their side, so
        # they are rejected at alpha too and need no more updates. Inside the window each
        # candidate keeps its capitals and whether they have reached 1/alpha.
        self._start = 0
        self._stop = size
        self._log_capital_up = np.zeros(size)
        self._log_capital_down = np.zeros(size)
        self._rejected_up = np.zeros(size, dtype=bool)
        self._rejected_down = np.zeros(size, dtype=bool)
        self._rejected_up_half = np.zeros(size, dtype=bool)
        self._rejected_down_half = np.zeros(size, dtype=bool)
        # Prior-smoothed running moments of the draws for the predictable bets.
        self._sum_squared_error = 0.0

    def update(self, scores: Sequence[float]) -> tuple[float, float]:
        """Add item scores in draw order and return `bounds()`."""
        values = np.asarray(scores, dtype=float)
        for start in range(0, len(values), CHUNK_ITEMS):
            self._update_chunk(values[start : start + CHUNK_ITEMS])
        return self.bounds()

    def bounds(self) -> tuple[float, float]:
        """Return the bounds that each miss the mean with probability at most alpha."""
        lower_index = self._start + _leading_true(self._rejected_up[self._start : self._stop])
        upper_index = self._stop - _leading_true(self._rejected_down[self._start : self._stop][::-1])
        return self._interval(lower_index, upper_index)

    def wide_bounds(self) -> tuple[float, float]:
        """Return the bounds that each miss the mean with probability at most alpha / 2."""
        return self._interval(self._start, self._stop)

    def _interval(self, first_kept: int, end_kept: int) -> tuple[float, float]:
        """Turn the kept candidates [first_kept, end_kept) into bounds within the feasible range."""
        n, N = self.count, self.population
        if n == N:
            # Every item is scored, so the population mean is known exactly.
            mean = self.total / N
            return mean, mean

        # Deterministic bounds: the unseen N - n items each score between 0 and 1.
        feasible_lower = self.total / N
        feasible_upper = (self.total + (N - n)) / N

        # NOTE: no kept candidate means the gamblers rejected every candidate, which
        # happens only when a bound has already missed the true mean (probability at most
        # 2 alpha at this level). The deterministic bounds are returned then, because they
        # always contain it, so in that case the interval may widen.
        if first_kept >= end_kept:
            return feasible_lower, feasible_upper

        # The true mean lies above the whole rejected prefix unless the bound has missed
        # it, so the last rejected candidate is a valid bound, at most one grid step too wide.
        lower = feasible_lower
        if first_kept > 0:
            lower = max(lower, float(self._candidates[first_kept - 1]))
        upper = feasible_upper
        if end_kept < len(self._candidates):
            upper = min(upper, float(self._candidates[end_kept]))
        return lower, upper

    def _update_chunk(self, x: np.ndarray) -> None:
        b, N = len(x), self.population
        if b == 0:
            return
        positions = self.count + np.arange(b)  # items drawn before each of these
        sums_before = self.total + np.cumsum(x) - x
        estimates, variances = self._plug_in_moments(x, positions)
        self.count += b
        self.total += math.fsum(x.tolist())
        if self._start >= self._stop:
            return

        # Conditional mean of each next draw under every candidate m (rows: items).
        # Clipping to [0, 1] only affects candidates that the draws have already ruled
        # out for certain, or nulls whose true conditional mean is then even lower
        # (up-side) or higher (down-side), so each capital stays a supermartingale.
        candidates = self._candidates[self._start : self._stop]
        remaining = (N - positions)[:, None]
        mu = (N * candidates[None, :] - sums_before[:, None]) / remaining
        np.clip(mu, 0.0, 1.0, out=mu)

        # aGRAPA bet: lambda = gap / (variance + gap^2), with gap = estimate - mu_t(m),
        # sized from the items before each draw. The mean of the earlier draws also
        # estimates the mean of the items not yet drawn, because both estimate the
        # population mean. A positive lambda is the up-gambler's bet and a negative one the
        # down-gambler's (the other gambler sits out that item), so each bets only toward
        # its alternative. Truncation keeps capital positive whatever x_t is.
        gap = estimates[:, None] - mu
        bet = gap / (variances[:, None] + gap * gap)
        with np.errstate(divide="ignore"):
            np.clip(bet, -BET_TRUNCATION / (1.0 - mu), BET_TRUNCATION / mu, out=bet)
        log_factor = np.log1p(bet * (x[:, None] - mu))
        log_factor_up = np.where(bet > 0, log_factor, 0.0)
        log_up = np.cumsum(log_factor_up, axis=0) + self._log_capital_up[self._start : self._stop]
        log_down = np.cumsum(log_factor - log_factor_up, axis=0) + self._log_capital_down[self._start : self._stop]

        # Rejection is checked after every item (Ville's inequality covers the running
        # maximum), so how the caller splits items into batches changes nothing.
        window = slice(self._start, self._stop)
        self._log_capital_up[window] = log_up[-1]
        self._log_capital_down[window] = log_down[-1]
        peak_up = log_up.max(axis=0)
        peak_down = log_down.max(axis=0)
        self._rejected_up[window] |= peak_up >= math.log(1.0 / self.alpha)
        self._rejected_down[window] |= peak_down >= math.log(1.0 / self.alpha)
        self._rejected_up_half[window] |= peak_up >= math.log(2.0 / self.alpha)
        self._rejected_down_half[window] |= peak_down >= math.log(2.0 / self.alpha)

        # Narrow the window past the prefix and suffix rejected at alpha / 2.
        keep_from = _leading_true(self._rejected_up_half[window])
        keep_to = len(candidates) - _leading_true(self._rejected_down_half[window][::-1])
        self._stop = self._start + max(keep_to, keep_from)
        self._start = self._start + keep_from

    def _plug_in_moments(self, x: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the mean and variance estimates from the items before each draw.

        Both start from a fair-coin guess (mean 1/2, variance 1/4) with the weight of one
        item, so the first bet is defined and a few early draws cannot make it extreme:
        mean_t = (1/2 + sum_{i<t} x_i) / t and
        sigma_t^2 = (1/4 + sum_{i<t} (x_i - mean_{i+1})^2) / t.
        """
        t = positions + 1
        sums_through = self.total + np.cumsum(x)
        means_after = (0.5 + sums_through) / (t + 1)
        squared_error = np.cumsum((x - means_after) ** 2)
        means_before = (0.5 + sums_through - x) / t
        error_before = self._sum_squared_error + np.concatenate(([0.0], squared_error[:-1]))
        self._sum_squared_error += float(squared_error[-1])
        return means_before, (0.25 + error_before) / t


def _leading_true(flags: np.ndarray) -> int:
    """Return how many elements at the start of `flags` are True."""
    misses = np.flatnonzero(~flags)
    return int(misses[0]) if misses.size else len(flags)
