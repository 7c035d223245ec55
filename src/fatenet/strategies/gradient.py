"""Gradient training (``evolution.strategy: gradient``): Adam ascent on a score-function
(likelihood-ratio) estimate of the gradient of the expected utility.

Why not differentiate through the simulation: a fate is a discrete outcome, and a cell held
at 0 or 1 by the clip ends where it ends whatever the network, so pathwise derivatives of
the patterns are zero almost everywhere (the origin project's gradient training failed on
this). The probability of each pattern, however, changes smoothly with the network through
the density of the noisy paths, and the likelihood-ratio identity estimates that without bias:

    d/dθ E[U(X)] = E[ sum_r (U(X) - U(X without r)) * d/dθ log p(path of replicate r) ]

- ``log p(path)``: every Euler-Maruyama step of every cell draws ``y ~ N(m, σ² dt)`` with
  ``m = s + f(sbar) dt`` and clips it to [0, 1], so a step that stays inside has a Gaussian
  density and a clipped one has the probability mass of its side (a censored Gaussian).
  Hence ``d log p / dθ = sum over steps and cells of c * df(sbar)/dθ`` with, for
  ``τ = σ sqrt(dt)`` and ``λ = φ / Φ`` (the inverse Mills ratio),
  ``c = ξ dt / τ`` inside, ``c = -λ(-m / τ) dt / τ`` when clipped at 0 and
  ``c = +λ((m - 1) / τ) dt / τ`` when clipped at 1. Cells pinned by the fixed boundary add
  nothing; a cell held firmly at a wall adds almost nothing (λ is tiny there), so settled
  tissues add little variance. With ``state_bounds: reflect`` a step lands at ``s' = |y|``,
  whose density is ``(φ((s' - m) / τ) + φ((s' + m) / τ)) / τ``, so
  ``c = (a w - b (1 - w)) dt / τ`` with ``a = (s' - m) / τ``, ``b = (s' + m) / τ`` and
  ``w = sigmoid(2 s' m / τ²)``, the chance that the step did not cross 0.
- ``U(X without r)`` (``utility_function.leave_one_out_utilities``) does not depend on
  replicate ``r``, so subtracting it keeps the estimate unbiased and removes most of its variance.

One training step simulates ``evolution.population_size`` independent batches of
``simulation.n_replicates`` tissues with the current network (as many tissues as one
generation of the evolution strategies), averages the batches' estimates and takes one Adam
step of size ``evolution.learning_rate``. The paths are ``dynamics.simulate``'s own, on the
same keys: the score is accumulated step by step beside them (simulate's ``observe``), so
memory does not grow with ``t_final``. For an f of sbar alone, ``df(sbar)/dθ`` is taken on a grid of
``SCORE_GRID_POINTS`` values of sbar and interpolated linearly between them (an error of order
(1/128)^2 / 8 times the curvature of df/dθ in sbar, far below the estimate's noise), which makes
a step cost about 1.35 times the simulation alone (a finer grid makes the per-step accumulation
much slower on CPU). An f of (s, sbar) (``network.inputs: [s, sbar]``, ``lateral_inhibition``)
adds ``c * df(s, sbar)/dθ`` exactly at every step (forward-mode Jacobian per cell).

In the history the "population" is the batches: ``mean_fitness`` is the current network's
utility averaged over them, ``best_ever_fitness`` the best such mean, and the network
returned is the one that reached it.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import struct
from jax import lax, random
from jax.scipy.stats import norm

from .. import streams
from ..config import Config
from ..constants import SCORE_GRID_POINTS
from ..dynamics import simulate
from ..fitness import INVALID_FITNESS, compiled_population_fitness, is_valid, shard_over_devices
from ..problem import Problem
from ..utility_function import leave_one_out_utilities, utility
from .base import Trainer


@struct.dataclass
class GradientState:
    key: jax.Array
    params: jax.Array  # (D,) the network being trained
    opt_state: Any
    best_params: jax.Array  # (D,)
    best_fitness: jax.Array  # () best mean utility over a step's batches


def score_coefficients(problem: Problem, mean: jax.Array, xi: jax.Array) -> jax.Array:
    """``c`` with ``d log p(step) / dθ = c * df/dθ`` for each cell's clipped (or reflected) Gaussian step.

    ``mean`` is ``s + f dt`` and ``xi`` the step's standard normals, cells last (see the module doc).
    """
    dt = problem.dt
    tau = problem.noise_strength * jnp.sqrt(dt)
    unit = dt / tau
    y = mean + tau * xi
    if problem.state_bounds == "reflect":
        landed = jnp.abs(y)
        a, b = (landed - mean) / tau, (landed + mean) / tau
        w = jax.nn.sigmoid(2.0 * landed * mean / tau**2)
        coef = (a * w - b * (1.0 - w)) * unit
    else:
        a, b = -mean / tau, (mean - 1.0) / tau
        at_zero = -jnp.exp(norm.logpdf(a) - norm.logcdf(a)) * unit
        at_one = jnp.exp(norm.logpdf(b) - norm.logcdf(b)) * unit
        coef = jnp.where(y < 0.0, at_zero, jnp.where(y > 1.0, at_one, xi * unit))
    return coef.at[..., 0].set(0.0).at[..., -1].set(0.0) if problem.boundary == "fixed" else coef


def batch_estimate(problem: Problem, flat: jax.Array, key: jax.Array):
    """One batch of ``problem.n_replicates`` tissues driven by ``key``: ``(U, S_pat, S_rep, valid, gradient (D,))``.

    The final states are those of ``dynamics.simulate(problem, flat, key)``; ``U`` is the soft or
    hard utility (``problem.fitness``) of their hard fates and ``gradient`` the score-function
    estimate of dE[U]/dθ.
    """
    model = problem.network
    f = problem.regulatory_function(flat)
    kind, bandwidth = problem.fitness, problem.bandwidth
    n_rep, scale = problem.n_replicates, SCORE_GRID_POINTS - 1
    rows = jnp.arange(n_rep)[:, None]
    on_grid = model.inputs == ("sbar",)
    width = SCORE_GRID_POINTS if on_grid else flat.shape[0]

    def start(s0):
        # Built from s0 so that, inside shard_map over several devices, the carry varies over the
        # device axis like the states do (a plain zeros array would not, and scan rejects that).
        return jnp.broadcast_to(jnp.zeros_like(s0[:, :1]), (n_rep, width))

    def update(weights, sbar, mean, xi, s):  # cells-first arrays (dynamics.simulate's observe)
        coef = score_coefficients(problem, mean.T, xi.T)
        if not on_grid:  # sum over cells of c * df(s, sbar)/dθ, exactly: (cells, replicates, D)
            jacobian = jax.jacfwd(lambda theta: model.apply_flat(theta, sbar, s))(flat)
            return weights + jnp.einsum("rc,crd->rd", coef, jacobian)
        # sum over steps and cells of c * df(sbar)/dθ, per replicate, as weights on a grid of
        # sbar: df/dθ is smooth in sbar, so each c is spread over the two nearest grid points
        # (linear interpolation) and the grid's Jacobian is applied once at the end.
        x = jnp.clip(sbar.T, 0.0, 1.0) * scale  # on the grid (sbar lies in it where states are clipped)
        i = jnp.clip(jnp.floor(x).astype(jnp.int32), 0, scale - 1)
        frac = x - i
        return weights.at[rows, i].add(coef * (1.0 - frac)).at[rows, i + 1].add(coef * frac)

    final, weights = simulate(problem, f, key, observe=(start, update))
    patterns = model.fates(flat, final)
    u, s_pat, s_rep = utility(patterns, kind, bandwidth)
    advantage = u - leave_one_out_utilities(patterns, kind, bandwidth)
    if on_grid:
        jacobian = jax.jacrev(model.apply_flat)(flat, jnp.linspace(0.0, 1.0, SCORE_GRID_POINTS))  # (grid, D)
        gradient = (advantage @ weights) @ jacobian
    else:
        gradient = advantage @ weights
    valid = is_valid(flat, f, final) & jnp.isfinite(u) & jnp.all(jnp.isfinite(gradient))
    return jnp.where(valid, u, INVALID_FITNESS), s_pat, s_rep, valid, gradient


def ordered_mean(x: jax.Array) -> jax.Array:
    """Mean over the leading axis, summed strictly in index order.

    A plain ``jnp.mean`` over an axis split across devices sums per device first, which
    changes the last bits with the device count; this does not.
    """
    total, _ = lax.scan(lambda acc, v: (acc + v, None), jnp.zeros_like(x[0]), x)
    return total / x.shape[0]


def gradient_trainer(config: Config) -> Trainer:
    """The gradient ``Trainer``: ``init(run_key) -> GradientState``, ``step(state, problem, ())``, neither jitted.

    ``init`` evaluates the seed's initial population (the evolution strategies' first
    generation) once and starts from its fittest network. A start needs signal: from a
    random f that sends every replicate to one pattern every leave-one-out advantage is 0,
    and at f = 0 (near-uniform patterns) the gradient vanishes to first order.
    ``record`` has the per-batch arrays ``training`` logs.
    """
    evo = config.evolution
    problem = Problem.from_config(config)
    model = problem.network
    n_batches = evo.population_size
    optimiser = optax.adam(evo.learning_rate)
    estimate = shard_over_devices(jax.vmap(batch_estimate, in_axes=(None, 0, 0)))

    def init(run_key: jax.Array, population: jax.Array | None = None) -> GradientState:
        """The state of the restart with this run key; from ``population[0]`` if a population is given."""
        key, sub = random.split(run_key)
        if population is not None:
            params = jnp.asarray(population)[0]
        else:
            n_start = evo.initial_screen or n_batches
            candidates = model.init_population(sub, n_start)
            scores = compiled_population_fitness(problem, candidates,
                                                 random.split(random.fold_in(sub, streams.START), n_start))
            params = candidates[jnp.argmax(scores.fitness)]
        return GradientState(key=key, params=params, opt_state=optimiser.init(params), best_params=params,
                             best_fitness=jnp.float32(-jnp.inf))

    def step(state: GradientState, problem: Problem, hyper=()):
        key, eval_key, _ = random.split(state.key, 3)
        copies = jnp.broadcast_to(state.params, (n_batches, state.params.shape[0]))
        fitness, s_pat, s_rep, valid, gradients = estimate(problem, copies, random.split(eval_key, n_batches))
        mean_utility = ordered_mean(fitness)  # -inf if any batch is invalid
        improved = mean_utility > state.best_fitness
        best_fitness = jnp.where(improved, mean_utility, state.best_fitness)
        best_params = jnp.where(improved, state.params, state.best_params)
        # Ascent: optax minimises, so it is handed the negated gradient; an invalid step is skipped.
        updates, opt_state = optimiser.update(-ordered_mean(gradients), state.opt_state, state.params)
        ok = jnp.all(valid)
        params = jnp.where(ok, optax.apply_updates(state.params, updates), state.params)
        opt_state = jax.tree_util.tree_map(lambda new, old: jnp.where(ok, new, old), opt_state, state.opt_state)
        record = {"fitness": fitness, "s_pat": s_pat, "s_rep": s_rep, "valid": valid,
                  "best_ever_fitness": best_fitness, "population": copies}
        return GradientState(key, params, opt_state, best_params, best_fitness), record

    return Trainer(init, step, (), lambda state: state.params, problem)
