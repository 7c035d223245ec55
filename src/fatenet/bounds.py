"""The exact upper bound of the utility U for a tissue's size, boundary and symmetries.

U(P) = H2(pbar) - H(P) / N over distributions P of fate patterns in {0,1}^N. The model's
symmetries constrain P: the dynamics of an open or fixed chain are unchanged by reflecting
the row, a periodic ring's by rotating and reflecting it, and an f antisymmetric about 0.5
(f(1 - s) = -f(s)) adds the swap of fates 0 <-> 1. A fixed boundary pins both edge cells to
fate 0. A distribution respecting a symmetry group G is uniform on each G-orbit, so it is
given by weights w over orbits, each orbit o with a fate-1 fraction p_o (averaged over its
members) and a size |o|:

    U(w) = H2(sum_o w_o p_o) - (H(w) + sum_o w_o log2 |o|) / N.

For a fixed pbar the second term is a concave function of w minimised over a polytope whose
vertices have at most two non-zero weights, so the maximum uses at most two orbits, and
among orbits of equal p_o only the smallest matters. ``utility_upper_bound`` enumerates the
orbits (2^N patterns) and maximises over every pair of such orbit classes.
"""

from __future__ import annotations

import itertools

import numpy as np

from .config import BOUNDARIES
from .utility_function import binary_entropy

_GOLDEN = 0.618033988749895
MAX_CELLS = 20
"""Largest tissue the enumeration accepts (2^20 patterns)."""


def _h2(p: np.ndarray) -> np.ndarray:
    return binary_entropy(p, np)


def symmetries(n_cells: int, boundary: str) -> list[np.ndarray]:
    """Cell permutations under which the dynamics are invariant."""
    identity = np.arange(n_cells)
    perms = [identity, identity[::-1]]
    if boundary == "periodic":
        rotations = [np.roll(identity, k) for k in range(n_cells)]
        perms = rotations + [r[::-1] for r in rotations]
    return perms


def orbit_classes(n_cells: int, boundary: str = "open", antisymmetric: bool = False) -> np.ndarray:
    """(p, log2 size) of the smallest orbit for every distinct fate-1 fraction p, sorted by p."""
    if boundary not in BOUNDARIES:
        raise ValueError(f"invalid boundary {boundary!r}: must be one of " + ", ".join(BOUNDARIES))
    if not isinstance(n_cells, int) or not 1 <= n_cells <= MAX_CELLS:
        raise ValueError(f"invalid n_cells {n_cells!r}: the exact bound enumerates 2^N patterns, "
                         f"so N must be an integer in [1, {MAX_CELLS}]")
    codes = np.arange(2**n_cells, dtype=np.int64)
    bits = (codes[:, None] >> np.arange(n_cells)) & 1  # (2^N, N), bit i = fate of cell i
    if boundary == "fixed":
        allowed = (bits[:, 0] == 0) & (bits[:, -1] == 0)
        bits, codes = bits[allowed], codes[allowed]
    weights = 1 << np.arange(n_cells, dtype=np.int64)
    images = [bits[:, perm] for perm in symmetries(n_cells, boundary)]
    if antisymmetric:
        if boundary == "fixed":
            raise ValueError("a fixed boundary pins edge cells to 0, which the 0 <-> 1 swap would break")
        images += [1 - image for image in images]
    image_codes = np.stack([image @ weights for image in images], axis=1)  # (patterns, |G|)
    orbit_id = image_codes.min(axis=1)  # canonical member of each orbit
    ones = bits.sum(axis=1)
    _, inverse, sizes = np.unique(orbit_id, return_inverse=True, return_counts=True)
    # fate-1 fraction averaged over the orbit's members (members differ only under the 0/1 swap)
    p = np.bincount(inverse, weights=ones) / sizes / n_cells
    best: dict[float, float] = {}
    for p_o, size in zip(np.round(p, 12), sizes, strict=True):
        best[p_o] = min(best.get(p_o, np.inf), float(size))
    return np.array([(p_o, np.log2(size)) for p_o, size in sorted(best.items())])


def utility_upper_bound(n_cells: int, boundary: str = "open", antisymmetric: bool = False,
                        grid: int = 2001) -> float:
    """max U over pattern distributions with the model's symmetries (bits per cell).

    N = 7: open and fixed 0.985228 (= H2(3/7), one palindromic alternating pattern), periodic
    0.857143 (= 1 - 1/N, all-0 and all-1 half and half), open with ``antisymmetric`` 0.857143.
    """
    classes = orbit_classes(n_cells, boundary, antisymmetric)
    p, log_size = classes[:, 0], classes[:, 1]
    best = float(np.max(_h2(p) - log_size / n_cells))  # single orbits
    q = np.linspace(0.0, 1.0, grid)
    for i, j in itertools.combinations(range(len(p)), 2):

        def u(x, i=i, j=j):  # U of weight x on orbit class i and 1 - x on class j
            return _h2(x * p[i] + (1 - x) * p[j]) - (_h2(x) + x * log_size[i] + (1 - x) * log_size[j]) / n_cells

        values = u(q)
        k = int(np.argmax(values))
        best = max(best, float(values[k]))
        lo, hi = q[max(k - 1, 0)], q[min(k + 1, grid - 1)]
        for _ in range(60):  # golden-section refinement around the grid maximum
            a, b = hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo)
            lo, hi = (lo, b) if u(a) >= u(b) else (a, hi)
        best = max(best, float(u(0.5 * (lo + hi))))
    return best
