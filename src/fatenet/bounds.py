"""The exact upper bound of the utility U for a tissue's size, boundary, coupling and fates.

U(P) = S_pat - S_rep = H(q) - H(P) / N over distributions P of fate patterns in {0..Z-1}^N,
where q is the pooled fate distribution (the fraction of all cells in each fate) and H is in
bits, so U is in bits per cell and at most log2 Z. The model's symmetries constrain P: the
dynamics are unchanged by every permutation of the cells that maps the cells coupled to each
cell (``coupling``: nearest i +- 1, next_nearest i +- 1 and i +- 2, global every other cell)
onto those coupled to its image. So an open or fixed chain is unchanged by reflecting the row
and a periodic ring by rotating and reflecting it, for nearest and next-nearest coupling alike
(next-nearest has more on the shortest rows: open N = 3, 4, fixed N = 6, periodic N = 4, 5, 6),
and global coupling by every permutation (of the N - 2 interior cells with a fixed boundary,
which pins both edge cells to fate 0). With two fates, an f antisymmetric about 0.5
(f(1 - s) = -f(s)) adds the swap of fates 0 <-> 1. A distribution respecting a symmetry group
G is uniform on each G-orbit, so it is given by weights w over orbits, each orbit o with a
pooled composition c_o (its fate fractions averaged over its members) and a size |o|:

    U(w) = H(sum_o w_o c_o) - (H(w) + sum_o w_o log2 |o|) / N.

For a fixed q the second term is a concave function of w minimised over the polytope
{w >= 0, sum w = 1, sum_o w_o c_o = q}, whose vertices have at most Z non-zero weights (Z - 1
constraints on the composition plus the normalisation), so the maximum uses at most Z orbits,
and among orbits of equal composition only the smallest matters (an orbit class).

``orbit_classes`` finds the classes: by enumerating the Z^N patterns (at most 2^20) for the
nearest and next-nearest couplings, directly for global coupling (one orbit per composition of
the exchangeable cells, of multinomial size), so global works up to ``MAX_GLOBAL_CELLS`` cells.
``utility_upper_bound`` maximises over them: for two fates over every pair of classes (a grid
and a golden-section refinement of the one weight, as it always has); for three fates by a
branch and bound over the weight simplices of every triple of classes (``_simplex_maximum``),
after discarding the classes no maximum can use (``_useful_classes``). Four or more fates are
not computed (``BoundNotComputed``; ``bound_or_nan`` gives NaN for tables).
"""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np

from .config import BOUNDARIES, COUPLINGS
from .coupling import coupled_cells
from .utility_function import binary_entropy

_GOLDEN = 0.618033988749895
MAX_CELLS = 20
"""Largest tissue the enumeration accepts with two fates (2^20 patterns)."""
MAX_PATTERNS = 2**MAX_CELLS
"""Nearest and next-nearest couplings enumerate Z^N patterns, at most this many."""
MAX_GLOBAL_CELLS = 500
"""Largest tissue of the global coupling (its orbit classes are computed, not enumerated)."""
MAX_FATES = 3
"""Most fates the bound is computed for (four or more would search too many sets of orbit classes)."""
MAX_SUBSETS = 2_000_000
"""Most sets of Z orbit classes the branch and bound of Z >= 3 fates searches."""
MAX_SIMPLICES = 4_000_000
"""Most sub-simplices one branch and bound examines before it gives up (a flat maximum would need ever more)."""
TOLERANCE = 1e-10
"""Z >= 3 fates: the returned U is attained, and the true maximum exceeds it by at most this (bits)."""
_CHUNK = 1 << 20
"""Numbers per vectorised block (the pair search's pairs x grid, the branch and bound's simplices)."""


class BoundNotComputed(ValueError):
    """The exact bound is not computed for these settings (too many cells or classes, or unsupported)."""


def _h2(p: np.ndarray) -> np.ndarray:
    return binary_entropy(p, np)


