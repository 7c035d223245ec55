"""The gradient trainer: its score-function estimate against an independent computation of
the same quantity, its censored-Gaussian score against finite differences, and its runs."""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from jax.scipy.stats import norm

from fatenet.dynamics import drift, simulate
from fatenet.problem import Problem
from fatenet.strategies.gradient import batch_estimate, score_coefficients
from fatenet.training import train
from fatenet.utility_function import compute_soft_utility, leave_one_out_utilities
from helpers import tiny_config

DT, NOISE = 0.01, 0.1
TAU = NOISE * np.sqrt(DT)
STEP = Problem.create(dt=DT, noise_strength=NOISE)


def test_score_inside_is_the_gaussian_score():
    mean, xi = jnp.array([0.5, 0.3]), jnp.array([1.5, -0.7])
    np.testing.assert_allclose(score_coefficients(STEP, mean, xi), np.asarray(xi) * DT / TAU, rtol=1e-6)


@pytest.mark.parametrize("mean, xi", [(0.004, -1.0), (-0.02, 0.5), (0.995, 1.0), (1.03, -0.5)])
def test_score_of_a_clipped_step_is_the_derivative_of_its_log_mass(mean, xi):
    """Clipped at 0: log P = log Phi(-m / tau); at 1: log P = log Phi((m - 1) / tau); times dm/df = dt."""
    at_zero = mean + TAU * xi < 0
    log_mass = (lambda m: norm.logcdf(-m / TAU)) if at_zero else (lambda m: norm.logcdf((m - 1) / TAU))
    eps = 1e-4
    numeric = (float(log_mass(np.float64(mean + eps))) - float(log_mass(np.float64(mean - eps)))) / (2 * eps) * DT
    coef = float(score_coefficients(STEP, jnp.float32(mean), jnp.float32(xi)))
    assert coef == pytest.approx(numeric, rel=1e-3)


def test_fixed_boundary_cells_have_no_score():
    coef = score_coefficients(STEP.replace(boundary="fixed"), jnp.full((2, 5), 0.5), jnp.ones((2, 5)))
    assert np.all(np.asarray(coef)[:, [0, -1]] == 0) and np.all(np.asarray(coef)[:, 1:-1] != 0)


def _reference_estimate(problem, flat, key):
    """The same estimate from the recorded trajectory, with exact per-replicate autodiff.

    From ``simulate``'s trajectory: a step that ends inside (0, 1) had xi = (s' - m) / tau, one
    that ends at 0 or 1 was clipped there. No grid: df/dθ at every recorded sbar.
    """
    model = problem.network

    def f(sbar, s=None):
        return model.apply_flat(flat, sbar)

    final, traj = simulate(problem, f, key, return_trajectory=True)
    sbar, mean = drift(problem, traj[:-1], f)
    nxt = traj[1:]
    xi = jnp.where(nxt <= 0.0, -1e3, jnp.where(nxt >= 1.0, 1e3, (nxt - mean) / TAU))  # +-1e3: clipped
    coef = score_coefficients(problem, mean, xi)
    scores = jax.vmap(jax.grad(lambda p, x, c: jnp.sum(c * model.apply_flat(p, x))), in_axes=(None, 1, 1))(
        flat, sbar, coef)
    patterns = (final >= 0.5).astype(jnp.float32)
    utility = compute_soft_utility(patterns, problem.bandwidth)[0]
    advantage = utility - leave_one_out_utilities(patterns, "soft", problem.bandwidth)
    return final, utility, advantage @ scores


@pytest.mark.parametrize("boundary, net_key, scale", [("open", 1, 1.0), ("open", 3, 3.0), ("fixed", 3, 3.0),
                                                     ("periodic", 1, 1.0)])
def test_estimate_matches_an_exact_reference_on_the_same_paths(boundary, net_key, scale):
    cfg = tiny_config(simulation={"n_replicates": 16, "t_final": 3.0, "boundary": boundary, "n_cells": 5})
    problem = Problem.from_config(cfg)
    # Network 3 x 3 pushes cells hard against 0 (many clipped steps); network 1 keeps them inside.
    flat = problem.network.init_population(jax.random.PRNGKey(net_key), 1)[0] * scale
    key = jax.random.PRNGKey(12)  # a stream whose replicates end in different patterns (a non-zero estimate)
    utility, _, _, valid, gradient = batch_estimate(problem, flat, key)
    _, ref_utility, ref_gradient = _reference_estimate(problem, flat, key)
    assert bool(valid) and float(utility) == pytest.approx(float(ref_utility), abs=1e-6)
    assert float(jnp.linalg.norm(ref_gradient)) > 0
    # Equal up to the grid interpolation of df/dθ (129 points).
    np.testing.assert_allclose(np.asarray(gradient), np.asarray(ref_gradient), rtol=0,
                               atol=2e-3 * float(jnp.max(jnp.abs(ref_gradient))))


@pytest.mark.slow
def test_estimate_points_uphill():
    """Along the averaged estimate, the mean utility (common random numbers) changes at the predicted rate."""
    cfg = tiny_config(simulation={"n_replicates": 16, "t_final": 3.0, "n_cells": 5})
    problem = Problem.from_config(cfg)
    flat = problem.network.init_population(jax.random.PRNGKey(1), 1)[0]
    estimate = jax.jit(jax.vmap(lambda k, p: batch_estimate(problem, p, k), in_axes=(0, None)))
    gradient = jnp.mean(estimate(jax.random.split(jax.random.PRNGKey(5), 2000), flat)[4], axis=0)
    slope = float(jnp.linalg.norm(gradient))
    direction = gradient / slope
    check_keys = jax.random.split(jax.random.PRNGKey(6), 2000)
    eps = 0.003
    up, down = (float(jnp.mean(estimate(check_keys, flat + sign * eps * direction)[0])) for sign in (1, -1))
    assert 0.5 * slope < (up - down) / (2 * eps) < 2.0 * slope


@pytest.mark.slow
def test_gradient_training_is_deterministic_and_reports_batches():
    cfg = tiny_config(evolution={"strategy": "gradient", "n_generations": 4})
    a, b = train(cfg, 3, progress=False), train(cfg, 3, progress=False)
    assert a.params.tobytes() == b.params.tobytes()
    pd.testing.assert_frame_equal(a.history, b.history, check_exact=True)
    # best_ever_fitness is the best mean over a step's batches, and those params are returned.
    assert a.fitness == pytest.approx(a.history["mean_fitness"].max(), rel=1e-6)
    assert a.history["best_ever_fitness"].iloc[-1] == a.fitness
