"""The hot path: a whole population's fitness in one compiled call.

``population (P, D)`` flat parameter vectors and one key per individual go in; every
individual's replicates are simulated (population x replicates x cells advance together in
one ``lax.scan`` over time) and scored by the soft or hard utility. The per-individual
computation is exactly ``simulate`` + ``apply_threshold`` + the utility, so the vectorised
result equals a loop over individuals with the same keys.

Settings that only change numbers (dt, noise, initial-condition range, bandwidth) are traced
arguments, so a sweep over them reuses one compiled program; shapes, the boundary and the
architecture are static.

A network whose parameters, outputs or final states are not finite gets fitness ``-inf``:
it never wins selection and never crashes a run.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .config import FITNESSES, EvolutionConfig, SimulationConfig
from .dynamics import apply_threshold, simulate
from .neural_network import Network, interpolate
from .utility_function import utility

INVALID_FITNESS = -jnp.inf


class FitnessSettings(NamedTuple):
    """Traced (numeric) settings of a fitness evaluation."""

    dt: jax.Array
    noise_strength: jax.Array
    ic_mean: jax.Array
    ic_spread: jax.Array
    bandwidth: jax.Array

    @classmethod
    def from_configs(cls, sim: SimulationConfig, evo: EvolutionConfig) -> FitnessSettings:
        f32 = lambda v: jnp.asarray(v, jnp.float32)  # noqa: E731
        return cls(f32(sim.dt), f32(sim.noise_strength), f32(sim.ic_mean), f32(sim.ic_spread), f32(evo.bandwidth))


class FitnessResult(NamedTuple):
    fitness: jax.Array  # (P,) utility, -inf where invalid
    s_pat: jax.Array  # (P,)
    s_rep: jax.Array  # (P,) soft or hard, as the fitness
    valid: jax.Array  # (P,) bool


_CHECK_GRID = jnp.linspace(0.0, 1.0, 11)


def is_valid(flat: jax.Array, f, final: jax.Array) -> jax.Array:
    """True when the parameters, f on a grid of [0, 1] and the final states are all finite."""
    return jnp.all(jnp.isfinite(flat)) & jnp.all(jnp.isfinite(f(_CHECK_GRID))) & jnp.all(jnp.isfinite(final))


def tabulated(f, n_points: int):
    """Approximation of f on [0, 1]: f at ``n_points`` evenly spaced points, linearly interpolated.

    Opt-in only (``evolution.f_table_points``): exact at the grid points, error of order
    f'' / (8 (n_points - 1)^2) between them. sbar always lies in [0, 1] because states are clipped.
    """
    table = f(jnp.linspace(0.0, 1.0, n_points))
    return lambda sbar: interpolate(table, sbar)


def time_step_pair(f, key: jax.Array, sim: SimulationConfig, settings: FitnessSettings, factor: int,
                   finest: int) -> jax.Array:
    """Final states of ``sim.n_replicates`` tissues from ``key`` integrated with ``dt / factor``.

    Every factor of one fitness drives the same tissues: the same initial states and the same
    Brownian path, resolved in steps of ``dt / finest`` (``dynamics.simulate``'s ``substeps``),
    so U at two factors differs only by what the time step does.
    """
    return simulate(f, key, sim.n_cells, sim.n_replicates, sim.n_steps * factor, settings.dt / factor,
                    settings.noise_strength, sim.boundary, settings.ic_mean, settings.ic_spread,
                    substeps=finest // factor)


def individual_fitness(model: Network, sim: SimulationConfig, kind: str, flat: jax.Array,
                       key: jax.Array, settings: FitnessSettings, table_points: int = 0,
                       dt_factors: tuple[int, ...] = (1,)) -> FitnessResult:
    """One individual's fitness from ``sim.n_replicates`` replicates driven by ``key``.

    ``table_points`` > 0 simulates with the tabulated approximation of f (see ``tabulated``).
    With several ``dt_factors`` (``evolution.fitness_dt_factors``, e.g. (1, 4)) the fitness is
    the worst U of the same tissues integrated with dt divided by each factor
    (``time_step_pair``), with the S_pat and S_rep of that worst one: an f whose U comes from
    the integrator's step, not the model, scores what it keeps at the other step. With the
    single factor 1 it is ``simulate`` at dt, as it always was.
    """
    params = model.unflatten(flat)
    exact = lambda sbar: model.apply(params, sbar)  # noqa: E731
    f = tabulated(exact, table_points) if table_points else exact
    finest = max(dt_factors)
    scores, valid = [], is_valid(flat, exact, jnp.zeros(()))
    for factor in dt_factors:
        final = time_step_pair(f, key, sim, settings, factor, finest)
        scores.append(utility(apply_threshold(final), kind, settings.bandwidth))
        valid = valid & jnp.all(jnp.isfinite(final))
    u, s_pat, s_rep = (jnp.stack(parts) for parts in zip(*scores, strict=True))
    worst = jnp.argmin(jnp.where(jnp.isfinite(u), u, -jnp.inf))
    u, s_pat, s_rep = u[worst], s_pat[worst], s_rep[worst]
    u = jnp.where(valid & jnp.isfinite(u), u, INVALID_FITNESS)
    return FitnessResult(u, s_pat, s_rep, valid)


def make_population_fitness(model: Network, sim: SimulationConfig, kind: str = "soft",
                            table_points: int = 0, dt_factors: tuple[int, ...] = (1,)):
    """``fn(population (P, D), keys (P,), settings) -> FitnessResult`` of (P,) arrays (not jitted)."""
    if kind not in FITNESSES:
        raise ValueError(f"invalid fitness {kind!r}: must be one of " + ", ".join(FITNESSES))
    dt_factors = tuple(int(k) for k in dt_factors)
    if not dt_factors or any(k < 1 or max(dt_factors) % k for k in dt_factors):
        raise ValueError(f"invalid dt_factors {dt_factors!r}: integers >= 1 that divide the largest")

    def one(flat, key, settings):
        return individual_fitness(model, sim, kind, flat, key, settings, table_points, dt_factors)

    fn = jax.vmap(one, in_axes=(0, 0, None))
    return shard_over_devices(fn)


def replicated_sharding():
    """A sharding that keeps arrays whole on every local device, or None on a single device."""
    devices = jax.local_devices()
    if len(devices) < 2:
        return None
    return jax.sharding.NamedSharding(jax.sharding.Mesh(np.array(devices), ("pop",)), jax.sharding.PartitionSpec())


def shard_over_devices(fn):
    """Split the population axis over all local devices (e.g. 2 CPU host devices) when there are several.

    Individuals are independent, so each device runs the same per-individual program on its
    share; a population whose size the device count does not divide runs unsplit.
    """
    devices = jax.local_devices()
    if len(devices) < 2:
        return fn
    mesh = jax.sharding.Mesh(np.array(devices), ("pop",))
    spec = jax.sharding.PartitionSpec("pop")
    sharded = jax.shard_map(fn, mesh=mesh, in_specs=(spec, spec, jax.sharding.PartitionSpec()), out_specs=spec)

    def dispatch(population, keys, settings):
        return (sharded if population.shape[0] % len(devices) == 0 else fn)(population, keys, settings)

    return dispatch


def population_fitness(model: Network, sim: SimulationConfig, evo: EvolutionConfig,
                       population, keys) -> FitnessResult:
    """Convenience: evaluate a population once (compiles on first use of a shape)."""
    fn = jax.jit(make_population_fitness(model, sim, evo.fitness, evo.f_table_points, evo.fitness_dt_factors))
    out = fn(jnp.asarray(population), keys, FitnessSettings.from_configs(sim, evo))
    return FitnessResult(*(np.asarray(a) for a in out))
