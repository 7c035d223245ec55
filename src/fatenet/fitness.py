"""The hot path: a whole population's fitness in one compiled call.

``population_fitness(problem, population (P, D), keys (P,))``: every individual's replicates
are simulated (population x replicates x cells advance together in one ``lax.scan`` over time)
and scored by the problem's soft or hard utility. The per-individual computation is exactly
``simulate`` + the fates + the utility, so the vectorised result equals a loop over
individuals with the same keys.

The problem is an argument: its physical numbers (dt, noise, initial-condition range,
bandwidth) are traced, so a sweep over them reuses one compiled program; its static structure
(shapes, the boundary, the architecture, the fitness kind and time-step factors) is compiled in.

A network whose parameters, outputs or final states are not finite gets fitness ``-inf``:
it never wins selection and never crashes a run.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .config import DT_RULES, FITNESSES
from .constants import DT_TOLERANCE
from .dynamics import simulate_time_steps
from .neural_network import interpolate
from .problem import Problem
from .utility_function import utility

INVALID_FITNESS = -jnp.inf


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
    and ``extrapolate_to_zero_dt``; ``flat``, the smallest U less how far the spread of U exceeds
    ``DT_TOLERANCE`` (the final choice's ``selection.flat_score``)."""
    if rule == "extrapolated":
        return jnp.minimum(u[0], extrapolate_to_zero_dt(u[0], u[1], factors[0], factors[1]))
    if rule == "flat":
        worst = jnp.min(u, axis=0)
        return worst - jnp.maximum(jnp.max(u, axis=0) - worst - DT_TOLERANCE, 0.0)
    return jnp.min(u, axis=0)


def check_fitness(problem: Problem) -> None:
    """Raise ValueError where the problem's fitness settings cannot be computed."""
    if problem.fitness not in FITNESSES:
        raise ValueError(f"invalid fitness {problem.fitness!r}: must be one of " + ", ".join(FITNESSES))
    factors = problem.dt_factors
    if not factors or any(k < 1 or max(factors) % k for k in factors):
        raise ValueError(f"invalid dt_factors {factors!r}: integers >= 1 that divide the largest")
    if problem.dt_rule not in DT_RULES or (problem.dt_rule == "extrapolated" and len(factors) != 2):
        raise ValueError(f"invalid dt_rule {problem.dt_rule!r}: one of {', '.join(DT_RULES)} (extrapolated needs two "
                         "factors)")


def _finals(problem: Problem, flat: jax.Array, key: jax.Array, n_replicates: int | None = None) -> list[jax.Array]:
    """The final states of ``key``'s tissues at every fitness time step (``dynamics.simulate_time_steps``),
    with f tabulated where ``problem.f_table_points`` asks (else the parameters themselves, which an
    integrator may read: the fused kernel)."""
    f = tabulated(problem.regulatory_function(flat), problem.f_table_points) if problem.f_table_points else flat
    return simulate_time_steps(problem, f, key, None, n_replicates)


def mirrored_pairs(problem: Problem, flat: jax.Array, key: jax.Array) -> list[jax.Array]:
    """``problem.n_replicates`` final states at every fitness time step, as mirrored pairs: the first half
    are ``key``'s tissues, the second half their mirror images, each tissue with its initial states
    s0 -> 1 - s0 and its Brownian increments -> their negatives (``evolution.antithetic``).

    Where the model is the same under s -> 1 - s (``Config.mirror_symmetric``), the mirror image of a
    tissue under f is 1 - the same tissue under f's mirror image -f(1 - sbar)
    (``PiecewiseLinear.mirrored``): clip(1 - s + f(1 - sbar) dt - noise xi) = 1 - clip(s - f(1 - sbar) dt +
    noise xi), sbar being a mean. So the pairs are the same tissues simulated twice, once with each f,
    at no extra cost. Each tissue is still drawn as the model draws it (the estimate of U is that of
    as many tissues); a pattern and its complement are counted on the same paths, so a row
    deciding together that leans to one of its two uniform patterns shows it on far fewer tissues."""
    half = problem.n_replicates // 2
    own = _finals(problem, flat, key, half)
    images = _finals(problem, problem.network.mirrored(flat), key, half)
    return [jnp.concatenate([a, 1.0 - b]) for a, b in zip(own, images, strict=True)]


