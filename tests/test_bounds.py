"""The exact utility bound: the worked values for N = 7, hand cases, and independent brute forces.

The brute forces here build the orbits as explicit sets of patterns (under the reflection, the
ring's rotations and reflections, or every permutation for global coupling) and maximise U over
distributions on those orbits without the module's two- or Z-orbit argument where they can:
random distributions, a grid over every pair (or triple) of orbits, and scipy's local maximisation
from many starting points over all orbits at once.
"""

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import minimize

from fatenet import bounds
from fatenet.bounds import BoundNotComputed, bound_or_nan, orbit_classes, symmetries, utility_upper_bound
from fatenet.cli import main
from helpers import h2


@pytest.mark.parametrize(
    "boundary, antisymmetric, expected",
    [("open", False, 0.985228), ("open", True, 0.857143), ("fixed", False, 0.985228),
     ("periodic", False, 0.857143), ("periodic", True, 0.857143)],
)
def test_seven_cells(boundary, antisymmetric, expected):
    assert utility_upper_bound(7, boundary, antisymmetric) == pytest.approx(expected, abs=1e-6)


def test_two_cells_by_hand():
    # Orbits under reflection: {00} p=0, {11} p=1, {01, 10} p=1/2 of size 2.
    # Half 00, half 11: U = 1 - 1/2; the pair {01, 10}: U = 1 - 1/2. Nothing beats 1/2.
    classes = orbit_classes(2, "open")
    np.testing.assert_allclose(classes, [[0.0, 0.0], [0.5, 1.0], [1.0, 0.0]])
    assert utility_upper_bound(2, "open") == pytest.approx(0.5, abs=1e-9)



def brute_force_perms(n, boundary, coupling="nearest"):
    """The symmetry group as lists: reflection, a ring's dihedral group, or all N! (interior (N - 2)!) permutations."""
    if coupling == "global":
        free = list(range(1, n - 1)) if boundary == "fixed" else list(range(n))
        perms = []
        for order in itertools.permutations(free):
            perm = list(range(n))
            for cell, image in zip(free, order, strict=True):
                perm[cell] = image
            perms.append(perm)
        return perms
    perms = [list(range(n)), list(range(n))[::-1]]
    if boundary == "periodic":
        perms = [[(i + k) % n for i in range(n)] for k in range(n)]
        perms += [p[::-1] for p in perms]
    return perms


def brute_force_orbits(n, boundary, antisymmetric, coupling="nearest", fates=2):
    """Orbits as explicit sets of tuples, built without the vectorised code."""
    perms = brute_force_perms(n, boundary, coupling)
    patterns = [x for x in itertools.product(range(fates), repeat=n)
                if boundary != "fixed" or (x[0] == 0 and x[-1] == 0)]
    seen, orbits = set(), []
    for x in patterns:
        if x in seen:
            continue
        orbit = {tuple(x[i] for i in p) for p in perms}
        if antisymmetric:
            orbit |= {tuple(1 - v for v in y) for y in orbit}
        seen |= orbit
        orbits.append(orbit)
    return orbits


@pytest.mark.parametrize("n, boundary, antisymmetric", [(4, "open", False), (5, "periodic", False),
                                                         (5, "fixed", False), (4, "open", True)])
