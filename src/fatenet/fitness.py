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

from .config import DT_RULES, FITNESSES, EvolutionConfig, SimulationConfig
from .dynamics import rules, simulate_time_steps
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
    """True when the parameters, f on a grid of [0, 1] (s = sbar along it) and the final states are all finite."""
    return (jnp.all(jnp.isfinite(flat)) & jnp.all(jnp.isfinite(f(_CHECK_GRID, _CHECK_GRID)))
            & jnp.all(jnp.isfinite(final)))


def tabulated(f, n_points: int):
    """Approximation of f on [0, 1]: f at ``n_points`` evenly spaced points, linearly interpolated.

    Opt-in only (``evolution.f_table_points``): exact at the grid points, error of order
    f'' / (8 (n_points - 1)^2) between them. sbar lies in [0, 1] where states are clipped. For an f
    of sbar alone (``network.inputs: [sbar]``; the config allows no other).
    """
    table = f(jnp.linspace(0.0, 1.0, n_points), None)
    return lambda sbar, s=None: interpolate(table, sbar)


def extrapolate_to_zero_dt(u_coarse, u_fine, coarse: int, fine: int):
    """U as dt -> 0 from U at dt / coarse and dt / fine, for an error that shrinks like sqrt(dt).

    Euler-Maruyama with states clipped at the walls converges with order 1/2 (measured for
    trained f: the loss from dt / 4 to dt / 16 is about half the loss from dt to dt / 4), so
    with ``r = sqrt(fine / coarse)``: ``U(0) = (r U_fine - U_coarse) / (r - 1)``; for (1, 4)
    that is ``2 U(dt / 4) - U(dt)``.
    """
    r = float(np.sqrt(fine / coarse))
    return (r * u_fine - u_coarse) / (r - 1.0)


def combine_time_steps(u, factors: tuple[int, ...], rule: str):
    """One score from U at dt / k for each of ``factors`` (``u``: the factors along the first axis):
    ``worst``, the smallest U; ``extrapolated`` (two factors), the worse of U at the coarser step
    and ``extrapolate_to_zero_dt``."""
    if rule == "extrapolated":
        return jnp.minimum(u[0], extrapolate_to_zero_dt(u[0], u[1], factors[0], factors[1]))
    return jnp.min(u, axis=0)


def individual_fitness(model: Network, sim: SimulationConfig, kind: str, flat: jax.Array,
                       key: jax.Array, settings: FitnessSettings, table_points: int = 0,
                       dt_factors: tuple[int, ...] = (1,), dt_rule: str = "worst") -> FitnessResult:
    """One individual's fitness from ``sim.n_replicates`` replicates driven by ``key``.

    ``table_points`` > 0 simulates with the tabulated approximation of f (see ``tabulated``).
    With several ``dt_factors`` (``evolution.fitness_dt_factors``, e.g. (1, 4)) the fitness is
    the worst U of the same tissues integrated with dt divided by each factor
    (``dynamics.simulate_time_steps``: the same initial states and Brownian path), with the
    S_pat and S_rep of that worst one: an f whose U comes from
    the integrator's step, not the model, scores what it keeps at the other step. With the
    single factor 1 it is ``simulate`` at dt, as it always was. ``dt_rule: extrapolated`` (two
    factors) scores the worse of U at the coarser step and the extrapolation of the two to
    dt -> 0 (``extrapolate_to_zero_dt``): below the worst whenever the finer step loses, by
    as much again, so the optimiser is pushed to an f whose U holds as dt shrinks.
    """
    params = model.unflatten(flat)
    exact = lambda sbar, s=None: model.apply(params, sbar, s)  # noqa: E731
    f = tabulated(exact, table_points) if table_points else exact
    finals = simulate_time_steps(f, key, sim.n_cells, sim.n_replicates, sim.n_steps, settings.dt,
                                 settings.noise_strength, sim.boundary, settings.ic_mean, settings.ic_spread,
                                 dt_factors, **rules(sim))
    scores, valid = [], is_valid(flat, exact, jnp.zeros(()))
    for final in finals:
        scores.append(utility(model.fates(flat, final), kind, settings.bandwidth, model.n_fates))
        valid = valid & jnp.all(jnp.isfinite(final))
    u, s_pat, s_rep = (jnp.stack(parts) for parts in zip(*scores, strict=True))
    worst = jnp.argmin(jnp.where(jnp.isfinite(u), u, -jnp.inf))
    u = combine_time_steps(u, dt_factors, dt_rule)
    s_pat, s_rep = s_pat[worst], s_rep[worst]
    u = jnp.where(valid & jnp.isfinite(u), u, INVALID_FITNESS)
    return FitnessResult(u, s_pat, s_rep, valid)


def make_population_fitness(model: Network, sim: SimulationConfig, kind: str = "soft",
                            table_points: int = 0, dt_factors: tuple[int, ...] = (1,), dt_rule: str = "worst"):
    """``fn(population (P, D), keys (P,), settings) -> FitnessResult`` of (P,) arrays (not jitted)."""
    if kind not in FITNESSES:
        raise ValueError(f"invalid fitness {kind!r}: must be one of " + ", ".join(FITNESSES))
    dt_factors = tuple(int(k) for k in dt_factors)
    if not dt_factors or any(k < 1 or max(dt_factors) % k for k in dt_factors):
        raise ValueError(f"invalid dt_factors {dt_factors!r}: integers >= 1 that divide the largest")
    if dt_rule not in DT_RULES or (dt_rule == "extrapolated" and len(dt_factors) != 2):
        raise ValueError(f"invalid dt_rule {dt_rule!r}: one of {', '.join(DT_RULES)} (extrapolated needs two factors)")

    def one(flat, key, settings):
        return individual_fitness(model, sim, kind, flat, key, settings, table_points, dt_factors, dt_rule)

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
    fn = jax.jit(make_population_fitness(model, sim, evo.fitness, evo.f_table_points, evo.fitness_dt_factors,
                                         evo.fitness_dt_rule))
    out = fn(jnp.asarray(population), keys, FitnessSettings.from_configs(sim, evo))
    return FitnessResult(*(np.asarray(a) for a in out))
