"""The vectorised population fitness equals the per-individual (seed notebook) path; bad networks lose."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fatenet.dynamics import apply_threshold, euler_maruyama_step, run_multiple_replicates, simulate
from fatenet.fitness import compiled_population_fitness, mirrored_pairs
from fatenet.neural_network import PiecewiseLinear, RegulatoryNetwork, get_regulatory_function
from fatenet.problem import Problem
from fatenet.strategies.ask_tell import make_strategy
from fatenet.utility_function import compute_hard_utility, compute_soft_utility
from helpers import tiny_config


@pytest.mark.parametrize("kind", ["soft", "hard"])
@pytest.mark.parametrize("boundary", ["open", "periodic"])
def test_population_equals_per_individual_path(kind, boundary):
    cfg = tiny_config(simulation={"boundary": boundary, "t_final": 3.0}, evolution={"fitness": kind})
    sim = cfg.simulation
    model = RegulatoryNetwork()
    pop = model.init_population(jax.random.PRNGKey(0), 4) * 3.0
    keys = jax.random.split(jax.random.PRNGKey(1), 4)
    together = compiled_population_fitness(Problem.from_config(cfg), pop, keys)

    @jax.jit
    def seed_style(flat, key):
        f = get_regulatory_function(model, model.unflatten(flat))
        final = run_multiple_replicates(f=f, n_cells=sim.n_cells, n_replicates=sim.n_replicates,
                                        n_steps=sim.n_steps, dt=sim.dt, noise_strength=sim.noise_strength,
                                        key=key, boundary=boundary)
        patterns = apply_threshold(final)
        return compute_soft_utility(patterns, 0.1) if kind == "soft" else compute_hard_utility(patterns)

    for i in range(4):
        u, s_pat, s_rep = seed_style(pop[i], keys[i])
        np.testing.assert_allclose(together.fitness[i], u, atol=1e-6)
        np.testing.assert_allclose(together.s_pat[i], s_pat, atol=1e-6)
        np.testing.assert_allclose(together.s_rep[i], s_rep, atol=1e-6)
    assert together.valid.all()


def test_numeric_settings_are_traced_not_recompiled():
    cfg = tiny_config(simulation={"n_cells": 5})
    model = RegulatoryNetwork()
    pop = model.init_population(jax.random.PRNGKey(0), 2)
    keys = jax.random.split(jax.random.PRNGKey(1), 2)
    first = compiled_population_fitness(Problem.from_config(cfg), pop, keys)
    compiled = compiled_population_fitness._cache_size()
    quieter = cfg.replace({"simulation.noise_strength": 0.0, "evolution.bandwidth": 0.2})
    out = compiled_population_fitness(Problem.from_config(quieter), pop, keys)
    assert compiled_population_fitness._cache_size() == compiled
    assert np.all(np.isfinite(np.asarray(out.fitness)))
    assert not np.array_equal(np.asarray(out.fitness), np.asarray(first.fitness))  # the new numbers were used


def test_non_finite_networks_get_worst_fitness_and_are_never_parents():
    cfg = tiny_config()
    model = RegulatoryNetwork()
    pop = np.array(model.init_population(jax.random.PRNGKey(0), 6))
    pop[1, 5] = np.nan  # a NaN weight
    pop[3, -1] = np.inf  # output bias inf: f = +inf everywhere, clipped states would hide it
    keys = jax.random.split(jax.random.PRNGKey(1), 6)
    result = jax.tree_util.tree_map(np.asarray, compiled_population_fitness(Problem.from_config(cfg), pop, keys))
    assert result.fitness[1] == -np.inf and result.fitness[3] == -np.inf
    assert not result.valid[1] and not result.valid[3]
    assert np.all(np.isfinite(result.fitness[[0, 2, 4, 5]]))

    strategy, params = make_strategy(cfg.evolution.__class__(population_size=6, elite_fraction=0.5), 97)
    fitness = jnp.asarray(result.fitness).at[1].set(jnp.nan)  # NaN must not rank first either
    state = strategy.tell(jax.random.PRNGKey(2), strategy.init(None, pop, params), jnp.asarray(pop), fitness, params)
    parents = np.asarray(state.population[: strategy.n_parents])
    assert np.all(np.isfinite(parents))


def test_tabulated_f_is_an_accurate_opt_in_approximation():
    from fatenet.fitness import tabulated

    model = RegulatoryNetwork()
    for flat in model.init_population(jax.random.PRNGKey(4), 5):
        exact = lambda s, _=None, flat=flat: model.apply_flat(flat, s)  # noqa: E731
        approx = tabulated(exact, 1025)
        s = jax.random.uniform(jax.random.PRNGKey(5), (10_000,))
        assert float(jnp.max(jnp.abs(approx(s) - exact(s)))) < 5e-4
        grid = jnp.linspace(0, 1, 1025)
        np.testing.assert_allclose(approx(grid), exact(grid), atol=1e-6)  # exact at the nodes
    # Training with it runs end to end.
    from fatenet.training import train

    result = train(tiny_config(evolution={"f_table_points": 257}), 0, progress=False)
    assert np.isfinite(result.fitness)


@pytest.mark.parametrize("rule", ["worst", "extrapolated", "flat"])
def test_time_step_robust_fitness_is_the_worst_of_the_direct_simulations(rule):
    """fitness_dt_factors [1, 4]: min over U of simulate at dt (driven by sums of 4 fine normals)
    and at dt / 4 (the fine normals themselves), each computed here directly; with the rule
    ``extrapolated``, min(U(dt), 2 U(dt / 4) - U(dt)); with ``flat``, min(U) - max(0, |U(dt) - U(dt / 4)| - 0.03)."""
    cfg = tiny_config(simulation={"t_final": 2.0, "n_replicates": 32, "noise_strength": 0.2},
                      network={"architecture": "piecewise_linear", "n_knots": 5},
                      evolution={"fitness": "hard", "fitness_dt_factors": [1, 4], "fitness_dt_rule": rule})
    sim, model = cfg.simulation, PiecewiseLinear(n_knots=5)
    pop = model.init_population(jax.random.PRNGKey(0), 6) * 3.0
    keys = jax.random.split(jax.random.PRNGKey(1), 6)
    robust = compiled_population_fitness(Problem.from_config(cfg), pop, keys)
    picked = []
    for i in range(6):
        f = lambda s, _=None, p=pop[i]: model.apply(p, s)  # noqa: E731
        direct = []
        for steps, dt, substeps in ((sim.n_steps, sim.dt, 4), (4 * sim.n_steps, sim.dt / 4, 1)):
            problem = Problem.create(n_cells=sim.n_cells, n_replicates=sim.n_replicates, n_steps=steps, dt=dt,
                                     noise_strength=sim.noise_strength)
            final = simulate(problem, f, keys[i], substeps=substeps)
            direct.append(compute_hard_utility(apply_threshold(final)))
        worst = min(direct, key=lambda parts: float(parts[0]))
        u1, u4 = float(direct[0][0]), float(direct[1][0])
        u = {"worst": min(u1, u4), "extrapolated": min(u1, 2 * u4 - u1),
             "flat": min(u1, u4) - max(0.0, abs(u1 - u4) - 0.03)}[rule]
        np.testing.assert_allclose([robust.fitness[i], robust.s_pat[i], robust.s_rep[i]], [u, *worst[1:]], atol=1e-6)
        picked.append(direct.index(worst))
    assert set(picked) == {0, 1}  # networks that lose at dt / 4 and others that lose at dt: both branches ran


def test_substeps_drive_the_coarse_step_by_the_sum_of_the_fine_noise():
    """Without drift and far from the walls, dt with 4 substeps ends where 4 steps of dt / 4 end."""
    key = jax.random.PRNGKey(4)
    still = lambda s, _=None: 0 * s  # noqa: E731
    coarse_problem = Problem.create(n_cells=5, n_replicates=16, n_steps=50, dt=0.01, noise_strength=0.02)
    coarse = simulate(coarse_problem, still, key, substeps=4)
    fine = simulate(coarse_problem.refined(4), still, key)
    np.testing.assert_allclose(coarse, fine, atol=2e-6)
    other = simulate(coarse_problem, still, key)  # the stream's own coarse steps
    assert float(jnp.max(jnp.abs(other - fine))) > 1e-3


@pytest.mark.parametrize("boundary", ["open", "periodic"])
def test_the_mirror_image_of_a_step_is_one_less_the_step_of_the_mirrored_f(boundary):
    """One Euler-Maruyama step from 1 - s driven by -xi under f is 1 - the step from s driven by xi
    under f's mirror image -f(1 - sbar) (clipped to [0, 1] both): why mirrored pairs cost nothing."""
    model = PiecewiseLinear(n_knots=17, max_rate=1.0)
    flat = 2.0 * model.init_flat(jax.random.PRNGKey(3))
    problem = Problem.create(model, n_cells=7, boundary=boundary, dt=0.05, noise_strength=0.3)
    s = jax.random.uniform(jax.random.PRNGKey(4), (7, 50))  # cells first, as the integrator holds them
    xi = jax.random.normal(jax.random.PRNGKey(5), (7, 50))
    mirror = model.mirrored(flat)
    f = lambda sbar, _=None: model.apply_flat(flat, sbar)  # noqa: E731
    image = lambda sbar, _=None: model.apply_flat(mirror, sbar)  # noqa: E731
    mirrored_step = euler_maruyama_step(problem, 1.0 - s, -xi, f, 0)
    np.testing.assert_allclose(mirrored_step, 1.0 - euler_maruyama_step(problem, s, xi, image, 0), atol=1e-6)
    assert float(jnp.mean((mirrored_step == 0.0) | (mirrored_step == 1.0))) > 0.05  # the clip acted
    # a fixed end is pinned to 0, not to 1 - 0: there the model is not the same under s -> 1 - s
    fixed = problem.replace(boundary="fixed")
    assert not np.allclose(euler_maruyama_step(fixed, 1.0 - s, -xi, f, 0),
                           1.0 - euler_maruyama_step(fixed, s, xi, image, 0), atol=1e-3)


