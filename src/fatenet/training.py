"""Training: ``train(config, seed)`` evolves a population and returns the network it chose.

One generation of the trainer named by ``evolution.strategy`` (``strategies.make_trainer``):
ask the strategy for a population, evaluate it (all individuals in one vectorised
simulation), keep the best-ever individual, tell the strategy; ``gradient`` takes one Adam
step instead. ``make_generation_step`` runs a block of generations in one compiled
``lax.scan``, so the host syncs with the device once per block (between progress lines and
checkpoints), and records every generation's statistics on the host. The random stream is the
trainer's (``strategies.ask_tell`` follows the seed notebook). Same config and seed give the
same history and params, bit for bit, whatever the block size. At the end,
``evolution.final_choice`` picks the network returned (``fatenet.selection``): by default the
best of the final candidates re-scored on fresh tissues.

A run may search in two phases (``evolution.explore_generations`` = E > 0, successive
halving): every restart runs E generations with the fitness at dt alone, then ``focus``
scores each restart's best network and mean on fresh tissues and keeps the
``keep_restarts`` best, which train on with the full fitness (``fitness_dt_factors``). Where
restarts start is ``fatenet.screening``'s (``evolution.start_from``).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from . import checkpoint as _checkpoint
from . import streams
from .artifacts import HISTORY_COLUMNS
from .config import Config
from .constants import DT_REFINEMENTS, TIME_STEP_CHOICES
from .cost import estimate
from .fitness import replicated_sharding
from .progress import Progress, duration
from .screening import seeds_restart_populations
from .selection import (
    best_ever_choice,
    best_first,
    choice_factors,
    choose,
    final_candidates,
    rescore_seeds,
    time_step_score,
)
from .strategies.ask_tell import ASK_TELL_STRATEGIES, ask_tell_trainer
from .strategies.base import Trainer
from .strategies.gradient import gradient_trainer


@dataclass(frozen=True)
class TrainResult:
    params: np.ndarray  # (D,) float32, the network chosen by evolution.final_choice (fatenet.selection)
    fitness: float  # its training score (NaN for an optimiser mean that training never scored)
    history: pd.DataFrame  # one row per generation, artifacts.HISTORY_COLUMNS
    selection: pd.DataFrame  # the final candidates and their re-scores, artifacts.SELECTION_COLUMNS
    best_ever_fitness: float  # the best training score of the run
    restarts: pd.DataFrame | None = None  # one row per restart (artifacts.RESTART_COLUMNS)


class GenerationStep(NamedTuple):
    init: Callable  # init(seeds, restored=None, populations=None) -> state on the devices
    step: Callable  # step(state, n=1) -> (state, per-individual arrays of n generations, stacked); jitted
    mean: Callable  # mean(run state) -> the optimiser's centre (D,) or None
    full: Callable  # full(tree, lead=0) -> the host tree with both run axes (seed, restart) after ``lead`` axes
    pack: Callable  # pack(tree) -> the inverse of full (lead 0): the axes ``step`` vmaps


def make_trainer(config: Config) -> Trainer:
    """The ``Trainer`` of ``config.evolution.strategy``: the gradient trainer, or the ask/tell one."""
    if config.evolution.strategy == "gradient":
        return gradient_trainer(config)
    if config.evolution.strategy in ASK_TELL_STRATEGIES:
        return ask_tell_trainer(config)
    raise ValueError(f"invalid evolution.strategy {config.evolution.strategy!r}: no trainer for it")


def generation_record(out: dict) -> dict:
    """History row from one step's per-individual arrays, computed on the host in float64.

    Done outside the compiled step so the numbers do not depend on how the population was
    split over devices (a sum's order would).
    """
    fitness = np.asarray(out["fitness"], dtype=np.float64)
    valid = np.asarray(out["valid"], dtype=bool)
    best = int(np.argmax(fitness))
    ok = fitness[valid]
    return {
        "best_fitness": fitness[best],
        "mean_fitness": ok.mean() if ok.size else np.nan,
        "std_fitness": ok.std() if ok.size else np.nan,
        "best_s_pat": float(out["s_pat"][best]),
        "best_s_rep": float(out["s_rep"][best]),
        "best_ever_fitness": float(out["best_ever_fitness"]),
        "n_invalid": int(np.sum(~valid)),
    }


def run_key(seed: int, restart: int = 0) -> jax.Array:
    """The key a run starts from: ``PRNGKey(seed)``, and ``fold_in(PRNGKey(seed), k)`` for restart k >= 1."""
    key = jax.random.PRNGKey(int(seed))
    return key if restart == 0 else jax.random.fold_in(key, restart)


def make_generation_step(config: Config, *, n_seeds: int = 1, explore: bool = False) -> GenerationStep:
    """``init(seeds) -> state``, ``step(state, n) -> (state, records)`` (jitted), ``mean(state)``.

    The state holds every run of ``n_seeds`` seeds x ``evolution.restarts`` restarts
    (``run_key``), and ``step`` runs ``n`` generations (default 1) in one compiled ``lax.scan``,
    so the host waits for the device once per ``n`` generations; each record array gets a
    leading generation axis. The trainer is ``strategies.make_trainer``'s for
    ``evolution.strategy``; one generation is vmapped over the restarts when there are several and
    over the seeds when there are several, and the state carries just those axes (a single run is
    the unbatched program: a size-one axis changes how XLA lays out the arithmetic, and CMA-ES turns
    those last bits into another path). ``full`` gives any state or record both axes, seed then
    restart, on the host. ``init``'s ``populations`` (per seed, per restart) are the restarts'
    starts (``start_populations``). ``explore``: the exploration phase's step (the fitness at dt alone).
    """
    if explore:
        config = config.replace({"evolution.fitness_dt_factors": [1], "evolution.fitness_dt_rule": "worst"})
    init, one_generation, hyper, mean, problem = make_trainer(config)
    restarts = config.evolution.restarts
    over_seeds, over_restarts = n_seeds > 1, restarts > 1

    # On several devices every carried array stays replicated, so step compiles once.
    placement = replicated_sharding()

    def full(tree, lead=0):
        """A host tree (numpy) with the axes seed and restart after ``lead`` leading axes."""
        def grow(leaf):
            leaf = np.asarray(leaf)
            if not over_seeds:
                leaf = np.expand_dims(leaf, lead)
            return leaf if over_restarts else np.expand_dims(leaf, lead + 1)
        return jax.tree_util.tree_map(grow, tree)

    def pack(tree):
        """``full``'s inverse: only the vmapped axes (none for one seed with one restart)."""
        def shrink(leaf):
            if not over_restarts:
                leaf = leaf[:, 0]
            return leaf if over_seeds else leaf[0]
        return jax.tree_util.tree_map(shrink, tree)

    def init_placed(seeds, restored=None, populations=None):
        """The initial state of ``seeds``, or ``restored`` (a ``full`` tree), on the devices."""
        if restored is not None:
            state = pack(restored)
        else:
            seeds = [int(s) for s in seeds]
            starts = populations if populations is not None else [[None] * restarts for _ in seeds]
            runs = [[init(run_key(seed, k), population) for k, population in enumerate(pops)]
                    for seed, pops in zip(seeds, starts, strict=True)]
            if over_restarts:
                runs = [[_stack(per_seed)] for per_seed in runs]
            state = _stack([per_seed[0] for per_seed in runs]) if over_seeds else runs[0][0]
        return state if placement is None else jax.device_put(state, placement)

    if over_restarts:
        one_generation = jax.vmap(one_generation, in_axes=(0, None, None))
    if over_seeds:
        one_generation = jax.vmap(one_generation, in_axes=(0, None, None))

    def generations(state, problem, hyper, n):
        return jax.lax.scan(lambda carry, _: one_generation(carry, problem, hyper), state, None, length=n)

    run = jax.jit(generations, static_argnums=3, out_shardings=placement)
    return GenerationStep(init_placed, lambda state, n=1: run(state, problem, hyper, int(n)), mean, full, pack)


def _stack(trees: list):
    return jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *trees)


