"""The engine's Gaussian stream: standard normals ``xi`` for every cell and time step.

Drawing noise is most of the cost of a simulation, so fatenet defines its own stream, built
for speed and checked for quality (``tests/test_noise.py``):

* **Bits.** A simulation's key is turned once into two 32-bit words ``(k0, k1)`` (threefry,
  non-partitionable, whatever the user's global flag). The bits of cell element ``j``
  (``replicate * n_cells + cell``) at time step ``t`` are a counter-based hash,

      bits(t, j) = mix(mix(j * 0x9E3779B9 + k0) ^ (k1 + t * 0x85EBCA77)),

  with ``mix`` the MurmurHash3 32-bit finaliser (two multiplies, three xor-shifts). Each
  number depends only on ``(key, t, j)``: no state is carried, any block of steps can be
  drawn in any order, and how many steps are drawn at once (``step_normals``) is a memory
  setting that never changes a result.
* **Normals.** The top bit is the sign; the other 31 bits give ``w`` in (0, 1), and
  ``|xi| = Phi^-1(1 - w / 2)`` (the half-normal quantile) is read from a table that is
  linear in ``w`` within each octave ``[2^-(e+1), 2^-e)`` (``2^QUANTILE_BITS`` segments per
  octave, 32 octaves). The octave is the count of leading zeros, so a normal costs a hash, a
  few integer operations, one table look-up and one multiply-add: no logarithm, square root
  or sine. The table's largest error in ``|xi|`` is below ``1e-5`` (tested against the exact
  quantile), far below float32 noise in a step, and the largest ``|xi|`` is 6.3
  (``Phi^-1(1 - 2^-33)``).
* **Initial states** come from the same hash (``uniforms``), so replicate ``r`` of a
  simulation is the same tissue whether 4 or 100,000 replicates are simulated.

The previous stream (threefry uniforms and Box-Muller) cost five times as much per normal on
CPU; see ``benchmarks/``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax, random
from scipy.special import ndtri

QUANTILE_BITS = 7
"""Table segments per octave of w: 2^7 (values and slopes: 2 x 32 x 128 float32)."""

_OCTAVES = 32
_GOLDEN = np.uint32(0x9E3779B9)
_STEP = np.uint32(0x85EBCA77)
MAX_ELEMENTS = 2**32
"""Cell elements per time step that the 32-bit counter can tell apart."""


def _quantile_table(bits: int = QUANTILE_BITS) -> tuple[np.ndarray, np.ndarray]:
    """(value, slope) at the start of every segment: |xi| = value + frac * slope."""
    m = np.arange(2**bits + 1, dtype=np.float64) / 2**bits
    e = np.arange(_OCTAVES, dtype=np.float64)[:, None]
    w = 2.0 ** -(e + 1) * (1.0 + m)  # (octave, segment edge), w = 2^-(e+1) (1 + m)
    x = -ndtri(w / 2.0)  # Phi^-1(1 - w/2), accurate for tiny w
    return x[:, :-1].reshape(-1).astype(np.float32), np.diff(x, axis=1).reshape(-1).astype(np.float32)


_VALUE, _SLOPE = _quantile_table()


def mix(x: jax.Array) -> jax.Array:
    """MurmurHash3's 32-bit finaliser (a bijection of uint32 with full avalanche)."""
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x85EBCA6B)
    x = x ^ (x >> 13)
    x = x * jnp.uint32(0xC2B2AE35)
    return x ^ (x >> 16)


def stream_seed(key: jax.Array) -> jax.Array:
    """The two words ``(k0, k1)`` that select a stream, from any JAX key (one threefry call)."""
    with jax.threefry_partitionable(False):
        return random.bits(key, (2,), jnp.uint32)


def element_hash(k0: jax.Array, element: jax.Array) -> jax.Array:
    """The first half of the hash, ``mix(element * 0x9E3779B9 + k0)`` (uint32 ``k0``, ``element``)."""
    return mix(element * _GOLDEN + k0)


def step_hash(k1: jax.Array, words: jax.Array, step: jax.Array) -> jax.Array:
    """The second half, ``mix(words ^ (k1 + step * 0x85EBCA77))``: the bits at time ``step`` (uint32 all)."""
    return mix(words ^ (k1 + step * _STEP))


def element_words(seed: jax.Array, element: jax.Array) -> jax.Array:
    """``element_hash`` of the stream ``seed``: the same at every time step."""
    return element_hash(jnp.asarray(seed, jnp.uint32)[0], jnp.asarray(element, jnp.uint32))


