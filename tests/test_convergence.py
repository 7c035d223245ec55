"""The time-step convergence check: slopes of a hand-made f, the top pattern by hand, and a run's
row equal to its direct computation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fatenet import convergence, streams
from fatenet.dynamics import simulate_time_steps
from fatenet.problem import Problem
from fatenet.utility_function import compute_hard_utility
from helpers import tiny_config


def test_the_steepest_slope_and_rate_of_a_hand_made_piecewise_linear_f():
    cfg = tiny_config(network={"architecture": "piecewise_linear", "n_knots": 5})
    knots = np.array([0.0, 1.0, -0.5, -0.5, 2.0], np.float32)  # knot spacing 1/4: slopes 4, -6, 0, 10
    slope, rate = convergence.slopes(Problem.from_config(cfg), knots)
    assert slope == pytest.approx(10.0, rel=1e-4) and rate == pytest.approx(2.0)
    two = tiny_config(network={"architecture": "piecewise_linear", "n_knots": 2, "inputs": ["s", "sbar"]})
    # f(s, sbar) on a 2 x 2 grid: rows s = 0, 1; columns sbar = 0, 1: slope 3 along s, 1 along sbar
    assert convergence.slopes(Problem.from_config(two), np.array([0.0, 1.0, 3.0, 4.0], np.float32)) == (
        pytest.approx(3.0, rel=1e-3), pytest.approx(4.0))


def test_top_pattern_by_hand():
    states = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.6, 0.4]])
    assert convergence.top_pattern(states, [0.5]) == ("10", 0.75)
    assert convergence.top_pattern(states, [0.5, 0.85]) == ("10", 0.5)  # fates 20, 10, 02, 10
    assert convergence.top_pattern(states[:3:2], [0.5]) == ("01", 0.5)  # a tie: the smallest pattern


def test_a_runs_row_is_its_direct_computation():
    cfg = tiny_config(network={"architecture": "piecewise_linear", "n_knots": 5, "max_rate": 1.0},
                      simulation={"t_final": 0.3, "noise_strength": 0.3})
    problem = Problem.from_config(cfg)
    params = np.asarray(problem.network.init_flat(jax.random.PRNGKey(2))) * 4.0
    row = convergence.convergence(cfg, params, 5, factors=(1, 4), n_replicates=64)
    key = jax.random.fold_in(jax.random.PRNGKey(5), streams.CONVERGENCE)
    finals = simulate_time_steps(problem, jnp.asarray(params), key, (1, 4), 64)
    u = [float(compute_hard_utility((f >= 0.5).astype(jnp.float32))[0]) for f in finals]
    assert row["utility_dt"] == pytest.approx(u[0]) and row["utility_dt/4"] == pytest.approx(u[1])
    assert row["moves"] == pytest.approx(abs(u[1] - u[0]))
    assert 0.0 <= row["wall_share_dt"] <= 1.0 and 0.0 <= row["wall_share_dt/16"] <= 1.0
    assert row["slope_dt"] == pytest.approx(row["max_slope"] * cfg.simulation.dt)
