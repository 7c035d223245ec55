"""Stochastic tissue dynamics (README, "The model").

A row of ``n_cells`` cells with states in [0, 1]. Every step, every cell:

    s <- clip(s + f(sbar) * dt + noise_strength * sqrt(dt) * xi, 0, 1),   xi ~ N(0, 1)

where ``sbar`` is the mean of the neighbours that exist (``boundary`` = open, fixed or
periodic). States may carry any leading batch axes: ``(..., n_cells)``.

The noise comes from ``fatenet.noise``: every normal is a pure function of the simulation's
key, the time step and the cell element, so the same key gives the same trajectory whether
one network or a whole population is simulated, and however many steps are drawn at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax, random

from .config import BOUNDARIES, SimulationConfig
from .noise import step_normals, stream_seed, uniforms

NOISE_BLOCK = 250
"""Most steps whose noise is drawn in one call (a speed and memory setting; results never depend on it)."""
DT_REFINEMENTS = (4, 16)
"""The time-step check: a result is re-simulated with dt divided by each of these (same t_final)."""
DT_TOLERANCE = 0.03
"""A U that moves by more than this (bits per cell) under a refinement is the integrator's, not the model's."""
BLOCK_ELEMENTS = 2**22
"""Most normals drawn in one call per simulation (fewer steps per block for very large tissues)."""

RegulatoryFunction = Callable[[jax.Array], jax.Array]


def check_boundary(boundary: str) -> None:
    if boundary not in BOUNDARIES:
        raise ValueError(f"invalid boundary {boundary!r}: must be one of " + ", ".join(BOUNDARIES))


def refined(sim: SimulationConfig, factor: int) -> SimulationConfig:
    """``sim`` with the time step divided by ``factor`` (same simulated time)."""
    return dataclasses.replace(sim, dt=sim.dt / factor)


def neighbour_average(s: jax.Array, boundary: str = "open") -> jax.Array:
    """Mean state of each cell's existing neighbours along the last axis.

    ``open`` and ``fixed``: interior cells average both neighbours, an edge cell copies its
    single neighbour. ``periodic``: a ring.
    """
    check_boundary(boundary)
    if boundary == "periodic":
        left, right = jnp.roll(s, 1, axis=-1), jnp.roll(s, -1, axis=-1)
    else:
        # An edge cell's missing neighbour is replaced by its existing one, so the mean is that one.
        left = jnp.concatenate([s[..., 1:2], s[..., :-1]], axis=-1)
        right = jnp.concatenate([s[..., 1:], s[..., -2:-1]], axis=-1)
    return 0.5 * (left + right)


def drift(s: jax.Array, f: RegulatoryFunction, dt: float, boundary: str = "open") -> tuple[jax.Array, jax.Array]:
    """``(sbar, s + f(sbar) * dt)``: the neighbour averages and the deterministic part of a step."""
    sbar = neighbour_average(s, boundary)
    return sbar, s + f(sbar) * dt


def pin_boundary(s: jax.Array, boundary: str) -> jax.Array:
    """With ``fixed``, cells 0 and N-1 are set to 0 (after every step); otherwise ``s`` unchanged."""
    return s.at[..., 0].set(0.0).at[..., -1].set(0.0) if boundary == "fixed" else s


def noisy_update(mean: jax.Array, xi: jax.Array, dt: float, noise_strength: float,
                 boundary: str = "open") -> jax.Array:
    """``clip(mean + noise_strength * sqrt(dt) * xi, 0, 1)``, then the fixed boundary's pinning."""
    return pin_boundary(jnp.clip(mean + (noise_strength * jnp.sqrt(dt)) * xi, 0.0, 1.0), boundary)


def euler_maruyama_step(s: jax.Array, xi: jax.Array, f: RegulatoryFunction, dt: float,
                        noise_strength: float, boundary: str = "open") -> jax.Array:
    """One step for every cell; ``xi`` holds standard normals of the same shape as ``s``."""
    return noisy_update(drift(s, f, dt, boundary)[1], xi, dt, noise_strength, boundary)


