"""Stochastic tissue dynamics: ``simulate(problem, f, key)``, the Euler-Maruyama integrator (XLA).

A row of ``n_cells`` cells (the model's settings are a ``problem.Problem``). Every step, every cell:

    s <- bound(s + f(sbar, s) * dt + noise_strength * sqrt(dt) * xi),   xi ~ N(0, 1)

where ``sbar`` is the mean state of the cells coupled to it that exist (``coupling``:
nearest i +- 1, next_nearest i +- 1 and i +- 2, or global, every other cell; ``boundary`` =
open, fixed or periodic ends; ``coupling_weights: sender`` weighs each coupled cell by one
over its own number of coupled cells instead, as the authors' published code does) and
``bound`` is ``state_bounds``: clip to [0, 1] (the seed's) or reflect at 0 (s <- |s|, the
paper's). Initial states are uniform on ic_mean +- ic_spread (the seed's) or half-normal
|N(0, ic_spread^2)| (``initial_condition``). ``f`` is called as ``f(sbar, s)``; the seed's f
reads sbar alone. States may carry any leading batch axes: ``(..., n_cells)``.

The noise comes from ``fatenet.noise``: every normal is a pure function of the simulation's
key, the time step and the cell element (``replicate * n_cells + cell``), so the same key
gives the same trajectory whether one network or a whole population is simulated, and
however many steps are drawn at once (``noise.step_normals``; tested against ``simulate``).

``simulate`` is the one entry point to the integration: a second implementation (a fused GPU
kernel) or a model with another state layout goes behind it, chosen by the Problem.

``simulate`` holds the states cells-first, ``(n_cells, n_replicates)``, while it integrates:
the neighbour average then moves whole rows of replicates, which vector units process far
faster than rows of 7 cells, and each step's normals are drawn inside the step, where they
stay in cache. The numbers are those of the replicates-first step (``euler_maruyama_step``
on ``(n_replicates, n_cells)``), bit for bit (tested).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax, random

from . import reaction_diffusion
from .config import BOUNDARIES, COUPLING_WEIGHTS, COUPLINGS, INITIAL_CONDITIONS
from .coupling import coupled_cells
from .fates import apply_threshold, soft_threshold
from .kernels import tissue
from .noise import MAX_ELEMENTS, element_words, gaussian_noise, path_normals, stream_seed, uniforms
from .problem import Problem, bound_states

RegulatoryFunction = Callable[[jax.Array, jax.Array], jax.Array]
"""``f(sbar, s)`` -> ds/dt, elementwise."""

__all__ = ["RegulatoryFunction", "apply_threshold", "bound_states", "drift", "euler_maruyama_step", "initial_states",
           "neighbour_average", "noisy_update", "pin_boundary", "run_multiple_replicates", "simulate",
           "simulate_time_steps", "soft_threshold"]


def check_boundary(boundary: str) -> None:
    _check("boundary", boundary, BOUNDARIES)


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"invalid {name} {value!r}: must be one of " + ", ".join(allowed))


def neighbour_average(s: jax.Array, boundary: str = "open", axis: int = -1, coupling: str = "nearest",
                      weights: str = "mean") -> jax.Array:
    """The coupled cells' input to each cell, the cells along ``axis`` (the last by default).

    ``weights: mean`` (the seed's, and the paper's text): the mean state of the cells coupled to
    each cell that exist. ``nearest``, ``open`` and ``fixed``: interior cells average both
    neighbours, an edge cell copies its single neighbour; ``periodic``: a ring.
    ``next_nearest``: the cells i - 2 ... i + 2 but i that exist (distinct cells on a ring
    shorter than 5). ``global``: the mean of every other cell (the ends do not matter). See
    ``coupled_cells``.

    ``weights: sender`` (what the authors' published code computes, ``c / c.sum(axis=0)``):
    each coupled cell j adds s_j / n_j, where n_j is the number of cells coupled to j. Where
    every cell has as many coupled cells (a ring, global coupling) the two agree; on an open
    chain an edge cell's input is half its neighbour's state.
    """
    check_boundary(boundary)
    _check("coupling", coupling, COUPLINGS)
    _check("weights", weights, COUPLING_WEIGHTS)
    axis = axis % s.ndim
    n = s.shape[axis]
    if coupling == "global":
        return (jnp.sum(s, axis=axis, keepdims=True) - s) * jnp.float32(1.0 / (n - 1))
    if weights == "sender":
        return _coupled_sum(s / _counts(n, boundary, coupling, s.ndim, axis), boundary, axis, coupling)
    if coupling == "next_nearest":
        return _coupled_sum(s, boundary, axis, coupling) / _counts(n, boundary, coupling, s.ndim, axis)
    if boundary == "periodic":
        left, right = jnp.roll(s, 1, axis=axis), jnp.roll(s, -1, axis=axis)
    else:
        # An edge cell's missing neighbour is replaced by its existing one, so the mean is that one.
        cells = lambda a, b: lax.slice_in_dim(s, a, b, axis=axis)  # noqa: E731
        left = jnp.concatenate([cells(1, 2), cells(0, n - 1)], axis=axis)
        right = jnp.concatenate([cells(1, n), cells(n - 2, n - 1)], axis=axis)
    return 0.5 * (left + right)


def _counts(n: int, boundary: str, coupling: str, ndim: int, axis: int) -> jax.Array:
    """The number of cells coupled to each cell, shaped to broadcast along ``axis``."""
    shape = [1] * ndim
    shape[axis] = n
    return jnp.asarray(np.array([len(c) for c in coupled_cells(n, boundary, coupling)], np.float32).reshape(shape))


def _coupled_sum(x: jax.Array, boundary: str, axis: int, coupling: str) -> jax.Array:
    """For each cell, the sum of ``x`` over the distinct cells coupled to it (nearest or next_nearest)."""
    n = x.shape[axis]
    reach = 1 if coupling == "nearest" else 2
    offsets = [d for d in range(-reach, reach + 1) if d]
    if boundary == "periodic":
        return sum(jnp.roll(x, -d, axis=axis) for d in sorted({d % n for d in offsets} - {0}))
    pad = [(0, 0)] * x.ndim
    pad[axis] = (reach, reach)
    padded = jnp.pad(x, pad)
    return sum(lax.slice_in_dim(padded, reach + d, reach + d + n, axis=axis) for d in offsets)


def drift(problem: Problem, s: jax.Array, f: RegulatoryFunction, axis: int = -1) -> tuple[jax.Array, jax.Array]:
    """``(sbar, s + f(sbar, s) * dt)``: the coupled cells' means and the deterministic part of a step."""
    sbar = neighbour_average(s, problem.boundary, axis, problem.coupling, problem.coupling_weights)
    return sbar, s + f(sbar, s) * problem.dt


def pin_boundary(s: jax.Array, boundary: str, axis: int = -1) -> jax.Array:
    """With ``fixed``, the first and last cell along ``axis`` are set to 0 (after every step)."""
    if boundary != "fixed":
        return s
    axis = axis % s.ndim
    edge = lambda i: (slice(None),) * axis + (i,)  # noqa: E731
    return s.at[edge(0)].set(0.0).at[edge(-1)].set(0.0)


def noisy_update(problem: Problem, mean: jax.Array, xi: jax.Array, axis: int = -1) -> jax.Array:
    """``bound(mean + noise_strength * sqrt(dt) * xi)`` (``bound_states``), then the fixed boundary's pinning."""
    y = mean + (problem.noise_strength * jnp.sqrt(problem.dt)) * xi
    return pin_boundary(bound_states(y, problem.state_bounds), problem.boundary, axis)


def euler_maruyama_step(problem: Problem, s: jax.Array, xi: jax.Array, f: RegulatoryFunction,
                        axis: int = -1) -> jax.Array:
    """One step for every cell (cells along ``axis``); ``xi`` holds standard normals of the shape of ``s``."""
    return noisy_update(problem, drift(problem, s, f, axis)[1], xi, axis)


def initial_states(problem: Problem, key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """``uniform``: i.i.d. states on [ic_mean - ic_spread, ic_mean + ic_spread] (``noise.uniforms``);
    ``half_normal``: |N(0, ic_spread^2)| (``noise.gaussian_noise``; ic_spread 0 gives zeros)."""
    _check("initial_condition", problem.initial_condition, INITIAL_CONDITIONS)
    if problem.initial_condition == "half_normal":
        return jnp.abs(problem.ic_spread * gaussian_noise(key, shape))
    return (problem.ic_mean - problem.ic_spread) + (2.0 * problem.ic_spread) * uniforms(key, shape).reshape(shape)


_FALLBACKS_SAID: set[str] = set()


def uses_kernel(problem: Problem, f, *, observe=None, return_trajectory: bool = False) -> bool:
    """True when ``simulate`` integrates with the fused kernel: the problem's backend is ``kernel``
    and the kernel covers the model (else the XLA path, said once per reason; a recorded
    trajectory, a kymograph's few tissues, always runs on XLA)."""
    if problem.backend != "kernel" or return_trajectory:  # (a kymograph's few tissues: XLA, quietly)
        return False
    reason = ("the gradient trainer follows the paths step by step" if observe is not None else
              tissue.uncovered(problem, f))
    if reason is not None and reason not in _FALLBACKS_SAID:
        _FALLBACKS_SAID.add(reason)
        warnings.warn(f"fatenet: the fused kernel does not cover this simulation ({reason}); it runs on XLA",
                      stacklevel=3)
    return reason is None


def _regulatory_function(problem: Problem, f) -> RegulatoryFunction:
    """``f`` itself if it is callable, else the problem's network with the flat parameters ``f``."""
    return f if callable(f) else problem.regulatory_function(f)


def simulate(problem: Problem, f, key: jax.Array, n_replicates: int | None = None, *,
             return_trajectory: bool = False, substeps: int = 1, observe=None):
    """Integrate ``n_replicates`` (default ``problem.n_replicates``) independent tissues for
    ``problem.n_steps`` steps of ``problem.dt``.

    ``f`` is the regulatory function: the flat parameter vector of ``problem.network``, or any
    callable ``f(sbar, s=None)`` (an approximation of it, or a function of one's own).

    Returns the final states ``(n_replicates, n_cells)``, or ``(final, trajectory)`` with the
    trajectory ``(n_steps + 1, n_replicates, n_cells)`` (initial state first) when
    ``return_trajectory`` is true. Training never asks for trajectories. Internally the states
    are cells-first and each step draws its own normals (module doc).

    ``substeps`` = m > 1 drives step ``t`` by the Brownian increment of ``m`` finer steps:
    ``xi = (xi_{t m} + ... + xi_{t m + m - 1}) / sqrt(m)`` from the stream. Then the same key
    with ``problem.refined(m)`` and ``substeps=1`` integrates the same noise path (the same
    tissues) at a finer time step: a pair whose difference is the integrator's alone
    (``simulate_time_steps`` runs such pairs).

    ``observe = (start, update)`` follows the paths as they are integrated (the gradient trainer's
    score): ``extra = start(s0)`` from the initial states ``(n_replicates, n_cells)``, then every
    step ``extra = update(extra, sbar, mean, xi, s)`` with the step's neighbour averages, drift means
    ``s + f(sbar, s) dt``, standard normals and the states the step started from, cells-first
    ``(n_cells, n_replicates)``; the call then returns ``(final, extra)``. The paths are the same
    with or without it.
    """
    check_boundary(problem.boundary)
    if problem.model == "reaction_diffusion":
        uses_kernel(problem, f)  # (with backend kernel: says once that the kernel does not cover the model)
        if observe is not None:
            raise ValueError("the gradient trainer does not follow the reaction_diffusion model's paths: use an "
                             "evolution strategy")
        return reaction_diffusion.simulate(problem, f, key, int(problem.n_replicates if n_replicates is None
                                                                else n_replicates),
                                           return_trajectory=return_trajectory, path_substeps=substeps)
    rhs = _regulatory_function(problem, f)
    n_steps, n_cells = int(problem.n_steps), int(problem.n_cells)
    n_replicates = int(problem.n_replicates if n_replicates is None else n_replicates)
    shape = (n_replicates, n_cells)
    if n_cells * n_replicates >= MAX_ELEMENTS:
        raise ValueError(f"a time step of {n_cells * n_replicates} cell elements exceeds the stream's counter "
                         f"({MAX_ELEMENTS})")
    substeps = int(substeps)
    if substeps < 1:
        raise ValueError(f"invalid substeps {substeps!r}: must be an integer >= 1")
    s0, seed = _start(problem, key, shape)
    if uses_kernel(problem, f, observe=observe, return_trajectory=return_trajectory):
        return tissue.integrate(problem, f, s0, seed, ((1, substeps),))[0]
    # element r * n_cells + c of the stream, laid out cells-first like the states
    replicate, cell = lax.iota(jnp.uint32, n_replicates)[None, :], lax.iota(jnp.uint32, n_cells)[:, None]
    elements = replicate * jnp.uint32(n_cells) + cell
    words = element_words(seed, elements)

    def normals(t):
        return path_normals(seed, words, t, substeps)

    if observe is not None:
        if return_trajectory:
            raise ValueError("simulate: observe and return_trajectory cannot be combined")
        start, update = observe

        def observed(carry, t):
            s, extra = carry
            xi = normals(t)
            sbar, mean = drift(problem, s, rhs, 0)
            return (noisy_update(problem, mean, xi, 0), update(extra, sbar, mean, xi, s)), None

        (s, extra), _ = lax.scan(observed, (s0.T, start(s0)), lax.iota(jnp.uint32, n_steps))
        return s.T, extra

    def step(s, t):
        s = euler_maruyama_step(problem, s, normals(t), rhs, 0)
        return s, (s.T if return_trajectory else None)

    s, traj = lax.scan(step, s0.T, lax.iota(jnp.uint32, n_steps))
    if return_trajectory:
        return s.T, jnp.concatenate([s0[None], traj])
    return s.T


def simulate_time_steps(problem: Problem, f, key: jax.Array, factors: tuple[int, ...] | None = None,
                        n_replicates: int | None = None) -> list[jax.Array]:
    """The same tissues integrated with ``dt / k`` for every factor ``k`` (default
    ``problem.dt_factors``): final states, one per factor.

    Entry ``i`` is ``simulate(problem.refined(k), f, key, substeps=finest // k)`` for
    ``k = factors[i]`` and ``finest = max(factors)``: the same initial states and the same
    Brownian path, resolved in steps of ``dt / finest``. (One scan that advances all of them
    together was tried: XLA's CPU code for several chained steps in one loop body was 2 to 25
    times slower than these separate scans.)
    """
    factors = tuple(int(k) for k in (problem.dt_factors if factors is None else factors))
    finest = max(factors)
    if any(k < 1 or finest % k for k in factors):
        raise ValueError(f"invalid factors {factors!r}: integers >= 1 that divide the largest")
    if problem.model == "cells" and uses_kernel(problem, f):  # one pass: each normal drawn once, for every step
        n_replicates = int(problem.n_replicates if n_replicates is None else n_replicates)
        s0, seed = _start(problem, key, (n_replicates, problem.n_cells))
        return tissue.integrate(problem, f, s0, seed, tuple((k, finest // k) for k in factors))
    rhs = _regulatory_function(problem, f) if problem.model == "cells" else f  # (reaction-diffusion: the flat f)
    return [simulate(problem.refined(k) if k != 1 else problem, rhs, key, n_replicates, substeps=finest // k)
            for k in factors]


def _start(problem: Problem, key: jax.Array, shape: tuple[int, int]) -> tuple[jax.Array, jax.Array]:
    """The initial states ``shape`` and the noise stream's seed of the simulation with ``key``."""
    k_init, k_noise = random.split(key)
    return initial_states(problem, k_init, shape), stream_seed(k_noise)


def run_multiple_replicates(f: RegulatoryFunction, n_cells: int, n_replicates: int, n_steps: int,
                            dt: float, noise_strength: float, key: jax.Array, boundary: str = "open",
                            ic_mean: float = 0.5, ic_spread: float = 0.1,
                            return_trajectory: bool = False):
    """The seed notebook's entry point: final states ``(n_replicates, n_cells)``."""
    problem = Problem.create(n_cells=n_cells, n_steps=n_steps, n_replicates=n_replicates, boundary=boundary,
                             dt=dt, noise_strength=noise_strength, ic_mean=ic_mean, ic_spread=ic_spread)
    return simulate(problem, f, key, return_trajectory=return_trajectory)
