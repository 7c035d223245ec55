"""The paper's models: couplings, reflecting states, half-normal starts, an f of (s, sbar), Z fates and
learned thresholds; and the seed's model pinned to its stored values."""

import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import seed_model_pins
from fatenet import portability
from fatenet.config import Config, ConfigError
from fatenet.coupling import coupled_cells
from fatenet.dynamics import bound_states, initial_states, neighbour_average, noisy_update, simulate
from fatenet.neural_network import LateralInhibition, PiecewiseLinear, interpolate_2d, make_network
from fatenet.problem import Problem
from fatenet.utility_function import information_decomposition, utility
from helpers import REPO, tiny_config

S5 = jnp.array([0.1, 0.2, 0.4, 0.8, 1.6])  # distinct states: every sum below is unique


# For N = 5, each coupling x each end, the mean of the coupled cells by hand.
MEANS = {
    ("nearest", "open"): [0.2, (0.1 + 0.4) / 2, (0.2 + 0.8) / 2, (0.4 + 1.6) / 2, 0.8],
    ("nearest", "fixed"): [0.2, (0.1 + 0.4) / 2, (0.2 + 0.8) / 2, (0.4 + 1.6) / 2, 0.8],
    ("nearest", "periodic"): [(1.6 + 0.2) / 2, (0.1 + 0.4) / 2, (0.2 + 0.8) / 2, (0.4 + 1.6) / 2, (0.8 + 0.1) / 2],
    ("next_nearest", "open"): [(0.2 + 0.4) / 2, (0.1 + 0.4 + 0.8) / 3, (0.1 + 0.2 + 0.8 + 1.6) / 4,
                               (0.2 + 0.4 + 1.6) / 3, (0.4 + 0.8) / 2],
    ("next_nearest", "fixed"): [(0.2 + 0.4) / 2, (0.1 + 0.4 + 0.8) / 3, (0.1 + 0.2 + 0.8 + 1.6) / 4,
                                (0.2 + 0.4 + 1.6) / 3, (0.4 + 0.8) / 2],
    # a ring of 5: i +- 1 and i +- 2 are the four other cells
    ("next_nearest", "periodic"): [(3.1 - v) / 4 for v in (0.1, 0.2, 0.4, 0.8, 1.6)],
    **{("global", end): [(3.1 - v) / 4 for v in (0.1, 0.2, 0.4, 0.8, 1.6)] for end in ("open", "fixed", "periodic")},
}


@pytest.mark.parametrize("coupling, boundary", sorted(MEANS))
def test_coupling_means_by_hand_for_five_cells(coupling, boundary):
    np.testing.assert_allclose(neighbour_average(S5, boundary, coupling=coupling), MEANS[coupling, boundary],
                               rtol=1e-6)
    # the same along another axis of a batch, cells first
    batch = jnp.stack([S5, 2 * S5], axis=1)
    np.testing.assert_allclose(neighbour_average(batch, boundary, axis=0, coupling=coupling)[:, 1],
                               2 * np.array(MEANS[coupling, boundary]), rtol=1e-6)


def test_sender_weights_are_the_authors_matrix():
    """Each coupled cell j adds s_j / n_j (the authors' c / c.sum(axis=0)): by hand for N = 5."""
    s = [0.1, 0.2, 0.4, 0.8, 1.6]
    nearest = [s[1] / 2, s[0] / 1 + s[2] / 2, s[1] / 2 + s[3] / 2, s[2] / 2 + s[4] / 1, s[3] / 2]
    np.testing.assert_allclose(neighbour_average(S5, "open", coupling="nearest", weights="sender"), nearest, rtol=1e-6)
    # next-nearest counts: 2, 3, 4, 3, 2
    nnn = [s[1] / 3 + s[2] / 4, s[0] / 2 + s[2] / 4 + s[3] / 3, s[0] / 2 + s[1] / 3 + s[3] / 3 + s[4] / 2,
           s[1] / 3 + s[2] / 4 + s[4] / 2, s[2] / 4 + s[3] / 3]
    np.testing.assert_allclose(neighbour_average(S5, "open", coupling="next_nearest", weights="sender"), nnn,
                               rtol=1e-6)
    for coupling, boundary in (("nearest", "periodic"), ("global", "open"), ("next_nearest", "periodic")):
        np.testing.assert_allclose(neighbour_average(S5, boundary, coupling=coupling, weights="sender"),
                                   MEANS[coupling, boundary], rtol=1e-6)


