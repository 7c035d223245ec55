"""The reaction-diffusion model: its grid, Laplacian, one step, readout, fates and bound by hand, the
noise-free profile and U of the authors' example against their published numbers, and the
re-simulation without fatenet (benchmarks/rd_reference.py)."""

import math
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fatenet import bounds, reaction_diffusion
from fatenet.config import Config, ConfigError
from fatenet.dynamics import simulate
from fatenet.grid import grid
from fatenet.neural_network import Hill, make_network
from fatenet.problem import Problem
from fatenet.statistics import bootstrap_utility_ci
from fatenet.utility_function import information_decomposition, utility
from helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import rd_reference  # noqa: E402

PAPER = {"simulation": {"model": "reaction_diffusion", "n_cells": 8, "dt": 0.01, "t_final": 50.0,
                        "noise_strength": 0.05, "state_bounds": "reflect", "ic_mean": 0.05, "ic_spread": 0.05},
         "network": {"architecture": "hill"}, "fates": {"thresholds": [0.02, 0.05]},
         "evolution": {"strategy": "none", "restarts": 1, "initial_screen": 0}}
"""The authors' example (their simulation_RD.py) as fatenet settings."""

PROFILE = [0.1001, 0.0926, 0.0738, 0.0523, 0.0346, 0.0227, 0.0158, 0.0127]
"""A at the cells at T = 50 of the noise-free model (sigma 0, exponential start), the authors' code."""


def paper_config(**changes) -> Config:
    return Config.from_dict(PAPER).replace(changes)


@pytest.mark.parametrize("n_cells, ox, substeps", [(8, 2, 12), (4, 5, 20), (12, 1, 7)])
def test_sub_steps_by_the_authors_rule(n_cells, ox, substeps):
    # N = 8: l_A = 2, l_B = 4; 1 / (0.2 * 2) = 2.5 -> 2 nodes per cell, dx = 0.5; D_B = 2 * 16 = 32;
    # 0.2 * 2 * 0.25 / (4 * 32 + 2 * 0.25) = 7.782e-4, 0.01 / 7.782e-4 = 12.85 -> 12.
    # N = 4: l_A = 1 -> 5 nodes, dx = 0.2; D_B = 8; 0.2 * 0.08 / 32.08 = 4.988e-4 -> 20.05 -> 20.
    # N = 12: l_A = 3 -> 1 node; D_B = 72; 0.2 * 2 / 290 = 1.379e-3 -> 7.25 -> 7.
    layout = grid(n_cells, 0.01)
    assert (layout.nodes_per_cell, layout.substeps) == (ox, substeps)
    assert layout.d_b == 2.0 * (n_cells / 2) ** 2
    problem = Problem.from_config(paper_config(**{"simulation.n_cells": n_cells}))
    assert (problem.nodes_per_cell, problem.substeps) == (ox, substeps)
    assert (grid(8, 0.01, nodes_per_cell=3, substeps=40).nodes_per_cell, grid(8, 0.01, substeps=40).substeps) == (3, 40)


def test_laplacian_with_no_flux_and_periodic_ends_by_hand():
    c = jnp.array([1.0, 4.0, 9.0, 16.0])
    # dx = 0.5: / 0.25; the end nodes see their mirror node: 2 (c_1 - c_0), 2 (c_2 - c_3)
    np.testing.assert_allclose(reaction_diffusion.laplacian(c, 0.5, "open"), [24.0, 8.0, 8.0, -56.0])
    np.testing.assert_allclose(reaction_diffusion.laplacian(c, 0.5, "periodic"), [72.0, 8.0, 8.0, -88.0])
    # along another axis, the same numbers
    stacked = jnp.stack([c, 2 * c])[:, :, None]
    np.testing.assert_allclose(reaction_diffusion.laplacian(stacked, 0.5, "open", axis=1)[1, :, 0],
                               [48.0, 16.0, 16.0, -112.0])
    with pytest.raises(ValueError, match="open or periodic"):
        reaction_diffusion.laplacian(c, 0.5, "fixed")