def bits_at_step(seed: jax.Array, words: jax.Array, step: jax.Array) -> jax.Array:
    """uint32 bits at time ``step`` of the elements whose ``element_words`` are ``words``."""
    return step_hash(jnp.asarray(seed, jnp.uint32)[1], words, jnp.asarray(step, jnp.uint32))


def hashed_bits(seed: jax.Array, step: jax.Array, element: jax.Array) -> jax.Array:
    """uint32 bits of ``element`` at time ``step`` (broadcast together) in the stream ``seed``."""
    return bits_at_step(seed, element_words(seed, element), step)


def quantile_table() -> tuple[np.ndarray, np.ndarray]:
    """The half-normal quantile table ``(value, slope)``, float32 (2^QUANTILE_BITS x 32 entries each)."""
    return _VALUE, _SLOPE


def normals_from_bits(bits: jax.Array, value=None, slope=None) -> jax.Array:
    """Standard normals (float32) from uniformly random uint32 bits, one each (module doc).

    ``value``, ``slope``: where the table is read (``quantile_table``'s arrays by default; the
    fused kernel passes the references it was handed)."""
    value = jnp.asarray(_VALUE) if value is None else value
    slope = jnp.asarray(_SLOPE) if slope is None else slope
    bits = jnp.asarray(bits, jnp.uint32)
    v = (bits << 1) | jnp.uint32(1)  # the low 31 bits as an odd 32-bit number: w = v / 2^32
    octave = lax.clz(v)  # w in [2^-(octave+1), 2^-octave)
    top = v << octave  # leading bit set
    segment = (top >> (31 - QUANTILE_BITS)) & jnp.uint32(2**QUANTILE_BITS - 1)
    frac = ((top << (QUANTILE_BITS + 1)) >> 8).astype(jnp.float32) * jnp.float32(2.0**-24)
    index = (octave << QUANTILE_BITS) | segment
    magnitude = value[index] + frac * slope[index]
    return jnp.where((bits >> 31) == 1, -magnitude, magnitude)


def path_normals(seed: jax.Array, words: jax.Array, t, substeps: int = 1) -> jax.Array:
    """The normals that drive step ``t`` of elements ``words``: the stream's own (``substeps`` 1), or
    with m = ``substeps`` > 1 the sum of the m finer steps' normals over sqrt(m) (the same Brownian
    path, resolved m times finer: ``dynamics.simulate``'s ``substeps``)."""
    if substeps == 1:
        return normals_from_bits(bits_at_step(seed, words, t))
    first = t * jnp.uint32(substeps)
    total = sum(normals_from_bits(bits_at_step(seed, words, first + jnp.uint32(j))) for j in range(substeps))
    return total * jnp.float32(1.0 / np.sqrt(substeps))


def step_normals(seed: jax.Array, first_step, n_steps: int, step_shape: tuple[int, ...]) -> jax.Array:
    """Normals ``(n_steps, *step_shape)`` of steps ``first_step, ..., first_step + n_steps - 1``.

    Element ``j`` of a step is its flat (C-order) index within ``step_shape``.
    """
    size = int(np.prod(step_shape, dtype=np.int64))
    if size >= MAX_ELEMENTS:
        raise ValueError(f"a time step of {size} cell elements exceeds the stream's counter ({MAX_ELEMENTS})")
    steps = jnp.asarray(first_step, jnp.uint32) + lax.iota(jnp.uint32, int(n_steps))
    elements = lax.iota(jnp.uint32, size)
    bits = hashed_bits(seed, steps[:, None], elements[None, :])
    return normals_from_bits(bits).reshape(int(n_steps), *step_shape)


def uniforms(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """Uniforms on (0, 1) of ``shape`` from ``key`` (24-bit midpoints), element ``j`` from bits(0, j).

    Like the normals, element ``j`` does not depend on how many elements are drawn, so the first
    replicates of a large simulation are those of a small one with the same key.
    """
    shape = tuple(int(d) for d in shape)
    bits = hashed_bits(stream_seed(key), 0, lax.iota(jnp.uint32, int(np.prod(shape, dtype=np.int64))))
    return ((bits >> 8).astype(jnp.float32) + jnp.float32(0.5)) * jnp.float32(2.0**-24)


def gaussian_noise(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """Standard normals of ``shape`` from ``key``: the stream's step 0, elements in C order."""
    shape = tuple(int(d) for d in shape)
    return step_normals(stream_seed(key), 0, 1, shape)[0]
