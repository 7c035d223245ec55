"""The two protocols of the optimisers (modelled on evosax; fatenet *maximises*).

``Strategy``: a population optimiser seen only through fitness values. A strategy object
holds static settings (population size, dimension). Its state is a frozen pytree; ``init``,
``ask`` and ``tell`` are pure functions of (key, state, params), so a whole training loop can
be jitted or scanned. ``params`` holds numeric hyperparameters as traced arrays, so changing
them does not recompile.

``Trainer``: what ``fatenet.training`` runs, one per ``evolution.strategy``: every ask/tell
strategy through ``ask_tell.ask_tell_trainer``, and the gradient trainer, which needs more
than fitness values (``gradient``). ``step`` is pure and returns the per-individual arrays
of one generation (``fitness``, ``s_pat``, ``s_rep``, ``valid``, ``population``) and the
run's ``best_ever_fitness``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import jax


class Trainer(NamedTuple):
    init: Callable[..., Any]  # (run key, population=None) -> initial state; run key = PRNGKey(seed) for
    # a run's first restart; population (best first): the start (fatenet.screening), else its own draw
    step: Callable  # (state, problem, hyper) -> (state, record of one generation); the problem's numbers traced
    hyper: Any  # numeric hyperparameters, traced
    problem: Any  # the run's Problem, as the step's fitness sees it
    mean: Callable[[Any], Any]  # state -> the search centre (D,), or None


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

    def mean(self, state: Any) -> jax.Array | None:
        """The search distribution's centre (D,), a candidate for the final network; None if it has none."""
