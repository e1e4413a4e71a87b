"""Claim normalisation and the equivalence decision of a re-run.

Results files do not state their value scale: some use 0-1 (`0.412`), most use 0-100
(`78.8`). The statistics work on 0-1, so every claim is read through `normalize_claim`,
which also returns a sentence for the comment that states how the value was read.
"""

import math
from typing import Literal

MetricScale = Literal["0-1", "0-100"]
Verdict = Literal["consistent", "inconsistent", "inconclusive"]

# Floating-point slack for band edges, so that a re-run mean of exactly claim + delta
# (e.g. 0.788 + 0.03) still counts as inside the band despite rounding.
EDGE_TOLERANCE = 1e-9


def normalize_claim(value: float, *, metric_scale: MetricScale | None = None) -> tuple[float, str]:
    """Convert a claimed metric value to the 0-1 scale.

    With `metric_scale` given, the value is read on that scale. Without it, a value above
    1 is read as 0-100 and a value from 0 to 1 as 0-1. A value of exactly 1 fits both
    scales (a perfect score, or 1 point of 100). It is read as 0-1 so that all values up to
    1 follow one rule, and the sentence states that choice.

    Args:
        value: the `value` field of a results entry.
        metric_scale: the benchmark's scale when it is known.

    Returns:
        The claim on 0-1 and a sentence such as "read 78.8 as 0-100, so 0.788".

    Raises:
        ValueError: the value is not a finite number, is negative, is over its scale's
            maximum, or `metric_scale` is not "0-1" or "0-100".
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"claimed value {value!r} is not a number: write the score as a number such as 78.8")
    if not math.isfinite(value):
        raise ValueError(f"claimed value '{value}' is not finite: write the score as a number such as 78.8")
    if value < 0:
        raise ValueError(f"claimed value '{value:g}' is negative: write the score on 0-1 or 0-100")
    if metric_scale not in (None, "0-1", "0-100"):
        raise ValueError(f"metric scale {metric_scale!r} is unknown: use '0-1', '0-100' or None")

    if metric_scale == "0-1":
        if value > 1:
            raise ValueError(f"claimed value '{value:g}' is above 1 on a 0-1 metric: write it as a fraction such as 0.788")
        return float(value), f"read {value:g} as 0-1, as the metric is on 0-1"
    if metric_scale == "0-100":
        if value > 100:
            raise ValueError(f"claimed value '{value:g}' is above 100 on a 0-100 metric: write it as a percentage such as 78.8")
        return value / 100, f"read {value:g} as 0-100, as the metric is on 0-100, so {value / 100:g}"

    # Without a declared scale, the value's size decides.
    if value > 100:
        raise ValueError(f"claimed value '{value:g}' is above 100: write the score on 0-1 or 0-100")
    if value > 1:
        return value / 100, f"read {value:g} as 0-100, so {value / 100:g}"
    if value == 0:
        return 0.0, "read 0 as 0, which is the same on 0-1 and 0-100"
    if value == 1:
        return 1.0, (
            "read 1 as 0-1, so a perfect score of 1, because every value up to 1 is read as 0-1; "
            "it would be 0.01 on 0-100, so declare the metric scale if that is meant"
        )
    return float(value), f"read {value:g} as 0-1, so {value:g}"


def equivalence_verdict(lower: float, upper: float, *, claim: float, delta: float) -> Verdict:
    """Compare a confidence interval with the band [claim - delta, claim + delta].

    `consistent` when the interval lies inside the band, `inconsistent` when the two do
    not meet, `inconclusive` when they overlap only in part.
    """
    band_lower = claim - delta - EDGE_TOLERANCE
    band_upper = claim + delta + EDGE_TOLERANCE
    if band_lower <= lower and upper <= band_upper:
        return "consistent"
    if upper < band_lower or lower > band_upper:
        return "inconsistent"
    return "inconclusive"
