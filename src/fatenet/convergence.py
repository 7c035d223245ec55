"""Whose U is it, the model's or the integrator's: a trained f re-simulated as the time step shrinks.

``convergence(config, params, seed)`` re-simulates a run's network on the same tissues and the
same Brownian path (resolved at the finest step) with dt divided by each of ``FACTORS`` and
reports, per time step, the hard U and the most frequent pattern with its share; and, for the
network, what an Euler-Maruyama step with clipped states integrates badly: the steepest slope of
f (``max_slope``, per unit of sbar or s, and times dt: ``slope_dt``), the fastest rate
(``max_rate``), and the share of cell-steps spent against the walls 0 and 1 at dt and at the
dt / 16 (``wall_share_dt``, ``wall_share_dt/16``). A U that moves between dt and the finest
step belongs to the integrator. ``fatenet convergence RESULTS`` prints the table of a built study.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from . import streams
from .artifacts import dt_label
from .config import Config
from .constants import CONVERGENCE_FACTORS
from .dynamics import simulate_time_steps
from .evaluation import kymograph
from .problem import Problem
from .utility_function import utility

FACTORS = CONVERGENCE_FACTORS
"""The time steps: dt divided by each (the same simulated time, one Brownian path at dt / 64)."""
REPLICATES = 2000
"""Fresh tissues per run and time step."""
WALL_REPLICATES = 64
"""Tissues whose trajectories measure the time spent against the walls (at dt and dt / 16)."""
SLOPE_POINTS = 1001
"""Grid of [0, 1] (each input of f) on which the steepest slope is taken."""


def slopes(problem: Problem, params: np.ndarray) -> tuple[float, float]:
    """``(largest |df/dx|, largest |f|)`` of the network on a grid of [0, 1] (x: sbar, and s where
    f reads it), by finite differences: exact for a piecewise-linear f whose knots lie on the grid."""
    grid = np.linspace(0.0, 1.0, SLOPE_POINTS, dtype=np.float32)
    flat = jnp.asarray(params, jnp.float32)
    if problem.network.inputs == ("sbar",):
        f = np.asarray(problem.network.apply_flat(flat, grid), np.float64)
        return float(np.max(np.abs(np.diff(f))) * (SLOPE_POINTS - 1)), float(np.max(np.abs(f)))
    s, sbar = np.meshgrid(grid, grid, indexing="ij")
    f = np.asarray(problem.network.apply_flat(flat, sbar, s), np.float64)
    steepest = max(np.max(np.abs(np.diff(f, axis=0))), np.max(np.abs(np.diff(f, axis=1))))
    return float(steepest * (SLOPE_POINTS - 1)), float(np.max(np.abs(f)))


def top_pattern(states: np.ndarray, thresholds) -> tuple[str, float]:
    """The most frequent fate pattern of final ``states`` (ties: the smallest) and its share."""
    fates = np.sum(np.asarray(states)[..., None] >= np.asarray(thresholds), axis=-1)
    rows, counts = np.unique(fates, axis=0, return_counts=True)
    best = int(np.argmax(counts))
    return "".join(str(int(v)) for v in rows[best]), float(counts[best] / len(fates))


def convergence(config: Config, params: np.ndarray, seed: int, factors: tuple[int, ...] = FACTORS,
                n_replicates: int = REPLICATES) -> dict:
    """One run's row (module doc): ``utility_dt``, ``utility_dt/4``, ... and ``top_pattern_*``,
    ``top_share_*`` per time step, ``max_slope``, ``slope_dt``, ``max_rate``, ``wall_share_dt``,
    ``wall_share_dt/16``, and ``moves``: the largest change of U from its value at dt."""
    problem = Problem.from_config(config)
    flat = jnp.asarray(params, jnp.float32)
    key = jax.random.fold_in(jax.random.PRNGKey(int(seed)), streams.CONVERGENCE)
    factors = tuple(int(k) for k in factors)
    row, utilities = {}, []
    thresholds = np.asarray(problem.network.fate_thresholds(flat))
    for factor, final in zip(factors, simulate_time_steps(problem, flat, key, factors, int(n_replicates)),
                             strict=True):
        fates = problem.network.fates(flat, final)
        utilities.append(float(utility(fates, "hard", n_fates=problem.n_fates)[0]))
        row[f"utility_{dt_label(factor)}"] = utilities[-1]
        pattern, share = top_pattern(np.asarray(final), thresholds)
        row[f"top_pattern_{dt_label(factor)}"], row[f"top_share_{dt_label(factor)}"] = pattern, share
    slope, rate = slopes(problem, params)
    row.update(max_slope=slope, slope_dt=slope * config.simulation.dt, max_rate=rate)
    for factor in (1, 16):
        _, states = kymograph(problem.refined(factor), params, key, config.simulation.dt / factor,
                              n_replicates=WALL_REPLICATES, n_times=problem.n_steps * factor + 1,
                              substeps=16 // factor)
        row[f"wall_share_{dt_label(factor)}"] = float(np.mean((states[1:] <= 0.0) | (states[1:] >= 1.0)))
    row["moves"] = float(np.max(np.abs(np.asarray(utilities) - utilities[0])))
    return row


def side_by_side(config: Config, params: np.ndarray, seed: int, factors: tuple[int, int] = (1, 16),
                 n_replicates: int = 4) -> dict:
    """Kymographs of the same tissues on the same Brownian path at dt / each factor
    (``plots.plot_kymographs``' input: name -> (times, states))."""
    problem = Problem.from_config(config)
    key = jax.random.fold_in(jax.random.PRNGKey(int(seed)), streams.CONVERGENCE)
    finest = max(factors)
    return {dt_label(k): kymograph(problem.refined(k), params, key, config.simulation.dt / k, n_replicates=n_replicates,
                                 substeps=finest // k) for k in factors}


def table(rows: list[dict], runs: list[str]) -> pd.DataFrame:
    """The runs' rows as one frame, ``run`` first."""
    return pd.DataFrame([{"run": run, **row} for run, row in zip(runs, rows, strict=True)])