def test_antithetic_fitness_equals_its_direct_computation_on_mirrored_pairs():
    """evolution.antithetic: U of the first half of the tissues simulated with f and the second half
    1 - the same tissues simulated with f's mirror image, at each fitness time step, computed here
    directly; an f that is its own mirror image gives every pattern and its complement equally often."""
    cfg = tiny_config(simulation={"t_final": 2.0, "n_replicates": 32, "noise_strength": 0.2},
                      network={"architecture": "piecewise_linear", "n_knots": 5},
                      evolution={"fitness": "hard", "fitness_dt_factors": [1, 4], "antithetic": True})
    assert cfg.mirrors_tissues
    problem, model = Problem.from_config(cfg), PiecewiseLinear(n_knots=5)
    assert problem.antithetic and not Problem.from_config(cfg.replace({"evolution.antithetic": False})).antithetic
    pop = model.init_population(jax.random.PRNGKey(0), 4) * 3.0
    keys = jax.random.split(jax.random.PRNGKey(1), 4)
    paired = compiled_population_fitness(problem, pop, keys)
    for i in range(4):
        direct = []
        for k in (1, 4):
            step = problem.refined(k) if k > 1 else problem
            own = simulate(step, pop[i], keys[i], 16, substeps=4 // k)
            image = simulate(step, model.mirrored(pop[i]), keys[i], 16, substeps=4 // k)
            direct.append(compute_hard_utility(apply_threshold(jnp.concatenate([own, 1.0 - image]))))
        worst = min(direct, key=lambda parts: float(parts[0]))
        np.testing.assert_allclose([paired.fitness[i], paired.s_pat[i], paired.s_rep[i]], worst, atol=1e-6)
    odd = jnp.array([-1.0, -0.5, 0.0, 0.5, 1.0]) * 3.0
    finals = mirrored_pairs(problem, odd, keys[0])
    for final in finals:
        np.testing.assert_array_equal(apply_threshold(final[16:]), 1 - apply_threshold(final[:16]))
    assert len({tuple(p) for p in np.asarray(apply_threshold(finals[0]))}) > 2  # not one pattern and its complement


def test_antithetic_acts_only_where_the_model_is_the_same_under_mirroring():
    from fatenet.config import ConfigError

    base = {"network": {"architecture": "piecewise_linear", "n_knots": 5}, "evolution": {"antithetic": True}}
    assert tiny_config(**base).mirrors_tissues
    for section, settings in [("simulation", {"initial_condition": "half_normal"}),
                              ("simulation", {"ic_mean": 0.4}), ("simulation", {"boundary": "fixed"}),
                              ("simulation", {"coupling_weights": "sender"}), ("network", {"architecture": "mlp"}),
                              ("fates", {"thresholds": [0.4]}), ("fates", {"learn_thresholds": True})]:
        data = {**base, section: {**base.get(section, {}), **settings}}
        config = tiny_config(**data)
        assert not config.mirrors_tissues and not Problem.from_config(config).antithetic, settings
    with pytest.raises(ConfigError, match=r"simulation\.n_replicates = 9: must be even with evolution\.antithetic"):
        tiny_config(simulation={"n_replicates": 9}, **base)
    tiny_config(simulation={"n_replicates": 9}, network={"architecture": "mlp"}, evolution={"antithetic": True})
