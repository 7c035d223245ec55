"""Utilities against hand-computed entropies (docs/model.md's worked values and small cases)."""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fatenet.utility_function import (
    binary_entropy,
    compute_hard_utility,
    compute_soft_utility,
    distinct_patterns,
    information_decomposition,
    leave_one_out_utilities,
    miller_madow_pattern_entropy,
    pattern_counts,
    soft_pattern_entropy,
    soft_pattern_entropy_of_counts,
)
from helpers import h2

ALT = [0, 1, 0, 1, 0, 1, 0]
ANTI = [1, 0, 1, 0, 1, 0, 1]



def rows(*patterns, repeat=1):
    return jnp.array([p for p in patterns for _ in range(repeat)], jnp.float32)


@pytest.mark.parametrize("utility", [compute_hard_utility, lambda x: compute_soft_utility(x, 0.1)])
def test_spec_worked_values(utility):
    u, s_pat, s_rep = utility(rows(ALT, repeat=50))
    assert float(s_pat) == pytest.approx(0.985228, abs=1e-6)
    assert float(s_rep) == pytest.approx(0.0, abs=1e-6)
    assert float(u) == pytest.approx(0.985228, abs=1e-6)

    u, s_pat, s_rep = utility(jnp.concatenate([rows(ALT, repeat=25), rows(ANTI, repeat=25)]))
    assert float(s_pat) == pytest.approx(1.0, abs=1e-6)
    assert float(s_rep) == pytest.approx(1 / 7, abs=1e-6)
    assert float(u) == pytest.approx(0.857143, abs=1e-6)

    u, *_ = utility(jnp.concatenate([rows([0] * 7, repeat=25), rows([1] * 7, repeat=25)]))
    assert float(u) == pytest.approx(0.857143, abs=1e-6)

    u, s_pat, s_rep = utility(rows([0] * 7, repeat=50))
    assert (float(u), float(s_pat), float(s_rep)) == pytest.approx((0.0, 0.0, 0.0), abs=1e-6)


@pytest.mark.parametrize("utility", [compute_hard_utility, lambda x: compute_soft_utility(x, 0.1)])
def test_uniform_over_all_patterns_has_zero_utility(utility):
    everything = jnp.array(list(itertools.product([0, 1], repeat=7)), jnp.float32)
    u, s_pat, s_rep = utility(everything)
    assert float(s_pat) == pytest.approx(1.0, abs=1e-6)
    assert float(s_rep) == pytest.approx(1.0, abs=1e-6)
    assert float(u) == pytest.approx(0.0, abs=1e-6)


def test_hand_computed_small_case_and_decomposition():
    # 4 replicates of 2 cells: 00, 00, 01, 11.
    x = jnp.array([[0, 0], [0, 0], [0, 1], [1, 1]], jnp.float32)
    d = {k: float(v) for k, v in information_decomposition(x).items()}
    s_pat = h2(3 / 8)
    s_rep = 1.5 / 2  # probabilities 1/2, 1/4, 1/4 -> 1.5 bits over 2 cells
    s_cf = (h2(1 / 4) + h2(1 / 2)) / 2
    assert d["s_pat"] == pytest.approx(s_pat, abs=1e-6)
    assert d["s_rep"] == pytest.approx(s_rep, abs=1e-6)
    assert d["utility"] == pytest.approx(s_pat - s_rep, abs=1e-6)
    assert d["s_cf"] == pytest.approx(s_cf, abs=1e-6)
    assert d["pi"] == pytest.approx(s_pat - s_cf, abs=1e-6)
    assert d["ci"] == pytest.approx(s_cf - s_rep, abs=1e-6)
    assert d["n_distinct"] == 3
    # Miller-Madow adds (K - 1) / (2 R ln 2) bits to the whole-pattern entropy.
    assert d["s_rep_mm"] == pytest.approx((1.5 + 2 / (2 * 4 * math.log(2))) / 2, abs=1e-6)


def test_soft_entropy_hand_computed_on_soft_patterns():
    x = jnp.array([[0.0], [0.1]], jnp.float32)
    kernel = math.exp(-0.01 / (2 * 0.1**2))
    expected = -math.log2(0.5 * (1 + kernel))
    assert float(soft_pattern_entropy(x, 0.1)) == pytest.approx(expected, abs=1e-6)
    u, s_pat, s_rep = compute_soft_utility(x, bandwidth=0.1)
    assert float(s_pat) == pytest.approx(h2(0.05), abs=1e-6)
    assert float(u) == pytest.approx(h2(0.05) - expected, abs=1e-6)


def test_soft_equals_hard_on_hard_patterns():
    x = (jax.random.uniform(jax.random.PRNGKey(3), (40, 5)) > 0.6).astype(jnp.float32)
    assert float(compute_soft_utility(x, 0.1)[2]) == pytest.approx(float(compute_hard_utility(x)[2]), abs=1e-6)


def test_binary_entropy_edges_and_gradient_are_finite():
    assert [float(v) for v in binary_entropy(jnp.array([0.0, 0.5, 1.0]))] == [0.0, 1.0, 0.0]
    grad = jax.grad(lambda p: compute_soft_utility(p, 0.1)[0])(jnp.zeros((4, 3)))
    assert np.all(np.isfinite(np.asarray(grad)))


