"""Dynamics: hand-checked neighbour averages per boundary, the Euler-Maruyama step, noise, thresholds."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fatenet.dynamics import (
    apply_threshold,
    euler_maruyama_step,
    neighbour_average,
    run_multiple_replicates,
    simulate,
    simulate_time_steps,
    soft_threshold,
)
from fatenet.problem import Problem

S = jnp.array([0.1, 0.2, 0.4, 0.8])


@pytest.mark.parametrize(
    "boundary, expected",
    [
        ("open", [0.2, 0.25, 0.5, 0.4]),
        ("fixed", [0.2, 0.25, 0.5, 0.4]),
        ("periodic", [0.5, 0.25, 0.5, 0.25]),
    ],
)
def test_neighbour_average_by_hand(boundary, expected):
    np.testing.assert_allclose(neighbour_average(S, boundary), expected, atol=1e-7)
    # Leading batch axes are carried through.
    batch = jnp.stack([S, S[::-1]])
    np.testing.assert_allclose(neighbour_average(batch, boundary)[0], expected, atol=1e-7)


@pytest.mark.parametrize("boundary", ["open", "fixed", "periodic"])
def test_two_cells_see_each_other(boundary):
    np.testing.assert_allclose(neighbour_average(jnp.array([0.3, 0.9]), boundary), [0.9, 0.3], atol=1e-7)


def test_unknown_boundary_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="reflecting.*open, fixed, periodic"):
        neighbour_average(S, "reflecting")


def test_step_is_the_euler_maruyama_formula():
    f = lambda sbar, s=None: 1.0 - 2.0 * sbar  # noqa: E731
    xi = jnp.array([0.5, -1.0, 2.0, 0.0])
    dt, sigma = 0.01, 0.1
    sbar = np.array([0.2, 0.25, 0.5, 0.4])
    expected = np.clip(np.array(S) + (1 - 2 * sbar) * dt + sigma * np.sqrt(dt) * np.array(xi), 0, 1)
    step = Problem.create(dt=dt, noise_strength=sigma, boundary="open")
    np.testing.assert_allclose(euler_maruyama_step(step, S, xi, f), expected, atol=1e-7)
    fixed = euler_maruyama_step(step.replace(boundary="fixed"), S, xi, f)
    np.testing.assert_allclose(fixed, [0.0, *expected[1:3], 0.0], atol=1e-7)


def test_step_clips_to_unit_interval():
    problem = Problem.create(dt=0.01, noise_strength=1.0)
    out = euler_maruyama_step(problem, jnp.array([0.01, 0.99]), jnp.array([-100.0, 100.0]), lambda s, _=None: 0 * s)
    assert out.tolist() == [0.0, 1.0]


def test_without_drift_or_noise_the_initial_state_stays():
    problem = Problem.create(n_cells=5, n_steps=30, dt=0.01, noise_strength=0.0)
    final, traj = simulate(problem, lambda s, _=None: 0 * s, jax.random.PRNGKey(1), 20, return_trajectory=True)
    assert jnp.array_equal(final, traj[0])
    assert float(final.min()) >= 0.4 and float(final.max()) <= 0.6


@pytest.mark.parametrize("n_steps", [250, 257, 13])
def test_trajectory_matches_final_state(n_steps):
    f = lambda s, _=None: -jnp.tanh(5 * (s - 0.5))  # noqa: E731
    key = jax.random.PRNGKey(2)
    problem = Problem.create(n_cells=7, n_steps=n_steps, n_replicates=4, dt=0.01, noise_strength=0.1)
    final = simulate(problem, f, key)
    final2, traj = simulate(problem, f, key, return_trajectory=True)
    assert traj.shape == (n_steps + 1, 4, 7)
    assert jnp.array_equal(final, final2) and jnp.array_equal(final, traj[-1])
    # Each recorded step follows from the previous one (noise is bounded, so moves are small).
    assert float(jnp.max(jnp.abs(jnp.diff(traj, axis=0)))) < 0.1


def test_fixed_boundary_pins_edges_to_zero_and_runs_inside_jit():
    final = jax.jit(lambda k: run_multiple_replicates(lambda s, _=None: 1 - s, 6, 3, 20, 0.01, 0.1, k, boundary="fixed"))(
        jax.random.PRNGKey(0)
    )
    assert final.shape == (3, 6)
    assert jnp.all(final[:, 0] == 0) and jnp.all(final[:, -1] == 0)
    assert jnp.all(final[:, 1:-1] > 0)


def test_lateral_inhibition_makes_alternating_patterns():
    f = lambda s, _=None: -jnp.tanh(5 * (s - 0.5))  # noqa: E731
    final = run_multiple_replicates(f, 7, 50, 2000, 0.01, 0.1, jax.random.PRNGKey(0))
    x = np.asarray(apply_threshold(final)).astype(int)
    # Neighbours mostly disagree under lateral inhibition.
    assert np.mean(x[:, 1:] != x[:, :-1]) > 0.7


def test_threshold_is_exact_with_straight_through_gradient():
    s = jnp.array([0.1, 0.5, 0.7, 0.49999])
    assert apply_threshold(s).tolist() == [0.0, 1.0, 1.0, 0.0]
    np.testing.assert_allclose(jax.grad(lambda v: jnp.sum(apply_threshold(v) * jnp.arange(4.0)))(s), [0, 1, 2, 3])
    assert float(soft_threshold(jnp.array(0.5))) == 0.5
    assert float(soft_threshold(jnp.array(0.6), temperature=0.05)) == pytest.approx(1 / (1 + np.exp(-2)), abs=1e-6)


@pytest.mark.parametrize("factors", [(1,), (1, 4), (2, 8), (1, 2, 4)])
@pytest.mark.parametrize("boundary", ["open", "fixed"])
def test_one_scan_of_several_time_steps_equals_separate_simulations(factors, boundary):
    f = lambda s, _=None: -jnp.tanh(5 * (s - 0.5))  # noqa: E731
    key = jax.random.PRNGKey(8)
    problem = Problem.create(n_cells=6, n_replicates=5, n_steps=37, dt=0.02, noise_strength=0.3, boundary=boundary)
    together = simulate_time_steps(problem, f, key, factors)
    for k, final in zip(factors, together, strict=True):
        fine = problem.replace(n_steps=37 * k, dt=0.02 / k)
        alone = simulate(fine, f, key, substeps=max(factors) // k)
        assert jnp.array_equal(final, alone), k
