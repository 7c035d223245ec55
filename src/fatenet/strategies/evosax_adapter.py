"""evosax's distribution-based strategies behind fatenet's ask/tell protocol.

evosax *minimises*, so fitness is negated on the way in (invalid -inf becomes +inf, the
worst). The search starts at the first individual of the initial population (a Flax
initialisation). CMA-ES and SNES start with a search width of ``evolution.initial_std``
(default 0.5): with 0.1 every first sample of some seeds sent all replicates to one pattern
(U = 0, no signal) and CMA-ES never moved. Open-ES uses Adam and a constant noise scale of
``evolution.mutation_std``, with which it moves on this problem (with its default fixed
step it barely does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jax.numpy as jnp
import optax

OPEN_ES_LEARNING_RATE = 0.05
"""Adam step size of Open-ES on the flat parameter vector."""


def _evosax_algorithms():
    from evosax.algorithms import CMA_ES, SNES, Open_ES

    return {"cma_es": CMA_ES, "snes": SNES, "open_es": Open_ES}


EVOSAX_STRATEGIES = ("cma_es", "snes", "open_es")


@dataclass(frozen=True)
class EvosaxStrategy:
    """One evosax algorithm (``name`` in EVOSAX_STRATEGIES) adapted to fatenet's protocol."""

    name: str
    population_size: int
    n_dims: int
    mutation_std: float = 0.1
    initial_std: float = 0.5
    algorithm: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.name not in EVOSAX_STRATEGIES:
            raise ValueError(f"invalid evosax strategy {self.name!r}: must be one of " + ", ".join(EVOSAX_STRATEGIES))
        cls = _evosax_algorithms()[self.name]
        kwargs = {}
        if self.name == "open_es":
            kwargs = {"optimizer": optax.adam(OPEN_ES_LEARNING_RATE),
                      "std_schedule": optax.constant_schedule(self.mutation_std)}
        algorithm = cls(population_size=self.population_size, solution=jnp.zeros(self.n_dims), **kwargs)
        object.__setattr__(self, "algorithm", algorithm)

    def default_params(self) -> Any:
        params = self.algorithm.default_params
        if hasattr(params, "std_init"):
            params = params.replace(std_init=jnp.asarray(self.initial_std, jnp.float32))
        return params

    def init(self, key, population, params):
        return self.algorithm.init(key, jnp.asarray(population)[0], params)

    def ask(self, key, state, params):
        return self.algorithm.ask(key, state, params)

    def tell(self, key, state, population, fitness, params):
        loss = jnp.where(jnp.isnan(fitness), jnp.inf, -fitness)
        state, _ = self.algorithm.tell(key, population, loss, state, params)
        return state

    def mean(self, state):
        return state.mean