def test_one_reflected_step_by_hand():
    # two cells, one node each, one sub-step of 0.01; h = 2 so P is easy: r = 0.75 -> 0.9, r = 1/3 -> 0.2
    config = paper_config(**{"simulation.n_cells": 2, "simulation.nodes_per_cell": 1, "simulation.substeps": 1,
                             "network.hill": 2.0})
    problem = Problem.from_config(config)
    flat = jnp.asarray(problem.network.start)
    k = reaction_diffusion.rates(problem, flat)
    # D_A = kappa_A (N / 4)^2 = 0.25, D_B = kappa_B (N / 2)^2 = 2
    np.testing.assert_allclose([k["d_a"], k["d_b"]], [0.25, 2.0], rtol=1e-6)
    s = jnp.array([[0.3, 0.1], [0.1, 0.2]])[..., None]  # (species, node, replicate)
    xi = jnp.array([[1.0, 0.0], [0.0, -50.0]])[..., None]
    out = np.asarray(reaction_diffusion.substep(problem, flat, s, xi, k))[..., 0]
    # A_0: 0.3 + (0.25 * 2 (0.1 - 0.3) + 0.9 - 0.3) 0.01 + 0.05 sqrt(0.9) 0.1 * 1
    # A_1: 0.1 + (0.25 * 2 (0.3 - 0.1) + 0.2 - 0.1) 0.01
    # B_0: 0.1 + (2 * 2 (0.2 - 0.1) + 4 * 0.9 - 2 * 0.1) 0.01
    # B_1: |0.2 + (2 * 2 (0.1 - 0.2) + 4 * 0.2 - 2 * 0.2) 0.01 - 50 * 0.05 sqrt(0.8) 0.1| (reflected at 0)
    expected = [[0.305 + 0.005 * math.sqrt(0.9), 0.102], [0.138, abs(0.2 - 0.25 * math.sqrt(0.8))]]
    np.testing.assert_allclose(out, expected, rtol=2e-6)
    assert 0.2 - 0.25 * math.sqrt(0.8) < 0  # (the last one was reflected)


def test_hill_production_is_the_papers_formula():
    a = np.array([0.0, 0.01, 0.3, 1.0, 0.05, 0.0])
    b = np.array([0.0, 0.02, 0.1, 1.0, 0.0, 0.4])
    network = Hill(hill=5.0)
    total = a + b
    r = np.divide(a, total, out=np.zeros_like(a), where=total > 0)
    expected = np.divide(a ** 5, a ** 5 + b ** 5, out=np.zeros_like(a), where=total > 0)
    np.testing.assert_allclose(network.apply(network.start, r), expected, rtol=1e-5, atol=1e-7)
    rates = network.rates(network.start)
    np.testing.assert_allclose([float(rates[name]) for name in ("alpha_a", "alpha_b", "kappa_a", "kappa_b", "hill")],
                               [1.0, 4.0, 1.0, 2.0, 5.0], rtol=1e-6)


def test_the_flip_reads_each_tissue_high_end_first():
    problem = Problem.from_config(paper_config())
    a_cells = jnp.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [1.0, 5.0, 1.0]]).T  # cells-first
    out, flipped = reaction_diffusion.readout(problem, a_cells)
    np.testing.assert_array_equal(out, [[3.0, 2.0, 1.0], [3.0, 2.0, 1.0], [1.0, 5.0, 1.0]])
    np.testing.assert_array_equal(flipped, [True, False, False])
    unflipped, _ = reaction_diffusion.readout(Problem.from_config(paper_config(**{"simulation.flip": False})), a_cells)
    np.testing.assert_array_equal(unflipped, a_cells.T)


def test_three_fates_and_their_utility_by_hand():
    network = make_network(paper_config().network, paper_config().fates)
    values = jnp.array([[0.01, 0.02, 0.03, 0.05, 0.07]])
    np.testing.assert_array_equal(network.fates(network.start, values), [[0, 1, 1, 2, 2]])
    # two patterns, twice each: 22211000 and 22221100
    patterns = jnp.array([[2, 2, 2, 1, 1, 0, 0, 0], [2, 2, 2, 1, 1, 0, 0, 0],
                          [2, 2, 2, 2, 1, 1, 0, 0], [2, 2, 2, 2, 1, 1, 0, 0]], jnp.float32)
    # pooled: fate 0 in 10 of 32 cells, fate 1 in 8, fate 2 in 14; two patterns half and half: 1 bit / 8 cells
    s_pat = -sum(q * math.log2(q) for q in (10 / 32, 8 / 32, 14 / 32))
    parts = information_decomposition(patterns, 3)
    np.testing.assert_allclose(float(parts["s_pat"]), s_pat, rtol=1e-6)
    np.testing.assert_allclose(float(parts["s_rep"]), 1 / 8, rtol=1e-6)
    np.testing.assert_allclose(float(utility(patterns, "hard", n_fates=3)[0]), s_pat - 1 / 8, rtol=1e-6)
    assert rd_reference.utility(np.asarray(patterns, np.int64)) == pytest.approx(s_pat - 1 / 8, abs=1e-12)
    # the bootstrap interval of three fates: around U, from the fates' own pooled histogram
    many = np.repeat(np.asarray(patterns, np.int8), 100, axis=0)
    low, high = bootstrap_utility_ci(many, 0)
    assert low < high < low + 0.2 and abs((low + high) / 2 - (s_pat - 1 / 8)) < 0.02


