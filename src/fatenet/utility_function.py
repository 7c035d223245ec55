"""Information utility of fate patterns, in bits per cell (docs/model.md).

Patterns are arrays ``(R, N)``: ``R`` replicates of ``N`` cells, values in [0, 1] (hard 0/1
fates or soft ones), or with ``n_fates`` = Z > 2 the fates 0 ... Z - 1.

    S_pat = H(q)                      entropy of the pooled fates (Z = 2: H2(pbar) of fate 1)
    S_rep = H(P) / N                  entropy of the whole-pattern distribution, per cell
    U     = S_pat - S_rep             at most log2(Z) bits per cell
    S_cf  = mean_i H(q_i)             mean entropy of each position's fate
    PI    = S_pat - S_cf              positional information
    CI    = S_cf - S_rep              correlational information   (U = PI + CI)

(Bruckner & Tkacik, PNAS 2024.) Hard patterns are counted, not compared in pairs: each
row's fates are packed into 32-bit words, the rows are sorted, and runs of equal rows are the
distinct patterns with their counts ``n_k`` (``pattern_counts``; O(R log R) time and O(R)
memory for any ``N``), so ``H = -sum_k (n_k / R) log2(n_k / R)``. The soft entropy replaces
equality by a Gaussian kernel of bandwidth ``h`` and compares every pair of replicates, so it
is for training-sized ``R`` (``SOFT_MAX_REPLICATES``); on hard patterns
``soft_pattern_entropy_of_counts`` gives the same value from the distinct patterns. Everything
taking ``jax.Array`` patterns is jittable.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

_LN2 = 0.6931471805599453
SOFT_MAX_REPLICATES = 5000
"""Largest R the pairwise soft entropy accepts (R^2 kernel terms)."""
SOFT_MAX_PATTERNS = 5000
"""Largest number of distinct patterns ``soft_pattern_entropy_of_counts`` accepts (K^2 terms)."""


def _xlog2x(p, xp=jnp):
    """p * log2(p) with 0 log 0 = 0 and finite gradients at 0 (``xp``: jax.numpy or numpy)."""
    safe = xp.where(p > 0, p, 1.0)
    return xp.where(p > 0, p * xp.log2(safe), 0.0)


def binary_entropy(p, xp=jnp):
    """H2(p) = -p log2 p - (1-p) log2 (1-p), in bits; ``xp`` is jax.numpy (default) or numpy."""
    p = xp.clip(p, 0.0, 1.0)
    return -(_xlog2x(p, xp) + _xlog2x(1.0 - p, xp))


def entropy_bits(counts, xp=jnp):
    """Plug-in entropy (bits) of the distribution with these counts along the last axis (zeros ignored)."""
    p = counts / xp.sum(counts, axis=-1, keepdims=True)
    return -xp.sum(_xlog2x(p, xp), axis=-1)


def fate_bits(n_fates: int) -> int:
    """Bits that hold one of ``n_fates`` fates: 1 for two, 2 for three or four, ..."""
    if not isinstance(n_fates, int) or n_fates < 2:
        raise ValueError(f"invalid n_fates {n_fates!r}: must be an integer >= 2")
    return max(1, (n_fates - 1).bit_length())


def _packed_rows(patterns: jax.Array, n_fates: int = 2) -> list[jax.Array]:
    """Each row's fates packed into uint32 words, most significant first: with two fates one
    bit a cell (>= 0.5 is 1), 32 cells a word; with Z fates ``fate_bits(Z)`` bits a cell."""
    if n_fates == 2:
        x = jnp.asarray(patterns) >= 0.5
        width, per_word = 1, 32
    else:
        x = jnp.clip(jnp.round(jnp.asarray(patterns)), 0, n_fates - 1)
        width = fate_bits(n_fates)
        per_word = 32 // width
    n = x.shape[1]
    words = []
    for start in range(0, n, per_word):
        bits = x[:, start:start + per_word].astype(jnp.uint32)
        shifts = jnp.arange(bits.shape[1], dtype=jnp.uint32) * jnp.uint32(width)
        weights = jnp.left_shift(jnp.uint32(1), shifts)
        words.append(jnp.sum(bits * weights, axis=1, dtype=jnp.uint32))
    return words


def pattern_counts(patterns: jax.Array, n_fates: int = 2) -> jax.Array:
    """(R,) counts of the distinct rows, in sorted order, padded with zeros (K non-zero entries).

    Rows are packed into words and sorted; a run of equal rows is one distinct pattern.
    """
    words = _packed_rows(patterns, n_fates)
    r = words[0].shape[0]
    order = jnp.lexsort(tuple(reversed(words)))  # lexsort's last key is the primary one
    sorted_words = [w[order] for w in words]
    new = jnp.zeros(r, bool).at[0].set(True)
    for w in sorted_words:
        new = new.at[1:].set(new[1:] | (w[1:] != w[:-1]))
    group = jnp.cumsum(new) - 1
    return jax.ops.segment_sum(jnp.ones(r, jnp.float32), group, num_segments=r)


def _distinct(counts: jax.Array) -> jax.Array:
    return jnp.sum(counts > 0).astype(jnp.int32)


def _miller_madow_bits(counts: jax.Array) -> jax.Array:
    r = jnp.sum(counts)
    return entropy_bits(counts) + (_distinct(counts) - 1) / (2.0 * r * _LN2)


def pattern_entropy_bits(patterns: jax.Array, n_fates: int = 2) -> jax.Array:
    """Plug-in Shannon entropy (bits, whole pattern) of the empirical distribution of rows."""
    return entropy_bits(pattern_counts(patterns, n_fates))


def distinct_patterns(patterns: jax.Array, n_fates: int = 2) -> jax.Array:
    """Number of distinct rows."""
    return _distinct(pattern_counts(patterns, n_fates))


def pattern_entropy(patterns: jax.Array, n_fates: int = 2) -> jax.Array:
    """S_rep: plug-in pattern entropy per cell, bits."""
    return pattern_entropy_bits(patterns, n_fates) / jnp.asarray(patterns).shape[1]


def miller_madow_pattern_entropy(patterns: jax.Array) -> jax.Array:
    """S_rep with the Miller-Madow bias correction (K - 1) / (2 R ln 2) bits, per cell.

    ``K`` is the number of distinct observed patterns. A bias-corrected estimate, reported
    beside the plug-in one.
    """
    return _miller_madow_bits(pattern_counts(patterns)) / jnp.asarray(patterns).shape[1]


def _check_soft_size(r: int) -> None:
    if r > SOFT_MAX_REPLICATES:
        raise ValueError(f"the soft utility compares every pair of replicates; R = {r} replicates exceeds its limit "
                         f"of {SOFT_MAX_REPLICATES} (R^2 = {r * r:.2e} kernel terms): use fitness hard, fewer "
                         "replicates, or soft_pattern_entropy_of_counts for hard patterns")


def soft_pattern_entropy(patterns: jax.Array, bandwidth: float = 0.1) -> jax.Array:
    """S_rep_soft = -(1/(R N)) sum_r log2((1/R) sum_q exp(-|x_r - x_q|^2 / (2 h^2))); R <= SOFT_MAX_REPLICATES."""
    x = jnp.asarray(patterns)
    r, n = x.shape
    _check_soft_size(r)
    sq = jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    log_density = jax.nn.logsumexp(-sq / (2.0 * bandwidth**2), axis=1) - jnp.log(r)
    return -jnp.mean(log_density) / (_LN2 * n)


def soft_pattern_entropy_of_counts(distinct: np.ndarray, counts: np.ndarray, bandwidth: float = 0.1) -> float:
    """``soft_pattern_entropy`` of hard patterns given as distinct rows (K, N) and their counts (K,).

    Equal rows have equal kernel sums, so the R x R sum becomes a K x K one (host, float64).
    """
    x = np.asarray(distinct, np.float64)
    n_k = np.asarray(counts, np.float64)
    k, n = x.shape
    if k > SOFT_MAX_PATTERNS:
        raise ValueError(f"the soft utility of {k} distinct patterns needs {k}^2 kernel terms; the limit is "
                         f"{SOFT_MAX_PATTERNS} distinct patterns")
    ones = x.sum(axis=1)
    sq = ones[:, None] + ones[None, :] - 2.0 * (x @ x.T)  # squared distance of 0/1 rows
    log_kernel = -sq / (2.0 * bandwidth**2)
    top = log_kernel.max(axis=1, keepdims=True)
    log_density = top[:, 0] + np.log(np.exp(log_kernel - top) @ n_k) - np.log(n_k.sum())
    return float(-np.sum(n_k * log_density) / (n_k.sum() * n * np.log(2.0)))


def fate_shares(fates: jax.Array, n_fates: int, axis=None) -> jax.Array:
    """The share of each fate 0 ... Z - 1 (last axis) of integer-valued ``fates`` over ``axis``."""
    fates = jnp.asarray(fates)
    return jnp.stack([jnp.mean(fates == k, axis=axis) for k in range(n_fates)], axis=-1)


def pooled_entropy(patterns: jax.Array, n_fates: int = 2) -> jax.Array:
    """S_pat: H2(mean fate over all replicates and cells); with Z fates, the entropy of their pooled shares."""
    if n_fates == 2:
        return binary_entropy(jnp.mean(jnp.asarray(patterns)))
    return entropy_bits(fate_shares(patterns, n_fates))


def positional_entropy(patterns: jax.Array, n_fates: int = 2) -> jax.Array:
    """S_cf = mean over positions of each position's fate entropy."""
    if n_fates == 2:
        return jnp.mean(binary_entropy(jnp.mean(jnp.asarray(patterns), axis=0)))
    return jnp.mean(entropy_bits(fate_shares(patterns, n_fates, axis=0)))


