"""Tail probabilities for the blip and common-thread tests. Pure Python (no scipy at cold start)."""

from __future__ import annotations

import math


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): the chance of at least ``k`` hits in ``n`` draws."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)
    # Sum the upper tail from k while terms matter; the pmf decreases past the mode.
    total = 0.0
    for i in range(k, n + 1):
        term = math.exp(base - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
        total += term
        if i > n * p and term < total * 1e-12:
            break
    return min(1.0, total)


def poisson_sf(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean)."""
    if k <= 0:
        return 1.0
    if mean <= 0.0:
        return 0.0
    total = 0.0
    term = math.exp(-mean)
    for i in range(k):
        total += term
        term *= mean / (i + 1)
    return max(0.0, 1.0 - total)