def test_bound_dominates_random_symmetric_distributions_and_is_attained(n, boundary, antisymmetric):
    orbits = brute_force_orbits(n, boundary, antisymmetric)
    p = np.array([np.mean([sum(x) for x in o]) / n for o in orbits])
    size = np.array([len(o) for o in orbits], dtype=float)

    def utility(weights):  # weights over the explicit orbits; uniform within each orbit
        used = weights > 0
        w = weights[used]
        h = -np.sum(w * np.log2(w)) + np.sum(w * np.log2(size[used]))
        return h2(float(np.dot(w, p[used]))) - h / n

    bound = utility_upper_bound(n, boundary, antisymmetric)
    rng = np.random.default_rng(0)
    best = -np.inf
    for _ in range(3000):
        weights = rng.dirichlet(np.full(len(orbits), 0.2))
        best = max(best, utility(weights))
        assert utility(weights) <= bound + 1e-9
    # Exhaustive search over pairs of explicit orbits on a fine grid reaches the bound.
    pair_best = -np.inf
    for i, j in itertools.combinations_with_replacement(range(len(orbits)), 2):
        for q in np.linspace(0, 1, 401):
            weights = np.zeros(len(orbits))
            weights[i] += q
            weights[j] += 1 - q
            pair_best = max(pair_best, utility(weights))
    assert pair_best == pytest.approx(bound, abs=1e-4)
    assert best <= pair_best + 1e-9


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="n_cells"):
        utility_upper_bound(40)
    with pytest.raises(ValueError, match="boundary 'ring'"):
        utility_upper_bound(5, "ring")
    with pytest.raises(ValueError, match="fixed boundary"):
        utility_upper_bound(5, "fixed", antisymmetric=True)


def orbit_table(orbits, n, fates=2):
    """(compositions (orbits, Z), sizes) of explicit orbits: fate fractions averaged over each orbit's members."""
    comp = np.array([[np.mean([x.count(z) for x in o]) / n for z in range(fates)] for o in orbits])
    return comp, np.array([len(o) for o in orbits], dtype=float)


def utility_of(weights, comp, size, n):
    """U (bits per cell) of weights (..., orbits) spread uniformly within each explicit orbit."""
    w = np.asarray(weights, dtype=float)
    q = w @ comp
    xlogx = lambda v: np.where(v > 0, v * np.log2(np.where(v > 0, v, 1.0)), 0.0)  # noqa: E731
    h_pattern = -np.sum(xlogx(w), axis=-1) + w @ np.log2(size)
    return -np.sum(xlogx(q), axis=-1) - h_pattern / n


def local_maxima(comp, size, n, starts=40, seed=0):
    """The best of scipy's L-BFGS-B maximisations of U over all orbits (softmax weights), from random starts.

    Every single orbit is a local maximum (mixing costs S_rep), so the starts are sparse Dirichlet draws.
    """
    rng = np.random.default_rng(seed)
    log_size = np.log2(size)

    def negative(theta):
        w = np.exp(theta - theta.max())
        w /= w.sum()
        q = w @ comp
        g = -(comp @ np.log2(np.maximum(q, 1e-300))) + (np.log2(np.maximum(w, 1e-300)) + log_size) / n  # dU/dw
        return -float(utility_of(w, comp, size, n)), -(w * (g - w @ g))

    best = -np.inf
    for _ in range(starts):
        theta0 = np.log(rng.dirichlet(np.full(len(size), 0.5)) + 1e-12)
        result = minimize(negative, theta0, jac=True, method="L-BFGS-B")
        best = max(best, -result.fun)
    return best


def pair_grid_maximum(comp, size, n, points=401):
    """max U over every single orbit and every pair of explicit orbits, the pair's weight on a grid."""
    x = np.linspace(0, 1, points)[:, None]
    best = -np.inf
    for i, j in itertools.combinations_with_replacement(range(len(size)), 2):
        w = np.zeros((points, len(size)))
        w[:, i] += x[:, 0]
        w[:, j] += 1 - x[:, 0]
        best = max(best, float(np.max(utility_of(w, comp, size, n))))
    return best


def simplex_grid(k, steps):
    """Every weight vector on k orbits with entries in multiples of 1 / steps."""
    cuts = np.array(list(itertools.combinations(range(steps + k - 1), k - 1)))
    edges = np.concatenate([np.full((len(cuts), 1), -1), cuts, np.full((len(cuts), 1), steps + k - 1)], axis=1)
    return (np.diff(edges, axis=1) - 1) / steps


# --- global coupling -----------------------------------------------------------------------------------------------

