"""The reaction-diffusion model (the paper's third): two species on a sub-cell grid, XLA.

Brückner & Tkačik (PNAS 2024) make a French-flag pattern from a self-organised gradient. Species
A and B live at the nodes of a grid with ``nodes_per_cell`` (ox) nodes per cell, node spacing
dx = 1 / ox cell spacings (``fatenet.grid``). Every sub-step dt_s = dt / ``substeps``, at every
node at once:

    P = f(r),  r = A / (A + B)  (r = 0 where A = B = 0)
    A <- |A + (D_A lap(A) + alpha_A P - kappa_A A) dt_s + sigma sqrt(alpha_A P) sqrt(dt_s) xi_A|
    B <- |B + (D_B lap(B) + alpha_B P - kappa_B B) dt_s + sigma sqrt(alpha_B P) sqrt(dt_s) xi_B|

with ``lap`` the second difference over dx^2 (``laplacian``: no-flux ends for the ``open``
boundary, a mirror node, or ``periodic``), the same P for both species, one normal per node,
species and sub-step, sigma = ``noise_strength`` (``production_noise: additive``: sigma alone in
place of sigma sqrt(alpha P)) and D = kappa l^2 with l = N / ratio. The paper's production is
``architecture: hill``, f(r) = r^h / (r^h + (1 - r)^h), which is A^h / (A^h + B^h); its flat vector
holds the logarithms of the rates (``neural_network.HILL_RATES``), so they are learned with it (a
learned D is held at most at ``problem.max_diffusion``, ``grid.stable_diffusion`` of the configured
sub-step, which a refined time step keeps: the same model at every step). A free f is
``piecewise_linear`` of r (clipped to [0, 1]) with the configured rates. Every node updates from
the states of the sub-step before (the authors' loop updates in place, so that from its second
sub-step node j sees the new value of node j - 1; the final A agrees to 6 digits, measured:
docs/reaction-diffusion.md).

Start (``initial_condition``): ``uniform``, A and B i.i.d. on ic_mean +- ic_spread at every node
(the paper's [0, sigma_IC] is ic_mean = ic_spread = sigma_IC / 2), or ``exponential``, the
authors' noise-free start A_j = exp(-j / 2N), B_j = exp(-j / N) at node j. Readout: A at the
cells' nodes (cell i at node i ox) after ``n_steps`` x ``substeps`` sub-steps; with ``flip``, a
tissue whose last cell has more A than its first is read reversed (the high end is cell 0).
The fates are the network's (thresholds on A).

The normals come from ``fatenet.noise``'s stream: at sub-step t the element
``(replicate * 2 + species) * nodes + node``; ``path_substeps`` = m > 1 drives every sub-step by
the mean of m finer sub-steps' normals times sqrt(m), as ``dynamics.simulate`` does for the
cells model, so that ``problem.refined(m)`` integrates the same Brownian path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax, random

from .grid import stable_diffusion
from .noise import MAX_ELEMENTS, element_words, path_normals, stream_seed, uniforms

if TYPE_CHECKING:  # pragma: no cover
    from .problem import Problem

SPECIES = 2


def laplacian(c: jax.Array, dx, boundary: str = "open", axis: int = 0) -> jax.Array:
    """Second difference along ``axis`` over dx^2: ``open``, no-flux ends (the missing neighbour is
    the mirror node, so the end node sees 2 (c_1 - c_0)); ``periodic``, a ring."""
    c = jnp.moveaxis(c, axis, 0)
    if boundary == "periodic":
        left, right = jnp.roll(c, 1, axis=0), jnp.roll(c, -1, axis=0)
    elif boundary == "open":
        left = jnp.concatenate([c[1:2], c[:-1]], axis=0)
        right = jnp.concatenate([c[1:], c[-2:-1]], axis=0)
    else:
        raise ValueError(f"invalid boundary {boundary!r} for the reaction-diffusion model: must be open or periodic")
    return jnp.moveaxis((left - 2.0 * c + right) / (dx * dx), 0, axis)


def rates(problem: Problem, flat: jax.Array) -> dict[str, jax.Array]:
    """The model's rates (float32): alpha_a, alpha_b, kappa_a, kappa_b, d_a, d_b, from the hill
    network's parameters or the configured ones (``network.alpha_a`` ...)."""
    network = problem.network
    if network.settings.architecture == "hill":
        values = network.rates(network.unflatten(flat))
    else:
        values = {name: jnp.float32(getattr(network.settings, name))
                  for name in ("alpha_a", "alpha_b", "kappa_a", "kappa_b", "ratio_a", "ratio_b")}
    # the configured sub-step's limit (``problem.max_diffusion``), the same at a refined time step
    limit = problem.max_diffusion or stable_diffusion(1.0 / problem.nodes_per_cell, problem.dt / problem.substeps)
    out = {name: values[name] for name in ("alpha_a", "alpha_b", "kappa_a", "kappa_b")}
    for species in ("a", "b"):
        length = problem.n_cells / values[f"ratio_{species}"]
        out[f"d_{species}"] = jnp.minimum(values[f"kappa_{species}"] * length * length, limit)
    return out


