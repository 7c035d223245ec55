"""The model of one run, in one immutable pytree: ``Problem``.

A ``Problem`` is built once from a run's settings (``Problem.from_config``) and handed to every
stage that simulates or scores tissues: ``dynamics.simulate``, the population fitness, the
screen, the re-scoring of the final candidates, the gradient trainer and the evaluation. It
has two kinds of fields:

* **static structure**, which shapes the compiled programs: the regulatory function's
  architecture and its fates (``network``, a ``neural_network`` object), the tissue (cells,
  ends, coupling and its weights, state bounds, initial condition), the number of time steps
  and of training replicates, the fitness (kind, time-step factors and their rule, the
  training's tabulated f), the integrator (``backend``: ``xla`` or the fused ``kernel``) and the
  model (``model``: ``cells``, or ``reaction_diffusion`` with its grid, ``nodes_per_cell`` and
  ``substeps`` resolved by ``fatenet.grid``, its ``production_noise``, the readout's ``flip`` and
  ``max_diffusion``, the most a learned diffusion constant may be, fixed by the configured
  sub-step so that a refined time step integrates the same model);
* **array leaves**, the physical numbers (``dt``, ``noise_strength``, ``ic_mean``,
  ``ic_spread``, ``bandwidth``), float32 scalars traced by every compiled program that takes
  the problem as an argument, so a sweep over them compiles each program once.

Where the model grows, the Problem grows, not the call signatures: the model with several
species per cell and its own drift (reaction-diffusion on a sub-cell grid,
``fatenet.reaction_diffusion``) is the static field ``model`` that ``dynamics.simulate``
dispatches on, as it dispatches on ``backend`` to the fused kernel (``fatenet.kernels``), a
second implementation checked against the XLA one.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from .config import BACKENDS, STATE_BOUNDS, Config, FatesConfig, NetworkConfig
from .grid import stable_diffusion
from .neural_network import Network, make_network

LEAVES = ("dt", "noise_strength", "ic_mean", "ic_spread", "bandwidth")
"""The traced physical numbers of a Problem (float32 scalars)."""


@dataclass(frozen=True, eq=False)
class Problem:
    """One run's model: static structure and traced physical numbers (module doc).

    Build it with ``Problem.from_config(config)`` or ``Problem.create(...)`` (which turns the
    physical numbers into float32 arrays); ``dataclasses.replace`` and the helpers below give
    variants (``refined``: a finer time step).
    """

    network: Network
    n_cells: int
    n_steps: int
    n_replicates: int
    boundary: str
    coupling: str
    coupling_weights: str
    state_bounds: str
    initial_condition: str
    fitness: str
    dt_factors: tuple[int, ...]
    dt_rule: str
    f_table_points: int
    antithetic: bool
    backend: str
    model: str
    nodes_per_cell: int
    substeps: int
    production_noise: str
    flip: bool
    max_diffusion: float
    dt: jax.Array
    noise_strength: jax.Array
    ic_mean: jax.Array
    ic_spread: jax.Array
    bandwidth: jax.Array

    @classmethod
    def create(cls, network: Network | None = None, *, n_cells: int = 7, n_steps: int = 2000, n_replicates: int = 50,
               boundary: str = "open", coupling: str = "nearest", coupling_weights: str = "mean",
               state_bounds: str = "clip", initial_condition: str = "uniform", fitness: str = "soft",
               dt_factors: tuple[int, ...] = (1,), dt_rule: str = "worst", f_table_points: int = 0,
               antithetic: bool = False, backend: str = "xla", model: str = "cells", nodes_per_cell: int = 1,
               substeps: int = 1,
               production_noise: str = "multiplicative", flip: bool = True, max_diffusion: float = 0.0,
               dt: float = 0.01,
               noise_strength: float = 0.1, ic_mean: float = 0.5,
               ic_spread: float = 0.1, bandwidth: float = 0.1) -> Problem:
        """A Problem from plain values (defaults: the seed's model); the physical numbers become
        float32 arrays. ``network`` defaults to the seed's MLP of sbar."""
        return cls(network=network if network is not None else make_network(NetworkConfig(), FatesConfig()),
                   n_cells=int(n_cells), n_steps=int(n_steps), n_replicates=int(n_replicates), boundary=boundary,
                   coupling=coupling, coupling_weights=coupling_weights, state_bounds=state_bounds,
                   initial_condition=initial_condition, fitness=fitness,
                   dt_factors=tuple(int(k) for k in dt_factors), dt_rule=dt_rule, f_table_points=int(f_table_points),
                   antithetic=bool(antithetic), backend=resolve_backend(backend), model=model,
                   nodes_per_cell=int(nodes_per_cell),
                   substeps=int(substeps), production_noise=production_noise, flip=bool(flip),
                   max_diffusion=float(max_diffusion),
                   **{name: _f32(value) for name, value in zip(LEAVES, (dt, noise_strength, ic_mean, ic_spread,
                                                                          bandwidth), strict=True)})

    @classmethod
    def from_config(cls, config: Config) -> Problem:
        """The Problem of a run's settings (one object per distinct settings in a process)."""
        return _from_config(config)

    def replace(self, **changes) -> Problem:
        """A copy with fields changed (physical numbers given as plain numbers become float32 arrays)."""
        return dataclasses.replace(self, **{k: _f32(v) if k in LEAVES else v for k, v in changes.items()})

    def refined(self, factor: int) -> Problem:
        """The same model integrated with the time step divided by ``factor`` (the same simulated time)."""
        factor = int(factor)
        return dataclasses.replace(self, dt=self.dt / factor, n_steps=self.n_steps * factor)

    def with_replicates(self, n_replicates: int) -> Problem:
        """The same model with ``n_replicates`` tissues per fitness evaluation."""
        return dataclasses.replace(self, n_replicates=int(n_replicates))

    @property
    def n_fates(self) -> int:
        """Z: the fates a final state is mapped to."""
        return self.network.n_fates

    def regulatory_function(self, flat: jax.Array):
        """``f(sbar, s=None)`` of the flat parameter vector ``flat`` (the exact network)."""
        params = self.network.unflatten(flat)
        return lambda sbar, s=None: self.network.apply(params, sbar, s)


def bound_states(y: jax.Array, state_bounds: str = "clip") -> jax.Array:
    """The model's state bounds after a step: ``clip``, y clipped to [0, 1]; ``reflect``, |y| (reflected at
    0, no upper bound). One home for both integrators (``dynamics``, ``kernels``)."""
    if state_bounds not in STATE_BOUNDS:
        raise ValueError(f"invalid state_bounds {state_bounds!r}: must be one of " + ", ".join(STATE_BOUNDS))
    return jnp.abs(y) if state_bounds == "reflect" else jnp.clip(y, 0.0, 1.0)


def resolve_backend(backend: str) -> str:
    """``simulation.backend`` as the integrator to use: ``auto`` is ``kernel`` on a GPU, ``xla`` elsewhere."""
    if backend not in BACKENDS:
        raise ValueError(f"invalid backend {backend!r}: must be one of " + ", ".join(BACKENDS))
    if backend == "auto":
        return "kernel" if jax.default_backend() == "gpu" else "xla"
    return backend


def _f32(value) -> jax.Array:
    return jnp.asarray(value, jnp.float32)


@functools.lru_cache(maxsize=64)
def _from_config(config: Config) -> Problem:
    sim, evo = config.simulation, config.evolution
    layout = config.grid() if sim.model == "reaction_diffusion" else None
    return Problem.create(make_network(config.network, config.fates), n_cells=sim.n_cells, n_steps=sim.n_steps,
                          n_replicates=sim.n_replicates, boundary=sim.boundary, coupling=sim.coupling,
                          coupling_weights=sim.coupling_weights, state_bounds=sim.state_bounds,
                          initial_condition=sim.initial_condition, fitness=evo.fitness,
                          dt_factors=evo.fitness_dt_factors, dt_rule=evo.fitness_dt_rule,
                          f_table_points=evo.f_table_points, antithetic=config.mirrors_tissues,
                          backend=sim.backend, model=sim.model,
                          nodes_per_cell=layout.nodes_per_cell if layout else 1,
                          substeps=layout.substeps if layout else 1, production_noise=sim.production_noise,
                          flip=sim.flip, dt=sim.dt,
                          max_diffusion=stable_diffusion(layout.dx, sim.dt / layout.substeps) if layout else 0.0,
                          noise_strength=sim.noise_strength, ic_mean=sim.ic_mean, ic_spread=sim.ic_spread,
                          bandwidth=evo.bandwidth)


jax.tree_util.register_dataclass(
    Problem, data_fields=list(LEAVES),
    meta_fields=[f.name for f in dataclasses.fields(Problem) if f.name not in LEAVES])