def test_global_coupling_by_hand():
    # N = 2: the orbits {00}, {01, 10}, {11} are those of the reflection: the same 1/2.
    np.testing.assert_allclose(orbit_classes(2, coupling="global"), orbit_classes(2))
    assert utility_upper_bound(2, coupling="global") == pytest.approx(0.5, abs=1e-12)
    # N = 4: k ones, orbit size C(4, k). Half all-0 and half all-1 gives H2(1/2) - 1/N = 3/4; a dense
    # grid over all five classes (steps of 1/40, the optimum on it) finds nothing better.
    classes = orbit_classes(4, coupling="global")
    np.testing.assert_allclose(classes, [[k / 4, math.log2(math.comb(4, k))] for k in range(5)], atol=1e-12)
    for n, steps in ((3, 60), (4, 40)):
        comp = np.array([[1 - k / n, k / n] for k in range(n + 1)])
        size = np.array([math.comb(n, k) for k in range(n + 1)], dtype=float)
        grid = utility_of(simplex_grid(n + 1, steps), comp, size, n)
        bound = utility_upper_bound(n, coupling="global")
        assert bound == pytest.approx(1 - 1 / n, abs=1e-12)  # 2/3 for N = 3, 3/4 for N = 4
        assert grid.max() == pytest.approx(bound, abs=1e-12) and grid.max() <= bound + 1e-12
    # N = 3 fixed: one free cell between two pinned 0s; 010 alone gives H2(1/3), and mixing in 000
    # costs more in S_rep than it gains in S_pat (U = H2((1 - p0) / 3) - H2(p0) / 3 falls from p0 = 0).
    assert utility_upper_bound(3, "fixed", coupling="global") == pytest.approx(h2(1 / 3), abs=1e-9)
    # Many cells: the all-0 / all-1 mixture, 1 - 1/N, and log2(3) (1 - 1/N) with three fates.
    assert utility_upper_bound(bounds.MAX_GLOBAL_CELLS, coupling="global") == pytest.approx(0.998, abs=1e-12)
    assert utility_upper_bound(100, "periodic", coupling="global", n_fates=3) == pytest.approx(
        0.99 * math.log2(3), abs=1e-9)


@pytest.mark.parametrize("boundary, antisymmetric", [("open", False), ("fixed", False), ("periodic", False),
                                                     ("open", True), ("periodic", True)])
def test_global_coupling_equals_a_brute_force_over_all_permutations(boundary, antisymmetric):
    for n in range(1, 6):
        orbits = brute_force_orbits(n, boundary, antisymmetric, coupling="global")
        comp, size = orbit_table(orbits, n)
        smallest = {}
        for p, s in zip(np.round(comp[:, 1], 12), size, strict=True):
            smallest[p] = min(smallest.get(p, np.inf), s)
        np.testing.assert_allclose(orbit_classes(n, boundary, antisymmetric, coupling="global"),
                                   [[p, math.log2(s)] for p, s in sorted(smallest.items())], atol=1e-12)
        bound = utility_upper_bound(n, boundary, antisymmetric, coupling="global")
        grid = utility_of(simplex_grid(len(size), 20), comp, size, n)  # every distribution on the orbits
        found = max(pair_grid_maximum(comp, size, n), float(grid.max()))
        assert found <= bound + 1e-9
        assert found == pytest.approx(bound, abs=1e-4)


# --- next-nearest coupling -----------------------------------------------------------------------------------------

