"""Statistics of results: intervals for a run's utility and for a mean over seeds, and the
summaries the figures and the ``fatenet`` command show.

``bootstrap_utility_ci`` (one run, replicates resampled), ``mean_ci95`` (several seeds,
Student t) and ``sweep_point_statistics`` (a study's runs grouped by swept value) are computed
here and only drawn by ``plots``.
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


def _many_fate_utility(counts: np.ndarray, held: np.ndarray, n_cells: int) -> np.ndarray:
    """Hard U of pattern counts (..., distinct) whose patterns hold ``held`` (distinct, Z) cells in each fate."""
    counts = np.asarray(counts, np.float64)
    pooled = (counts @ held) / (counts.sum(axis=-1, keepdims=True) * n_cells)
    return entropy_bits(pooled, np) - entropy_bits(counts, np) / n_cells


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
    if distinct.size and distinct.max() > 1:  # Z > 2 fates: each distinct pattern's cells in every fate
        held = np.stack([(distinct == z).sum(axis=1) for z in range(int(distinct.max()) + 1)], axis=1)
        of = lambda c: _many_fate_utility(c, held, n)  # noqa: E731
    else:
        ones = distinct.sum(axis=1)
        of = lambda c: utility_from_counts(c, ones, n)  # noqa: E731
    estimate = float(of(counts))
    samples = np.random.default_rng(seed).multinomial(r, counts / r, size=n_samples)
    tail = 100 * (1 - level) / 2
    q_low, q_high = np.percentile(of(samples), [tail, 100 - tail])
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


SUCCESS_TOLERANCE = 0.02
"""A restart succeeds when its best candidate scores within this of the run's best restart."""
MISS_TOLERANCE = 0.05
"""A run misses the best basin when its headline U (at dt / 16) is more than this below the best
run of its group (the same settings, other seeds): lateral inhibition (about 0.68) and the whole
row deciding together (at most 0.857) lie that far below the collective basin (0.87-0.90)."""


def restart_outcomes(selection: Sequence[dict], restarts: Sequence[dict] | None) -> list[dict]:
    """One row per restart of a run: ``restart``, ``start_class``, ``kept`` and ``score``.

    ``selection`` is the run's final candidates (``params.json``'s ``selection``); a restart's
    score is the best, over its candidates (``restart_<k>_best_ever``, ``restart_<k>_mean``; a
    single run's ``best_ever`` and ``mean``), of the worse of the U at dt and at dt / 4 that every
    candidate was re-scored with (U at dt alone where dt / 4 was not run). A restart that did
    not train to the end (dropped after exploration) has no candidates and the score NaN.
    ``restarts`` is the run's restart table (``params.json``'s ``restarts``; None: one restart).
    """
    table = list(restarts) if restarts else [{"restart": 0, "start_class": "", "kept": True}]
    scores: dict[int, float] = {}
    for row in selection:
        name = str(row["candidate"])
        if name in ("best_ever", "mean"):
            k = 0
        elif name.startswith("restart_"):
            k = int(name.split("_")[1])
        else:
            continue
        values = [row.get(column) for column in ("rescore_utility", "rescore_fine_dt")]
        values = [float(v) for v in values if v is not None and math.isfinite(float(v))]
        if values:
            scores[k] = max(scores.get(k, -math.inf), min(values))
    return [{"restart": int(r["restart"]), "start_class": str(r.get("start_class", "")), "kept": bool(r["kept"]),
             "score": scores.get(int(r["restart"]), math.nan)} for r in table]


def search_summary(runs: Sequence[tuple[float, list[dict]]], tolerance: float = SUCCESS_TOLERANCE,
                   miss_tolerance: float = MISS_TOLERANCE) -> dict:
    """How reliably a search finds the best basin, over the runs (seeds) of one group.

    ``runs``: per run, its headline U (at dt / 16) and its ``restart_outcomes``. Returns
    ``runs``, ``restarts`` (started), ``trained`` (trained to the end), ``successes`` (restarts
    within ``tolerance`` of their run's best restart), ``success_rate`` (successes / restarts),
    ``best`` (the best headline U of the group), ``misses`` (runs more than ``miss_tolerance``
    below it) and ``miss_rate``.
    """
    restarts = trained = successes = 0
    for _, outcomes in runs:
        scores = np.array([o["score"] for o in outcomes], np.float64)
        restarts += len(outcomes)
        trained += int(np.sum(np.isfinite(scores)))
        if np.any(np.isfinite(scores)):
            successes += int(np.sum(scores >= np.nanmax(scores) - tolerance))
    headline = np.array([u for u, _ in runs], np.float64)
    best = float(np.nanmax(headline)) if headline.size else math.nan
    misses = int(np.sum(~(headline >= best - miss_tolerance)))
    return {"runs": len(runs), "restarts": restarts, "trained": trained, "successes": successes,
            "success_rate": successes / restarts if restarts else math.nan, "best": best, "misses": misses,
            "miss_rate": misses / len(runs) if runs else math.nan}


def value_label(value) -> str:
    """A swept value as a figure and a grouping show it: 0.05, 7, open, 8-8 (lists joined by '-')."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return "-".join(value_label(v) for v in value)
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def sweep_point_statistics(summary, param: str, other_params: Sequence[str] = (), *, value_column: str,
                           other_column: str | None = None, bound_column: str | None = None,
                           baseline_column: str | None = None):
    """What ``plots.plot_utility_vs_param`` draws, per series (runs that share the values of
    ``other_params``) and value of ``param`` (in first-appearance order):

    ``(values, series, x, series_of, table)``: the value labels, the series keys, each run's value
    index and series key, and one row per series and value with its runs' ``mean`` of
    ``value_column`` and the Student-t 95% interval (``ci_low``, ``ci_high``: ``mean_ci95``),
    ``other_mean`` (the mean of ``other_column``), ``bound`` (the largest finite ``bound_column``)
    and ``baseline`` (the mean of ``baseline_column`` over every run at that value); NaN where a
    column is absent or has no finite value.
    """
    import pandas as pd

    values = list(dict.fromkeys(value_label(v) for v in summary[param]))
    position = {v: i for i, v in enumerate(values)}
    x = np.array([position[value_label(v)] for v in summary[param]], dtype=float)
    others = [p for p in other_params if p != param]
    if others:
        keys = [", ".join(f"{p.rsplit('.', 1)[-1]}={value_label(row[p])}" for p in others)
                for _, row in summary.iterrows()]
    else:
        keys = [""] * len(summary)
    series = list(dict.fromkeys(keys))
    series_of = np.array(keys, dtype=object)

    def column(name):
        return summary[name].to_numpy(dtype=float) if name and name in summary.columns else None

    y, other, bound, base = column(value_column), column(other_column), column(bound_column), column(baseline_column)
    rows = []
    for key in series:
        for index in range(len(values)):
            cell = (series_of == key) & (x == index)
            if not cell.any():
                continue
            mean, low, high = mean_ci95(y[cell])
            bounds = None if bound is None else bound[cell]
            rows.append({"series": key, "value_index": index, "mean": mean, "ci_low": low, "ci_high": high,
                         "other_mean": math.nan if other is None else float(np.nanmean(other[cell])),
                         "bound": float(np.nanmax(bounds)) if bounds is not None and np.isfinite(bounds).any()
                         else math.nan,
                         "baseline": math.nan if base is None else float(np.nanmean(base[x == index]))})
    return values, series, x, series_of, pd.DataFrame(rows)