def individual_fitness(problem: Problem, flat: jax.Array, key: jax.Array) -> FitnessResult:
    """One individual's fitness from ``problem.n_replicates`` replicates driven by ``key``.

    ``problem.f_table_points`` > 0 simulates with the tabulated approximation of f (see
    ``tabulated``). With several ``problem.dt_factors`` (``evolution.fitness_dt_factors``, e.g.
    (1, 4)) the fitness is the worst U of the same tissues integrated with dt divided by each
    factor (``dynamics.simulate_time_steps``: the same initial states and Brownian path), with the
    S_pat and S_rep of that worst one: an f whose U comes from the integrator's step, not the
    model, scores what it keeps at the other step. With the single factor 1 it is ``simulate`` at
    dt. ``problem.dt_rule: extrapolated`` (two factors) scores the worse of U at the coarser step
    and the extrapolation of the two to dt -> 0 (``extrapolate_to_zero_dt``): below the worst
    whenever the finer step loses, by as much again, so the optimiser is pushed to an f whose U
    holds as dt shrinks. ``problem.antithetic`` scores the tissues as mirrored pairs (``mirrored_pairs``).
    """
    model = problem.network
    exact = problem.regulatory_function(flat)
    finals = (mirrored_pairs if problem.antithetic else _finals)(problem, flat, key)
    scores, valid = [], is_valid(flat, exact, jnp.zeros(()))
    for final in finals:
        scores.append(utility(model.fates(flat, final), problem.fitness, problem.bandwidth, model.n_fates))
        valid = valid & jnp.all(jnp.isfinite(final))
    u, s_pat, s_rep = (jnp.stack(parts) for parts in zip(*scores, strict=True))
    worst = jnp.argmin(jnp.where(jnp.isfinite(u), u, -jnp.inf))
    u = combine_time_steps(u, problem.dt_factors, problem.dt_rule)
    s_pat, s_rep = s_pat[worst], s_rep[worst]
    u = jnp.where(valid & jnp.isfinite(u), u, INVALID_FITNESS)
    return FitnessResult(u, s_pat, s_rep, valid)


def population_fitness(problem: Problem, population: jax.Array, keys: jax.Array) -> FitnessResult:
    """Every individual's ``individual_fitness``: ``population (P, D)``, ``keys (P,)`` -> (P,) arrays.

    Not jitted itself (it runs inside the trainers' compiled generation); the population is
    split over the local devices when there are several (``shard_over_devices``).
    ``jax.jit(population_fitness)`` compiles it once per static structure of the problem.
    """
    check_fitness(problem)
    return shard_over_devices(_vmapped_fitness)(problem, population, keys)


_vmapped_fitness = jax.vmap(individual_fitness, in_axes=(None, 0, 0))
compiled_population_fitness = jax.jit(population_fitness)
"""``population_fitness`` compiled (once per static structure of the problem)."""


def replicated_sharding():
    """A sharding that keeps arrays whole on every local device, or None on a single device."""
    devices = jax.local_devices()
    if len(devices) < 2:
        return None
    return jax.sharding.NamedSharding(jax.sharding.Mesh(np.array(devices), ("pop",)), jax.sharding.PartitionSpec())


def shard_over_devices(fn):
    """``fn(problem, population, keys, ...)`` with the population axis split over all local devices
    (e.g. 2 CPU host devices) when there are several.

    Individuals are independent, so each device runs the same per-individual program on its
    share; a population whose size the device count does not divide runs unsplit. Every
    argument after the problem is split along its first axis.
    """
    devices = jax.local_devices()
    if len(devices) < 2:
        return fn
    mesh = jax.sharding.Mesh(np.array(devices), ("pop",))
    spec = jax.sharding.PartitionSpec("pop")

    def dispatch(problem, population, *rest):
        if population.shape[0] % len(devices):
            return fn(problem, population, *rest)
        sharded = jax.shard_map(fn, mesh=mesh, in_specs=(jax.sharding.PartitionSpec(), spec, *(spec,) * len(rest)),
                                out_specs=spec)
        return sharded(problem, population, *rest)

    return dispatch
