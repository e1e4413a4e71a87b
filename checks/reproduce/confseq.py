"""Betting confidence sequence for the mean of a finite population sampled without replacement.

Method: Waudby-Smith and Ramdas, "Confidence sequences for sampling without replacement"
(NeurIPS 2020, arXiv:2006.04347), betting ("hedged capital") form. For each candidate
population mean m, a gambler bets against the hypothesis "the population mean is m" and
the candidate is rejected once the gambler's capital reaches 1/alpha. Under the true m the
capital is a nonnegative martingale, so by Ville's inequality the true mean is ever
rejected with probability at most alpha. The intervals therefore stay valid under optional
stopping, and the re-run may stop as soon as it is decided.

Sampling without replacement enters through the mean of the items not yet drawn: if the
population mean is m and the first t - 1 draws sum to S, the next draw has conditional mean
mu_t(m) = (N m - S) / (N - t + 1). The capital bets on x_t - mu_t(m).
"""

import math
from collections.abc import Sequence

import numpy as np

# Candidate means on [0, 1]. The reported bounds are grid points that are known to be
# rejected (or the deterministic bounds), so a coarser grid widens the interval by at most
# one step (1 / (GRID_POINTS - 1)) and never makes it invalid.
GRID_POINTS = 1001
# Bets are truncated at this fraction of the largest bet that keeps capital nonnegative,
# so one item can cost at most half of the capital.
BET_TRUNCATION = 0.5
# Weight of the upward bet in the hedged capital; the downward bet gets the rest.
HEDGE_WEIGHT = 0.5
# Items processed at once; bounds memory at CHUNK_ITEMS x GRID_POINTS floats per array.
CHUNK_ITEMS = 64


class WithoutReplacementCS:
    """Running confidence sequence for a population mean of scores in [0, 1].

    The caller validates inputs (scores in [0, 1], at most `population` of them) because
    this class keeps no copy of its state to roll back to.
    """

    def __init__(self, *, alpha: float, population: int) -> None:
        self.alpha = alpha
        self.population = population
        self.count = 0
        self.total = 0.0
        self._grid = np.linspace(0.0, 1.0, GRID_POINTS)
        # Candidates not rejected yet are the grid slice [_start, _stop). A rejected
        # candidate stays rejected (running intersection), so only this window is updated
        # and the work per item shrinks with the interval.
        self._start = 0
        self._stop = GRID_POINTS
        self._log_capital_up = np.zeros(GRID_POINTS)
        self._log_capital_down = np.zeros(GRID_POINTS)
        # Predictable plug-in state: the sum of squared errors of the running mean.
        self._sum_squared_error = 0.0

    def update(self, scores: Sequence[float]) -> tuple[float, float]:
        """Add item scores in draw order and return the current (lower, upper) bounds."""
        values = np.asarray(scores, dtype=float)
        for start in range(0, len(values), CHUNK_ITEMS):
            self._update_chunk(values[start : start + CHUNK_ITEMS])
        return self.bounds()

    def bounds(self) -> tuple[float, float]:
        """Return the interval for the population mean after the items so far."""
        n, N = self.count, self.population
        if n == N:
            # Every item is scored, so the population mean is known exactly.
            mean = self.total / N
            return mean, mean

        # Deterministic bounds: the unseen N - n items each score between 0 and 1.
        feasible_lower = self.total / N
        feasible_upper = (self.total + (N - n)) / N

        # NOTE: an empty window means the bets rejected every candidate, which happens
        # only when the sequence has already missed the true mean (probability <= alpha).
        # The deterministic bounds are returned then, because they always contain it.
        if self._start >= self._stop:
            return feasible_lower, feasible_upper

        # The continuous confidence set lies strictly between the nearest rejected grid
        # points, so those points are valid bounds, at most one grid step too wide.
        lower = feasible_lower
        if self._start > 0:
            lower = max(lower, float(self._grid[self._start - 1]))
        upper = feasible_upper
        if self._stop < GRID_POINTS:
            upper = min(upper, float(self._grid[self._stop]))
        return lower, upper

    def _update_chunk(self, x: np.ndarray) -> None:
        b, N = len(x), self.population
        if b == 0:
            return
        positions = self.count + np.arange(b)  # items drawn before each of these
        sums_before = self.total + np.cumsum(x) - x
        lam = self._plug_in_bets(x, positions)[:, None]
        self.count += b
        self.total += math.fsum(x.tolist())
        if self._start >= self._stop:
            return

        # Conditional mean of each next draw under every candidate m (rows: items).
        # Clipping keeps bets defined for candidates the data have already ruled out. It is
        # monotone in m, so capital stays monotone in m.
        candidates = self._grid[self._start : self._stop]
        remaining = (N - positions)[:, None]
        mu = (N * candidates[None, :] - sums_before[:, None]) / remaining
        np.clip(mu, 0.0, 1.0, out=mu)

        # The bet size lam comes from the items before each draw (never the draw itself).
        # It is truncated per candidate so that capital stays positive whatever x_t is.
        with np.errstate(divide="ignore"):
            bet_up = np.minimum(lam, BET_TRUNCATION / mu)
            bet_down = np.minimum(lam, BET_TRUNCATION / (1.0 - mu))
        gain = x[:, None] - mu
        log_up = np.cumsum(np.log1p(bet_up * gain), axis=0)
        log_up += self._log_capital_up
        log_down = np.cumsum(np.log1p(-bet_down * gain), axis=0)
        log_down += self._log_capital_down

        # Hedged capital max(w K_up, (1 - w) K_down) reaches 1/alpha exactly when one of
        # the weighted capitals does, so each side's rejections are found on their own.
        # The up-bet grows when the mean is above m, so it rejects a prefix of the window,
        # and the down-bet a suffix.
        threshold = math.log(1.0 / self.alpha)
        rejected_up = np.flatnonzero(log_up.max(axis=0) >= threshold - math.log(HEDGE_WEIGHT))
        rejected_down = np.flatnonzero(log_down.max(axis=0) >= threshold - math.log(1.0 - HEDGE_WEIGHT))
        keep_from = int(rejected_up[-1]) + 1 if rejected_up.size else 0
        keep_to = int(rejected_down[0]) if rejected_down.size else len(candidates)

        self._log_capital_up = log_up[-1, keep_from:keep_to]
        self._log_capital_down = log_down[-1, keep_from:keep_to]
        self._stop = self._start + max(keep_to, keep_from)
        self._start = self._start + keep_from

    def _plug_in_bets(self, x: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Compute bet sizes lambda_t = sqrt(2 log(2/alpha) / (sigma_{t-1}^2 t log(1 + t))).

        sigma_t^2 = (1/4 + sum_{i<=t} (x_i - mean_i)^2) / (t + 1) and
        mean_t = (1/2 + sum_{i<=t} x_i) / (t + 1) start from a fair-coin guess (mean 1/2,
        variance 1/4), so the first bet is defined before any item. The factor t log(1 + t)
        shrinks the bets slowly enough that the sequence tightens at every sample size
        rather than at one chosen size. The per-candidate truncation applies afterwards.
        """
        t = positions + 1
        means = (0.5 + self.total + np.cumsum(x)) / (t + 1)
        squared_error = np.cumsum((x - means) ** 2)
        # sigma^2 from the items before each draw: shift the running sums by one item.
        error_before = self._sum_squared_error + np.concatenate(([0.0], squared_error[:-1]))
        variance_before = (0.25 + error_before) / t
        self._sum_squared_error += float(squared_error[-1])

        return np.sqrt(2.0 * math.log(2.0 / self.alpha) / (variance_before * t * np.log1p(t)))