def _entropy(q: np.ndarray) -> np.ndarray:
    """Entropy in bits along the last axis (0 log 0 = 0)."""
    positive = q > 0
    return -np.sum(np.where(positive, q * np.log2(np.where(positive, q, 1.0)), 0.0), axis=-1)


def _check(n_cells, boundary: str, antisymmetric: bool, coupling: str, n_fates) -> int:
    """The validated ``n_cells``; invalid settings raise ValueError, sizes beyond the limits BoundNotComputed."""
    if boundary not in BOUNDARIES:
        raise ValueError(f"invalid boundary {boundary!r}: must be one of " + ", ".join(BOUNDARIES))
    if coupling not in COUPLINGS:
        raise ValueError(f"invalid coupling {coupling!r}: must be one of " + ", ".join(COUPLINGS))
    if isinstance(n_fates, bool) or not isinstance(n_fates, numbers.Integral) or n_fates < 2:
        raise ValueError(f"invalid n_fates {n_fates!r}: must be an integer >= 2")
    if antisymmetric and n_fates != 2:
        raise ValueError(f"invalid antisymmetric with n_fates={n_fates}: the fate swap 0 <-> 1 is a symmetry "
                         "of two fates only")
    if antisymmetric and boundary == "fixed":
        raise ValueError("a fixed boundary pins edge cells to 0, which the 0 <-> 1 swap would break")
    if isinstance(n_cells, bool) or not isinstance(n_cells, numbers.Integral) or n_cells < 1:
        raise ValueError(f"invalid n_cells {n_cells!r}: must be an integer >= 1")
    limit = max_cells(n_fates, coupling)
    if n_cells > limit:
        if coupling == "global":
            raise BoundNotComputed(f"invalid n_cells {n_cells}: the exact bound with global coupling is computed "
                                   f"for N in [1, {MAX_GLOBAL_CELLS}]")
        raise BoundNotComputed(
            f"invalid n_cells {n_cells}: the exact bound with {coupling} coupling enumerates {n_fates}^N patterns "
            f"(at most 2^{MAX_CELLS}), so with n_fates={n_fates} N must be an integer in [1, {limit}]")
    return int(n_cells)


def max_cells(n_fates: int = 2, coupling: str = "nearest") -> int:
    """The size limit of ``orbit_classes``: global ``MAX_GLOBAL_CELLS``, else the largest N with Z^N <= 2^20.

    (The bound itself is computed for two and three fates only.)
    """
    if coupling == "global":
        return MAX_GLOBAL_CELLS
    n = 0
    while n_fates ** (n + 1) <= MAX_PATTERNS:
        n += 1
    return n


def _pinned(n_cells: int, boundary: str) -> list[int]:
    return sorted({0, n_cells - 1}) if boundary == "fixed" else []


def coupling_automorphisms(n_cells: int, boundary: str = "open", coupling: str = "nearest") -> list[np.ndarray]:
    """Every cell permutation that preserves the coupling, found by backtracking (identity first).

    A permutation pi is a symmetry of the dynamics when it maps the cells coupled to each free
    cell i onto those coupled to pi(i). A fixed boundary's pinned edge cells all hold 0, so only
    the free cells are permuted (the pinned ones stay), and a free cell's pinned neighbours are a
    label (their number) the permutation keeps. Global coupling has (N - 2)! or N! of them.
    """
    pinned = set(_pinned(n_cells, boundary))
    free = [i for i in range(n_cells) if i not in pinned]
    coupled = coupled_cells(n_cells, boundary, coupling)
    index = {cell: k for k, cell in enumerate(free)}
    adjacency = np.zeros((len(free), len(free)), dtype=bool)
    label = np.zeros(len(free), dtype=np.int64)
    for cell in free:
        for other in coupled[cell]:
            if other in pinned:
                label[index[cell]] += 1
            else:
                adjacency[index[cell], index[other]] = True
    degree = adjacency.sum(axis=1)
    m = len(free)
    found: list[list[int]] = []
    image = [-1] * m
    used = [False] * m

    def extend(k: int) -> None:
        if k == m:
            found.append(list(image))
            return
        for c in range(m):
            if used[c] or label[c] != label[k] or degree[c] != degree[k]:
                continue
            if all(adjacency[k, j] == adjacency[c, image[j]] and adjacency[j, k] == adjacency[image[j], c]
                   for j in range(k)):
                image[k], used[c] = c, True
                extend(k + 1)
                image[k], used[c] = -1, False

    extend(0)
    perms = []
    for images in found:
        perm = np.arange(n_cells)
        for k, c in enumerate(images):
            perm[free[k]] = free[c]
        perms.append(perm)
    return perms


