"""Choosing the network a training run returns, honestly.

The best training score of a run is the maximum of many noisy estimates (each from
``simulation.n_replicates`` tissues), so it overrates its network, and on a fixed boundary
several networks tie at the bound. With ``evolution.final_choice: rescored`` the run's final
candidates are scored again on ``evolution.rescore_replicates`` fresh tissues and the best of
them is kept. ``robust`` (the engine's default) also re-simulates every candidate with the
time step divided by 4 and by 16 (``constants.DT_REFINEMENTS``), on the same tissues and
Brownian paths, and keeps the candidate whose worst score of the three is best: an optimiser
can tune f to the integrator's time step (a U that vanishes as dt shrinks), and this prefers
the candidates whose U belongs to the model. ``flat`` (the default study's) also takes off
``evolution.choice_penalty`` times what the three scores spread beyond
``evolution.choice_tolerance`` (``flat_score``), so that a network the time-step check would
flag is kept only when it is better by more than it moves. The
candidates are:

* the best network ever seen in training (the notebook's choice, listed first, so it wins ties),
* the optimiser's mean (CMA-ES, SNES, Open-ES) or current network (gradient), where it has one,
  (both for every restart, with ``evolution.restarts`` > 1),
* the ``evolution.rescore_candidates`` fittest networks of the last generation (of all restarts).

Every candidate is scored by the hard utility (the quantity the study reports) on the same
tissues (common random numbers, so the comparison is not blurred by sampling), drawn from a
key of their own, ``fold_in(PRNGKey(seed), streams.RESCORE)`` (the same tissues and Brownian paths
at dt, dt / 4 and dt / 16: ``rescore``): disjoint from the training keys and from the evaluation's fresh
replicates. ``final_choice: best_ever`` keeps the notebook's rule exactly.

With ``evolution.choice_shifts`` (a piecewise-linear f of sbar) the winner is then offered moved
along sbar, f(sbar - d), as one more candidate, ``shift_<d>_<winner>`` (``offer_shift``): d is
chosen on tissues of its own (``streams.SHIFT``), and the moved f is kept only where it beats
every candidate on theirs.

With ``evolution.choice_confirm`` = N the choice is then made again among its finalists, the N
best candidates by its score and the move (``confirm``), on ``choice_confirm_replicates`` tissues of
their own (``streams.CONFIRM``): the first choice keeps the candidate whose score on its
``rescore_replicates`` tissues is best, and of a dozen candidates the one whose U at dt / 16 was
sampled high, or whose spread was sampled small, tends to win; on other tissues that luck is gone.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from . import streams
from .artifacts import SELECTION_COLUMNS
from .config import Config
from .constants import DT_REFINEMENTS, DT_TOLERANCE, TIME_STEP_CHOICES
from .dynamics import simulate_time_steps
from .fitness import INVALID_FITNESS, is_valid
from .problem import Problem
from .utility_function import utility


class Choice(NamedTuple):
    params: np.ndarray  # (D,) the chosen network
    train_fitness: float  # its training score (NaN for a mean that training never scored)
    table: pd.DataFrame  # one row per candidate, artifacts.SELECTION_COLUMNS


def final_candidates(best_params, best_fitness, population, fitness, means, top_k: int, restart_ids=None,
                     extra=()):
    """(names, (K, D) params, (K,) training scores) of the candidates, duplicates dropped.

    ``best_params`` / ``best_fitness`` / ``means`` hold one entry per restart (a single run has
    one); ``means`` is None for an optimiser without a mean. ``population`` and ``fitness`` are
    the last generation (of every restart, pooled). ``restart_ids`` names the restarts
    (``restart_<id>_...``; default 0, 1, ...; a single run's candidates have no prefix). ``extra``:
    ``(name, params)`` pairs listed last, without a training score (the focus's best networks).
    """
    order = np.argsort(-np.asarray(fitness, np.float64), kind="stable")[:top_k]
    several = restart_ids is not None or len(best_params) > 1
    ids = list(range(len(best_params))) if restart_ids is None else [int(i) for i in restart_ids]
    rows = []
    for k, (params, score) in enumerate(zip(best_params, best_fitness, strict=True)):
        rows.append((f"restart_{ids[k]}_best_ever" if several else "best_ever", params, score))
        if means is not None:
            rows.append((f"restart_{ids[k]}_mean" if several else "mean", means[k], np.nan))
    rows += [(f"last_generation_{rank + 1}", population[i], fitness[i]) for rank, i in enumerate(order)]
    rows += [(name, p, np.nan) for name, p in extra]
    names, params, scores, seen = [], [], [], []
    for name, p, score in rows:
        p = np.asarray(p, np.float32)
        if any(np.array_equal(p, q) for q in seen):
            continue
        seen.append(p)
        names.append(name)
        params.append(p)
        scores.append(float(score))
    return names, np.stack(params), np.asarray(scores, np.float64)


def _hard_utilities(problem: Problem, population: jax.Array, key: jax.Array, factors: tuple[int, ...],
                    n_replicates: int) -> jax.Array:
    """Hard U ``(K, len(factors))`` of every network of ``population (K, D)`` on the same
    ``n_replicates`` tissues of ``key``, integrated with dt divided by each factor on the same
    Brownian path (``dynamics.simulate_time_steps``); ``INVALID_FITNESS`` where not finite."""

    def one(flat):
        f = problem.regulatory_function(flat)
        finals = simulate_time_steps(problem, flat, key, factors, n_replicates)
        return jnp.stack([jnp.where(is_valid(flat, f, final),
                                    utility(problem.network.fates(flat, final), "hard", n_fates=problem.n_fates)[0],
                                    INVALID_FITNESS) for final in finals])

    return jax.vmap(one)(population)


hard_utilities = jax.jit(_hard_utilities, static_argnames=("factors", "n_replicates"))
"""``_hard_utilities`` compiled (once per static structure of the problem, factors and replicates)."""


@partial(jax.jit, static_argnames=("factors", "n_replicates"))
def hard_utilities_of_seeds(problem: Problem, populations: jax.Array, keys: jax.Array, factors: tuple[int, ...],
                            n_replicates: int) -> jax.Array:
    """``hard_utilities`` of several seeds' candidates ``(S, K, D)``, each seed on its key's tissues
    ``keys (S,)``: ``(S, K, len(factors))`` in one program."""
    return jax.vmap(lambda population, key: _hard_utilities(problem, population, key, factors, n_replicates))(
        populations, keys)


def rescore(config: Config, candidates: np.ndarray, seed: int, factors: tuple[int, ...] = (1,),
            stream: int = streams.RESCORE, replicates: int | None = None) -> np.ndarray:
    """Hard U ``(K, len(factors))`` of every candidate (K, D) on the same ``replicates``
    (default ``rescore_replicates``) fresh tissues (key ``fold_in(PRNGKey(seed), stream)``),
    integrated with dt divided by each factor on the same Brownian path
    (``hard_utilities``), so the columns differ by what the time step does, not by sampling."""
    key = jax.random.fold_in(jax.random.PRNGKey(int(seed)), stream)
    scores = hard_utilities(Problem.from_config(config), jnp.asarray(candidates, jnp.float32), key,
                            tuple(int(k) for k in factors), int(replicates or config.evolution.rescore_replicates))
    return np.asarray(scores, np.float64)


def rescore_seeds(config: Config, candidates: list[np.ndarray], seeds: list[int], factors: tuple[int, ...] = (1,),
                  stream: int = streams.RESCORE, replicates: int | None = None) -> list[np.ndarray]:
    """``rescore`` of every seed's candidates (a list of ``(K_i, D)``), the seeds in one program
    (``hard_utilities_of_seeds``); a single seed is ``rescore`` itself."""
    if len(seeds) == 1:
        return [rescore(config, candidates[0], seeds[0], factors, stream, replicates)]
    counts = [len(c) for c in candidates]
    # every seed's candidates padded to the most with copies of its last one (scored, then dropped)
    padded = np.stack([np.concatenate([c, np.repeat(c[-1:], max(counts) - len(c), axis=0)]) for c in
                       (np.asarray(c, np.float32) for c in candidates)])
    keys = jnp.stack([jax.random.fold_in(jax.random.PRNGKey(int(seed)), stream) for seed in seeds])
    scores = hard_utilities_of_seeds(Problem.from_config(config), jnp.asarray(padded), keys,
                                     tuple(int(k) for k in factors),
                                     int(replicates or config.evolution.rescore_replicates))
    return [np.asarray(score[:count], np.float64) for score, count in zip(scores, counts, strict=True)]


def flat_score(by_dt: np.ndarray, tolerance: float = DT_TOLERANCE, penalty: float = 1.0) -> np.ndarray:
    """``final_choice: flat``'s score of candidates from their U at dt, dt / 4, dt / 16 (rows):
    the worst of the three less ``penalty`` times how far their spread exceeds ``tolerance``
    (``evolution.choice_tolerance``, ``choice_penalty``). A candidate whose U spreads by at most
    ``tolerance`` scores its worst case, as with ``robust``; one whose U moves by more loses the
    excess ``penalty`` times once more, so at low noise, where the best worst case can be a
    network whose U falls by 0.05-0.10 from dt to dt / 16 (and keeps falling at finer steps), a
    network whose U holds is preferred. A tolerance below the time-step check's 0.03 leaves
    room for the sampling error of a spread measured on a few thousand tissues."""
    by_dt = np.asarray(by_dt, np.float64)
    worst, spread = by_dt.min(axis=0), by_dt.max(axis=0) - by_dt.min(axis=0)
    return worst - penalty * np.maximum(spread - tolerance, 0.0)


def time_step_score(rule: str, by_dt: np.ndarray, tolerance: float = DT_TOLERANCE,
                    penalty: float = 1.0) -> np.ndarray:
    """The score final choice ``rule`` (robust or flat) gives candidates from their U at dt,
    dt / 4, dt / 16 (rows): the worst of the three (robust) or ``flat_score`` at ``tolerance``
    and ``penalty`` (flat; the final choice passes ``evolution.choice_tolerance`` and
    ``choice_penalty``)."""
    if rule == "flat":
        return flat_score(by_dt, tolerance, penalty)
    if rule == "robust":
        return np.asarray(by_dt, np.float64).min(axis=0)
    raise ValueError(f"final_choice {rule!r} has no time-step score; allowed: robust, flat")


def first_best(score: np.ndarray) -> int:
    """The index of the best score, the first on a tie (the best-ever network is listed first); a
    NaN (an invalid network) never wins unless every score is NaN."""
    score = np.asarray(score, np.float64)
    return int(np.argmax(np.where(np.isnan(score), -np.inf, score)))


def best_first(score: np.ndarray) -> np.ndarray:
    """The indices of ``score`` from the best down, the earlier first on a tie, NaN (an invalid network) last."""
    score = np.asarray(score, np.float64)
    return np.argsort(-np.where(np.isnan(score), -np.inf, score), kind="stable")


def choice_factors(config: Config) -> tuple[int, ...]:
    """The time-step factors the final choice re-scores at: 1, 4 and 16 (robust, flat) or 1."""
    return (1, *DT_REFINEMENTS) if config.evolution.final_choice in TIME_STEP_CHOICES else (1,)


def choose_final(config: Config, seed: int, best_params, best_fitness, population, fitness, means,
                 restart_ids=None) -> Choice:
    """The network a run returns (module doc), with the table of candidates and their scores.

    ``best_params``, ``best_fitness``, ``means`` and ``restart_ids`` have one entry per restart
    (see ``final_candidates``); ``best_ever`` keeps the best of the restarts' best networks.
    """
    if config.evolution.final_choice == "best_ever":
        return best_ever_choice(best_params, best_fitness)
    candidates = final_candidates(best_params, best_fitness, population, fitness, means,
                                  config.evolution.rescore_candidates, restart_ids)
    return choose(config, [seed], [candidates], [rescore(config, candidates[1], seed, choice_factors(config))])[0]


def choose(config: Config, seeds: list[int], candidates: list[tuple], rescored: list[np.ndarray]) -> list[Choice]:
    """Every seed's final choice (``choose_among``) from its ``final_candidates`` and their re-scores,
    each winner then offered moved along sbar (``offer_shift``, where ``Config.moves_choice``) and
    the choice made again among the finalists on tissues of their own (``confirm``, where
    ``Config.confirms_choice``)."""
    choices = [choose_among(config, *seed_candidates, by_dt)
               for seed_candidates, by_dt in zip(candidates, rescored, strict=True)]
    moved = [False] * len(seeds)
    if config.moves_choice:
        candidates, rescored, moved = offer_shift(config, seeds, candidates, rescored, choices)
        choices = [choose_among(config, *seed_candidates, by_dt)
                   for seed_candidates, by_dt in zip(candidates, rescored, strict=True)]
    return confirm(config, seeds, candidates, rescored, moved) if config.confirms_choice else choices


def best_ever_choice(best_params, best_fitness) -> Choice:
    """``final_choice: best_ever``: the best of the restarts' best networks (the first wins a tie)."""
    k = int(np.argmax(np.asarray(best_fitness, np.float64)))
    table = pd.DataFrame({"candidate": ["best_ever"], "train_fitness": [float(best_fitness[k])],
                          **{column: [np.nan] for column in SELECTION_COLUMNS[2:-1]}, "chosen": [True]})
    return Choice(np.asarray(best_params[k], np.float32), float(best_fitness[k]), table)


def choose_among(config: Config, names: list[str], params: np.ndarray, scores: np.ndarray,
                 rescored: np.ndarray, confirmed: tuple[list[int], np.ndarray] | None = None) -> Choice:
    """The final choice among the candidates ``names`` / ``params`` (training scores ``scores``) from
    their re-scores ``(K, len(choice_factors(config)))``; with ``confirmed`` = (the finalists' indices
    in candidate order, their re-scores on the confirming tissues), the best finalist there."""
    columns = choice_scores(config, rescored)
    chosen = first_best(columns[-1])  # the best-ever network (listed first) wins a tie
    again = np.full((4, len(names)), np.nan)
    if confirmed is not None:
        finalists, by_dt = confirmed
        again[:, finalists] = choice_scores(config, by_dt)
        chosen = finalists[first_best(again[-1, finalists])]  # the earliest finalist wins a tie
    table = pd.DataFrame({"candidate": names, "train_fitness": scores,
                          **dict(zip(SELECTION_COLUMNS[2:-1], (*columns, *again), strict=True)),
                          "chosen": np.arange(len(names)) == chosen})
    return Choice(params[chosen], float(scores[chosen]), table)


def choice_scores(config: Config, rescored: np.ndarray) -> tuple[np.ndarray, ...]:
    """(U at dt, at dt / 4, at dt / 16, the final choice's score) of candidates from their re-scores
    ``(K, len(choice_factors(config)))`` (NaN at the finer steps where the choice does not run them)."""
    rescored = np.asarray(rescored, np.float64)
    if config.evolution.final_choice in TIME_STEP_CHOICES:
        utilities, fine, finest = rescored.T
    else:
        utilities, fine, finest = rescored[:, 0], np.full(len(rescored), np.nan), np.full(len(rescored), np.nan)
    return utilities, fine, finest, rule_score(config, rescored)


def rule_score(config: Config, rescored: np.ndarray) -> np.ndarray:
    """The final choice's rule applied to candidates' U ``(K, steps)``: ``time_step_score`` over the
    steps given (robust, flat; ``offer_shift`` gives dt and dt / 4 alone) or U at dt (rescored)."""
    rescored = np.asarray(rescored, np.float64)
    evo = config.evolution
    if evo.final_choice in TIME_STEP_CHOICES:
        return time_step_score(evo.final_choice, rescored.T, evo.choice_tolerance, evo.choice_penalty)
    return rescored[:, 0]


def shift_grid(network, params: np.ndarray, shifts: int, step: float) -> tuple[np.ndarray, np.ndarray]:
    """(d, ``(2 shifts + 1, D)`` networks): ``params`` itself (d = 0) first, then f moved along sbar,
    f(sbar - d) (``network.shifted``), for d = -shifts step, ..., shifts step (0 left out)."""
    ds = [0.0] + [k * step for k in range(-shifts, shifts + 1) if k]
    params = np.asarray(params, np.float32)
    return np.asarray(ds), np.stack([params] + [np.asarray(network.shifted(params, d), np.float32) for d in ds[1:]])


def offer_shift(config: Config, seeds: list[int], candidates: list[tuple], rescored: list[np.ndarray],
                choices: list[Choice]) -> tuple[list[tuple], list[np.ndarray], list[bool]]:
    """Each seed's candidates and re-scores with the winner of its choice moved along sbar as one more,
    last, candidate, and whether one was offered (f itself may be its best move).

    The winner f and f(sbar - d) for d = -K ... K ``choice_shift_step`` (K = ``choice_shifts``,
    ``shift_grid``) are scored by the final choice's own rule at dt and dt / 4 (``rule_score``: a move
    that the time step flatters at dt scores what it keeps at dt / 4, at a quarter of the cost of all
    three steps) on ``choice_shift_replicates`` tissues of their own (key stream ``streams.SHIFT``);
    the best d (f itself on a tie) is then scored on the final candidates' tissues and joins them as
    ``shift_<d>_<winner's name>``: it is kept only where it beats every candidate there, so a d
    that won on the first tissues by chance is judged on others. At noise 0.05 the row deciding
    together, f falling then rising through the middle of sbar, leans to one of its two uniform
    patterns (U below the balanced row's 6/7 bits); moving f along sbar moves that balance
    (docs/findings/time-step.md).
    """
    evo = config.evolution
    network = Problem.from_config(config).network
    grids = [shift_grid(network, choice.params, evo.choice_shifts, evo.choice_shift_step) for choice in choices]
    factors = choice_factors(config)
    scored = rescore_seeds(config, [grid for _, grid in grids], seeds, factors[:2], stream=streams.SHIFT,
                           replicates=evo.choice_shift_replicates)
    best = [first_best(rule_score(config, by_candidate)) for by_candidate in scored]
    moved = [i for i, k in enumerate(best) if k > 0]
    candidates, rescored = list(candidates), list(rescored)
    if not moved:
        return candidates, rescored, [False] * len(seeds)
    again = rescore_seeds(config, [grids[i][1][best[i]][None] for i in moved], [seeds[i] for i in moved], factors)
    for i, by_dt in zip(moved, again, strict=True):
        names, params, scores = candidates[i]
        table = choices[i].table
        winner = str(table["candidate"][table["chosen"]].iloc[0])
        ds, grid = grids[i]
        candidates[i] = ([*names, f"shift_{ds[best[i]]:+.6g}_{winner}"], np.concatenate([params, grid[best[i]][None]]),
                         np.append(scores, np.nan))
        rescored[i] = np.concatenate([np.asarray(rescored[i]), by_dt])
    return candidates, rescored, [i in moved for i in range(len(seeds))]


def finalists(score: np.ndarray, n: int, move: bool = False) -> list[int]:
    """The indices, in candidate order, of the ``n`` best candidates by the final choice's ``score``
    (the first of a tie; an invalid network's NaN last) and, with ``move``, of the last candidate (the
    winner moved along sbar, ``offer_shift``)."""
    best = best_first(score)[:n]
    return sorted({int(i) for i in best} | ({len(score) - 1} if move else set()))


def confirm(config: Config, seeds: list[int], candidates: list[tuple], rescored: list[np.ndarray],
            moved: list[bool]) -> list[Choice]:
    """Each seed's final choice made again among its finalists (``finalists``: the
    ``choice_confirm`` best by the choice's score and the move along sbar where one was offered),
    on ``choice_confirm_replicates`` tissues of their own (key stream ``streams.CONFIRM``) at the
    choice's time steps, by the choice's own rule; the other candidates keep their first scores
    and cannot win. The first choice ranks a dozen candidates on one set of tissues, so its winner
    is, more often than not, one whose U there was sampled high or spread sampled small; the
    finalists' scores on other tissues carry no such luck (docs/findings/time-step.md)."""
    evo = config.evolution
    picks = [finalists(rule_score(config, by_dt), evo.choice_confirm, move)
             for by_dt, move in zip(rescored, moved, strict=True)]
    again = rescore_seeds(config, [params[pick] for (_, params, _), pick in zip(candidates, picks, strict=True)],
                          seeds, choice_factors(config), stream=streams.CONFIRM,
                          replicates=evo.choice_confirm_replicates)
    return [choose_among(config, *seed_candidates, by_dt, (pick, confirmed))
            for seed_candidates, by_dt, pick, confirmed in zip(candidates, rescored, picks, again, strict=True)]