def production(problem: Problem, flat: jax.Array, a: jax.Array, b: jax.Array) -> jax.Array:
    """P = f(A / (A + B)) at every node (0 where A = B = 0); a free f clipped to [0, 1]."""
    total = a + b
    r = jnp.where(total > 0, a / jnp.where(total > 0, total, 1.0), 0.0)
    p = problem.network.apply(problem.network.unflatten(flat), r)
    return p if problem.network.settings.architecture == "hill" else jnp.clip(p, 0.0, 1.0)


def substep(problem: Problem, flat: jax.Array, s: jax.Array, xi: jax.Array, k: dict[str, jax.Array]) -> jax.Array:
    """One sub-step of every node (module doc): ``s`` and the standard normals ``xi`` are
    ``(2, nodes, ...)`` (A, then B), ``k`` the ``rates``."""
    dx = jnp.float32(1.0 / problem.nodes_per_cell)
    dt = problem.dt / problem.substeps
    shape = (SPECIES,) + (1,) * (s.ndim - 1)
    alpha = jnp.stack([k["alpha_a"], k["alpha_b"]]).reshape(shape)
    kappa = jnp.stack([k["kappa_a"], k["kappa_b"]]).reshape(shape)
    diffusion = jnp.stack([k["d_a"], k["d_b"]]).reshape(shape)
    made = alpha * production(problem, flat, s[0], s[1])[None]
    mean = s + (diffusion * laplacian(s, dx, problem.boundary, axis=1) + made - kappa * s) * dt
    multiplicative = problem.production_noise == "multiplicative"
    amplitude = problem.noise_strength * (jnp.sqrt(made) if multiplicative else 1.0) * jnp.sqrt(dt)
    return jnp.abs(mean + amplitude * xi)


def initial_states(problem: Problem, key: jax.Array, n_replicates: int) -> jax.Array:
    """``(2, nodes, n_replicates)``: A and B at every node (module doc)."""
    nodes = problem.n_cells * problem.nodes_per_cell
    if problem.initial_condition == "exponential":
        j = np.arange(nodes, dtype=np.float64)
        start = np.stack([np.exp(-j / (2 * problem.n_cells)), np.exp(-j / problem.n_cells)]).astype(np.float32)
        return jnp.broadcast_to(jnp.asarray(start)[..., None], (SPECIES, nodes, n_replicates))
    if problem.initial_condition != "uniform":
        raise ValueError(f"invalid initial_condition {problem.initial_condition!r} for the reaction-diffusion "
                         "model: must be uniform or exponential")
    u = uniforms(key, (n_replicates, SPECIES * nodes)).reshape(n_replicates, SPECIES, nodes)
    states = (problem.ic_mean - problem.ic_spread) + (2.0 * problem.ic_spread) * u
    return jnp.transpose(states, (1, 2, 0))


def readout(problem: Problem, a_cells: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(A at the cells, (n_replicates, n_cells), reversed where flipped; the flip mask)`` of the
    cells-first ``a_cells`` (n_cells, n_replicates)."""
    cells = a_cells.T
    flipped = (cells[:, -1] > cells[:, 0]) if problem.flip else jnp.zeros(cells.shape[0], bool)
    return jnp.where(flipped[:, None], cells[:, ::-1], cells), flipped


def simulate(problem: Problem, flat: jax.Array, key: jax.Array, n_replicates: int, *,
             return_trajectory: bool = False, path_substeps: int = 1):
    """A at the cells at the end, ``(n_replicates, n_cells)`` (module doc), or ``(final,
    trajectory)`` with A at the cells after every dt, ``(n_steps + 1, n_replicates, n_cells)``
    (the start first; each tissue read the way its end is, flipped or not)."""
    if callable(flat):
        raise ValueError("the reaction-diffusion model takes the network's flat parameters, not a function")
    nodes, ox, m = problem.n_cells * problem.nodes_per_cell, problem.nodes_per_cell, int(path_substeps)
    if SPECIES * nodes * n_replicates >= MAX_ELEMENTS:
        raise ValueError(f"a sub-step of {SPECIES * nodes * n_replicates} node elements exceeds the stream's "
                         f"counter ({MAX_ELEMENTS})")
    k_init, k_noise = random.split(key)
    seed = stream_seed(k_noise)
    s0 = initial_states(problem, k_init, n_replicates)
    k = rates(problem, flat)
    replicate = lax.iota(jnp.uint32, n_replicates)[None, None, :]
    species = lax.iota(jnp.uint32, SPECIES)[:, None, None]
    node = lax.iota(jnp.uint32, nodes)[None, :, None]
    words = element_words(seed, (replicate * jnp.uint32(SPECIES) + species) * jnp.uint32(nodes) + node)

    def step(s, t):
        first = t * jnp.uint32(problem.substeps)
        s = lax.fori_loop(0, problem.substeps,
                          lambda i, s: substep(problem, flat, s, path_normals(seed, words, first + jnp.uint32(i), m),
                                               k), s)
        return s, (s[0, ::ox] if return_trajectory else None)

    s, path = lax.scan(step, s0, lax.iota(jnp.uint32, problem.n_steps))
    final, flipped = readout(problem, s[0, ::ox])
    if not return_trajectory:
        return final
    path = jnp.concatenate([s0[0, ::ox][None], path])  # (n_steps + 1, n_cells, n_replicates)
    path = jnp.transpose(path, (0, 2, 1))
    return final, jnp.where(flipped[None, :, None], path[..., ::-1], path)
