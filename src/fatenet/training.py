"""Training: ``train(config, seed)`` evolves a population and returns the best network ever seen.

One generation is one jitted call (``make_generation_step``): ask the strategy for a
population, evaluate it (all individuals in one vectorised simulation), record statistics,
keep the best-ever individual, tell the strategy. ``strategy: gradient`` takes one Adam step
per generation instead (``gradient``), through the same loop, history and checkpoints. The random stream follows the seed
notebook: ``key, sub = split(PRNGKey(seed))`` makes the initial population from
``split(sub, P)``, and every generation splits ``key, eval_key, mut_key = split(key, 3)``;
individuals are evaluated with ``split(eval_key, P)`` (or all with ``eval_key`` under common
random numbers). Same config and seed give the same history and params, bit for bit.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from flax import struct

from . import checkpoint as _checkpoint
from .config import Config
from .fitness import FitnessSettings, make_population_fitness, replicated_sharding
from .gradient import make_gradient_step
from .neural_network import RegulatoryNetwork
from .strategies import make_strategy

ASK_STREAM = 0x61736B  # "ask": keys a strategy's sampling apart from the evaluation keys
HISTORY_COLUMNS = ("generation", "best_fitness", "mean_fitness", "std_fitness", "best_s_pat", "best_s_rep",
                   "best_ever_fitness", "n_invalid")


@struct.dataclass
class TrainState:
    key: jax.Array
    strategy_state: Any
    best_params: jax.Array  # (D,)
    best_fitness: jax.Array  # ()


@dataclass(frozen=True)
class TrainResult:
    params: np.ndarray  # (D,) float32, the best individual ever evaluated
    fitness: float  # its fitness
    history: pd.DataFrame  # one row per generation, HISTORY_COLUMNS


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


def make_generation_step(config: Config, *, batched: bool = False) -> tuple[Callable, Callable]:
    """``(init(seed) -> state, step(state) -> (state, per-individual arrays))``; ``step`` is jitted.

    With ``batched``, ``init`` takes a list of seeds and ``step`` advances all of their runs at
    once (vmapped over a leading seed axis): one program for many seeds, for GPUs.
    """
    if config.evolution.strategy == "gradient":
        init, step = make_gradient_step(config)
        hyper = ()
    else:
        init, step, hyper = _make_strategy_step(config)
    settings = FitnessSettings.from_configs(config.simulation, config.evolution)

    # On several devices every carried array stays replicated, so step compiles once.
    placement = replicated_sharding()

    def init_placed(seed, restored=None):
        """The initial state of ``seed`` (a list of seeds if batched), or ``restored``, on the devices."""
        if restored is not None:
            state = restored
        elif batched:
            state = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *[init(int(s)) for s in seed])
        else:
            state = init(seed)
        return state if placement is None else jax.device_put(state, placement)

    if batched:
        step = jax.vmap(step, in_axes=(0, None, None))
    step = jax.jit(step, out_shardings=placement)
    return init_placed, lambda state: step(state, settings, hyper)


def _make_strategy_step(config: Config):
    """``(init, step(state, settings, strategy_params), strategy_params)`` of an ask/tell strategy."""
    sim, evo = config.simulation, config.evolution
    model = RegulatoryNetwork.from_config(config.network)
    strategy, strategy_params = make_strategy(evo, model.n_params)
    evaluate = make_population_fitness(model, sim, evo.fitness, evo.f_table_points)
    pop_size = evo.population_size
    crn = evo.common_random_numbers

    def init(seed: int) -> TrainState:
        key, sub = jax.random.split(jax.random.PRNGKey(seed))
        population = model.init_population(sub, pop_size)
        strategy_state = strategy.init(sub, population, strategy_params)
        return TrainState(key=key, strategy_state=strategy_state, best_params=population[0],
                          best_fitness=jnp.float32(-jnp.inf))

    def step(state: TrainState, settings: FitnessSettings, strategy_params):
        key, eval_key, mut_key = jax.random.split(state.key, 3)
        # The ask key is derived, not split, so mu_plus_lambda keeps the notebook's stream.
        ask_key = jax.random.fold_in(eval_key, ASK_STREAM)
        population, strategy_state = strategy.ask(ask_key, state.strategy_state, strategy_params)
        keys = jnp.broadcast_to(eval_key, (pop_size, *eval_key.shape)) if crn else jax.random.split(eval_key, pop_size)
        result = evaluate(population, keys, settings)
        best_idx = jnp.argmax(result.fitness)
        improved = result.fitness[best_idx] > state.best_fitness
        best_fitness = jnp.where(improved, result.fitness[best_idx], state.best_fitness)
        best_params = jnp.where(improved, population[best_idx], state.best_params)
        record = {"fitness": result.fitness, "s_pat": result.s_pat, "s_rep": result.s_rep, "valid": result.valid,
                  "best_ever_fitness": best_fitness}
        strategy_state = strategy.tell(mut_key, strategy_state, population, result.fitness, strategy_params)
        return TrainState(key, strategy_state, best_params, best_fitness), record

    return init, step, strategy_params


class _Progress:
    """Progress lines every ``every`` generations; an in-place bar only on a terminal."""

    def __init__(self, total: int, every: int, stream=None, enabled: bool | None = None):
        self.total, self.every = total, every
        self.stream = stream or sys.stdout
        self.enabled = True if enabled is None else enabled
        self.tty = self.enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self.last = self.start

    def update(self, gen: int, record: dict) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        per_gen, self.last = now - self.last, now
        done = gen + 1
        if self.tty:
            filled = int(30 * done / self.total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} "
                              f"best-ever {float(record['best_ever_fitness']):+.4f}")
        if gen % self.every == 0 or done == self.total:
            prefix = "\r" if self.tty else ""
            self.stream.write(f"{prefix}gen {gen:4d}/{self.total}  best {float(record['best_fitness']):+.4f}  "
                              f"mean {float(record['mean_fitness']):+.4f}  "
                              f"best-ever {float(record['best_ever_fitness']):+.4f}  {per_gen:.3f} s/gen"
                              + (" (incl. compile)" if gen == 0 else "") + "\n")
        self.stream.flush()


def train(config: Config, seed: int, *, progress: bool | None = None, stream=None,
          checkpoint: str | os.PathLike | None = None, checkpoint_every: int = 10) -> TrainResult:
    """Evolve ``config.evolution.n_generations`` generations from ``seed``; see the module doc.

    With ``checkpoint`` (a path), the training state is saved there every ``checkpoint_every``
    generations, a run finding a checkpoint of the same config and seed resumes from it (ending
    byte-identical to an uninterrupted run), and the file is removed when training completes.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"invalid seed {seed!r}: must be an integer")
    if not isinstance(checkpoint_every, int) or checkpoint_every < 1:
        raise ValueError(f"invalid checkpoint_every {checkpoint_every!r}: must be an integer >= 1")
    init, step = make_generation_step(config)
    n_gen = config.evolution.n_generations
    state = init(int(seed))
    columns = {name: [] for name in HISTORY_COLUMNS[1:]}
    start = 0
    ident = _checkpoint.identity(config.to_dict(), int(seed))
    if checkpoint is not None:
        resumed = _checkpoint.load(checkpoint, state, ident)
        if resumed is not None:
            restored, saved, start = resumed
            state = init(int(seed), restored)
            columns = {name: list(saved[name]) for name in columns}
            print(f"resuming from {checkpoint} at generation {start}", file=stream or sys.stdout, flush=True)
    bar = _Progress(n_gen, config.evolution.log_every, stream, progress)
    for gen in range(start, n_gen):
        state, out = step(state)
        record = generation_record(jax.device_get(out))
        for name in columns:
            columns[name].append(record[name])
        bar.update(gen, record)
        done = gen + 1
        if checkpoint is not None and done < n_gen and done % checkpoint_every == 0:
            _checkpoint.save(checkpoint, jax.device_get(state), columns, done, ident)
    history = _history_frame(columns)
    if checkpoint is not None and Path(checkpoint).exists():
        Path(checkpoint).unlink()
    return TrainResult(params=np.asarray(state.best_params, dtype=np.float32), fitness=float(state.best_fitness),
                       history=history)


