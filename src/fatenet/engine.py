"""The pieces of a run, built once from its settings and handed to every stage that needs them.

``engine(config)`` gives the run's ``Engine``: the network (``neural_network.make_network``), the
traced fitness settings (``fitness.FitnessSettings``) and a memo of its compiled programs, so the
trainers, the screen, the restarts' focus, the final choice and the evaluation share one network
and compile each program once per process (a compiled program is kept by the function object
jax.jit wraps: rebuilding it per call traced it again). The same settings give the same Engine
(an ``lru_cache`` keyed by the frozen Config).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

from .config import Config
from .fitness import FitnessSettings
from .neural_network import Network, make_network


class Engine:
    """One run's network, fitness settings and compiled programs (module doc)."""

    def __init__(self, config: Config):
        self.config = config
        self.model: Network = make_network(config.network, config.fates)
        self.settings = FitnessSettings.from_configs(config.simulation, config.evolution)
        self._programs: dict[Hashable, Any] = {}

    def program(self, name: Hashable, build: Callable[[], Any]) -> Any:
        """The program ``name`` of this run, built by ``build()`` the first time it is asked for."""
        if name not in self._programs:
            self._programs[name] = build()
        return self._programs[name]


@functools.lru_cache(maxsize=32)
def engine(config: Config) -> Engine:
    """The Engine of ``config`` (one per distinct settings in a process)."""
    return Engine(config)