def symmetries(n_cells: int, boundary: str, coupling: str = "nearest") -> list[np.ndarray]:
    """Cell permutations under which the dynamics are invariant.

    ``nearest``: the identity and the reflection; a ring's rotations and their reflections.
    ``next_nearest``: the same group (on the free cells) except on the shortest rows and rings,
    open N = 3, 4, fixed N = 6 and periodic N = 4, 5, 6, where the coupling is global or nearly so
    and the group is larger; found by ``coupling_automorphisms``. ``global``: every permutation of
    the free cells, refused beyond 8 of them.
    """
    if coupling not in COUPLINGS:
        raise ValueError(f"invalid coupling {coupling!r}: must be one of " + ", ".join(COUPLINGS))
    if coupling == "nearest":
        identity = np.arange(n_cells)
        perms = [identity, identity[::-1]]
        if boundary == "periodic":
            rotations = [np.roll(identity, k) for k in range(n_cells)]
            perms = rotations + [r[::-1] for r in rotations]
        return perms
    if coupling == "global":
        free = [i for i in range(n_cells) if i not in _pinned(n_cells, boundary)]
        if len(free) > 8:
            raise BoundNotComputed(f"global coupling on {n_cells} cells: every permutation of the free cells is a "
                                   "symmetry, too many to list (8 free cells at most)")
        perms = []
        for order in itertools.permutations(free):
            perm = np.arange(n_cells)
            perm[free] = order
            perms.append(perm)
        return perms
    return coupling_automorphisms(n_cells, boundary, coupling)


