"""The benchmark scripts run (on the CPU, shrunk) and say what they promise."""

import json
import subprocess
import sys

import pytest

from conftest import shared_tiny_study
from fatenet import artifacts
from helpers import REPO

pytestmark = pytest.mark.slow


def run_script(*args, timeout=900):
    result = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_gpu_check_runs_as_a_dry_check_on_the_cpu(tmp_path, jax_cache):
    # its quick study is a run of the tiny study: built with the programs the tiny build compiled
    shared_tiny_study(jax_cache)
    out = run_script("benchmarks/gpu_check.py", "--quick", "--out", str(tmp_path), "--cache", str(jax_cache),
                     "--backends", "xla")
    assert out["quick"] and out["backend"] == "cpu" and list(out["backends"]) == ["xla"]
    row = out["backends"]["xla"]
    assert row["seed_config_s_per_gen"] > 0 and row["default_config_s_per_gen"] > 0
    assert row["default_config_cell_steps_per_s"] > 0
    assert row["vmapped_seeds"] == 2 and row["vmapped_wall_s"] > 0
    assert row["study_builds_ok"] and row["byte_identical"] and row["differing_files"] == []
    build = tmp_path / "build_a_xla"
    assert (build / artifacts.SUMMARY).is_file()
    assert (build / artifacts.run_file("noise_strength~0.1/seed~1", artifacts.PARAMS)).is_file()
    assert not (build / "results" / "runs" / "noise_strength~0.05").exists()  # a 1-run study


