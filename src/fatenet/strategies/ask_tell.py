"""Training with any ask/tell strategy: ask for a population, score it, tell the scores.

The random stream follows the seed notebook: ``key, sub = split(PRNGKey(seed))`` makes the
initial population from ``split(sub, P)`` (``PRNGKey(seed)`` is the run key of restart 0;
``training.run_key``; with ``evolution.initial_screen`` = M, the P fittest of M networks
from ``split(sub, M)``, each scored on ``split(fold_in(sub, streams.SCREEN), M)``: ``fatenet.screening``, which
also gives the starts of ``start_from: pattern_classes``), and every generation splits
``key, eval_key, mut_key = split(key, 3)``; individuals are evaluated with
``split(eval_key, P)`` (or all with ``eval_key`` under common random numbers), and the
strategy samples with ``fold_in(eval_key, streams.ASK)`` and updates with ``mut_key``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from .. import streams
from ..config import Config, EvolutionConfig
from ..fitness import compiled_population_fitness, population_fitness
from ..problem import Problem
from ..screening import screened_candidates
from .base import Trainer
from .evosax_adapter import EVOSAX_STRATEGIES, EvosaxStrategy
from .mu_plus_lambda import MuPlusLambda
from .none import Fixed

ASK_TELL_STRATEGIES = ("mu_plus_lambda", *EVOSAX_STRATEGIES, "none")
"""The ``evolution.strategy`` values served by ``make_strategy``."""


@struct.dataclass
class TrainState:
    key: jax.Array
    strategy_state: Any
    best_params: jax.Array  # (D,)
    best_fitness: jax.Array  # ()


def make_strategy(config: EvolutionConfig, n_dims: int):
    """(strategy, params) for ``config.strategy``."""
    if config.strategy == "mu_plus_lambda":
        strategy = MuPlusLambda(population_size=config.population_size, n_dims=n_dims, n_parents=config.n_parents)
        return strategy, strategy.default_params(config.mutation_std)
    if config.strategy in EVOSAX_STRATEGIES:
        strategy = EvosaxStrategy(config.strategy, config.population_size, n_dims, config.mutation_std,
                                  config.initial_std)
        return strategy, strategy.default_params()
    if config.strategy == "none":
        strategy = Fixed(population_size=config.population_size, n_dims=n_dims)
        return strategy, strategy.default_params()
    raise ValueError(f"invalid evolution.strategy {config.strategy!r} for an ask/tell strategy: must be one of "
                     + ", ".join(ASK_TELL_STRATEGIES))


def ask_tell_trainer(config: Config) -> Trainer:
    """The ``Trainer`` of the ask/tell strategy ``config.evolution.strategy`` (module doc)."""
    evo = config.evolution
    problem = Problem.from_config(config)
    model = problem.network
    strategy, strategy_params = make_strategy(evo, model.n_params)
    pop_size = evo.population_size
    crn = evo.common_random_numbers
    # the screen scores at dt alone (screening.py); training's fitness may add time-step factors
    screen_problem = problem.replace(dt_factors=(1,), dt_rule="worst")

    def init(run_key: jax.Array, population: jax.Array | None = None) -> TrainState:
        """The state of the restart with this run key, from ``population`` (best first) if given."""
        key, sub = jax.random.split(run_key)
        if population is not None:
            population = jnp.asarray(population)
        elif not evo.initial_screen:
            population = model.init_population(sub, pop_size)
        else:  # the fittest of initial_screen random networks, best first (the distributions' start)
            candidates, keys = screened_candidates(model, run_key, evo.initial_screen)
            scores = compiled_population_fitness(screen_problem, candidates, keys).fitness
            population = candidates[jnp.argsort(-jnp.nan_to_num(scores, nan=-jnp.inf), stable=True)[:pop_size]]
        strategy_state = strategy.init(sub, population, strategy_params)
        return TrainState(key=key, strategy_state=strategy_state, best_params=population[0],
                          best_fitness=jnp.float32(-jnp.inf))

    def step(state: TrainState, problem: Problem, params):
        key, eval_key, mut_key = jax.random.split(state.key, 3)
        # The ask key is derived, not split, so mu_plus_lambda keeps the notebook's stream.
        ask_key = jax.random.fold_in(eval_key, streams.ASK)
        population, strategy_state = strategy.ask(ask_key, state.strategy_state, params)
        keys = jnp.broadcast_to(eval_key, (pop_size, *eval_key.shape)) if crn else jax.random.split(eval_key, pop_size)
        result = population_fitness(problem, population, keys)
        best_idx = jnp.argmax(result.fitness)
        improved = result.fitness[best_idx] > state.best_fitness
        best_fitness = jnp.where(improved, result.fitness[best_idx], state.best_fitness)
        best_params = jnp.where(improved, population[best_idx], state.best_params)
        record = {"fitness": result.fitness, "s_pat": result.s_pat, "s_rep": result.s_rep, "valid": result.valid,
                  "best_ever_fitness": best_fitness, "population": population}
        strategy_state = strategy.tell(mut_key, strategy_state, population, result.fitness, params)
        return TrainState(key, strategy_state, best_params, best_fitness), record

    return Trainer(init, step, strategy_params, lambda state: strategy.mean(state.strategy_state), problem)