def test_coupled_cells_of_short_rings_are_distinct():
    assert coupled_cells(4, "periodic", "next_nearest") == [[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]]
    assert coupled_cells(3, "open", "next_nearest") == [[1, 2], [0, 2], [0, 1]]


def test_one_reflect_and_one_clip_step_by_hand():
    mean = jnp.array([0.3, -0.2, 1.4, 0.05])
    xi = jnp.array([-4.0, 1.0, 0.0, -2.0])
    # noise 0.1, dt 0.01: the increment is 0.01 xi
    y = np.array([0.3 - 0.04, -0.2 + 0.01, 1.4, 0.05 - 0.02])
    step = Problem.create(dt=0.01, noise_strength=0.1)
    np.testing.assert_allclose(noisy_update(step.replace(state_bounds="reflect"), mean, xi), np.abs(y), rtol=1e-6)
    np.testing.assert_allclose(noisy_update(step, mean, xi), np.clip(y, 0, 1), rtol=1e-6)
    np.testing.assert_array_equal(bound_states(jnp.array([-0.5, 2.0]), "reflect"), [0.5, 2.0])
    with pytest.raises(ValueError, match="state_bounds"):
        bound_states(y, "bounce")


def test_half_normal_start_moments():
    """|N(0, sigma^2)|: mean sigma sqrt(2 / pi), second moment sigma^2; sigma 0 starts at 0."""
    start = Problem.create(ic_mean=0.5, ic_spread=0.3, initial_condition="half_normal")
    x = np.asarray(initial_states(start, jax.random.PRNGKey(0), (20_000, 10)), np.float64)
    assert x.min() >= 0.0
    se = 0.3 * math.sqrt(1 - 2 / math.pi) / math.sqrt(x.size)
    assert abs(x.mean() - 0.3 * math.sqrt(2 / math.pi)) < 5 * se
    assert abs((x**2).mean() - 0.09) < 0.002
    np.testing.assert_array_equal(initial_states(start.replace(ic_spread=0.0), jax.random.PRNGKey(0), (3, 4)), 0.0)


def test_reflected_tissue_never_goes_negative_and_may_pass_one():
    f = lambda sbar, s: 1.5 - s  # noqa: E731  (drives every cell towards 1.5)
    problem = Problem.create(n_cells=6, n_replicates=50, n_steps=400, dt=0.01, noise_strength=0.3,
                             state_bounds="reflect", initial_condition="half_normal", ic_spread=0.1)
    final = simulate(problem, f, jax.random.PRNGKey(1))
    assert float(final.min()) >= 0.0 and float(final.max()) > 1.0


def test_bilinear_interpolation_at_and_between_grid_points():
    table = jnp.arange(9.0).reshape(3, 3) ** 2  # values at x, y in {0, 0.5, 1}
    grid = [0.0, 0.5, 1.0]
    for i, x in enumerate(grid):
        for j, y in enumerate(grid):
            assert float(interpolate_2d(table, jnp.float32(x), jnp.float32(y))) == float(table[i, j])
    # between: the mean of the four corners at the cell's centre, linear along an edge
    assert float(interpolate_2d(table, jnp.float32(0.25), jnp.float32(0.75))) == pytest.approx(
        (table[0, 1] + table[0, 2] + table[1, 1] + table[1, 2]) / 4)
    t = np.asarray(table)
    assert float(interpolate_2d(table, jnp.float32(1.0), jnp.float32(0.1))) == pytest.approx(
        t[2, 0] + 0.2 * (t[2, 1] - t[2, 0]), rel=1e-6)
    # a state above 1 (reflect) is clamped for the look-up
    assert float(interpolate_2d(table, jnp.float32(1.7), jnp.float32(0.0))) == float(table[2, 0])
    # every table size (selects up to 33 a side, gathers above) against the textbook formula
    rng = np.random.default_rng(0)
    for n in (5, 35):
        values = rng.normal(size=(n, n))
        x, y = rng.uniform(size=200), rng.uniform(size=200)
        u, v = x * (n - 1), y * (n - 1)
        i, j = np.minimum(u.astype(int), n - 2), np.minimum(v.astype(int), n - 2)
        a, b = u - i, v - j
        expected = ((1 - a) * (1 - b) * values[i, j] + (1 - a) * b * values[i, j + 1]
                    + a * (1 - b) * values[i + 1, j] + a * b * values[i + 1, j + 1])
        got = interpolate_2d(jnp.asarray(values, jnp.float32), jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32))
        np.testing.assert_allclose(got, expected, atol=2e-5)
    f = PiecewiseLinear(n_knots=3, inputs=("s", "sbar"))
    assert float(f.apply(table.reshape(-1), jnp.float32(0.0), jnp.float32(0.5))) == float(table[1, 0])