def test_scaling_writes_its_table_figure_and_exponents(tmp_path):
    out = run_script("benchmarks/scaling.py", "--out", str(tmp_path), "--repeats", "1", "--multipliers", "0.25",
                     "0.5", "--architecture", "piecewise_linear")
    assert set(out["exponents"]) == {"population", "replicates", "cells", "steps"}
    table = (tmp_path / "scaling.csv").read_text().splitlines()
    assert table[0].startswith("factor,value,s_per_gen") and len(table) == 1 + 4 * 2
    assert (tmp_path / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_authors_speed_times_both_sides_of_the_same_model(tmp_path):
    out = run_script("benchmarks/authors_speed.py", "--replicates", "256", "--numba-replicates", "8", "--repeats", "1",
                     "--out", str(tmp_path / "speed.json"))
    assert out["fatenet_s_per_tissue_step"] > 0 and 0.5 < out["fatenet_utility"] <= 1.0
    assert out["fatenet_utility"] == pytest.approx(out["fatenet_utility_numpy"], abs=1e-4)  # two U codes agree
    if "numba_s_per_tissue_step" in out:  # numba installed (pip install -e .[bench])
        assert out["ratio_numba_over_fatenet"] == pytest.approx(
            out["numba_s_per_tissue_step"] / out["fatenet_s_per_tissue_step"])
    assert json.loads((tmp_path / "speed.json").read_text()) == out


def load_benchmark(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_time_step_levers_make_an_odd_f_offsets_and_shifts_by_hand():
    import numpy as np

    from fatenet.config import Config
    from fatenet.problem import Problem

    levers = load_benchmark("time_step_levers")
    knots = np.array([-3.0, -1.0, 0.5, 2.0, 4.0], np.float32)
    odd = levers.antisymmetric(knots)
    np.testing.assert_array_equal(odd, [-3.5, -1.5, 0.0, 1.5, 3.5])  # (v - v reversed) / 2 by hand
    # the f it makes, through interpolation and the rate bound: f(1 - x) = -f(x) at every x
    config = Config.from_dict({"network": {"architecture": "piecewise_linear", "n_knots": 5, "max_rate": 2.0}})
    network = Problem.from_config(config).network
    x = np.linspace(0.0, 1.0, 101, dtype=np.float32)
    f, mirrored = (np.asarray(network.apply_flat(odd, grid), np.float64) for grid in (x, 1.0 - x))
    np.testing.assert_allclose(f, -mirrored, atol=1e-6)
    assert f.max() == 2.0 and f[50] == 0.0  # the bound holds; f(1/2) = 0
    shifts, candidates = levers.offset_candidates(knots, 2, 0.01)
    np.testing.assert_allclose(shifts, [0.0, -0.02, -0.01, 0.01, 0.02])  # the network itself first
    np.testing.assert_allclose(candidates - knots, np.repeat(shifts[:, None], 5, axis=1), atol=1e-6)  # float32
    # f moved along sbar by d: knots at 0, 1/4, ..., 1; by a whole knot interval the values move one knot
    # over (the end value held); by half of one, each knot reads the middle of the interval to its left
    shifts, moved = levers.shift_candidates(knots, 2, 0.125)
    np.testing.assert_allclose(shifts, [0.0, -0.25, -0.125, 0.125, 0.25])
    np.testing.assert_array_equal(moved[0], knots)
    np.testing.assert_allclose(moved[4], [-3.0, -3.0, -1.0, 0.5, 2.0])  # f(x - 1/4)
    np.testing.assert_allclose(moved[1], [-1.0, 0.5, 2.0, 4.0, 4.0])  # f(x + 1/4)
    np.testing.assert_allclose(moved[3], [-3.0, -2.0, -0.25, 1.25, 3.0])  # f(x - 1/8): midpoints by hand


def test_choice_replay_chooses_by_hand_from_the_recorded_candidates(tmp_path):
    def candidate(name, dt, fine, finest, chosen):
        return {"candidate": name, "rescore_utility": dt, "rescore_fine_dt": fine, "rescore_finest_dt": finest,
                "chosen": chosen, "train_fitness": None, "rescore_score": None}

    # a collective f whose U spreads by 0.041 beside a row that holds (spread 0.001): at 0.03 and 1 the
    # collective f scores 0.873 - 0.011 = 0.862 > 0.856; at 0.015 and 2, 0.873 - 0.052 = 0.821 < 0.856
    runs = {"noise_strength~0.1/seed~1": [candidate("collective", 0.914, 0.888, 0.873, True),
                                          candidate("row", 0.856, 0.857, 0.857, False)],
            "noise_strength~0.1/seed~2": [candidate("holds", 0.890, 0.885, 0.884, True),
                                          candidate("row", 0.856, 0.857, 0.857, False)]}
    for run, table in runs.items():
        (tmp_path / "runs" / run).mkdir(parents=True)
        (tmp_path / "runs" / run / "params.json").write_text(json.dumps({"selection": table}))
    rows = run_script("benchmarks/choice_replay.py", str(tmp_path), "--settings", "0.03,1", "0.015,2", timeout=120)
    assert [(r["tolerance"], r["penalty"], r["point"], r["runs"], r["changed"]) for r in rows] == [
        (0.03, 1.0, "noise_strength~0.1", 2, 0), (0.015, 2.0, "noise_strength~0.1", 2, 1)]
    assert rows[0]["mean_finest"] == pytest.approx((0.873 + 0.884) / 2) and rows[0]["spread_over_0.02"] == 1
    assert rows[0]["largest_spread"] == pytest.approx(0.041)
    assert rows[1]["mean_finest"] == pytest.approx((0.857 + 0.884) / 2) and rows[1]["spread_over_0.02"] == 0
    assert rows[1]["lowest_finest"] == pytest.approx(0.857) and rows[1]["largest_spread"] == pytest.approx(0.006)
    bad = subprocess.run([sys.executable, "benchmarks/choice_replay.py", str(tmp_path), "--settings", "0.02"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "allowed is TOLERANCE,PENALTY" in bad.stderr


def test_final_candidates_scores_every_candidate_of_a_shrunk_run_again(tmp_path):
    shrunk = tmp_path / "shrunk.yaml"
    shrunk.write_text(
        "simulation: {n_replicates: 8, t_final: 0.5}\n"
        "evolution: {population_size: 6, n_generations: 3, restarts: 2, initial_screen: 6, explore_generations: 1,\n"
        "            keep_restarts: 1, focus_replicates: 16, rescore_replicates: 32, choice_shifts: 2,\n"
        "            choice_shift_step: 0.05, choice_shift_replicates: 32, choice_confirm: 1, choice_confirm_replicates: 32}\n"
        "sweep: {simulation.noise_strength: [0.1]}\n")
    result = subprocess.run([sys.executable, "benchmarks/final_candidates.py", "2", "0.1", "--study", str(shrunk),
                             "--replicates", "48"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    out = json.loads(lines[-1])
    header = lines[0].split()
    rows = [line.split() for line in lines[1:-2]]
    kept = [row for row in rows if row[header.index("chosen")] == "True"]
    assert len(kept) == 1 and kept[0][0] == out["kept"]
    # the new tissues' numbers: the move is U at dt less U at dt / 16, to the printed rounding
    for row in rows:
        new_dt, new_dt16, move = (float(row[header.index(c)]) for c in ("new_dt", "new_dt16", "new_move"))
        assert move == pytest.approx(new_dt - new_dt16, abs=2e-4)
    assert float(kept[0][header.index("new_dt16")]) == pytest.approx(out["kept_new_dt16"], abs=1e-4)
    assert "confirm_score" in header  # the run confirmed its choice: its finalists' second scores are shown
    bad = subprocess.run([sys.executable, "benchmarks/final_candidates.py", "2", "0.1", "--set", "evolution.x"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "allowed is KEY=VALUE" in bad.stderr


def test_mirrored_tissues_scores_a_run_both_ways_with_known_answers(tmp_path):
    import numpy as np

    from fatenet.io import save_params
    from helpers import tiny_config

    config = tiny_config(simulation={"n_replicates": 16, "t_final": 2.0}, network={"architecture": "piecewise_linear",
                                                                                   "n_knots": 5, "max_rate": 1.0},
                         evolution={"fitness": "hard"})
    # f = +1 everywhere: every cell ends at 1, so every tissue is 1111111 and U = 0 both ways; its mirror
    # image, f = -1, ends every cell at 0, which the pairs count as 1 - 0 = 1
    save_params(tmp_path / "params.npz", np.full(5, 3.0, np.float32), {"config": config.to_dict(), "seed": 1})
    result = subprocess.run([sys.executable, "benchmarks/mirrored_tissues.py", str(tmp_path / "params.npz"),
                             "--moves", "0.25", "--keys", "4", "--tissues", "32"], cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| f")]
    assert rows[1:] == ["| f | 1.000, 0.000 | 0.0000, 0.0000 | 0.0000, 0.0000 |",
                        "| f(sbar - 0.25) | 1.000, 0.000 | 0.0000, 0.0000 | 0.0000, 0.0000 |"]
    save_params(tmp_path / "mlp.npz", np.zeros(97, np.float32), {"config": tiny_config().to_dict(), "seed": 1})
    bad = subprocess.run([sys.executable, "benchmarks/mirrored_tissues.py", str(tmp_path / "mlp.npz")], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "not a piecewise-linear f of sbar" in bad.stderr
