"""Optimisers behind one ask/tell protocol; ``make_strategy`` picks one by its config name."""

from __future__ import annotations

from ..config import EvolutionConfig
from .base import Strategy
from .evosax_adapter import EVOSAX_STRATEGIES, EvosaxStrategy
from .mu_plus_lambda import MuPlusLambda, MuPlusLambdaParams, MuPlusLambdaState

ASK_TELL_STRATEGIES = ("mu_plus_lambda", *EVOSAX_STRATEGIES)
"""The ``evolution.strategy`` values served by ``make_strategy`` (``gradient`` is not one)."""


def make_strategy(config: EvolutionConfig, n_dims: int):
    """(strategy, params) for ``config.strategy``."""
    if config.strategy == "mu_plus_lambda":
        strategy = MuPlusLambda(population_size=config.population_size, n_dims=n_dims, n_parents=config.n_parents)
        return strategy, strategy.default_params(config.mutation_std)
    if config.strategy in EVOSAX_STRATEGIES:
        strategy = EvosaxStrategy(config.strategy, config.population_size, n_dims, config.mutation_std,
                                  config.initial_std)
        return strategy, strategy.default_params()
    raise ValueError(f"invalid evolution.strategy {config.strategy!r} for an ask/tell strategy: must be one of "
                     "mu_plus_lambda, " + ", ".join(EVOSAX_STRATEGIES) + " (gradient is trained by fatenet.gradient)")


__all__ = ["ASK_TELL_STRATEGIES", "Strategy", "EvosaxStrategy", "EVOSAX_STRATEGIES", "MuPlusLambda", "MuPlusLambdaParams", "MuPlusLambdaState", "make_strategy"]