def _part(tree, index):
    """``tree`` at ``index`` of its leading axis (or axes, with a tuple)."""
    return jax.tree_util.tree_map(lambda leaf: leaf[index], tree)


def start_populations(config: Config, seeds: list[int]) -> list[tuple[list | None, list[str]]]:
    """Each seed's restarts' initial populations and start classes (``start_from: pattern_classes``;
    the seeds' screens in one batch), or ``(None, [""] * restarts)`` when each restart draws its own start."""
    restarts = config.evolution.restarts
    if config.evolution.start_from != "pattern_classes":
        return [(None, [""] * restarts) for _ in seeds]
    return seeds_restart_populations(config, [[run_key(seed, k) for k in range(restarts)] for seed in seeds])


def uniform_restarts(classes: list[str]) -> list[int]:
    """The restarts whose start class is a uniform pattern (every cell the same fate), in order."""
    return [k for k, pattern in enumerate(classes) if pattern and len(set(pattern)) == 1]


def kept_restarts(rankings: list[np.ndarray], keep: int, after_the_best=()) -> list[int]:
    """The ``keep`` restarts the focus keeps: the best by each ranking, then ``after_the_best`` (the
    uniform restarts, ``focus_uniform``), then alternately the next of each ranking; each once."""
    order = [int(k) for k in np.stack(rankings, axis=1).reshape(-1)]  # the rankings alternated
    kept = []
    for k in order[:len(rankings)] + [int(k) for k in after_the_best] + order[len(rankings):]:
        if k not in kept and len(kept) < keep:
            kept.append(k)
    return kept