def test_lateral_inhibition_is_the_papers_formula():
    f = LateralInhibition(h_s=4.0, h_g=2.0)
    s, sbar = 0.7, 0.2
    expected = 1 / (1 + math.exp(-2 * (2.0 * s - 4.0 * sbar))) - s
    assert float(f.apply(jnp.array([4.0, 2.0]), jnp.float32(sbar), jnp.float32(s))) == pytest.approx(expected, 1e-6)
    population = f.init_population(jax.random.PRNGKey(0), 5)
    np.testing.assert_array_equal(population[0], [4.0, 2.0])  # the start first, then random ones
    assert len({tuple(np.asarray(row)) for row in population}) == 5
    with pytest.raises(ConfigError, match="network.inputs"):
        Config.from_dict({"network": {"architecture": "lateral_inhibition"}})


def test_z_fates_by_hand():
    model = make_network(Config().network, Config.from_dict({"fates": {"thresholds": [0.3, 0.6]}}).fates)
    states = jnp.array([[0.1, 0.3, 0.59, 0.6, 2.0]])
    np.testing.assert_array_equal(model.fates(jnp.zeros(model.n_params), states), [[0, 1, 1, 2, 2]])
    # two patterns half and half, each fate a third of the cells: U = log2 3 - 1 / 3
    patterns = jnp.array([[0, 1, 2], [0, 1, 2], [2, 1, 0], [2, 1, 0]], jnp.float32)
    u, s_pat, s_rep = utility(patterns, "hard", n_fates=3)
    assert float(s_pat) == pytest.approx(math.log2(3), abs=1e-6)
    assert float(s_rep) == pytest.approx(1 / 3, abs=1e-6)
    assert float(u) == pytest.approx(math.log2(3) - 1 / 3, abs=1e-6)
    parts = information_decomposition(patterns, 3)
    # each position: fates {0, 2} (1 bit) or {1} (0 bits): S_cf = 2 / 3
    assert float(parts["s_cf"]) == pytest.approx(2 / 3, abs=1e-6)
    assert int(parts["n_distinct"]) == 2
    # 17 cells of 4 fates need two words of 2-bit fates: the count still sees every row
    many = jnp.asarray(np.random.default_rng(0).integers(0, 4, (50, 17)), jnp.float32)
    assert int(information_decomposition(many, 4)["n_distinct"]) == len({tuple(r) for r in np.asarray(many)})


def test_learned_thresholds_ride_at_the_end_of_the_parameters():
    cfg = tiny_config(fates={"thresholds": [0.4, 0.7], "learn_thresholds": True})
    model = make_network(cfg.network, cfg.fates)
    assert model.n_params == 97 + 2
    flat = model.init_flat(jax.random.PRNGKey(0))
    np.testing.assert_array_equal(flat[-2:], np.float32([0.4, 0.7]))
    np.testing.assert_array_equal(model.fate_thresholds(flat.at[-2:].set(jnp.array([0.9, 0.2]))),
                                  np.float32([0.2, 0.9]))
    states = jnp.array([0.1, 0.5, 0.95])
    np.testing.assert_array_equal(model.fates(flat, states), [0, 1, 2])