def test_next_nearest_coupling_has_the_symmetries_of_nearest_but_on_the_shortest_rows():
    larger = {("open", 3): 6, ("open", 4): 4, ("fixed", 6): 4, ("periodic", 4): 24, ("periodic", 5): 120,
              ("periodic", 6): 48}
    for boundary in ("open", "fixed", "periodic"):
        for n in range(1, 13):
            coupled = bounds.coupled_cells(n, boundary, "next_nearest")
            pinned = {0, n - 1} if boundary == "fixed" else set()
            free = [i for i in range(n) if i not in pinned]
            perms = symmetries(n, boundary, "next_nearest")
            for perm in perms:  # each maps the cells coupled to a free cell onto those of its image
                for i in free:
                    image = {perm[j] if j not in pinned else "pinned" for j in coupled[i]}
                    assert image == {j if j not in pinned else "pinned" for j in coupled[perm[i]]}
            on_free = {tuple(int(p[i]) for i in free) for p in perms}  # the pinned cells hold 0 wherever they go
            if (boundary, n) in larger:
                assert len(on_free) == len(perms) == larger[boundary, n]
            else:
                assert on_free == {tuple(int(p[i]) for i in free) for p in symmetries(n, boundary)}


@pytest.mark.parametrize("boundary, cells", [("open", range(5, 11)), ("fixed", range(7, 11)),
                                             ("periodic", range(7, 11))])
def test_next_nearest_equals_nearest(boundary, cells):
    for n in cells:
        assert utility_upper_bound(n, boundary, coupling="next_nearest") == utility_upper_bound(n, boundary)
    n = cells[0]
    assert utility_upper_bound(n, boundary, coupling="next_nearest", n_fates=3) == pytest.approx(
        utility_upper_bound(n, boundary, n_fates=3), abs=1e-12)


def test_next_nearest_on_three_cells_is_global():
    # Every cell of an open row of three sees the other two: all 3! permutations are symmetries.
    assert utility_upper_bound(3, coupling="next_nearest") == pytest.approx(2 / 3, abs=1e-12)
    assert utility_upper_bound(3, coupling="next_nearest") == utility_upper_bound(3, coupling="global")
    assert utility_upper_bound(3) == pytest.approx(h2(1 / 3), abs=1e-9)  # nearest: the palindrome 010


# --- three fates ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, boundary, steps", [(2, "open", 24), (3, "periodic", 12)])
def test_three_fates_equal_a_dense_grid_over_all_symmetric_distributions(n, boundary, steps):
    # 6 and 10 orbits: every distribution with weights in multiples of 1/steps (the optimum among them).
    comp, size = orbit_table(brute_force_orbits(n, boundary, False, fates=3), n, fates=3)
    grid = utility_of(simplex_grid(len(size), steps), comp, size, n)
    bound = utility_upper_bound(n, boundary, n_fates=3)
    assert grid.max() <= bound + 1e-9
    assert grid.max() == pytest.approx(bound, abs=1e-9)


@pytest.mark.parametrize("n, boundary", [(3, "open"), (4, "fixed")])
def test_three_fates_equal_a_numerical_maximisation_over_symmetric_distributions(n, boundary):
    comp, size = orbit_table(brute_force_orbits(n, boundary, False, fates=3), n, fates=3)
    bound = utility_upper_bound(n, boundary, n_fates=3)
    rng = np.random.default_rng(1)
    samples = utility_of(rng.dirichlet(np.full(len(size), 0.3), size=4000), comp, size, n)
    assert samples.max() <= bound + 1e-9
    found = local_maxima(comp, size, n, starts=100)
    assert found <= bound + 1e-9
    assert found == pytest.approx(bound, abs=1e-6)
    # and a grid over every triple of explicit orbits (the at-most-Z-orbits argument) reaches it too
    w = simplex_grid(3, 60)
    triples = np.array(list(itertools.combinations(range(len(size)), 3)))
    grid = max(float(utility_of(w, comp[t], size[t], n).max()) for t in triples)
    assert grid <= bound + 1e-9 and grid == pytest.approx(bound, abs=2e-3)


