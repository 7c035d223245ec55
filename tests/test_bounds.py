"""The exact utility bound: the worked values for N = 7, a hand case, and an independent brute force."""

import itertools

import numpy as np
import pytest

from fatenet.bounds import orbit_classes, utility_upper_bound
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



def brute_force_orbits(n, boundary, antisymmetric):
    """Orbits as explicit sets of tuples, built without the vectorised code."""
    perms = [list(range(n)), list(range(n))[::-1]]
    if boundary == "periodic":
        perms = [[(i + k) % n for i in range(n)] for k in range(n)]
        perms += [p[::-1] for p in perms]
    patterns = [x for x in itertools.product([0, 1], repeat=n) if boundary != "fixed" or (x[0] == 0 and x[-1] == 0)]
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