def _history_frame(columns: dict[str, list]) -> pd.DataFrame:
    history = pd.DataFrame({name: np.array(values) for name, values in columns.items()})
    history.insert(0, "generation", np.arange(len(history), dtype=np.int64))
    return history.astype({c: np.float64 for c in HISTORY_COLUMNS[1:-1]} | {"n_invalid": np.int64})


def train_seeds(config: Config, seeds, *, progress: bool | None = None, stream=None) -> list[TrainResult]:
    """``train`` for several seeds in one vmapped program (one result per seed, in order).

    Each seed's random stream is the one ``train`` uses, so the results agree with separate
    runs up to floating-point rounding of the batched arithmetic. Meant for GPUs, where one
    process can keep many seeds busy; on a CPU separate jobs are as fast. No checkpoints.
    """
    seeds = list(seeds)
    if not seeds or any(not isinstance(s, (int, np.integer)) or isinstance(s, bool) for s in seeds):
        raise ValueError(f"invalid seeds {seeds!r}: must be a non-empty list of integers")
    init, step = make_generation_step(config, batched=True)
    state = init(seeds)
    n_gen = config.evolution.n_generations
    columns = [{name: [] for name in HISTORY_COLUMNS[1:]} for _ in seeds]
    bar = _Progress(n_gen, config.evolution.log_every, stream, progress)
    for gen in range(n_gen):
        state, out = step(state)
        out = jax.device_get(out)
        records = [generation_record({k: v[i] for k, v in out.items()}) for i in range(len(seeds))]
        for cols, record in zip(columns, records):
            for name in cols:
                cols[name].append(record[name])
        bar.update(gen, {name: max(r[name] for r in records) for name in ("best_fitness", "best_ever_fitness")}
                   | {"mean_fitness": float(np.mean([r["mean_fitness"] for r in records]))})
    params = np.asarray(state.best_params, dtype=np.float32)
    fitness = np.asarray(state.best_fitness)
    return [TrainResult(params=params[i], fitness=float(fitness[i]), history=_history_frame(columns[i]))
            for i in range(len(seeds))]
