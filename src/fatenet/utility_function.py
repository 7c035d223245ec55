"""Information utility of fate patterns, in bits per cell (SPEC section 3).

Patterns are arrays ``(R, N)``: ``R`` replicates of ``N`` cells, values in [0, 1] (hard 0/1
fates or soft ones).

    S_pat = H2(pbar)                  pooled binary entropy of fate 1
    S_rep = H(P) / N                  entropy of the whole-pattern distribution, per cell
    U     = S_pat - S_rep             at most 1 bit per cell
    S_cf  = mean_i H2(p_i)            mean entropy of each position's fate
    PI    = S_pat - S_cf              positional information
    CI    = S_cf - S_rep              correlational information   (U = PI + CI)

(Bruckner & Tkacik, PNAS 2024.) The plug-in pattern entropy is computed from pairwise
matches, ``H = -(1/R) sum_r log2(c_r / R)`` with ``c_r`` the number of replicates whose
pattern equals replicate ``r``'s; the soft version replaces equality by a Gaussian kernel of
bandwidth ``h``. Everything here is jittable and works for any ``N``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

_LN2 = 0.6931471805599453


def _xlog2x(p: jax.Array) -> jax.Array:
    """p * log2(p) with 0 log 0 = 0 and finite gradients at 0."""
    safe = jnp.where(p > 0, p, 1.0)
    return jnp.where(p > 0, p * jnp.log2(safe), 0.0)


def binary_entropy(p: jax.Array) -> jax.Array:
    """H2(p) = -p log2 p - (1-p) log2 (1-p), in bits."""
    p = jnp.clip(p, 0.0, 1.0)
    return -(_xlog2x(p) + _xlog2x(1.0 - p))


def _match_counts(patterns: jax.Array) -> jax.Array:
    """c_r: how many replicates (itself included) share replicate r's whole pattern."""
    x = jnp.asarray(patterns)
    return jnp.sum(jnp.all(x[:, None, :] == x[None, :, :], axis=-1), axis=1)


def _entropy_bits(counts: jax.Array) -> jax.Array:
    return -jnp.mean(jnp.log2(counts / counts.shape[0]))


def _distinct(counts: jax.Array) -> jax.Array:
    return jnp.round(jnp.sum(1.0 / counts)).astype(jnp.int32)


def _miller_madow_bits(counts: jax.Array) -> jax.Array:
    r = counts.shape[0]
    return _entropy_bits(counts) + (_distinct(counts) - 1) / (2.0 * r * _LN2)


def pattern_entropy_bits(patterns: jax.Array) -> jax.Array:
    """Plug-in Shannon entropy (bits, whole pattern) of the empirical distribution of rows."""
    return _entropy_bits(_match_counts(patterns))


def distinct_patterns(patterns: jax.Array) -> jax.Array:
    """Number of distinct rows, sum_r 1 / c_r (exact in float for R < 2^24)."""
    return _distinct(_match_counts(patterns))


def pattern_entropy(patterns: jax.Array) -> jax.Array:
    """S_rep: plug-in pattern entropy per cell, bits."""
    return pattern_entropy_bits(patterns) / jnp.asarray(patterns).shape[1]


def miller_madow_pattern_entropy(patterns: jax.Array) -> jax.Array:
    """S_rep with the Miller-Madow bias correction (K - 1) / (2 R ln 2) bits, per cell.

    ``K`` is the number of distinct observed patterns. A bias-corrected estimate, reported
    beside the plug-in one.
    """
    return _miller_madow_bits(_match_counts(patterns)) / jnp.asarray(patterns).shape[1]


def soft_pattern_entropy(patterns: jax.Array, bandwidth: float = 0.1) -> jax.Array:
    """S_rep_soft = -(1/(R N)) sum_r log2((1/R) sum_q exp(-|x_r - x_q|^2 / (2 h^2)))."""
    x = jnp.asarray(patterns)
    r, n = x.shape
    sq = jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    log_density = jax.nn.logsumexp(-sq / (2.0 * bandwidth**2), axis=1) - jnp.log(r)
    return -jnp.mean(log_density) / (_LN2 * n)


def pooled_entropy(patterns: jax.Array) -> jax.Array:
    """S_pat = H2(mean fate over all replicates and cells)."""
    return binary_entropy(jnp.mean(jnp.asarray(patterns)))


def positional_entropy(patterns: jax.Array) -> jax.Array:
    """S_cf = mean over positions of each position's binary fate entropy."""
    return jnp.mean(binary_entropy(jnp.mean(jnp.asarray(patterns), axis=0)))


def compute_hard_utility(patterns: jax.Array):
    """(U, S_pat, S_rep) with the plug-in pattern entropy (patterns should be 0/1)."""
    s_pat = pooled_entropy(patterns)
    s_rep = pattern_entropy(patterns)
    return s_pat - s_rep, s_pat, s_rep


def compute_soft_utility(patterns: jax.Array, bandwidth: float = 0.1):
    """(U, S_pat, S_rep_soft): the seed's fitness, Gaussian-kernel pattern entropy."""
    s_pat = pooled_entropy(patterns)
    s_rep = soft_pattern_entropy(patterns, bandwidth)
    return s_pat - s_rep, s_pat, s_rep


def leave_one_out_utilities(patterns: jax.Array, kind: str = "hard", bandwidth: float = 0.1) -> jax.Array:
    """(R,) utilities of the other R - 1 replicates, leaving each replicate out in turn.

    Entry ``j`` equals ``compute_hard_utility`` (``kind="hard"``) or ``compute_soft_utility``
    of the patterns without row ``j``. It does not depend on replicate ``j`` itself, which
    makes it a valid baseline for that replicate in a score-function gradient. O(R^2).
    """
    x = jnp.asarray(patterns)
    r, n = x.shape
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


def information_decomposition(patterns: jax.Array) -> dict[str, jax.Array]:
    """All hard-pattern entropies: U = PI + CI, with Miller-Madow S_rep alongside."""
    n = jnp.asarray(patterns).shape[1]
    counts = _match_counts(patterns)  # one pairwise comparison serves every pattern statistic
    s_pat = pooled_entropy(patterns)
    s_rep = _entropy_bits(counts) / n
    s_cf = positional_entropy(patterns)
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