def test_distinct_patterns_and_miller_madow_for_identical_rows():
    x = rows(ALT, repeat=10)
    assert int(distinct_patterns(x)) == 1
    assert float(miller_madow_pattern_entropy(x)) == pytest.approx(0.0, abs=1e-7)


def test_utilities_give_the_worked_values_inside_jit():
    x = rows(ALT, ANTI, repeat=3)
    u, s_pat, s_rep = jax.jit(compute_hard_utility)(x)
    assert (float(u), float(s_pat), float(s_rep)) == pytest.approx((0.857143, 1.0, 1 / 7), abs=1e-6)
    u, _, _ = jax.jit(compute_soft_utility)(x, 0.1)
    assert float(u) == pytest.approx(0.857143, abs=1e-6)


@pytest.mark.parametrize("kind", ["hard", "soft"])
def test_leave_one_out_utilities_equal_deleting_each_row(kind):
    patterns = jnp.array([[0, 1, 0], [0, 1, 0], [1, 0, 1], [1, 1, 1], [0, 1, 0]], jnp.float32)
    loo = np.asarray(leave_one_out_utilities(patterns, kind, 0.3))
    compute = compute_hard_utility if kind == "hard" else (lambda x: compute_soft_utility(x, 0.3))
    expected = [float(compute(jnp.delete(patterns, j, axis=0))[0]) for j in range(5)]
    np.testing.assert_allclose(loo, expected, rtol=1e-6, atol=1e-6)


def test_leave_one_out_hand_computed():
    # Rows A, A, B (N = 2, A = 01, B = 11). Without row 0 or 1: {A, B}, pbar = 3/4,
    # S_pat = H2(3/4), S_rep = 1/2 bit per cell. Without row 2: {A, A}: U = 1 - 0 = 1.
    patterns = jnp.array([[0, 1], [0, 1], [1, 1]], jnp.float32)
    h34 = -(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25))
    np.testing.assert_allclose(np.asarray(leave_one_out_utilities(patterns)), [h34 - 0.5, h34 - 0.5, 1.0], rtol=1e-6)


def pairwise_reference(x: np.ndarray):
    """The definitions by brute force: c_r = rows equal to row r; H = -mean log2(c_r / R)."""
    equal = np.all(x[:, None, :] == x[None, :, :], axis=-1)
    c = equal.sum(axis=1)
    r = len(x)
    entropy = -np.mean(np.log2(c / r))
    distinct = int(round(np.sum(1.0 / c)))
    return entropy, distinct


@pytest.mark.parametrize("n_cells", [1, 3, 7, 31, 32, 33, 64, 70])
def test_pattern_counting_equals_the_pairwise_definition(n_cells):
    rng = np.random.default_rng(n_cells)
    for r, p_one, n_templates in [(1, 0.5, 1), (40, 0.5, 3), (300, 0.2, 20), (257, 0.5, 300)]:
        # Rows drawn from a few templates, so that patterns repeat, and flipped at random.
        templates = rng.random((n_templates, n_cells)) < p_one
        x = templates[rng.integers(0, n_templates, r)]
        x = x ^ (rng.random(x.shape) < 0.02)
        x = x.astype(np.float32)
        entropy, distinct = pairwise_reference(x)
        counts = np.asarray(pattern_counts(jnp.asarray(x)))
        assert counts.sum() == r and np.count_nonzero(counts) == distinct
        d = information_decomposition(jnp.asarray(x))
        assert int(d["n_distinct"]) == distinct
        assert float(d["s_rep"]) == pytest.approx(entropy / n_cells, abs=1e-5)
        mm = (entropy + (distinct - 1) / (2 * r * math.log(2))) / n_cells
        assert float(d["s_rep_mm"]) == pytest.approx(mm, abs=1e-5)
        # the same numbers inside jit
        assert int(jax.jit(distinct_patterns)(jnp.asarray(x))) == distinct


def test_soft_entropy_of_counts_equals_the_pairwise_soft_entropy():
    rng = np.random.default_rng(0)
    x = (rng.random((200, 9)) < 0.4).astype(np.float32)
    x[:120] = x[0]
    distinct, counts = np.unique(x, axis=0, return_counts=True)
    for bandwidth in (0.1, 0.7, 2.0):
        assert soft_pattern_entropy_of_counts(distinct, counts, bandwidth) == pytest.approx(
            float(soft_pattern_entropy(jnp.asarray(x), bandwidth)), abs=1e-5)


def test_soft_entropy_refuses_a_size_it_cannot_hold():
    from fatenet.utility_function import SOFT_MAX_PATTERNS, SOFT_MAX_REPLICATES

    with pytest.raises(ValueError, match=f"R = {SOFT_MAX_REPLICATES + 1} replicates exceeds"):
        soft_pattern_entropy(jnp.zeros((SOFT_MAX_REPLICATES + 1, 3)))
    many = np.unpackbits(np.arange(SOFT_MAX_PATTERNS + 1, dtype=">u2").view(np.uint8)).reshape(-1, 16)
    with pytest.raises(ValueError, match="distinct patterns"):
        soft_pattern_entropy_of_counts(many, np.ones(len(many)))
