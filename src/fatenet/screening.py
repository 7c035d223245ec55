"""Where a run's restarts start: random networks screened, and grouped by the pattern they make.

``evolution.initial_screen`` = M > 0 scores M random networks per restart before training
(``screened_candidates``: restart k's candidates and tissues come from its own run key, so
they are the same whichever way they are used). Two ways to use them
(``evolution.start_from``):

* ``fittest``: each restart starts from the fittest of its own M (CMA-ES and SNES take the
  fittest as their mean; the (mu + lambda)-ES the ``population_size`` fittest). Restarts are
  independent draws, and on the open chain most of them start in the same basin (lateral
  inhibition, which is common among random networks).
* ``pattern_classes`` (quality-diversity): the restarts' candidates are pooled into one
  archive keyed by each network's *pattern class*, the fate pattern its tissues make most
  often, up to the model's symmetries (mirror image; rotations too on a ring). Restart k
  starts from the elite (fittest member) of the k-th best class, so the restarts start in
  as many different basins as there are restarts (with fewer classes than restarts, the
  classes are visited again from their next-best members). A collective pattern such as
  ``1001001`` that random networks rarely make well still gets its own restart.

With ``evolution.row_start`` (``Config.starts_row``) each seed's last screened network is the row
switch (``PiecewiseLinear.row_switch``), the form of the row deciding together, in place of a random
one: where it makes the best network of a uniform pattern, a uniform restart starts from it.

Every screened network is scored on ``simulation.n_replicates`` tissues at dt (the training
fitness ``evolution.fitness``; the time-step factors are left to training) from
``split(fold_in(sub, streams.SCREEN), M)``, where ``sub`` is the restart's initialisation key.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import streams
from .bounds import symmetries
from .config import Config
from .constants import SCREEN_CHUNK
from .dynamics import simulate
from .fitness import INVALID_FITNESS, is_valid
from .neural_network import Network
from .problem import Problem
from .utility_function import utility


def screened_candidates(model: Network, run_key: jax.Array, n: int) -> tuple[jax.Array, jax.Array]:
    """``(candidates (n, D), keys (n,))`` of the restart whose run key is ``run_key``."""
    _, sub = jax.random.split(run_key)
    return model.init_population(sub, n), jax.random.split(jax.random.fold_in(sub, streams.SCREEN), n)


@jax.jit
def screen_scores(problem: Problem, population: jax.Array, keys: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(fitness (P,), patterns (P, R, N) int8)`` of ``population (P, D)`` at dt, each on its key's tissues."""

    def one(flat, key):
        f = problem.regulatory_function(flat)
        final = simulate(problem, flat, key)
        patterns = problem.network.fates(flat, final)
        u = utility(patterns, problem.fitness, problem.bandwidth, problem.n_fates)[0]
        valid = is_valid(flat, f, final) & jnp.isfinite(u)
        return jnp.where(valid, u, INVALID_FITNESS), patterns.astype(jnp.int8)

    return jax.vmap(one)(population, keys)


def pattern_class(patterns: np.ndarray, perms: list[np.ndarray]) -> str:
    """The class of a network: its most frequent pattern (ties: the smallest), as a string of
    fates, taken as the smallest image under the symmetry permutations ``perms``."""
    rows, counts = np.unique(np.asarray(patterns, np.int8), axis=0, return_counts=True)
    mode = rows[np.argmax(counts)]  # np.unique sorts rows, so a tie goes to the smallest
    return min("".join(str(int(v)) for v in mode[perm]) for perm in perms)


def screen(problem: Problem, candidates: jax.Array, keys: jax.Array) -> tuple[np.ndarray, list[str]]:
    """``(fitness (M,), pattern classes (M,))`` of the candidates (``SCREEN_CHUNK`` at a time)."""
    perms = symmetries(problem.n_cells, problem.boundary)
    fitness, classes = [], []
    for start in range(0, len(candidates), SCREEN_CHUNK):
        chunk = slice(start, start + SCREEN_CHUNK)
        part_fitness, patterns = screen_scores(problem, candidates[chunk], keys[chunk])
        fitness.append(np.asarray(part_fitness, np.float64))
        classes += [pattern_class(p, perms) for p in np.asarray(patterns)]
    return np.concatenate(fitness), classes