def test_three_fates_known_values():
    log3 = math.log2(3)
    # N = 2, open: the three constant patterns evenly, log2(3) - log2(3) / 2.
    assert utility_upper_bound(2, n_fates=3) == pytest.approx(log3 / 2, abs=1e-9)
    # A palindrome of two cells in each fate (012210) alone: U = log2 3, the most three fates allow.
    assert utility_upper_bound(6, n_fates=3) == pytest.approx(log3, abs=1e-12)
    # N = 5, open: a palindrome with fate counts (2, 2, 1), e.g. 01210.
    assert utility_upper_bound(5, n_fates=3) == pytest.approx(float(-np.sum([0.4, 0.4, 0.2] * np.log2(
        [0.4, 0.4, 0.2]))), abs=1e-12)
    # A ring: the constant patterns evenly, log2(3) (1 - 1/N).
    for n in (4, 5, 7):
        assert utility_upper_bound(n, "periodic", n_fates=3) == pytest.approx(log3 * (1 - 1 / n), abs=1e-9)
    # One free cell: fates 1 and 2 enter only through their total, so it is the two-fate value.
    assert utility_upper_bound(3, "fixed", n_fates=3) == utility_upper_bound(3, "fixed")
    assert utility_upper_bound(1, n_fates=3) == pytest.approx(0.0, abs=1e-12)


def test_the_branch_and_bound_agrees_with_the_pair_search_of_two_fates():
    for n, boundary in ((7, "open"), (9, "open"), (8, "fixed"), (10, "periodic")):
        comp, log_size = bounds._compositions_of(orbit_classes(n, boundary))
        assert bounds._simplex_maximum(comp, log_size, n, 2, -np.inf) == pytest.approx(
            utility_upper_bound(n, boundary), abs=1e-9)


# --- limits, NaN for tables, and the command -----------------------------------------------------------------------

def test_where_the_bound_is_not_computed():
    with pytest.raises(BoundNotComputed, match=r"n_fates=3 N must be an integer in \[1, 12\]"):
        utility_upper_bound(13, n_fates=3)
    with pytest.raises(BoundNotComputed, match="global coupling"):
        utility_upper_bound(bounds.MAX_GLOBAL_CELLS + 1, coupling="global")
    with pytest.raises(BoundNotComputed, match="n_fates=4 with coupling='nearest'"):
        utility_upper_bound(4, n_fates=4)
    with pytest.raises(ValueError, match="two fates only"):
        utility_upper_bound(4, antisymmetric=True, n_fates=3)
    with pytest.raises(ValueError, match="coupling 'ring'"):
        utility_upper_bound(4, coupling="ring")
    with pytest.raises(ValueError, match="n_fates"):
        utility_upper_bound(4, n_fates=1)
    assert math.isnan(bound_or_nan(21, "open", "nearest", 2))
    assert math.isnan(bound_or_nan(13, "periodic", "next_nearest", 3))
    assert math.isnan(bound_or_nan(5, "open", "global", 4))
    assert bound_or_nan(7, "open", "nearest", 2) == utility_upper_bound(7)
    assert bound_or_nan(7, "periodic", "global", 3) == utility_upper_bound(7, "periodic", coupling="global", n_fates=3)
    with pytest.raises(ValueError, match="boundary 'ring'"):
        bound_or_nan(7, "ring", "nearest", 2)


def test_the_command_prints_the_bound_and_its_fraction_of_log2_z(capsys):
    assert main(["bound", "7", "--coupling", "global"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("0.857143 bits per cell, U / log2 2 = 0.857143") and "global coupling" in out
    assert main(["bound", "5", "--fates", "3"]) == 0
    out = capsys.readouterr().out
    value = utility_upper_bound(5, n_fates=3)
    assert out.startswith(f"{value:.6f} bits per cell, U / log2 3 = {value / math.log2(3):.6f}")
    assert main(["bound", "13", "--fates", "3", "--boundary", "periodic"]) == 2
    err = capsys.readouterr().err
    assert "N = 13" in err and "not computed" in err and "[1, 12]" in err
    assert main(["bound", "6", "--fates", "4"]) == 2
    assert "n_fates = 2 and 3 only" in capsys.readouterr().err
