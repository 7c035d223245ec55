"""What each optimiser requires of the other settings, registered with ``fatenet.config``.

``Config`` runs the check of its ``evolution.strategy`` when it is built (``config.STRATEGY_CHECKS``),
so a setting a strategy cannot run with is rejected with the key, the value and what is allowed
before any job starts. The checks read settings only: this module imports no JAX, so the
workflow's parse (``fatenet.study``) runs them without starting the engine. ``fatenet``'s package
import registers them.
"""

from __future__ import annotations

from ..config import STRATEGIES, STRATEGY_CHECKS, Config, fail, strategy_check


@strategy_check("mu_plus_lambda")
def mu_plus_lambda(config: Config) -> None:
    """Children must be made: more individuals than parents (``EvolutionConfig.n_parents``)."""
    evo = config.evolution
    if evo.n_parents >= evo.population_size:
        fail("evolution.population_size", evo.population_size,
             f"must exceed the number of parents max(2, int(population_size * elite_fraction)) = {evo.n_parents}, "
             "so that children are made")


@strategy_check("cma_es", "snes", "open_es")
def evosax(config: Config) -> None:
    """Open-ES samples antithetic pairs, so its population is even; CMA-ES and SNES take any size >= 2."""
    evo = config.evolution
    if evo.strategy == "open_es" and evo.population_size % 2:
        fail("evolution.population_size", evo.population_size,
             "must be even with strategy open_es (it samples antithetic pairs)")


@strategy_check("gradient")
def gradient(config: Config) -> None:
    """The estimate follows the noisy paths at dt through the exact f (``strategies.gradient``)."""
    evo = config.evolution
    if config.simulation.model != "cells":
        fail("evolution.strategy", "gradient", f"needs simulation.model cells (here {config.simulation.model}): "
             "its estimate follows the cells' paths; use an evolution strategy")
    if evo.fitness_dt_factors != (1,):
        fail("evolution.fitness_dt_factors", list(evo.fitness_dt_factors),
             "must be [1] with strategy gradient (its estimate follows the paths at dt only)")
    if evo.f_table_points:
        fail("evolution.f_table_points", evo.f_table_points,
             "must be 0 with strategy gradient (it differentiates the exact f)")
    if config.simulation.noise_strength <= 0:
        fail("simulation.noise_strength", config.simulation.noise_strength,
             "must be > 0 with evolution.strategy gradient (its gradient comes from the noise's density)")
    if config.fates.learn_thresholds:
        fail("fates.learn_thresholds", True, "must be false with strategy gradient (a threshold moves no path, so the "
             "score function has no gradient for it): use an evolution strategy")
    if config.fates.n_fates != 2:
        fail("fates.thresholds", list(config.fates.thresholds),
             "must be one threshold with strategy gradient (its leave-one-out baseline is for two fates)")


@strategy_check("none")
def none(config: Config) -> None:
    """One start, no screening: there is nothing to search."""
    evo = config.evolution
    if evo.restarts != 1:
        fail("evolution.restarts", evo.restarts, "must be 1 with strategy none (nothing is searched)")
    if evo.initial_screen:
        fail("evolution.initial_screen", evo.initial_screen, "must be 0 with strategy none (nothing is searched)")


assert set(STRATEGY_CHECKS) == set(STRATEGIES), "every strategy registers its settings check"
