"""The seed notebook's (mu+lambda)-ES with Gaussian mutations (docs/model.md).

Parents are the ``n_parents`` fittest of the evaluated population (kept unchanged);
each of the ``population_size - n_parents`` children copies a uniformly chosen parent and
adds N(0, mutation_std^2) noise to every parameter. Random draws follow the notebook:
``randint(key)`` picks the parents and ``normal(split(key)[1])`` the mutations.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
from flax import struct


@struct.dataclass
class MuPlusLambdaState:
    population: jax.Array  # (P, D)


@struct.dataclass
class MuPlusLambdaParams:
    mutation_std: jax.Array


@dataclass(frozen=True)
class MuPlusLambda:
    population_size: int
    n_dims: int
    n_parents: int

    def default_params(self, mutation_std: float = 0.1) -> MuPlusLambdaParams:
        return MuPlusLambdaParams(mutation_std=jnp.asarray(mutation_std, jnp.float32))

    def init(self, key, population, params) -> MuPlusLambdaState:
        del key, params
        return MuPlusLambdaState(population=jnp.asarray(population))

    def ask(self, key, state, params):
        del key, params
        return state.population, state

    def tell(self, key, state, population, fitness, params) -> MuPlusLambdaState:
        del state
        # NaN never ranks first: argsort puts NaN last (highest), so map it to -inf first.
        fitness = jnp.where(jnp.isnan(fitness), -jnp.inf, fitness)
        parents = population[jnp.argsort(fitness)[-self.n_parents:]]
        n_children = self.population_size - self.n_parents
        choice = jax.random.randint(key, (n_children,), 0, self.n_parents)
        noise = jax.random.normal(jax.random.split(key)[1], (n_children, self.n_dims)) * params.mutation_std
        return MuPlusLambdaState(population=jnp.concatenate([parents, parents[choice] + noise], axis=0))

    def mean(self, state) -> None:
        """A (mu + lambda)-ES keeps a population, not a distribution: no mean."""
        del state
        return None
