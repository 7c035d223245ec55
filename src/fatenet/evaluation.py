"""Scoring a trained network on fresh replicates, beside a random network (as the seed compares).

``evaluate(config, params, seed)`` draws ``evaluation.n_replicates`` new tissues from a key
independent of training (``fold_in(PRNGKey(seed), streams.EVALUATION)``), for the trained
network and for a freshly initialised random one, and returns

- ``metrics``: one row per network with the hard utility, its 95% bootstrap interval
  (replicates resampled), its parts (S_pat, S_rep, the
  Miller-Madow S_rep, S_cf, PI, CI), the soft utility, fraction of fate 1, the share of the
  two alternating patterns 0101... and 1010..., distinct patterns,
  f(0), f(0.5), f(1), the zero crossing of f, the lateral-inhibition flag f(0) > 0 > f(1), and
  for the trained network the training fitness and its gap to the fresh fitness (the training
  fitness measure averaged over fresh batches of the training's replicate count), and the
  exact upper bound of U for the tissue's size and boundary (``bounds``; NaN beyond 20 cells);
  for the trained network also the time-step check: ``utility_fine_dt`` and
  ``utility_finest_dt``, U of the same network re-simulated with the time step ``dt / 4`` and
  ``dt / 16`` (same ``t_final``) on the same tissues and Brownian paths as ``utility`` (its
  first ``DT_CHECK_MAX_REPLICATES``): the trained network's tissues are integrated at dt with
  each step driven by the sum of 16 steps of the noise stream (``simulate``'s ``substeps``),
  so the three columns differ by what the time step does, not by sampling; and
  ``dt_sensitive``, true when either differs from ``utility`` by more than
  ``DT_TOLERANCE``: then U is a property
  of the Euler-Maruyama integrator, not of the model (the stochastic differential equation),
  and needs a smaller ``simulation.dt`` or a smoother, slower ``f`` (``network.max_rate``).
  Both refinements are checked because a function tuned to one time step can keep its U at
  dt / 4 and lose it at dt / 16;
- ``patterns``: every observed pattern with its count and frequency;
- ``f_curve``: f of both networks and the reference -tanh(5 (sbar - 0.5)) on [0, 1];
- ``shown``: the first ``evaluation.n_shown`` patterns of each network, for heatmaps;
- ``kymographs``: the states of the first ``KYMOGRAPH_REPLICATES`` replicates of each network
  over time, ``(times, states (time, replicate, cell))`` at ``KYMOGRAPH_TIMES`` instants
  (the same tissues as the first rows of the patterns: replicates do not depend on how many
  are simulated).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from . import artifacts, bounds, streams
from .artifacts import METRIC_COLUMNS
from .config import Config, FatesConfig, NetworkConfig
from .constants import (
    DT_CHECK_MAX_REPLICATES,
    DT_REFINEMENTS,
    DT_TOLERANCE,
    KYMOGRAPH_REPLICATES,
    KYMOGRAPH_TIMES,
    RD_DT_CHECK_REPLICATES,
)
from .dynamics import simulate
from .neural_network import Hill, LateralInhibition, lateral_inhibition_target, make_network
from .problem import Problem
from .statistics import bootstrap_utility_ci
from .utility_function import information_decomposition, pooled_entropy, soft_pattern_entropy_of_counts, utility

CURVE_POINTS = 201
DT_CHECKS = artifacts.DT_COLUMNS
"""The time-step check: metric column -> factor by which dt is divided (constants.DT_REFINEMENTS)."""


@dataclass(frozen=True)
class Evaluation:
    metrics: pd.DataFrame
    patterns: pd.DataFrame
    f_curve: pd.DataFrame
    shown: dict[str, np.ndarray]
    kymographs: dict[str, tuple[np.ndarray, np.ndarray]]


@partial(jax.jit, static_argnames=("n_replicates", "substeps"))
def simulate_patterns(problem: Problem, flat: jax.Array, key: jax.Array, n_replicates: int,
                      substeps: int = 1) -> jax.Array:
    """Hard fate patterns (n_replicates, n_cells) of the network ``flat`` (``substeps``: ``simulate``'s)."""
    final = simulate(problem, flat, key, n_replicates, substeps=substeps)
    return problem.network.fates(flat, final)


def kymograph(problem: Problem, flat: np.ndarray, key: jax.Array, dt: float, n_replicates: int = KYMOGRAPH_REPLICATES,
              n_times: int = KYMOGRAPH_TIMES, substeps: int = 1):
    """``(times (T,), states (T, n_replicates, n_cells))``: the first replicates' states over time
    (``dt``: the time step as configured, for the times)."""
    _, traj = simulate(problem, jnp.asarray(flat, jnp.float32), key, n_replicates, return_trajectory=True,
                       substeps=substeps)
    n_steps = problem.n_steps
    index = np.unique(np.linspace(0, n_steps, min(n_times, n_steps + 1)).round().astype(int))
    return index * dt, np.asarray(traj)[index]


def regulatory_curve(network: NetworkConfig, params, n_points: int = CURVE_POINTS,
                     fates: FatesConfig | None = None) -> pd.DataFrame:
    """f on ``n_points`` evenly spaced sbar in [0, 1] beside the reference lateral-inhibition curve.

    An f of (s, sbar) is cut along s = sbar (a uniform tissue: where f is 0 it stays uniform);
    ``regulatory_surface`` gives the whole of it.
    """
    model = make_network(network, fates)
    sbar = np.linspace(0.0, 1.0, n_points, dtype=np.float32)
    f = np.asarray(model.apply_flat(jnp.asarray(params, jnp.float32), sbar, sbar), dtype=np.float64)
    return pd.DataFrame({"sbar": sbar.astype(np.float64), "f": f, "f_target": lateral_inhibition_target(sbar)})


SURFACE_POINTS = 101


def regulatory_surface(network: NetworkConfig, params, n_points: int = SURFACE_POINTS, upper: float = 1.0,
                       fates: FatesConfig | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(grid (n,), f (n_s, n_sbar))``: f(s, sbar) on a grid of [0, upper]^2 (rows s, columns sbar);
    an f of sbar alone is the same in every row."""
    model = make_network(network, fates)
    grid = np.linspace(0.0, upper, n_points, dtype=np.float32)
    s, sbar = np.meshgrid(grid, grid, indexing="ij")
    f = np.asarray(model.apply_flat(jnp.asarray(params, jnp.float32), sbar, s), dtype=np.float64)
    return grid.astype(np.float64), f


def paper_surface(config: Config, grid: np.ndarray) -> np.ndarray:
    """The paper's f(s, sbar) = sigmoid(2 (h_g s - h_s sbar)) - s at ``config``'s ``network.h_s``,
    ``network.h_g`` on ``grid`` x ``grid`` (rows s, columns sbar): the reference drawn beside a learned f
    (the reaction-diffusion model's: its Hill production at ``network.hill``, a function of sbar = r alone)."""
    s, sbar = np.meshgrid(np.asarray(grid, np.float32), np.asarray(grid, np.float32), indexing="ij")
    if config.simulation.model == "reaction_diffusion":  # the paper's production P of r = A / (A + B)
        hill = Hill(dataclasses.replace(config.network, architecture="hill"), config.fates)
        return np.asarray(hill.apply(hill.start, sbar), dtype=np.float64)
    paper = LateralInhibition(h_s=config.network.h_s, h_g=config.network.h_g)
    return np.asarray(paper.apply(paper.start, sbar, s), dtype=np.float64)


def zero_crossing(sbar: np.ndarray, f: np.ndarray) -> float:
    """First sbar where f changes sign (linear interpolation), NaN if it never does."""
    sign = np.sign(f)
    exact = np.flatnonzero(sign == 0)
    change = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    candidates = []
    if exact.size:
        candidates.append(float(sbar[exact[0]]))
    if change.size:
        i = change[0]
        candidates.append(float(sbar[i] - f[i] * (sbar[i + 1] - sbar[i]) / (f[i + 1] - f[i])))
    return min(candidates) if candidates else float("nan")


def fresh_fitness(patterns: np.ndarray, batch: int, kind: str, bandwidth: float, n_fates: int = 2) -> float:
    """The training fitness (``kind``) averaged over consecutive batches of ``batch`` replicates.

    NaN when there are fewer replicates than one batch; a remainder is left out.
    """
    n_batches = patterns.shape[0] // batch
    if not n_batches:
        return float("nan")
    batches = jnp.asarray(patterns[: n_batches * batch].reshape(n_batches, batch, -1), jnp.float32)
    scores = jax.lax.map(lambda b: utility(b, kind, bandwidth, n_fates)[0], batches, batch_size=64)
    return float(np.mean(np.asarray(scores, np.float64)))


def soft_utility(patterns: np.ndarray, bandwidth: float, n_fates: int = 2) -> float:
    """The soft utility of hard patterns, from their distinct rows (any number of replicates)."""
    x = np.asarray(patterns)
    distinct, counts = np.unique(x, axis=0, return_counts=True)
    pooled = float(pooled_entropy(jnp.asarray(x, jnp.float32), n_fates))
    return pooled - soft_pattern_entropy_of_counts(distinct, counts, bandwidth)


def _network_metrics(config: Config, model, flat: np.ndarray, patterns: np.ndarray) -> dict:
    evo, z = config.evolution, model.n_fates
    row = {k: float(v) for k, v in information_decomposition(jnp.asarray(patterns), z).items()}
    row["n_distinct"] = int(row["n_distinct"])
    row["utility_normalized"] = row["utility"] / np.log2(z)
    row["soft_utility"] = soft_utility(patterns, evo.bandwidth, z)
    row["frac_fate1"] = float(np.mean(patterns)) if z == 2 else float(np.mean(np.asarray(patterns) >= 1))
    row["alternating_share"] = alternating_share(patterns)
    points = jnp.array([0.0, 0.5, 1.0])
    f0, f05, f1 = (float(v) for v in model.apply_flat(jnp.asarray(flat), points, points))
    row.update(f0=f0, f05=f05, f1=f1, lateral_inhibition=bool(f0 > 0.0 > f1))
    row["fresh_fitness"] = fresh_fitness(patterns, config.simulation.n_replicates, evo.fitness, evo.bandwidth, z)
    return row


def alternating_share(patterns: np.ndarray) -> float:
    """Fraction of replicates showing one of the two alternating patterns 0101... and 1010..."""
    x = np.asarray(patterns)
    alternating = np.arange(x.shape[1]) % 2
    return float(np.mean(np.all(x == alternating, axis=1) | np.all(x == 1 - alternating, axis=1)))


def patterns_table(patterns: np.ndarray) -> pd.DataFrame:
    """Every distinct pattern (as a '0101010' string) with count and frequency, most frequent first."""
    strings = np.array(["".join(str(int(v)) for v in row) for row in np.asarray(patterns)])
    values, counts = np.unique(strings, return_counts=True)
    order = np.lexsort((values, -counts))
    return pd.DataFrame({"pattern": values[order].astype(object), "count": counts[order].astype(np.int64),
                         "frequency": counts[order] / float(len(strings))})


def evaluate(config: Config, params: np.ndarray, seed: int, *, train_fitness: float | None = None) -> Evaluation:
    """Fresh-replicate evaluation of ``params`` and of a random network; see the module doc."""
    problem = Problem.from_config(config)
    model = problem.network
    sim, n_rep = config.simulation, config.evaluation.n_replicates
    flat = np.asarray(params, dtype=np.float32).reshape(-1)
    if flat.size != model.n_params:
        raise ValueError(f"params have {flat.size} values but the {config.network.architecture} network of this "
                         f"config needs {model.n_params}")
    key = jax.random.fold_in(jax.random.PRNGKey(int(seed)), streams.EVALUATION)
    k_trained, k_init, k_random = jax.random.split(key, 3)
    random_flat = np.asarray(model.init_flat(k_init), dtype=np.float32)

    rows, tables, shown, kymographs = [], [], {}, {}
    sbar = np.linspace(0.0, 1.0, CURVE_POINTS)
    curve = {"sbar": sbar}
    bound = utility_bound(config)
    finest = max(DT_REFINEMENTS)
    diffusing = sim.model == "reaction_diffusion"
    for name, net, k in (("trained", flat, k_trained), ("random", random_flat, k_random)):
        # the trained network's path is resolved at dt / 16 (the reaction-diffusion model's check has tissues of
        # its own: fine_dt_utility)
        substeps = finest if name == "trained" and not diffusing else 1
        patterns = np.asarray(simulate_patterns(problem, jnp.asarray(net), k, n_rep, substeps)).astype(np.int8)
        row = {"network": name, **_network_metrics(config, model, net, patterns)}
        row["utility_ci_low"], row["utility_ci_high"] = bootstrap_utility_ci(patterns, int(seed))
        f_values = regulatory_curve(config.network, net, CURVE_POINTS, config.fates)["f"].to_numpy()
        row["zero_crossing"] = zero_crossing(sbar, f_values)
        curve[f"f_{name}"] = f_values
        is_trained = name == "trained" and train_fitness is not None
        row["train_fitness"] = float(train_fitness) if is_trained else float("nan")
        row["fitness_gap"] = row["train_fitness"] - row["fresh_fitness"] if is_trained else float("nan")
        row["utility_bound"] = bound
        checks = {column: fine_dt_utility(config, net, k, factor) if name == "trained" else float("nan")
                  for column, factor in DT_CHECKS.items()}
        row.update(checks)
        reference = fine_dt_utility(config, net, k, 1) if diffusing and name == "trained" else row["utility"]
        row["dt_sensitive"] = any(abs(value - reference) > DT_TOLERANCE for value in checks.values())
        rows.append(row)
        table = patterns_table(patterns)
        table.insert(0, "network", name)
        tables.append(table)
        shown[name] = patterns[: config.evaluation.n_shown]
        kymographs[name] = kymograph(problem, net, k, sim.dt, substeps=substeps)
    curve["f_target"] = lateral_inhibition_target(sbar)
    metrics = pd.DataFrame(rows)[list(METRIC_COLUMNS)]
    return Evaluation(metrics=metrics, patterns=pd.concat(tables, ignore_index=True),
                      f_curve=pd.DataFrame(curve), shown=shown, kymographs=kymographs)


def fate_thresholds(config: Config, params) -> tuple[float, ...]:
    """The thresholds the network ``params`` reads its fates with (the learned ones, or the configured)."""
    network = make_network(config.network, config.fates)
    return tuple(float(t) for t in np.asarray(network.fate_thresholds(jnp.asarray(params, jnp.float32))))


def utility_bound(config: Config) -> float:
    """The exact upper bound of U for the run's tissue (``bounds``; NaN where not computed): the
    reaction-diffusion model read with its flip has the bound of no symmetry."""
    sim, z = config.simulation, config.fates.n_fates
    if sim.model == "reaction_diffusion" and sim.flip and sim.boundary == "open":
        try:
            return bounds.unconstrained_bound(sim.n_cells, z)
        except ValueError:
            return float("nan")
    return bounds.bound_or_nan(sim.n_cells, sim.boundary, sim.coupling, z)


def fine_dt_utility(config: Config, params: np.ndarray, key: jax.Array, factor: int) -> float:
    """U of the network simulated with dt / ``factor`` on the tissues and Brownian paths of ``key``
    (the first ``DT_CHECK_MAX_REPLICATES``; the reaction-diffusion model's first
    ``RD_DT_CHECK_REPLICATES``, its sub-steps being the expensive part), resolved at dt / 16: the
    time-step check (module doc)."""
    problem = Problem.from_config(config)
    n_rep = min(config.evaluation.n_replicates, DT_CHECK_MAX_REPLICATES if problem.model == "cells"
                else RD_DT_CHECK_REPLICATES)
    patterns = simulate_patterns(problem.refined(factor), jnp.asarray(params, jnp.float32), key, n_rep,
                                 max(DT_REFINEMENTS) // factor)
    return float(information_decomposition(patterns, problem.n_fates)["utility"])