def test_exact_bound_of_the_flipped_readout():
    # N = 4, three fates: one pattern of fates 2, 1, 0, 0 gives H(1/2, 1/4, 1/4) = 1.5 bits, and mixing
    # patterns costs more S_rep than it gains S_pat
    assert bounds.unconstrained_bound(4, 3) == pytest.approx(1.5, abs=1e-9)
    h = -sum(q * math.log2(q) for q in (3 / 8, 3 / 8, 2 / 8))
    assert bounds.unconstrained_bound(8, 3) == pytest.approx(h, abs=1e-9)  # 1.5613
    assert bounds.unconstrained_bound(3, 3) == pytest.approx(math.log2(3), abs=1e-9)
    # without the flip the open chain's reflection is charged: a lower bound
    assert bounds.utility_upper_bound(4, "open", n_fates=3) < 1.5
    with pytest.raises(ValueError, match="n_fates"):
        bounds.unconstrained_bound(4, 5)


def test_noise_free_profile_is_the_authors():
    config = paper_config(**{"simulation.noise_strength": 0.0, "simulation.initial_condition": "exponential"})
    problem = Problem.from_config(config)
    a = np.asarray(simulate(problem, jnp.asarray(problem.network.start), jax.random.PRNGKey(0), 2))
    # their numbers as printed (4 decimals: +-5e-5), with float32's 1e-5 beside it (the fourth cell is
    # 0.052253 in float64 and 0.052247 here, either side of 0.05225)
    np.testing.assert_allclose(a[0], PROFILE, rtol=0, atol=6e-5)
    np.testing.assert_array_equal(a[0], a[1])
    reference = rd_reference.simulate(8, 1, None)[0]  # float64, without fatenet
    np.testing.assert_allclose(a[0], reference, rtol=2e-4)


def test_the_authors_example_scores_their_utility():
    """N = 8, thresholds 0.02 and 0.05: the authors' U = 1.3246 +- 0.002 (4000 tissues); here 1000."""
    problem = Problem.from_config(paper_config())
    flat = jnp.asarray(problem.network.start)
    final = simulate(problem, flat, jax.random.PRNGKey(7), 1000)
    u = float(utility(problem.network.fates(flat, final), "hard", n_fates=3)[0])
    assert abs(u - 1.3246) < 0.03


def test_tissues_do_not_depend_on_how_many_are_simulated():
    problem = Problem.from_config(paper_config(**{"simulation.t_final": 1.0}))
    flat = jnp.asarray(problem.network.start)
    key = jax.random.PRNGKey(3)
    many, few = simulate(problem, flat, key, 24), simulate(problem, flat, key, 5)
    np.testing.assert_array_equal(np.asarray(many)[:5], np.asarray(few))
    final, path = simulate(problem, flat, key, 5, return_trajectory=True)
    assert path.shape == (problem.n_steps + 1, 5, 8)
    np.testing.assert_array_equal(np.asarray(path)[-1], np.asarray(final))


def test_a_shared_brownian_path_at_a_finer_step_moves_little():
    """dt and dt / 4 on the same Brownian path (``path_substeps``): the sub-steps already resolve the model."""
    problem = Problem.from_config(paper_config(**{"simulation.t_final": 5.0}))
    flat = jnp.asarray(problem.network.start)
    key = jax.random.PRNGKey(11)
    coarse = np.asarray(simulate(problem, flat, key, 16, substeps=4))
    fine = np.asarray(simulate(problem.refined(4), flat, key, 16))
    assert np.max(np.abs(coarse - fine)) < 0.05 * np.max(coarse)
    assert not np.array_equal(coarse, fine)


def test_learned_thresholds_held_as_logarithms():
    config = paper_config(**{"fates.learn_thresholds": True, "fates.threshold_scale": "log"})
    network = make_network(config.network, config.fates)
    flat = network.init_flat(jax.random.PRNGKey(0))
    assert flat.shape == (9,)
    np.testing.assert_allclose(flat[-2:], np.log([0.02, 0.05]), rtol=1e-6)
    np.testing.assert_allclose(network.fate_thresholds(flat), [0.02, 0.05], rtol=1e-6)
    np.testing.assert_allclose(network.fate_thresholds(flat.at[-2:].set(jnp.log(jnp.array([0.3, 0.1])))),
                               [0.1, 0.3], rtol=1e-6)


