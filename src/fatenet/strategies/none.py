"""No training (``evolution.strategy: none``): the architecture's start is the network.

The start is the first individual of the run's initial population: ``[h_s, h_g]`` as
configured for ``lateral_inhibition`` (its ``init_population`` puts the start first), the
seed's first random network for the others. Every generation scores it on
``population_size`` batches of fresh replicates (the history then shows its training fitness
and its spread), and it is the run's result whatever ``final_choice`` (every candidate is the
same network). A fixed f thus sits in a study's tables beside the trained ones, e.g. the
paper's example beside fatenet's optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
from flax import struct


@struct.dataclass
class FixedState:
    params: jax.Array  # (D,) the network, unchanged


@dataclass(frozen=True)
class Fixed:
    """The ask/tell protocol for a network that does not change: every individual is the start."""

    population_size: int
    n_dims: int

    def default_params(self) -> tuple:
        return ()

    def init(self, key, population, params) -> FixedState:
        del key, params
        return FixedState(params=jnp.asarray(population)[0])

    def ask(self, key, state, params):
        del key, params
        return jnp.broadcast_to(state.params, (self.population_size, self.n_dims)), state

    def tell(self, key, state, population, fitness, params) -> FixedState:
        del key, population, fitness, params
        return state

    def mean(self, state) -> jax.Array:
        return state.params