def focus(config: Config, seeds: list[int], states: list, mean: Callable,
          classes: list[list[str]] | None = None) -> list[tuple]:
    """``[(state of the kept restarts, their indices)]`` after the exploration phase, one per seed
    (``states``: each seed's run state, restarts first; the seeds' candidates scored together).

    Each restart's best network and mean (if any) are scored on ``focus_replicates`` (0: as many as
    ``rescore_replicates``) fresh tissues (key stream ``streams.FOCUS``) by two measures: the hard U
    at dt, which the exploration trains on, and, where the final choice is ``robust`` or ``flat``,
    the final choice's rule (U at dt, dt / 4 and dt / 16 on the same Brownian paths,
    ``selection.time_step_score``; ``flat`` at the time-step check's own tolerance, 0.03, whatever
    ``choice_tolerance`` and ``choice_penalty`` are: a stricter score here ranks the collective
    restarts still tuning themselves below the row deciding together before they have trained on the
    full fitness, docs/findings/time-step.md); a restart's score is the better of its best network's
    and its mean's. The ``keep_restarts`` restarts kept go on in this order: the best by U at dt,
    the best by the final choice's score, the second best by U at dt, ... (a restart already kept is
    skipped; ties: the lower index), with their best-ever scores reset (the full fitness is on
    another scale). Both, because each alone loses on some seeds (docs/findings/search.md): early in
    a search the collective solutions that break the symmetry still move with the time step, and
    ranked by a time-step measure alone they lost their place to the whole row deciding together (U
    0.857 at every step); ranked by U at dt alone, at noise 0.05 every kept restart could be one
    whose U belongs to the time step (0.897 at dt, 0.818 at dt / 16), and the final choice had no
    network that holds. With ``focus_uniform``, the restarts that started from a uniform pattern
    (``classes``: each seed's restarts' start classes) come right after the best by each ranking: at
    noise 0.05 the row deciding together is what holds at every time step, and after exploration it
    is often in neither ranking's first places (docs/findings/time-step.md).

    Each seed's third item, ``(indices, params)``, holds the ``focus_candidates`` networks best there by
    the final choice's score (at its own ``choice_tolerance`` and ``choice_penalty``; indices into the
    scored list: the restarts' best networks, then their means), which ``_finish`` adds to the final
    candidates (``focus_names``); empty where it does not act.
    """
    evo = config.evolution
    tissues = evo.focus_replicates or evo.rescore_replicates
    candidates = []
    for state in states:
        best, centres = np.asarray(state.best_params), mean(state)
        candidates.append(best if centres is None else np.concatenate([best, np.asarray(centres)]))
    time_steps = evo.final_choice in TIME_STEP_CHOICES
    scored = rescore_seeds(config, candidates, seeds, (1, *DT_REFINEMENTS) if time_steps else (1,),
                           stream=streams.FOCUS, replicates=tissues)
    out = []
    for state, networks, by_candidate, start_classes in zip(states, candidates, scored, classes or [[] for _ in states],
                                                          strict=True):
        by_dt = by_candidate.T
        measures = (by_dt[0], time_step_score(evo.final_choice, by_dt)) if time_steps else (by_dt[0],)
        n_restarts = len(np.asarray(state.best_params))
        rankings = []
        for measure in measures:
            scores = measure.reshape(-1, n_restarts).max(axis=0)
            rankings.append(best_first(scores))
        kept = np.asarray(kept_restarts(rankings, evo.keep_restarts,
                                        uniform_restarts(start_classes) if evo.focus_uniform else ()))
        elites = np.zeros(0, np.int64)
        if config.focus_candidates:  # by the final choice's own rule (its tolerance and penalty)
            elites = best_first(time_step_score(evo.final_choice, by_dt, evo.choice_tolerance,
                                                evo.choice_penalty))[:config.focus_candidates]
        state = jax.tree_util.tree_map(lambda leaf, kept=kept: leaf[kept], state)
        out.append((state.replace(best_fitness=jnp.full(len(kept), -jnp.inf, jnp.float32)), kept,
                    (elites.astype(np.int64), np.asarray(networks[elites], np.float32))))
    return out


