"""The Gaussian stream: the hash against a plain-Python reference, the quantile table against
the exact normal quantile, moments and normality tests, independence, and block invariance."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtri

from fatenet import dynamics
from fatenet.noise import (
    gaussian_noise,
    hashed_bits,
    mix,
    normals_from_bits,
    step_normals,
    stream_seed,
)
from fatenet.problem import Problem

M32 = 0xFFFFFFFF


def mix_reference(x: int) -> int:
    """MurmurHash3 fmix32 in plain Python integers."""
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & M32
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & M32
    return x ^ (x >> 16)


def test_mix_is_murmur3_fmix32():
    values = [0, 1, 2, 0x9E3779B9, M32, 123456789]
    got = np.asarray(mix(jnp.asarray(values, jnp.uint32))).tolist()
    assert got == [mix_reference(v) for v in values]
    assert mix_reference(0) == 0 and got[0] == 0


def test_hashed_bits_follow_the_documented_formula():
    seed = np.array([0xDEADBEEF, 0x12345678], np.uint32)
    for step, element in [(0, 0), (0, 5), (7, 0), (1999, 3499)]:
        first = mix_reference((element * 0x9E3779B9 + int(seed[0])) & M32)
        expected = mix_reference(first ^ ((int(seed[1]) + step * 0x85EBCA77) & M32))
        assert int(hashed_bits(jnp.asarray(seed), step, element)) == expected


def exact_normals(bits: np.ndarray) -> np.ndarray:
    """The transform the table approximates, in float64: sign bit, w from the low 31 bits."""
    bits = bits.astype(np.uint64)
    w = (((bits << 1) & M32) | 1).astype(np.float64) / 2.0**32
    magnitude = -ndtri(w / 2.0)
    return np.where(bits >> 31 == 1, -magnitude, magnitude)


def test_quantile_table_matches_the_exact_normal_quantile():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**32, size=200_000, dtype=np.uint64).astype(np.uint32)
    # Every octave and the extremes: w = 2^-32 (largest |xi|), w near 1 (xi near 0).
    edges = np.array([0, 1, 2**31, 2**31 + 1, 2**30 - 1, M32, 0x7FFFFFFF] + [1 << k for k in range(31)], np.uint32)
    bits = np.concatenate([bits, edges])
    got = np.asarray(normals_from_bits(jnp.asarray(bits)), np.float64)
    want = exact_normals(bits)
    assert np.max(np.abs(got - want)) < 1e-5
    assert np.max(np.abs(got)) == pytest.approx(-ndtri(2.0**-33), abs=1e-5)  # 6.3, the largest


def test_normals_have_standard_moments_and_pass_normality_tests():
    z = np.asarray(gaussian_noise(jax.random.PRNGKey(0), (2000, 1000)), np.float64).ravel()
    n = z.size
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert z.var() == pytest.approx(1.0, abs=4 * np.sqrt(2 / n))
    assert abs(stats.skew(z)) < 4 * np.sqrt(6 / n)
    assert abs(stats.kurtosis(z)) < 4 * np.sqrt(24 / n)
    assert np.mean(np.abs(z) > 1.959964) == pytest.approx(0.05, abs=4 * np.sqrt(0.05 * 0.95 / n))
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert stats.anderson(z[:100_000], method="interpolate").pvalue > 1e-3


def test_steps_cells_and_streams_are_uncorrelated():
    seed = stream_seed(jax.random.PRNGKey(3))
    z = np.asarray(step_normals(seed, 0, 400, (50, 7)), np.float64)  # (steps, replicates, cells)
    other = np.asarray(step_normals(stream_seed(jax.random.PRNGKey(4)), 0, 400, (50, 7)), np.float64)
    limit = 5 / np.sqrt(z.size)
    corr = lambda a, b: float(np.corrcoef(a.ravel(), b.ravel())[0, 1])  # noqa: E731
    assert abs(corr(z[1:], z[:-1])) < limit  # the same cell at consecutive steps
    assert abs(corr(z[:, :, 1:], z[:, :, :-1])) < limit  # neighbouring cells
    assert abs(corr(z[:, 1:], z[:, :-1])) < limit  # neighbouring replicates
    assert abs(corr(z, other)) < limit  # two keys


def test_a_block_of_steps_equals_the_same_steps_drawn_in_pieces():
    seed = stream_seed(jax.random.PRNGKey(9))
    whole = step_normals(seed, 0, 10, (4, 3))
    pieces = jnp.concatenate([step_normals(seed, 0, 3, (4, 3)), step_normals(seed, 3, 7, (4, 3))])
    assert jnp.array_equal(whole, pieces)


@pytest.mark.parametrize("boundary", ["open", "fixed", "periodic"])
def test_simulation_equals_replicates_first_steps_with_noise_drawn_in_blocks(boundary):
    """simulate (cells-first, a step's noise drawn inside the step) against the plain loop:
    replicates-first euler_maruyama_step fed by step_normals drawn in blocks of several sizes."""
    f = lambda s, _=None: -jnp.tanh(5 * (s - 0.5))  # noqa: E731
    key = jax.random.PRNGKey(2)
    problem = Problem.create(n_cells=7, n_replicates=6, n_steps=523, dt=0.01, noise_strength=0.1, boundary=boundary)
    got = dynamics.simulate(problem, f, key)
    k_init, k_noise = jax.random.split(key)
    s0, seed = dynamics.initial_states(problem, k_init, (6, 7)), stream_seed(k_noise)

    @functools.partial(jax.jit, static_argnums=2)
    def block(s, first, size):  # ``size`` steps from step ``first``, their normals drawn together
        xi = step_normals(seed, first, size, (6, 7))
        return jax.lax.scan(lambda s, x: (dynamics.euler_maruyama_step(problem, s, x, f), None), s, xi)[0]

    for size in (1, 7, 100, 1000):
        want = s0
        for first in range(0, 523, size):
            want = block(want, jnp.uint32(first), min(size, 523 - first))
        assert jnp.array_equal(got, want), size


def test_noise_is_deterministic_and_ignores_the_global_threefry_setting():
    key = jax.random.PRNGKey(5)
    with jax.threefry_partitionable(True):
        a = gaussian_noise(key, (64,))
    with jax.threefry_partitionable(False):
        b = gaussian_noise(key, (64,))
    assert jnp.array_equal(a, b)
    assert not jnp.array_equal(a, gaussian_noise(jax.random.PRNGKey(6), (64,)))