def compute_hard_utility(patterns: jax.Array, n_fates: int = 2):
    """(U, S_pat, S_rep) with the plug-in pattern entropy (patterns should be hard fates)."""
    s_pat = pooled_entropy(patterns, n_fates)
    s_rep = pattern_entropy(patterns, n_fates)
    return s_pat - s_rep, s_pat, s_rep


def compute_soft_utility(patterns: jax.Array, bandwidth: float = 0.1, n_fates: int = 2):
    """(U, S_pat, S_rep_soft): the seed's fitness, Gaussian-kernel pattern entropy (on the fate values)."""
    s_pat = pooled_entropy(patterns, n_fates)
    s_rep = soft_pattern_entropy(patterns, bandwidth)
    return s_pat - s_rep, s_pat, s_rep


def utility(patterns: jax.Array, kind: str = "hard", bandwidth: float = 0.1, n_fates: int = 2):
    """(U, S_pat, S_rep) of the ``kind`` named by ``evolution.fitness``: ``hard`` or ``soft``."""
    if kind == "soft":
        return compute_soft_utility(patterns, bandwidth, n_fates)
    if kind == "hard":
        return compute_hard_utility(patterns, n_fates)
    raise ValueError(f"invalid fitness {kind!r}: must be soft or hard")


def leave_one_out_utilities(patterns: jax.Array, kind: str = "hard", bandwidth: float = 0.1) -> jax.Array:
    """(R,) utilities of the other R - 1 replicates, leaving each replicate out in turn.

    Entry ``j`` equals ``compute_hard_utility`` (``kind="hard"``) or ``compute_soft_utility``
    of the patterns without row ``j``. It does not depend on replicate ``j`` itself, which
    makes it a valid baseline for that replicate in a score-function gradient. O(R^2), for
    training-sized R (at most SOFT_MAX_REPLICATES).
    """
    x = jnp.asarray(patterns)
    r, n = x.shape
    _check_soft_size(r)
    if kind == "hard":
        kernel = jnp.all(x[:, None, :] == x[None, :, :], axis=-1).astype(x.dtype)
    else:
        sq = jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
        kernel = jnp.exp(-sq / (2.0 * bandwidth**2))
    # Without replicate j, replicate q's kernel sum loses kernel[q, j]: others[j, q].
    others = jnp.sum(kernel, axis=1)[None, :] - kernel.T
    kept = ~jnp.eye(r, dtype=bool)
    log_density = jnp.log2(jnp.where(kept, others, 1.0) / (r - 1))
    s_rep = -jnp.sum(jnp.where(kept, log_density, 0.0), axis=1) / ((r - 1) * n)
    s_pat = binary_entropy((jnp.sum(x) - jnp.sum(x, axis=1)) / ((r - 1) * n))
    return s_pat - s_rep


def information_decomposition(patterns: jax.Array, n_fates: int = 2) -> dict[str, jax.Array]:
    """All hard-pattern entropies: U = PI + CI, with Miller-Madow S_rep alongside."""
    n = jnp.asarray(patterns).shape[1]
    counts = pattern_counts(patterns, n_fates)  # one count serves every pattern statistic
    s_pat = pooled_entropy(patterns, n_fates)
    s_rep = entropy_bits(counts) / n
    s_cf = positional_entropy(patterns, n_fates)
    return {
        "utility": s_pat - s_rep,
        "s_pat": s_pat,
        "s_rep": s_rep,
        "s_rep_mm": _miller_madow_bits(counts) / n,
        "s_cf": s_cf,
        "pi": s_pat - s_cf,
        "ci": s_cf - s_rep,
        "n_distinct": _distinct(counts),
    }
