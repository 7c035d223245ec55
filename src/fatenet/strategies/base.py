"""The ask/tell protocol every optimiser follows (modelled on evosax; fatenet *maximises*).

A strategy object holds static settings (population size, dimension). Its state is a frozen
pytree; ``init``, ``ask`` and ``tell`` are pure functions of (key, state, params), so a whole
training loop can be jitted or scanned. ``params`` holds numeric hyperparameters as traced
arrays, so changing them does not recompile.
"""

from __future__ import annotations

from typing import Any, Protocol

import jax


class Strategy(Protocol):
    population_size: int
    n_dims: int

    def default_params(self) -> Any:
        """Numeric hyperparameters (a pytree of arrays)."""

    def init(self, key: jax.Array, population: jax.Array, params: Any) -> Any:
        """State from an initial population (P, D)."""

    def ask(self, key: jax.Array, state: Any, params: Any) -> tuple[jax.Array, Any]:
        """Candidates (P, D) to evaluate, and the state to pass to ``tell``."""

    def tell(self, key: jax.Array, state: Any, population: jax.Array, fitness: jax.Array, params: Any) -> Any:
        """Next state after seeing ``fitness`` (P,) of ``population``; higher is better, -inf is invalid."""
