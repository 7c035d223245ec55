"""benchmarks/independent_check.py, the NumPy re-simulation with no fatenet code: its pieces against
hand-computed answers and against fatenet's own (two code paths), and a run on the tiny study."""

import importlib.util

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import shared_tiny_study
from fatenet.neural_network import PiecewiseLinear
from helpers import REPO

spec = importlib.util.spec_from_file_location("independent_check", REPO / "benchmarks" / "independent_check.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def test_utility_of_the_specs_worked_patterns():
    row = np.array([[0, 1, 0, 1, 0, 1, 0]])
    u, top, share = check.utility(np.repeat(row, 10, axis=0))
    assert u == pytest.approx(0.985228, abs=1e-6) and top == "0101010" and share == 1.0
    half = np.concatenate([np.repeat(row, 5, axis=0), np.repeat(1 - row, 5, axis=0)])
    assert check.utility(half)[0] == pytest.approx(6 / 7, abs=1e-6)
    assert check.utility(np.zeros((4, 7), int))[0] == 0.0


def test_standard_error_by_hand():
    """No spread where every tissue makes one pattern; for the row deciding together in a share p
    of the tissues, U = (6/7) H2(p), so its standard error over n tissues is (6/7) H2'(p)
    sqrt(p (1 - p) / n) to first order: at p = 1/4 and n = 400, (6/7) log2(3) sqrt(3/16/400)."""
    rng = np.random.default_rng(0)
    row = np.array([[0, 1, 1, 0, 1, 1, 0]])
    assert check.standard_error(np.repeat(row, 50, axis=0), rng) == 0.0
    ones, zeros = np.ones((100, 7), int), np.zeros((300, 7), int)
    fates = np.concatenate([ones, zeros])
    assert check.utility(fates)[0] == pytest.approx(6 / 7 * (-(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))))
    expected = 6 / 7 * np.log2(3) * np.sqrt(0.25 * 0.75 / 400)
    assert check.standard_error(fates, rng, draws=4000) == pytest.approx(expected, rel=0.05)


def test_neighbour_mean_by_hand():
    s = np.array([[0.0, 1.0, 0.5, 0.25]])
    np.testing.assert_allclose(check.neighbour_mean(s, "open"), [[1.0, 0.25, 0.625, 0.5]])
    np.testing.assert_allclose(check.neighbour_mean(s, "periodic"), [[0.625, 0.25, 0.625, 0.25]])


@pytest.mark.parametrize("settings", [{"max_rate": 1.0}, {"max_rate": 1.0, "max_slope": 24.0},
                                      {"output_scale": 2.0, "max_slope": 24.0}])
def test_f_is_fatenets_f(settings):
    params = 4.0 * PiecewiseLinear(n_knots=17).init_flat(jax.random.PRNGKey(3))
    sbar = np.linspace(0.0, 1.0, 321)
    ours = check.make_f(np.asarray(params), {"n_knots": 17, **settings})(sbar)
    theirs = PiecewiseLinear(n_knots=17, **settings).apply_flat(params, jnp.asarray(sbar, jnp.float32))
    np.testing.assert_allclose(ours, np.asarray(theirs), atol=2e-5)


@pytest.mark.slow
def test_it_re_simulates_every_run_of_a_built_study(jax_cache, tmp_path, capsys):
    results = shared_tiny_study(jax_cache) / "results"
    code = check.main([str(results), "--replicates", "40", "--factor", "2", "--csv", str(tmp_path / "rows.csv"),
                       "--min-run", "1.5", "--max-move", "1.0"])
    import pandas as pd

    rows = pd.read_csv(tmp_path / "rows.csv")
    assert len(rows) == len(list(results.glob("runs/*/*/params.npz"))) == 4
    assert rows["U_dt"].between(-1, 1).all() and rows["U_dt/2"].between(-1, 1).all()
    np.testing.assert_allclose(rows["se_moves"], np.hypot(rows["se_dt"], rows["se_dt/2"]))
    out, err = capsys.readouterr()
    assert code == 1 and "missed" in err and "1.5" in err  # no U reaches 1.5 bits per cell
    assert "move by more than" not in err and "| runs moving > 1.0 |" in out  # U moves by less than 1 bit per cell