@pytest.mark.parametrize("changes, key", [
    ({"network.architecture": "mlp"}, "network.architecture"),
    ({"simulation.state_bounds": "clip"}, "simulation.state_bounds"),
    ({"simulation.boundary": "fixed"}, "simulation.boundary"),
    ({"simulation.initial_condition": "half_normal"}, "simulation.initial_condition"),
    ({"simulation.model": "cells", "simulation.state_bounds": "clip"}, "network.architecture"),
    ({"evolution.strategy": "gradient"}, "evolution.strategy"),
    ({"fates.thresholds": [0.0, 0.05], "fates.threshold_scale": "log"}, "fates.thresholds"),
])
def test_settings_the_model_cannot_run_with_are_named(changes, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        paper_config(**changes)


def test_the_reference_agrees_with_fatenet_on_an_unseen_setting():
    """N = 6, noise 0.1 (a setting no number here was tuned on): fatenet and the NumPy re-simulation
    (its own grid, steps and random numbers) give the same U within their sampling error."""
    config = paper_config(**{"simulation.n_cells": 6, "simulation.noise_strength": 0.1, "simulation.t_final": 20.0})
    problem = Problem.from_config(config)
    flat = jnp.asarray(problem.network.start)
    final = simulate(problem, flat, jax.random.PRNGKey(5), 400)
    u = float(utility(problem.network.fates(flat, final), "hard", n_fates=3)[0])
    cells = rd_reference.simulate(6, 400, np.random.default_rng(5), {"sigma": 0.1, "t_final": 20.0})
    u_reference = rd_reference.utility(rd_reference.fates(cells, [0.02, 0.05]))
    assert abs(u - u_reference) < 0.06


@pytest.mark.parametrize("strategy, start", [("cma_es", "pattern_classes"), ("mu_plus_lambda", "fittest")])
def test_the_optimisers_train_and_evaluate_the_model(strategy, start, tmp_path):
    """A short tissue (N = 4, 10 steps of 20 sub-steps): an evosax optimiser (SNES and Open-ES share its
    adapter) from pattern classes, and fatenet's own, train the Hill model with learned thresholds
    (restarts, the focus and the time-step final choice included), resume from a checkpoint to the same
    result, and the evaluation reads the flipped readout's bound. The gradient trainer refuses the model
    (``test_settings_the_model_cannot_run_with_are_named``)."""
    from fatenet.evaluation import evaluate
    from fatenet.training import train

    config = Config.from_dict({
        **PAPER, "simulation": {**PAPER["simulation"], "n_cells": 4, "t_final": 0.1, "n_replicates": 8},
        "fates": {"thresholds": [0.02, 0.05], "learn_thresholds": True, "threshold_scale": "log"},
        "evolution": {"strategy": strategy, "population_size": 4, "n_generations": 3, "restarts": 2,
                      "initial_screen": 4, "start_from": start, "explore_generations": 1, "keep_restarts": 1,
                      "final_choice": "flat", "rescore_replicates": 8, "focus_replicates": 8},
        "evaluation": {"n_replicates": 16}})
    result = train(config, 3)
    assert result.params.shape == (9,) and np.all(np.isfinite(result.params))
    again = train(config, 3, checkpoint=tmp_path / "run.ckpt", checkpoint_every=1)
    np.testing.assert_array_equal(again.params, result.params)
    metrics = evaluate(config, result.params, 3).metrics.set_index("network")
    assert metrics.loc["trained", "utility_bound"] == pytest.approx(1.5, abs=1e-9)
    assert np.isfinite(metrics.loc["trained", "utility_finest_dt"])


def test_the_kernel_backend_says_once_that_it_does_not_cover_the_model():
    from fatenet import dynamics

    problem = Problem.from_config(paper_config(**{"simulation.t_final": 0.05})).replace(backend="kernel")
    dynamics._FALLBACKS_SAID.discard("simulation.model reaction_diffusion has no kernel")
    with pytest.warns(UserWarning, match="reaction_diffusion has no kernel"):
        out = simulate(problem, jnp.asarray(problem.network.start), jax.random.PRNGKey(0), 3)
    np.testing.assert_array_equal(out, simulate(problem.replace(backend="xla"), jnp.asarray(problem.network.start),
                                                jax.random.PRNGKey(0), 3))


def test_a_learned_diffusion_is_held_at_the_configured_sub_steps_limit():
    # N = 8: dx = 0.5, dt_s = 0.01 / 12; the limit 0.4 dx^2 / dt_s = 0.4 * 0.25 * 1200 = 120
    problem = Problem.from_config(paper_config())
    assert problem.max_diffusion == pytest.approx(120.0)
    flat = jnp.asarray(problem.network.start).at[6].set(jnp.log(0.5))  # ratio_b 0.5: l_B = 16, D_B = 2 * 256
    k, refined = reaction_diffusion.rates(problem, flat), reaction_diffusion.rates(problem.refined(4), flat)
    np.testing.assert_allclose([k["d_a"], k["d_b"]], [4.0, 120.0], rtol=1e-6)
    assert (float(refined["d_a"]), float(refined["d_b"])) == (float(k["d_a"]), float(k["d_b"]))