def block_steps(shape: tuple[int, ...]) -> int:
    """Steps drawn per block for states of ``shape``: NOISE_BLOCK, fewer when a step is large."""
    size = max(1, int(np.prod(shape, dtype=np.int64)))
    return int(min(NOISE_BLOCK, max(1, BLOCK_ELEMENTS // size)))


def scan_noise_blocks(block: Callable, carry, key: jax.Array, shape: tuple[int, ...], n_steps: int):
    """Feed ``n_steps`` steps of standard normals of ``shape`` to ``block(carry, xi) -> (carry, out)``.

    The normals of steps ``0 .. n_steps - 1`` of ``key``'s stream (``fatenet.noise``) come in
    ``n_steps // B`` scanned blocks of ``B = block_steps(shape)`` steps, then one shorter block
    for the remainder. Returns ``(carry, outs of the full blocks stacked, out of the remainder
    or None)``. Every simulation path draws its noise here, so they all see the same stream.
    """
    seed = stream_seed(key)
    size = block_steps(shape)
    n_blocks, tail = divmod(int(n_steps), size)

    def body(c, index):
        return block(c, step_normals(seed, index * jnp.uint32(size), size, shape))

    carry, outs = lax.scan(body, carry, jnp.arange(n_blocks, dtype=jnp.uint32))
    tail_out = None
    if tail:
        carry, tail_out = block(carry, step_normals(seed, n_blocks * size, tail, shape))
    return carry, outs, tail_out


def initial_states(key: jax.Array, shape: tuple[int, ...], ic_mean: float = 0.5,
                   ic_spread: float = 0.1) -> jax.Array:
    """I.i.d. uniform states on [ic_mean - ic_spread, ic_mean + ic_spread] (``noise.uniforms``)."""
    return (ic_mean - ic_spread) + (2.0 * ic_spread) * uniforms(key, shape).reshape(shape)


def simulate(f: RegulatoryFunction, key: jax.Array, n_cells: int, n_replicates: int, n_steps: int,
             dt: float, noise_strength: float, boundary: str = "open", ic_mean: float = 0.5,
             ic_spread: float = 0.1, return_trajectory: bool = False):
    """Integrate ``n_replicates`` independent tissues for ``n_steps`` steps.

    Returns the final states ``(n_replicates, n_cells)``, or ``(final, trajectory)`` with the
    trajectory ``(n_steps + 1, n_replicates, n_cells)`` (initial state first) when
    ``return_trajectory`` is true. Training never asks for trajectories.
    """
    check_boundary(boundary)
    n_steps = int(n_steps)
    shape = (int(n_replicates), int(n_cells))
    k_init, k_noise = random.split(key)
    s0 = initial_states(k_init, shape, ic_mean, ic_spread)

    def step(s, xi):
        s = euler_maruyama_step(s, xi, f, dt, noise_strength, boundary)
        return s, (s if return_trajectory else None)

    s, blocks, tail = scan_noise_blocks(lambda s, xi: lax.scan(step, s, xi), s0, k_noise, shape, n_steps)
    if return_trajectory:
        traj = blocks.reshape(-1, *shape)
        if tail is not None:
            traj = jnp.concatenate([traj, tail])
        return s, jnp.concatenate([s0[None], traj])
    return s


def run_multiple_replicates(f: RegulatoryFunction, n_cells: int, n_replicates: int, n_steps: int,
                            dt: float, noise_strength: float, key: jax.Array, boundary: str = "open",
                            ic_mean: float = 0.5, ic_spread: float = 0.1,
                            return_trajectory: bool = False):
    """The seed notebook's entry point: final states ``(n_replicates, n_cells)``."""
    return simulate(f, key, n_cells, n_replicates, n_steps, dt, noise_strength, boundary,
                    ic_mean, ic_spread, return_trajectory)


def apply_threshold(states: jax.Array, threshold: float = 0.5) -> jax.Array:
    """Fates ``1.0 if s >= threshold else 0.0``; the gradient passes straight through."""
    hard = (states >= threshold).astype(states.dtype)
    # hard + (s - s) is exactly hard in the forward pass, with derivative 1 in the backward pass.
    return hard + (states - lax.stop_gradient(states))


def soft_threshold(states: jax.Array, temperature: float = 0.05, threshold: float = 0.5) -> jax.Array:
    """Sigmoid fates ``sigmoid((s - threshold) / temperature)``, differentiable everywhere."""
    return jax.nn.sigmoid((states - threshold) / temperature)
