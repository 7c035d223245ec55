"""Statistics of results: intervals for a run's utility and for a mean over seeds.

``bootstrap_utility_ci`` (one run, replicates resampled) and ``mean_ci95`` (several seeds,
Student t) are computed here and only drawn by ``plots``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .utility_function import binary_entropy, entropy_bits

BOOTSTRAP_SAMPLES = 1000


def utility_from_counts(counts: np.ndarray, ones: np.ndarray, n_cells: int) -> np.ndarray:
    """Hard U of pattern counts (..., distinct) whose patterns have ``ones`` fate-1 cells each."""
    counts = np.asarray(counts, np.float64)
    pbar = (counts @ ones) / (counts.sum(axis=-1) * n_cells)
    return binary_entropy(pbar, np) - entropy_bits(counts, np) / n_cells


def bootstrap_utility_ci(patterns: np.ndarray, seed: int, n_samples: int = BOOTSTRAP_SAMPLES,
                         level: float = 0.95) -> tuple[float, float]:
    """Basic bootstrap interval of the hard utility, replicates resampled with replacement.

    The basic (reflected) interval ``[2 U - q_high, 2 U - q_low]`` mirrors the resamples'
    spread around the estimate, which corrects the first-order bias of plug-in entropies; it
    says where the true U lies, so with few replicates it may exclude the plug-in U itself.
    Resampling replicates is a multinomial draw over the distinct patterns, so a sample costs
    O(distinct patterns). Deterministic for a given ``seed``.
    """
    x = np.asarray(patterns)
    r, n = x.shape
    distinct, inverse = np.unique(x, axis=0, return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), minlength=len(distinct))
    ones = distinct.sum(axis=1)
    estimate = float(utility_from_counts(counts, ones, n))
    samples = np.random.default_rng(seed).multinomial(r, counts / r, size=n_samples)
    tail = 100 * (1 - level) / 2
    q_low, q_high = np.percentile(utility_from_counts(samples, ones, n), [tail, 100 - tail])
    return 2 * estimate - float(q_high), 2 * estimate - float(q_low)


def _t_quantile_975(dof: int) -> float:
    """Two-sided 95% Student-t critical value for ``dof`` degrees of freedom."""
    from scipy.stats import t as student_t

    return float(student_t.ppf(0.975, dof))


def mean_ci95(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and the Student-t 95% confidence interval of the mean (NaN bounds for one value)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = _t_quantile_975(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return mean, mean - half, mean + half
