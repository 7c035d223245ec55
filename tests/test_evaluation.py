"""Evaluation: tables with the promised columns and consistent counts; helpers with known answers."""

import numpy as np
import pytest

from fatenet.evaluation import alternating_share, evaluate, patterns_table, zero_crossing
from fatenet.neural_network import RegulatoryNetwork
from helpers import tiny_config


def test_zero_crossing_by_hand():
    s = np.linspace(0, 1, 11)
    assert zero_crossing(s, 0.3 - s) == pytest.approx(0.3)
    assert zero_crossing(s, 0.55 - s) == pytest.approx(0.55)
    assert np.isnan(zero_crossing(s, 1 + s))


def test_patterns_table_counts():
    x = np.array([[0, 1], [0, 1], [1, 1], [0, 0]])
    table = patterns_table(x)
    assert table["pattern"].tolist() == ["01", "00", "11"]
    assert table["count"].tolist() == [2, 1, 1]
    assert table["frequency"].tolist() == [0.5, 0.25, 0.25]


def test_alternating_share_by_hand():
    x = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 1], [0, 1, 0]])
    assert alternating_share(x) == 0.75
    assert alternating_share(np.zeros((4, 5))) == 0.0


def test_evaluate_tables():
    cfg = tiny_config()
    params = np.asarray(RegulatoryNetwork().init_population(__import__("jax").random.PRNGKey(0), 1)[0])
    ev = evaluate(cfg, params, 3, train_fitness=0.5)
    m = ev.metrics.set_index("network")
    assert list(m.index) == ["trained", "random"]
    # U recomputed in numpy from the pattern table's counts (a second path to the same number)
    for name, group in ev.patterns.groupby("network"):
        p = group["count"].to_numpy() / group["count"].sum()
        ones = np.array([pattern.count("1") for pattern in group["pattern"]])
        pbar = float(p @ ones) / 7
        h2 = -(pbar * np.log2(pbar) + (1 - pbar) * np.log2(1 - pbar)) if 0 < pbar < 1 else 0.0
        assert m.loc[name, "utility"] == pytest.approx(h2 + float(p @ np.log2(p)) / 7, abs=1e-6)
    assert m.loc["trained", "fitness_gap"] == pytest.approx(0.5 - m.loc["trained", "fresh_fitness"])
    assert np.isnan(m.loc["random", "train_fitness"])
    for name, group in ev.patterns.groupby("network"):
        assert group["count"].sum() == 64 and group["frequency"].sum() == pytest.approx(1.0)
        assert len(group) == m.loc[name, "n_distinct"]
        alternating = group[group["pattern"].isin(["0101010", "1010101"])]["frequency"].sum()
        assert m.loc[name, "alternating_share"] == pytest.approx(alternating)
    assert ev.shown["trained"].shape == (10, 7)
    assert list(ev.f_curve.columns) == ["sbar", "f_trained", "f_random", "f_target"]
    again = evaluate(cfg, params, 3, train_fitness=0.5)
    assert again.metrics.equals(ev.metrics) and again.patterns.equals(ev.patterns)


