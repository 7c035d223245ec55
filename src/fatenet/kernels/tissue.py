"""The tissue's whole time loop in one Pallas kernel (the ``kernel`` backend of ``dynamics.simulate``).

One program of the kernel integrates a block of ``block`` replicates for every time step, with
each cell's states held as a vector over the block's replicates (cells unrolled: the neighbour
sums are elementwise operations on those vectors, no shuffles). Every normal is drawn in the
kernel from fatenet's own stream (``fatenet.noise``: the same hash of (key, step, element), the
same quantile table), so the kernel integrates the tissues ``dynamics.simulate`` integrates:
the same initial states (computed outside, by ``dynamics.initial_states``), the same Brownian
paths, the same arithmetic in the same order for the piecewise-linear and lateral-inhibition f
(an MLP's units are summed in another order, ``RegulatoryNetwork.apply_scalars``).

Several time steps that share one Brownian path (``levels``: dt / k for each factor k, each
driven by the sum of its share of the finest steps' normals, as ``simulate``'s ``substeps``) run
in one pass over the finest steps: each normal is drawn once and feeds every level.

On a GPU the kernel is lowered through Triton (block shapes are powers of two: cells and
parameters are padded); elsewhere Pallas interprets it (the CPU tests).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as pl_triton

from ..coupling import coupled_cells
from ..neural_network import SELECT_MAX_POINTS
from ..noise import MAX_ELEMENTS, element_hash, normals_from_bits, quantile_table, step_hash
from ..problem import Problem, bound_states

BLOCK = 128
"""Replicates per program of the kernel (a power of two)."""
WARPS = 4
"""The most GPU warps per program (Triton's ``num_warps``): one thread per replicate of the block."""
ARCHITECTURES = ("piecewise_linear", "lateral_inhibition", "mlp")
"""The f the kernel evaluates (``apply_scalars``)."""
MAX_KNOTS = SELECT_MAX_POINTS
"""The largest piecewise-linear table a side the kernel reads (by selects, as the XLA path does)."""


def uncovered(problem: Problem, f) -> str | None:
    """Why the kernel cannot integrate ``problem`` with ``f``, or None when it can."""
    network = problem.network
    if problem.model != "cells":
        return f"simulation.model {problem.model} has no kernel"
    if callable(f):
        return "f is a function, not the network's parameters (e.g. training's tabulated f)"
    architecture = network.settings.architecture
    if architecture not in ARCHITECTURES:
        return f"network.architecture {architecture} has no kernel"
    if architecture == "piecewise_linear" and network.n_knots > MAX_KNOTS:
        return f"network.n_knots {network.n_knots} is more than the kernel reads ({MAX_KNOTS})"
    return None


def _interpret() -> bool:
    """Pallas interprets the kernel (with XLA operations) off a GPU; on a GPU it lowers through Triton."""
    return jax.default_backend() != "gpu"


def _pow2(n: int) -> int:
    return 1 << max(0, int(n) - 1).bit_length()


def neighbour_inputs(states: list, problem: Problem) -> list:
    """Each cell's sbar from the cells' state vectors, in ``dynamics.neighbour_average``'s order
    of operations (so the sums have the same bits)."""
    n, boundary, coupling = len(states), problem.boundary, problem.coupling
    if coupling == "global":
        total = states[0]
        for state in states[1:]:
            total = total + state
        factor = jnp.float32(1.0 / (n - 1))
        return [(total - state) * factor for state in states]
    counts = [jnp.float32(len(cells)) for cells in coupled_cells(n, boundary, coupling)]
    if problem.coupling_weights == "sender":
        return _coupled_sums([state / count for state, count in zip(states, counts, strict=True)], boundary, coupling)
    if coupling == "next_nearest":
        return [total / count for total, count in zip(_coupled_sums(states, boundary, coupling), counts, strict=True)]
    if boundary == "periodic":
        return [0.5 * (states[c - 1] + states[(c + 1) % n]) for c in range(n)]
    # an edge cell's missing neighbour is its existing one
    return [0.5 * (states[1 if c == 0 else c - 1] + states[n - 2 if c == n - 1 else c + 1]) for c in range(n)]


def _coupled_sums(x: list, boundary: str, coupling: str) -> list:
    """For each cell, the sum of ``x`` over the cells coupled to it (nearest or next_nearest), in
    ``dynamics._coupled_sum``'s order (a missing cell of an open chain adds 0)."""
    n = len(x)
    reach = 1 if coupling == "nearest" else 2
    offsets = [d for d in range(-reach, reach + 1) if d]
    out = []
    for c in range(n):
        if boundary == "periodic":
            terms = [x[(c + d) % n] for d in sorted({d % n for d in offsets} - {0})]
        else:
            terms = [x[c + d] if 0 <= c + d < n else jnp.zeros_like(x[0]) for d in offsets]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        out.append(total)
    return out


def _step(problem: Problem, p: list, states: list, xi: list, dt, tau) -> list:
    """One Euler-Maruyama step of every cell (``dynamics.euler_maruyama_step``'s arithmetic)."""
    network = problem.network
    sbars = neighbour_inputs(states, problem)
    new = []
    for s, sbar, noise in zip(states, sbars, xi, strict=True):
        mean = s + network.apply_scalars(p, sbar, s) * dt
        y = mean + tau * noise
        new.append(bound_states(y, problem.state_bounds))
    if problem.boundary == "fixed":
        new[0], new[-1] = jnp.zeros_like(new[0]), jnp.zeros_like(new[-1])
    return new


def stream_normals(k1, words, step, value_ref, slope_ref) -> jax.Array:
    """The stream's normals at time ``step`` of the elements whose ``noise.element_hash`` is ``words``,
    the quantile table read from ``value_ref`` and ``slope_ref`` (``noise.normals_from_bits``)."""
    return normals_from_bits(step_hash(k1, words, step), value_ref, slope_ref)


def _kernel(problem: Problem, substeps: tuple[int, ...], n_fine: int, block: int, n_params: int,
            s0_ref, seed_ref, scalars_ref, params_ref, value_ref, slope_ref, *out_refs):
    """One program: ``block`` replicates through ``n_fine`` steps of the stream; level ``l`` steps
    after every ``substeps[l]`` of them with the sum of their normals (module doc)."""
    n_cells, n_levels = problem.n_cells, len(substeps)
    k0, k1 = seed_ref[0], seed_ref[1]
    replicate = (pl.program_id(0) * block + lax.iota(jnp.int32, block)).astype(jnp.uint32)
    words = [element_hash(k0, replicate * jnp.uint32(n_cells) + jnp.uint32(c)) for c in range(n_cells)]
    p = [params_ref[k] for k in range(n_params)]
    dts = [scalars_ref[2 * level] for level in range(n_levels)]
    taus = [scalars_ref[2 * level + 1] for level in range(n_levels)]
    start = tuple(s0_ref[c, :] for c in range(n_cells))
    zeros = tuple(jnp.zeros_like(state) for state in start)

    def fine_step(u, carry):
        states, sums = carry
        normals = [stream_normals(k1, word, u.astype(jnp.uint32), value_ref, slope_ref) for word in words]
        new_states, new_sums = [], []
        for level, q in enumerate(substeps):
            if q == 1:
                new_states.append(tuple(_step(problem, p, list(states[level]), normals, dts[level], taus[level])))
                new_sums.append(zeros)
                continue
            # the first normal of a step plus zeros is itself: the sums are those of dynamics.simulate
            total = tuple(a + b for a, b in zip(sums[level], normals, strict=True))
            scale = jnp.float32(1.0 / np.sqrt(q))

            def take(level=level, total=total, scale=scale):
                xi = [a * scale for a in total]
                return tuple(_step(problem, p, list(states[level]), xi, dts[level], taus[level])), zeros

            def wait(level=level, total=total):
                return states[level], total

            state, total = lax.cond(lax.rem(u + 1, jnp.int32(q)) == 0, take, wait)
            new_states.append(state)
            new_sums.append(total)
        return tuple(new_states), tuple(new_sums)

    final, _ = lax.fori_loop(0, n_fine, fine_step, (tuple(start for _ in substeps), tuple(zeros for _ in substeps)))
    for out_ref, level in zip(out_refs, final, strict=True):
        for c in range(n_cells):
            out_ref[c, :] = level[c]


def integrate(problem: Problem, flat: jax.Array, s0: jax.Array, seed: jax.Array,
              levels: tuple[tuple[int, int], ...], block: int = BLOCK) -> list[jax.Array]:
    """Final states ``(n_replicates, n_cells)`` of every level ``(factor, substeps)``: the tissues
    that start at ``s0`` (``(n_replicates, n_cells)``) in the noise stream ``seed``
    (``noise.stream_seed``) integrated with dt / factor, each step driven by the sum of
    ``substeps`` steps of the stream (``dynamics.simulate``'s ``substeps``), all levels on one
    Brownian path. ``factor * substeps`` is the same for every level (the stream's step).
    """
    finest = {k * q for k, q in levels}
    if len(finest) != 1:
        raise ValueError(f"levels {levels!r} do not share one finest step")
    block = int(block)
    if block < 1 or block & (block - 1):
        raise ValueError(f"invalid block {block}: must be a power of two")
    n_replicates, n_cells = s0.shape
    if n_cells * n_replicates >= MAX_ELEMENTS:
        raise ValueError(f"a time step of {n_cells * n_replicates} cell elements exceeds the stream's counter "
                         f"({MAX_ELEMENTS})")
    substeps = tuple(q for _, q in levels)
    n_fine = problem.n_steps * finest.pop()
    block = min(block, _pow2(n_replicates))
    padded = -(-n_replicates // block) * block
    cells = _pow2(n_cells)

    s0 = jnp.pad(s0.T, ((0, cells - n_cells), (0, padded - n_replicates)), constant_values=0.5)
    scalars = []
    for factor, _ in levels:
        dt = problem.dt / factor if factor != 1 else problem.dt
        scalars += [dt, problem.noise_strength * jnp.sqrt(dt)]
    scalars = jnp.stack(scalars + [jnp.float32(0)] * (_pow2(len(scalars)) - len(scalars)))
    n_params = problem.network.n_f_params
    flat = jnp.asarray(flat, jnp.float32)[:n_params]
    params = jnp.pad(flat, (0, _pow2(n_params) - n_params))
    value, slope = (jnp.asarray(t) for t in quantile_table())

    whole = lambda size: pl.BlockSpec((size,), lambda i: (0,))  # noqa: E731
    rows = pl.BlockSpec((cells, block), lambda i: (0, i))
    call = pl.pallas_call(
        functools.partial(_kernel, problem, substeps, n_fine, block, n_params),
        out_shape=[jax.ShapeDtypeStruct((cells, padded), jnp.float32) for _ in levels],
        grid=(padded // block,),
        in_specs=[rows, whole(2), whole(scalars.shape[0]), whole(params.shape[0]), whole(value.shape[0]),
                  whole(slope.shape[0])],
        out_specs=[rows for _ in levels],
        interpret=_interpret(),
        compiler_params=pl_triton.CompilerParams(num_warps=max(1, min(WARPS, block // 32)), num_stages=1),
        name="fatenet_tissue",
    )
    outs = call(s0, jnp.asarray(seed, jnp.uint32), scalars, params, value, slope)
    return [out[:n_cells, :n_replicates].T for out in outs]