def class_archive(fitness: np.ndarray, classes: list[str]) -> list[tuple[str, np.ndarray]]:
    """``[(class, member indices by fitness, best first)]``, classes ordered by their elite's
    fitness (ties: the earlier index); networks with an invalid fitness are left out."""
    order = np.argsort(-np.asarray(fitness, np.float64), kind="stable")
    members: dict[str, list[int]] = {}
    for i in order:
        if np.isfinite(fitness[i]):
            members.setdefault(classes[i], []).append(int(i))
    return [(name, np.asarray(idx)) for name, idx in members.items()]


def class_starts(fitness: np.ndarray, classes: list[str], n_restarts: int, population_size: int) -> list[np.ndarray]:
    """Indices of each restart's initial population (best first): restart k takes class
    ``k mod C`` of the archive (``C`` classes), from its ``k div C``-th best member on, then the
    rest of the screen by fitness, ``population_size`` in all."""
    archive = class_archive(fitness, classes)
    if not archive:  # every screened network invalid: fall back to the screen's order
        archive = [("", np.arange(len(fitness)))]
    ranked = np.argsort(-np.nan_to_num(np.asarray(fitness, np.float64), nan=-np.inf), kind="stable")
    starts = []
    for k in range(n_restarts):
        name, idx = archive[k % len(archive)]
        visit = (k // len(archive)) % len(idx)
        head = np.concatenate([idx[visit:], idx[:visit]])
        rest = ranked[~np.isin(ranked, head)]
        starts.append(np.concatenate([head, rest])[:population_size])
    return starts


def restart_populations(config: Config, run_keys: list[jax.Array]) -> tuple[list[jax.Array], list[str]]:
    """Each restart's initial population (``start_from: pattern_classes``) and its class."""
    return seeds_restart_populations(config, [run_keys])[0]


def seeds_screened(config: Config, model: Network, run_keys: list[list[jax.Array]]) -> tuple[jax.Array, jax.Array]:
    """``(candidates, keys)`` of several seeds' screens, seed after seed and restart after restart
    (``screened_candidates``), each seed's last network the row switch where ``Config.starts_row`` (its f;
    learned thresholds as drawn)."""
    pairs = [screened_candidates(model, key, config.evolution.initial_screen) for keys in run_keys for key in keys]
    candidates = jnp.concatenate([c for c, _ in pairs])
    if config.starts_row:
        lasts = np.cumsum([len(keys) * config.evolution.initial_screen for keys in run_keys]) - 1
        row = jnp.asarray(model.row_switch(), candidates.dtype)
        candidates = candidates.at[lasts, :len(row)].set(jnp.broadcast_to(row, (len(lasts), len(row))))
    return candidates, jnp.concatenate([k for _, k in pairs])


def seeds_restart_populations(config: Config, run_keys: list[list[jax.Array]]) -> list[tuple[list, list[str]]]:
    """``restart_populations`` of several seeds (``run_keys``: each seed's restarts' run keys), their
    candidates screened together; each seed's archive is its own."""
    problem = Problem.from_config(config)
    evo = config.evolution
    candidates, keys = seeds_screened(config, problem.network, run_keys)
    fitness, classes = screen(problem, candidates, keys)
    out, first = [], 0
    for keys in run_keys:
        end = first + len(keys) * evo.initial_screen
        part, part_classes = candidates[first:end], classes[first:end]
        starts = class_starts(fitness[first:end], part_classes, len(keys), evo.population_size)
        out.append(([part[idx] for idx in starts], [part_classes[idx[0]] for idx in starts]))
        first = end
    return out