def test_fine_dt_metric_is_a_direct_resimulation_and_kymographs_are_the_first_replicates():
    import jax
    import jax.numpy as jnp

    from fatenet import streams
    from fatenet.dynamics import simulate
    from fatenet.evaluation import DT_CHECKS, DT_TOLERANCE
    from fatenet.problem import Problem
    from fatenet.utility_function import compute_hard_utility

    cfg = tiny_config(simulation={"t_final": 1.0})
    model = RegulatoryNetwork()
    params = np.asarray(model.init_population(jax.random.PRNGKey(1), 1)[0]) * 4.0
    ev = evaluate(cfg, params, 3)
    m = ev.metrics.set_index("network")
    trained_key = jax.random.split(jax.random.fold_in(jax.random.PRNGKey(3), streams.EVALUATION), 3)[0]
    sim = cfg.simulation
    f = lambda s, _=None: model.apply_flat(jnp.asarray(params), s)  # noqa: E731

    def direct(k):  # dt / k with the same simulated time: k times the steps, one path resolved at dt / 16
        problem = Problem.create(n_cells=sim.n_cells, n_steps=k * sim.n_steps, dt=sim.dt / k,
                                 noise_strength=sim.noise_strength, boundary=sim.boundary, ic_mean=sim.ic_mean,
                                 ic_spread=sim.ic_spread)
        final = simulate(problem, f, trained_key, 64, substeps=16 // k)
        return float(compute_hard_utility((final >= 0.5).astype(jnp.float32))[0])

    assert m.loc["trained", "utility"] == pytest.approx(direct(1), abs=1e-6)
    moved = []
    for column, k in DT_CHECKS.items():
        fine = direct(k)
        assert m.loc["trained", column] == pytest.approx(fine, abs=1e-6)
        moved.append(abs(fine - m.loc["trained", "utility"]) > DT_TOLERANCE)
    assert m.loc["trained", "dt_sensitive"] == any(moved)
    assert np.isnan(m.loc["random", "utility_fine_dt"]) and not m.loc["random", "dt_sensitive"]
    # The kymograph's replicates are the evaluation's first replicates: same final fates.
    times, states = ev.kymographs["trained"]
    assert times[0] == 0.0 and times[-1] == pytest.approx(sim.t_final) and states.shape[1:] == (4, 7)
    np.testing.assert_array_equal((states[-1] >= 0.5).astype(int), ev.shown["trained"][:4])


def test_f_curve_and_f_metrics_of_a_known_piecewise_linear_f():
    cfg = tiny_config(network={"architecture": "piecewise_linear", "n_knots": 5})
    knots = np.array([2.0, 1.0, -0.5, -1.0, -3.0], np.float32)  # at sbar 0, 0.25, 0.5, 0.75, 1
    ev = evaluate(cfg, knots, 1)
    curve = ev.f_curve.set_index("sbar")["f_trained"]
    assert [curve.loc[0.0], curve.loc[0.5], curve.loc[1.0]] == pytest.approx([2.0, -0.5, -3.0], abs=1e-6)
    assert curve.loc[0.125] == pytest.approx(1.5, abs=1e-6)
    np.testing.assert_allclose(ev.f_curve["f_target"], -np.tanh(5 * (ev.f_curve["sbar"] - 0.5)))
    m = ev.metrics.set_index("network").loc["trained"]
    assert (m["f0"], m["f05"], m["f1"]) == pytest.approx((2.0, -0.5, -3.0), abs=1e-6)
    assert m["zero_crossing"] == pytest.approx(0.25 + 0.25 * (1.0 / 1.5), abs=1e-6)  # 1.0 -> -0.5 over [0.25, 0.5]
    assert bool(m["lateral_inhibition"])


def test_wrong_parameter_count_is_rejected():
    with pytest.raises(ValueError, match="params have 5 values but the mlp network"):
        evaluate(tiny_config(), np.zeros(5), 0)


def test_metrics_carry_the_exact_bound():
    from fatenet.bounds import utility_upper_bound

    cfg = tiny_config(simulation={"boundary": "periodic"})
    params = np.zeros(RegulatoryNetwork().n_params, np.float32)
    m = evaluate(cfg, params, 0).metrics
    assert m["utility_bound"].tolist() == [utility_upper_bound(7, "periodic")] * 2
    assert (m["utility"] <= m["utility_bound"] + 1e-9).all()


def test_bootstrap_interval_by_construction():
    from fatenet.statistics import bootstrap_utility_ci
    from fatenet.utility_function import compute_hard_utility

    same = np.tile([0, 1, 0, 1, 0, 1, 0], (50, 1))
    low, high = bootstrap_utility_ci(same, 0)  # one pattern: every resample is identical
    u = float(compute_hard_utility(same.astype(np.float32))[0])
    assert low == pytest.approx(u, abs=1e-6) and high == pytest.approx(u, abs=1e-6)
    rng = np.random.default_rng(1)
    mixed = (rng.random((400, 7)) < 0.5).astype(int)
    mixed[:300] = [0, 1, 0, 1, 0, 1, 0]
    low, high = bootstrap_utility_ci(mixed, 0)
    u = float(compute_hard_utility(mixed.astype(np.float32))[0])
    assert low < u < high and high - low < 0.2  # 400 replicates: little bias, a narrow interval
    assert bootstrap_utility_ci(mixed, 0) == (low, high)  # deterministic per seed