@pytest.mark.slow
def test_threshold_learning_on_a_tiny_problem():
    """States stay where they start (f ~ 0, no noise): uniform on [0.4, 0.6]. From a threshold of 0.95
    every cell has fate 0 (U = 0); the search moves the threshold into the states, where U > 0."""
    cfg = tiny_config(simulation={"noise_strength": 0.0, "n_replicates": 16}, network={"max_rate": 1e-6},
                      fates={"thresholds": [0.95], "learn_thresholds": True},
                      evolution={"strategy": "cma_es", "n_generations": 12, "final_choice": "best_ever",
                                 "fitness": "hard"})
    from fatenet.training import train

    result = train(cfg, 0, progress=False)
    assert 0.4 < result.params[-1] < 0.6
    assert result.fitness > 0.3


@pytest.mark.slow
def test_none_keeps_the_start_and_evaluate_scores_the_papers_f():
    from fatenet.evaluation import evaluate
    from fatenet.training import train

    cfg = tiny_config(network={"architecture": "lateral_inhibition", "inputs": ["s", "sbar"], "h_s": 4.0,
                               "h_g": 2.0}, evolution={"strategy": "none", "final_choice": "best_ever"},
                      simulation={"state_bounds": "reflect", "initial_condition": "half_normal"})
    result = train(cfg, 0, progress=False)
    np.testing.assert_array_equal(result.params, [4.0, 2.0])
    assert result.history["best_fitness"].nunique() > 1  # scored on fresh batches every generation
    metrics = evaluate(cfg, [4.0, 2.0], 0).metrics.set_index("network")
    assert 0.0 <= metrics.loc["trained", "utility"] <= 1.0
    assert metrics.loc["trained", "utility_normalized"] == metrics.loc["trained", "utility"]


PINS = seed_model_pins.load()


@pytest.mark.skipif(not portability.enabled(), reason="the pins hold with the instruction-set pin")
@pytest.mark.parametrize("name", sorted(PINS["cases"]))
def test_the_seeds_model_does_not_move(name):
    """Fitness, S_rep and final states of the seed's model (inputs [sbar], nearest, clip, uniform
    starts) against the stored values (tests/seed_model_pins.py): the utilities and the piecewise-
    linear f's states bit for bit, the MLP's states within MLP_STATE_TOLERANCE (their last bits
    depend on the CPU)."""
    now, pinned = seed_model_pins.values(PINS["cases"][name]), PINS["values"][name]
    for key in ("fitness", "s_rep"):
        np.testing.assert_array_equal(np.float32(now[key]), np.float32(pinned[key]), err_msg=key)
    if PINS["cases"][name].get("network", {}).get("architecture") == "piecewise_linear":
        np.testing.assert_array_equal(np.float32(now["final_states"]), np.float32(pinned["final_states"]))
    else:
        np.testing.assert_allclose(now["final_states"], pinned["final_states"], rtol=0,
                                   atol=seed_model_pins.MLP_STATE_TOLERANCE)


def test_the_papers_examples_match_the_authors_code():
    """U of the paper's two examples on 4000 fresh tissues within 0.02 of the authors' own code's
    (benchmarks/authors_reference: their simulator run unchanged; benchmarks/authors_check.py runs
    every case)."""
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from authors_check import REFERENCE, fatenet_config, fatenet_utility

    cases = {case["name"]: case for case in json.loads(REFERENCE.read_text())["cases"]}
    for name in ("paper_lis", "paper_proportions"):
        u, top = fatenet_utility(fatenet_config(cases[name]["settings"]), 4000, 0)
        assert abs(u - cases[name]["U_bits_per_cell"]) < 0.02, (name, u)
    # the lateral-inhibition example's three patterns, both ends on (the sender weights' edges)
    assert {p for p, _ in fatenet_utility(fatenet_config(cases["paper_lis"]["settings"]), 4000, 0)[1]} == {
        p["pattern"] for p in cases["paper_lis"]["top_patterns"][:3]}