def focus_names(indices, n_restarts: int) -> list[str]:
    """The final candidates' names of the focus's networks at ``indices`` (``focus``: the restarts' best
    networks, then their means)."""
    return [f"focus_{i}_best_ever" if i < n_restarts else f"focus_{i - n_restarts}_mean" for i in map(int, indices)]


def phases(config: Config) -> list[tuple[int, int, bool]]:
    """``[(first generation, end, explore)]``: one phase, or exploration then the kept restarts."""
    n_gen, explore = config.evolution.n_generations, config.evolution.explore_generations
    return [(0, explore, True), (explore, n_gen, False)] if explore else [(0, n_gen, False)]


def pooled(out: dict) -> dict:
    """One generation's arrays of several runs (leading run axis) as one population."""
    return {"fitness": out["fitness"].reshape(-1), "s_pat": out["s_pat"].reshape(-1),
            "s_rep": out["s_rep"].reshape(-1), "valid": out["valid"].reshape(-1),
            "population": out["population"].reshape(-1, out["population"].shape[-1]),
            "best_ever_fitness": np.max(out["best_ever_fitness"])}


def generation_blocks(start: int, stop: int, size: int):
    """``(first, end)`` of the blocks of generations run in one call: cut at multiples of ``size``.
    (Every other block length is another compiled program, so the first block is not cut short.)"""
    gen = start
    while gen < stop:
        end = min(stop, (gen // size + 1) * size)
        yield gen, end
        gen = end


def train(config: Config, seed: int, *, progress: bool | None = None, stream=None,
          checkpoint: str | os.PathLike | None = None, checkpoint_every: int = 10,
          generations_per_call: int | None = None) -> TrainResult:
    """Evolve ``config.evolution.n_generations`` generations from ``seed``: ``train_seeds`` of one seed.

    With ``checkpoint`` (a path), the training state is saved there every ``checkpoint_every``
    generations, a run finding a checkpoint of the same config and seed resumes from it (ending
    byte-identical to an uninterrupted run), and the file is removed when training completes.
    Generations run ``generations_per_call`` at a time in one compiled call (default: as many
    as fit between two progress lines, ``evolution.log_every``, and two checkpoints); the
    numbers do not depend on it.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"invalid seed {seed!r}: must be an integer")
    return train_seeds(config, [int(seed)], progress=progress, stream=stream, checkpoint=checkpoint,
                       checkpoint_every=checkpoint_every, generations_per_call=generations_per_call)[0]


def train_seeds(config: Config, seeds, *, progress: bool | None = None, stream=None,
                checkpoint: str | os.PathLike | None = None, checkpoint_every: int = 10,
                generations_per_call: int | None = None) -> list[TrainResult]:
    """Train every seed of ``seeds`` in one program (module doc); one result per seed, in order.

    The runs of all seeds and restarts advance together (``make_generation_step``: a seed axis
    and a restart axis). Each seed's random stream is its own, so a seed gives the same result
    alone (``train``) as among others up to floating-point rounding of the batched arithmetic
    (several seeds compile to other arithmetic than one, and a search turns its last bits into
    another path). Meant for GPUs, where one process can keep many seeds busy; on a CPU separate
    jobs are as fast. Checkpoints (see ``train``) are kept for a single seed only.
    """
    seeds = list(seeds)
    if not seeds or any(not isinstance(s, (int, np.integer)) or isinstance(s, bool) for s in seeds):
        raise ValueError(f"invalid seeds {seeds!r}: must be a non-empty list of integers")
    seeds = [int(s) for s in seeds]
    if checkpoint is not None and len(seeds) != 1:
        raise ValueError(f"a checkpoint holds one run: train {len(seeds)} seeds without one, or one seed at a time")
    if not isinstance(checkpoint_every, int) or checkpoint_every < 1:
        raise ValueError(f"invalid checkpoint_every {checkpoint_every!r}: must be an integer >= 1")
    evo = config.evolution
    n_gen = evo.n_generations
    block = generations_per_call or min(evo.log_every, checkpoint_every if checkpoint is not None else evo.log_every)
    bar = Progress(n_gen, evo.log_every, stream, progress)
    sim = config.simulation
    cost = estimate(config, seeds=len(seeds))
    bar.note(f"training seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}: {evo.restarts} restart(s) x "
             f"{evo.population_size} x {sim.n_replicates} tissues x {sim.n_cells} cells, {n_gen} generations of "
             f"{sim.n_steps} steps; estimated peak {cost.train_mb:,.0f} MB, about {duration(cost.train_s)} "
             "(fatenet.cost)")
    steps = {explore: make_generation_step(config, n_seeds=len(seeds), explore=explore)
             for _, _, explore in phases(config)}
    init, _, mean, full, pack = next(iter(steps.values()))
    if evo.start_from == "pattern_classes":
        bar.note(f"screening {evo.restarts} x {evo.initial_screen} random networks for the restarts' starts")
    starts = start_populations(config, seeds)
    state = init(seeds, populations=None if starts[0][0] is None else [pops for pops, _ in starts])
    kept = [np.arange(evo.restarts) for _ in seeds]
    elites = [(np.zeros(0, np.int64), np.zeros((0, config.network.n_params), np.float32)) for _ in seeds]
    columns = [{name: [] for name in HISTORY_COLUMNS[1:]} for _ in seeds]
    start = 0
    if checkpoint is not None:
        ident = _checkpoint.identity(config.training_dict(), seeds[0])
        # up to the end of the exploration phase a checkpoint holds every restart, then the kept ones
        explored = evo.explore_generations

        def template(generation):
            return state if not explored or generation <= explored else pack(jax.tree_util.tree_map(
                lambda leaf: leaf[:, :evo.keep_restarts], full(jax.device_get(state))))

        resumed = _checkpoint.load(checkpoint, template, ident, stream=stream)
        if resumed is not None:
            restored, saved, start = resumed
            state = init(seeds, full(restored))
            columns = [{name: list(saved[name]) for name in columns[0]}]
            kept = [saved.get("kept_restarts", kept[0])]
            if "focus_elites" in saved:
                elites = [(saved["focus_elites"].astype(np.int64), saved["focus_params"].astype(np.float32))]
            print(f"resuming from {checkpoint} at generation {start}", file=stream or sys.stdout, flush=True)
    bar.note(f"compiling the generation program; generation 0 is reported after the first {min(block, n_gen)} "
             "generation(s)")
    for first_gen, end_gen, explore in phases(config):
        if end_gen <= start:
            continue
        if not explore and evo.explore_generations and start <= evo.explore_generations:
            # (a checkpoint after this point holds the kept restarts)
            host = full(jax.device_get(state))
            focused = focus(config, seeds, [_part(host, i) for i in range(len(seeds))], mean,
                            [list(names) for _, names in starts])
            kept = [k for _, k, _ in focused]
            elites = [e for _, _, e in focused]
            state = init(seeds, _stack([part for part, _, _ in focused]))
            bar.restart_clock()
        for first, end in generation_blocks(max(start, first_gen), end_gen, block):
            state, out = steps[explore].step(state, end - first)
            out = full(jax.device_get(out), lead=1)  # arrays (generation, seed, restart, ...)
            summary = []
            for g in range(end - first):
                # a seed's restarts make one population in its history
                records = [generation_record(pooled(_part(out, (g, i)))) for i in range(len(seeds))]
                for cols, record in zip(columns, records, strict=True):
                    for name in cols:
                        cols[name].append(record[name])
                summary.append(records[0] if len(seeds) == 1 else
                               {name: max(r[name] for r in records) for name in ("best_fitness", "best_ever_fitness")}
                               | {"mean_fitness": float(np.mean([r["mean_fitness"] for r in records]))})
            bar.block(first, summary)
            if checkpoint is not None and end < n_gen and end % checkpoint_every == 0:
                _checkpoint.save(checkpoint, jax.device_get(state), columns[0] | {
                    "kept_restarts": kept[0], "focus_elites": elites[0][0], "focus_params": elites[0][1]}, end, ident)
    state = full(jax.device_get(state))
    last = _part(out, -1)
    results = _finish(config, seeds, [_part(state, i) for i in range(len(seeds))],
                      [_part(last, i) for i in range(len(seeds))], mean, columns,
                      [_restart_table(starts[i][1], kept[i]) for i in range(len(seeds))], elites)
    if checkpoint is not None and Path(checkpoint).exists():
        Path(checkpoint).unlink()
    return results


def _restart_table(classes: list[str], kept: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"restart": np.arange(len(classes), dtype=np.int64), "start_class": list(classes),
                         "kept": np.isin(np.arange(len(classes)), kept)})


def _finish(config: Config, seeds: list[int], states: list, lasts: list[dict], mean: Callable, columns: list[dict],
            restarts: list[pd.DataFrame], elites: list[tuple]) -> list[TrainResult]:
    """Each seed's result: the final network chosen among its candidates (``fatenet.selection``;
    the seeds' candidates re-scored together).

    A seed's state and last generation carry a leading axis of the restarts still training; every
    one's best network and mean are candidates (named by its restart number when there are
    several), and its last generation joins the pooled one; then the focus's best networks
    (``elites``: each seed's ``(indices, params)`` from ``focus``).
    """
    pending = []
    for state, last, table in zip(states, lasts, restarts, strict=True):
        names = table["restart"][table["kept"]].to_numpy()
        runs = [_part(state, k) for k in range(len(names))]
        centres = [mean(run) for run in runs]
        pending.append(([run.best_params for run in runs], [run.best_fitness for run in runs], pooled(last),
                        None if centres[0] is None else [np.asarray(c) for c in centres],
                        names if config.evolution.restarts > 1 else None))
    if config.evolution.final_choice == "best_ever":
        choices = [best_ever_choice(best, fitness) for best, fitness, *_ in pending]
    else:
        candidates = [final_candidates(best, fitness, last["population"], last["fitness"], centres,
                                       config.evolution.rescore_candidates, ids,
                                       zip(focus_names(indices, config.evolution.restarts), params, strict=True))
                      for (best, fitness, last, centres, ids), (indices, params) in zip(pending, elites, strict=True)]
        rescored = rescore_seeds(config, [params for _, params, _ in candidates], seeds, choice_factors(config))
        choices = choose(config, seeds, candidates, rescored)
    return [TrainResult(params=np.asarray(choice.params, dtype=np.float32), fitness=choice.train_fitness,
                        history=_history_frame(cols), selection=choice.table,
                        best_ever_fitness=float(max(np.max(f) for f in fitness)), restarts=table)
            for choice, cols, table, (_, fitness, *_rest) in zip(choices, columns, restarts, pending, strict=True)]


def _history_frame(columns: dict[str, list]) -> pd.DataFrame:
    history = pd.DataFrame({name: np.array(values) for name, values in columns.items()})
    history.insert(0, "generation", np.arange(len(history), dtype=np.int64))
    return history.astype({c: np.float64 for c in HISTORY_COLUMNS[1:-1]} | {"n_invalid": np.int64})


def seconds_per_generation(config: Config, repeats: int) -> float:
    """Median wall time of one training generation of ``config`` over ``repeats`` calls, after
    a first call that compiles."""
    init, step, *_ = make_generation_step(config)
    state, out = step(init([0]))  # warm-up: compiles
    jax.block_until_ready((state, out))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        state, out = step(state)
        jax.block_until_ready((state, out))
        times.append(time.perf_counter() - start)
    return statistics.median(times)