def _enumerated_orbits(n_cells: int, boundary: str, antisymmetric: bool, coupling: str,
                       n_fates: int) -> tuple[np.ndarray, np.ndarray]:
    """(fate counts averaged over each orbit (orbits, Z), orbit sizes) by enumerating the Z^N patterns."""
    codes = np.arange(n_fates**n_cells, dtype=np.int64)
    weights = n_fates ** np.arange(n_cells, dtype=np.int64)
    digits = (codes[:, None] // weights) % n_fates  # (Z^N, N), digit i = fate of cell i
    if boundary == "fixed":
        allowed = (digits[:, 0] == 0) & (digits[:, -1] == 0)
        digits = digits[allowed]
    orbit_id = None
    for perm in symmetries(n_cells, boundary, coupling):
        code = digits[:, perm] @ weights
        if antisymmetric:  # two fates: the swapped image's code is sum(weights) - code
            code = np.minimum(code, weights.sum() - code)
        orbit_id = code if orbit_id is None else np.minimum(orbit_id, code)  # canonical member of each orbit
    _, inverse, sizes = np.unique(orbit_id, return_inverse=True, return_counts=True)
    counts = np.stack([np.bincount(inverse, weights=(digits == z).sum(axis=1), minlength=len(sizes))
                       for z in range(n_fates)], axis=1)
    return counts / sizes[:, None], sizes.astype(float)


def _compositions(n: int, parts: int) -> np.ndarray:
    """Every vector of ``parts`` non-negative integers summing to ``n`` (stars and bars), one a row."""
    bars = np.array(list(itertools.combinations(range(n + parts - 1), parts - 1)), dtype=np.int64)
    bars = bars.reshape(-1, parts - 1)
    edges = np.concatenate([np.full((len(bars), 1), -1), bars, np.full((len(bars), 1), n + parts - 1)], axis=1)
    return np.diff(edges, axis=1) - 1


def _global_orbits(n_cells: int, boundary: str, antisymmetric: bool, n_fates: int) -> tuple[np.ndarray, np.ndarray]:
    """Global coupling's orbits: one per composition of the free cells, of multinomial size (log2 sizes)."""
    free = n_cells - len(_pinned(n_cells, boundary))
    k = _compositions(free, n_fates)
    log_size = (math.lgamma(free + 1) - np.array([sum(math.lgamma(v + 1) for v in row) for row in k])) / math.log(2)
    counts = k.astype(float)
    counts[:, 0] += n_cells - free  # the pinned edge cells hold fate 0
    if antisymmetric:  # two fates, no pinned cells: the orbits of k and N - k ones merge, half of each
        ones = k[:, 1]
        counts = np.full_like(counts, n_cells / 2)
        log_size = log_size + (2 * ones != n_cells)
    return counts, log_size


def _class_table(counts: np.ndarray, log_size: np.ndarray, n_cells: int) -> np.ndarray:
    """(fractions of fates 1..Z-1, log2 size) of the smallest orbit of every distinct composition, sorted."""
    keys = np.round(counts[:, 1:] / n_cells, 12)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    smallest = np.full(len(unique), np.inf)
    np.minimum.at(smallest, inverse.reshape(-1), log_size)
    return np.concatenate([unique, smallest[:, None]], axis=1)


def orbit_classes(n_cells: int, boundary: str = "open", antisymmetric: bool = False, *, coupling: str = "nearest",
                  n_fates: int = 2) -> np.ndarray:
    """(q_1, ..., q_{Z-1}, log2 size) of the smallest orbit for every distinct pooled composition, sorted.

    q_z is the fraction of all N cells in fate z averaged over the orbit (q_0 = 1 - the rest);
    with two fates the rows are (p, log2 size), p the fate-1 fraction, sorted by p.
    """
    n_cells = _check(n_cells, boundary, antisymmetric, coupling, n_fates)
    if coupling == "global":
        counts, log_size = _global_orbits(n_cells, boundary, antisymmetric, n_fates)
    else:
        counts, sizes = _enumerated_orbits(n_cells, boundary, antisymmetric, coupling, n_fates)
        log_size = np.log2(sizes)
    return _class_table(counts, log_size, n_cells)


def _pair_maximum(p: np.ndarray, log_size: np.ndarray, n_cells: int, grid: int) -> float:
    """Two fates: max U over single classes and every pair (a grid of the weight, then golden-section refinement)."""
    best = float(np.max(_h2(p) - log_size / n_cells))  # single orbits
    q = np.linspace(0.0, 1.0, grid)
    first, second = np.triu_indices(len(p), 1)
    step = max(1, _CHUNK // grid)
    for start in range(0, len(first), step):
        i, j = first[start:start + step], second[start:start + step]
        pi, pj, li, lj = p[i, None], p[j, None], log_size[i, None], log_size[j, None]

        def u(x, pi=pi, pj=pj, li=li, lj=lj):  # U of weight x on orbit class i and 1 - x on class j
            return _h2(x * pi + (1 - x) * pj) - (_h2(x) + x * li + (1 - x) * lj) / n_cells

        values = u(q[None, :])
        k = np.argmax(values, axis=1)
        best = max(best, float(values[np.arange(len(k)), k].max()))
        lo, hi = q[np.maximum(k - 1, 0)][:, None], q[np.minimum(k + 1, grid - 1)][:, None]
        for _ in range(60):  # golden-section refinement around the grid maximum
            a, b = hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo)
            left = u(a) >= u(b)
            lo, hi = np.where(left, lo, a), np.where(left, b, hi)
        best = max(best, float(u(0.5 * (lo + hi)).max()))
    return best


def _min_fraction(level: float, n_fates: int) -> float:
    """A lower bound on every q_z of a composition with H(q) >= level (q = (t, (1-t)/(Z-1), ...) at H = level)."""
    if level <= 0:
        return 0.0

    def h(t):
        rest = (1 - t) / (n_fates - 1)
        return float(_entropy(np.array([t] + [rest] * (n_fates - 1))))

    lo, hi = 0.0, 1.0 / n_fates
    if h(hi) < level:
        return hi
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if h(mid) < level else (lo, mid)
    return lo


def _useful_classes(comp: np.ndarray, log_size: np.ndarray, n_cells: int, lower: float) -> np.ndarray:
    """Indices of the classes a maximum above ``lower`` may use.

    At a maximum P*, stationary on its support S, w_o is proportional to |o| prod_z q_z^(N c_oz),
    and U* = -log2(sum_{o in S} |o| prod_z q_z^(N c_oz)) / N <= CE(c_o, q) - log2|o| / N for every
    o in S (CE the cross entropy -sum_z c_oz log2 q_z, q the pooled composition of P*). U* <= H(q)
    bounds every q_z below by t = ``_min_fraction(lower)``, and over {q_z >= t} the convex CE is
    largest at a vertex of that polytope, so a class whose largest such CE - log2|o| / N is below
    ``lower`` is in no maximum's support.
    """
    n_fates = comp.shape[1]
    t = _min_fraction(lower, n_fates)
    if t <= 0:
        return np.arange(len(comp))
    top = 1 - (n_fates - 1) * t
    c_min = comp.min(axis=1)
    ce = -(1 - c_min) * math.log2(t) - (c_min * math.log2(top) if top > 0 else 0.0)
    return np.flatnonzero(ce - log_size / n_cells >= lower - 1e-9)


def _simplex_maximum(comp: np.ndarray, log_size: np.ndarray, n_cells: int, size: int, lower: float,
                     tol: float = TOLERANCE) -> float:
    """max(lower, max U over weights on every set of ``size`` classes), by branch and bound.

    Each set's weights form a simplex, cut into sub-simplices by halving the longest edge. On a
    sub-simplex with centroid composition q0, H(q) <= CE(q, q0) (the tangent plane of the concave
    entropy), so U <= CE(q, q0) - (H(w) + w . log2|o|) / N, a convex function of w whose maximum is
    at a vertex: that bound exceeds the best vertex's U by at most the largest KL(q_v || q0). A
    sub-simplex whose bound is below the best U found + ``tol`` is dropped.
    """
    n_classes, n_fates = comp.shape
    best = lower
    eye = np.eye(size)
    edges = list(itertools.combinations(range(size), 2))
    batch = max(1, (_CHUNK // 4) // (size * size * n_fates))
    combos = itertools.combinations(range(n_classes), size)
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    examined = 0
    while True:
        if not pending:
            sets = np.array(list(itertools.islice(combos, batch)), dtype=np.int64).reshape(-1, size)
            if not len(sets):
                return best
            pending.append((np.broadcast_to(eye, (len(sets), size, size)).copy(), sets))
        vertices, sets = pending.pop()
        if len(sets) > batch:
            pending += [(vertices[batch:], sets[batch:]), (vertices[:batch], sets[:batch])]
            continue
        examined += len(sets)
        if examined > MAX_SIMPLICES:
            raise BoundNotComputed(f"the branch and bound over sets of {size} of {n_classes} orbit classes did not "
                                   f"converge within {MAX_SIMPLICES} sub-simplices (a flat maximum)")
        c, ls = comp[sets], log_size[sets]  # (n, K, Z), (n, K)
        q = np.einsum("nvk,nkz->nvz", vertices, c)
        penalty = (_entropy(vertices) + np.einsum("nvk,nk->nv", vertices, ls)) / n_cells
        centre = vertices.mean(axis=1)
        q0 = np.einsum("nk,nkz->nz", centre, c)
        best = max(best, float(np.max(_entropy(q) - penalty)),
                   float(np.max(_entropy(q0) - (_entropy(centre) + np.sum(centre * ls, axis=1)) / n_cells)))
        log_q0 = np.log2(np.where(q0 > 0, q0, 1.0))
        bound = np.max(-np.einsum("nvz,nz->nv", q, log_q0) - penalty, axis=1)
        keep = bound > best + tol
        if not keep.any():
            continue
        vertices, sets = vertices[keep], sets[keep]
        lengths = np.stack([np.sum((vertices[:, a] - vertices[:, b]) ** 2, axis=1) for a, b in edges], axis=1)
        longest = np.argmax(lengths, axis=1)
        a = np.array([e[0] for e in edges])[longest]
        b = np.array([e[1] for e in edges])[longest]
        rows = np.arange(len(sets))
        middle = 0.5 * (vertices[rows, a] + vertices[rows, b])
        left, right = vertices.copy(), vertices.copy()
        left[rows, a] = middle
        right[rows, b] = middle
        pending.append((np.concatenate([left, right]), np.concatenate([sets, sets])))


def _compositions_of(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(compositions (M, Z) with q_0 = 1 - the rest, log2 sizes (M,)) of an ``orbit_classes`` table."""
    comp = np.concatenate([1 - classes[:, :-1].sum(axis=1, keepdims=True), classes[:, :-1]], axis=1)
    return np.clip(comp, 0.0, 1.0), classes[:, -1]


def _lower_bound(comp: np.ndarray, log_size: np.ndarray, n_cells: int) -> float:
    """An attained U: the best single class, or the best mixture of the classes richest in each fate."""
    best = float(np.max(_entropy(comp) - log_size / n_cells))  # single orbits
    richest = np.unique([np.lexsort((log_size, -comp[:, z]))[0] for z in range(comp.shape[1])])
    if len(richest) > 1:  # e.g. the constant patterns, which would mix evenly
        best = _simplex_maximum(comp[richest], log_size[richest], n_cells, len(richest), best)
    return best


def _many_fate_maximum(classes: np.ndarray, n_cells: int, describe: str) -> float:
    """Z >= 3 fates: max U over distributions on at most Z classes (exact to ``TOLERANCE``)."""
    comp, log_size = _compositions_of(classes)
    n_fates = comp.shape[1]
    best = _lower_bound(comp, log_size, n_cells)
    useful = _useful_classes(comp, log_size, n_cells, best)
    for size in range(2, n_fates + 1):  # pairs first: their maximum prunes the classes for the last search
        size = min(size, len(useful))
        final = size == len(useful) or size == n_fates
        count = math.comb(len(useful), size)
        if count > MAX_SUBSETS:
            if not final:
                continue
            raise BoundNotComputed(
                f"{describe}: the exact bound would search {count} sets of {size} orbit classes (of "
                f"{len(useful)} that a maximum may use), more than {MAX_SUBSETS}")
        if size >= 2:
            best = _simplex_maximum(comp[useful], log_size[useful], n_cells, size, best)
        if final:
            break
        useful = useful[_useful_classes(comp[useful], log_size[useful], n_cells, best)]
    return best


def utility_upper_bound(n_cells: int, boundary: str = "open", antisymmetric: bool = False, grid: int = 2001, *,
                        coupling: str = "nearest", n_fates: int = 2) -> float:
    """max U over pattern distributions with the model's symmetries (bits per cell, at most log2 ``n_fates``).

    N = 7: open and fixed 0.985228 (= H2(3/7), one palindromic alternating pattern), periodic
    0.857143 (= 1 - 1/N, all-0 and all-1 half and half), open with ``antisymmetric`` 0.857143.
    Computed for two fates (N <= 20; global coupling N <= ``MAX_GLOBAL_CELLS``) and three (N <= 12;
    global N <= ``MAX_GLOBAL_CELLS``); elsewhere it raises ``BoundNotComputed``, a ValueError
    (``bound_or_nan`` gives NaN instead). ``grid`` is the two-fate pair search's; three fates are
    exact to ``TOLERANCE``.
    """
    n_cells = _check(n_cells, boundary, antisymmetric, coupling, n_fates)
    if n_fates > MAX_FATES:
        raise BoundNotComputed(
            f"n_fates={n_fates} with coupling={coupling!r}: the exact bound is computed for n_fates = 2 and 3 only "
            f"(with four or more fates its search over sets of n_fates orbit classes is too slow)")
    classes = orbit_classes(n_cells, boundary, antisymmetric, coupling=coupling, n_fates=n_fates)
    if n_fates > 2 and n_cells - len(_pinned(n_cells, boundary)) <= 1:
        # One free cell: its fates 1..Z-1 enter U only through their total (U is flat in how that total
        # splits), so the bound is the two-fate one; the search of a flat simplex would not end.
        return utility_upper_bound(n_cells, boundary, grid=grid, coupling=coupling)
    if n_fates > 2:
        return _many_fate_maximum(classes, n_cells, f"n_fates={n_fates}, coupling={coupling!r}, N={n_cells}")
    if coupling == "global":  # many classes: keep those a maximum may use (the maximum is unchanged)
        comp, log_size = _compositions_of(classes)
        lower = _lower_bound(comp, log_size, n_cells)
        classes = classes[_useful_classes(comp, log_size, n_cells, lower)]
        return max(lower, _pair_maximum(classes[:, 0], classes[:, 1], n_cells, grid))
    return _pair_maximum(classes[:, 0], classes[:, 1], n_cells, grid)


def unconstrained_bound(n_cells: int, n_fates: int = 2, grid: int = 2001) -> float:
    """max U over every distribution of fate patterns, with no symmetry to respect (bits per cell).

    The reaction-diffusion model read with its flip (``simulation.flip``: every tissue turned so
    that its high-A end is cell 0) has this bound: the reflection that the open chain's bound
    charges (a pattern and its mirror image, equally likely, cost 1 / N bits) is undone by the
    readout, and the flip's own constraint (cell 0's fate at least cell N - 1's) binds no maximum,
    which can reorder the cells of each pattern it uses. Every pattern is then an orbit of size 1:
    N = 4 with three fates gives 1.5 (one pattern of fates 2, 1, 0, 0; mixing patterns costs more
    S_rep than it gains S_pat), N = 8 gives H(3/8, 3/8, 2/8) = 1.5613.
    """
    if not isinstance(n_cells, numbers.Integral) or n_cells < 1 or n_fates not in (2, 3):
        raise ValueError(f"invalid n_cells {n_cells!r} or n_fates {n_fates!r}: n_cells >= 1, n_fates 2 or 3")
    counts = _compositions(int(n_cells), int(n_fates)).astype(float)
    classes = _class_table(counts, np.zeros(len(counts)), int(n_cells))
    if n_fates == 2:
        return _pair_maximum(classes[:, 0], classes[:, 1], int(n_cells), grid)
    return _many_fate_maximum(classes, int(n_cells), f"n_fates={n_fates}, no symmetry, N={n_cells}")


def bound_or_nan(n_cells: int, boundary: str = "open", coupling: str = "nearest", n_fates: int = 2, *,
                 antisymmetric: bool = False) -> float:
    """``utility_upper_bound``, or NaN where it is not computed (too many cells or classes); for tables.

    Invalid settings (an unknown boundary or coupling, n_fates < 2) still raise ValueError.
    """
    try:
        return utility_upper_bound(n_cells, boundary, antisymmetric, coupling=coupling, n_fates=n_fates)
    except BoundNotComputed:
        return float("nan")
