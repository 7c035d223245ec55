"""The installed ``fatenet`` command: every subcommand runs, with known answers and clear errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fatenet import artifacts, io
from fatenet.evaluation import evaluate
from fatenet.training import train
from helpers import tiny_config

FATENET = Path(sys.executable).with_name("fatenet")


def run(*args):
    return subprocess.run([str(FATENET), *args], capture_output=True, text=True, timeout=600)


def test_the_entry_point_is_installed_and_shows_usage():
    assert FATENET.exists(), "pip install -e . installs the fatenet command"
    result = run()
    assert result.returncode == 2 and "bound" in result.stderr and "evaluate" in result.stderr


@pytest.mark.parametrize("args, expected", [(["7"], "0.985228"), (["7", "--boundary", "periodic"], "0.857143"),
                                            (["7", "--boundary", "fixed"], "0.985228")])
def test_bound_prints_the_worked_values(args, expected):
    result = run("bound", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)


def test_bound_rejects_a_size_it_cannot_enumerate():
    result = run("bound", "25")
    assert result.returncode == 2 and "N = 25" in result.stderr and "[1, 20]" in result.stderr


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    cfg = tiny_config(evolution={"n_generations": 2})
    result = train(cfg, 3, progress=False)
    folder = tmp_path_factory.mktemp("run")
    io.save_params(folder / artifacts.PARAMS, result.params,
                   {"config": cfg.training_dict(), "seed": 3, "best_fitness": result.best_ever_fitness,
                    "chosen_train_fitness": result.fitness, "selection": result.selection.to_dict(orient="records")})
    return folder, cfg, result


@pytest.mark.slow
def test_evaluate_prints_what_the_engine_computes(run_folder):
    folder, cfg, result = run_folder
    out = run("evaluate", str(folder / artifacts.PARAMS), "--replicates", "64", "--json")
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    direct = evaluate(cfg.replace({"evaluation.n_replicates": 64}), result.params, 3,
                      train_fitness=result.fitness).metrics
    assert [row["network"] for row in printed] == ["trained", "random"]
    for row, (_, want) in zip(printed, direct.iterrows(), strict=True):
        assert row["utility"] == pytest.approx(want["utility"], abs=1e-12)
        assert row["n_distinct"] == want["n_distinct"]


def test_info_describes_the_run(run_folder):
    folder, cfg, result = run_folder
    out = run("info", str(folder))
    assert out.returncode == 0, out.stderr
    assert "seed 3" in out.stdout and "mu_plus_lambda" in out.stdout and "not evaluated yet" in out.stdout
    chosen = result.selection[result.selection["chosen"]]["candidate"].iloc[0]
    assert f"* {chosen}" in out.stdout


def test_a_damaged_params_file_is_named_with_how_to_rebuild_it(tmp_path, run_folder):
    folder, _, _ = run_folder
    broken = tmp_path / artifacts.PARAMS
    broken.write_bytes(b"not a zip archive")
    (tmp_path / artifacts.SIDECAR).write_text((folder / artifacts.SIDECAR).read_text())
    out = run("evaluate", str(broken))
    assert out.returncode == 1
    assert str(broken) in out.stderr and "--forcerun train" in out.stderr
    assert run("info", str(tmp_path / "nowhere")).returncode == 1


def test_table_groups_runs_over_seeds_with_hand_computed_statistics(tmp_path):
    import pandas as pd

    runs = ["variant~a/seed~1", "variant~a/seed~2", "variant~b/seed~1"]
    summary = pd.DataFrame({
        "seed": [1, 2, 1], "variant": ["a", "a", "b"], "run": runs,
        "utility": [0.65, 0.75, 0.6], "utility_finest_dt": [0.7, 0.8, 0.6], "dt_sensitive": [True, False, False],
        "alternating_share": [0.5, 0.7, 0.0], "fitness_gap": [0.1, 0.0, float("nan")]})
    summary.to_parquet(tmp_path / Path(artifacts.SUMMARY).name)
    for run_name, (train_s, evaluate_s) in zip(runs, [(50, 10), (100, 20), (30, 30)], strict=True):
        for rule, seconds in (("train", train_s), ("evaluate", evaluate_s)):
            tsv = tmp_path / "benchmarks" / rule / f"{run_name}.tsv"
            tsv.parent.mkdir(parents=True, exist_ok=True)
            tsv.write_text(f"s\th:m:s\n{seconds}\t0:00:{seconds}\n")
    out = run("table", str(tmp_path))
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if line.startswith("| a ") or line.startswith("| b ")]
    # group a, U at dt/16: mean 0.75, sd 0.0707107, t(0.975, 1) = 12.7062 -> half width 0.635310; U at dt 0.70
    # wall time (60 + 120) / 2 s = 1.5 min
    assert rows[0] == ("| a | 2 | 0.750 [0.115, 1.385] | 0.700, 0.800 | 0.700 | 1 of 2 | 0.60 | +0.050 | 1.5 |")
    # one seed: no interval; its network an optimiser's mean, never scored in training: no gap
    assert rows[1] == "| b | 1 | 0.600 [nan, nan] | 0.600 | 0.600 | 0 of 1 | 0.00 | - | 1.0 |"
    assert "no summary.parquet" in run("table", str(tmp_path / "nowhere")).stderr


def test_atlas_is_the_best_seed_per_size_and_model_beside_the_bound(tmp_path):
    import pandas as pd

    rows = [("m1", 4, 1, 0.70), ("m1", 4, 2, 0.80), ("m2", 4, 1, 0.90), ("m1", 5, 1, 0.60), ("m2", 5, 1, 0.95)]
    summary = pd.DataFrame({"variant": [r[0] for r in rows], "simulation.n_cells": [r[1] for r in rows],
                            "seed": [r[2] for r in rows], "utility_finest_dt": [r[3] for r in rows],
                            "utility_bound": [1.0 if r[1] == 4 else 0.970951 for r in rows],
                            "run": [f"variant~{m}/n_cells~{n}/seed~{k}" for m, n, k, _ in rows]})
    summary.to_parquet(tmp_path / Path(artifacts.SUMMARY).name)
    for run_name in summary["run"]:
        path = Path(artifacts.run_file(run_name, artifacts.PATTERNS, str(tmp_path)))
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"network": ["trained", "random"], "pattern": ["0110", "0000"], "count": [3, 1],
                      "frequency": [0.75, 0.25]}).to_parquet(path)
    out = run("atlas", str(tmp_path), "--figure", str(tmp_path / "atlas.png"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1] == "| n_cells | exact bound | m1 | m2 |"
    assert lines[3] == "| 4 | 1.000 | 0.800 (`0110` 75%) | 0.900 (`0110` 75%) |"  # the better seed of m1
    assert lines[4] == "| 5 | 0.971 | 0.600 (`0110` 75%) | 0.950 (`0110` 75%) |"
    assert (tmp_path / "atlas.png").read_bytes()[:4] == b"\x89PNG"
    bad = run("atlas", str(tmp_path), "--param", "simulation.noise_strength")
    assert bad.returncode == 2 and "simulation.noise_strength is not swept" in bad.stderr


def test_search_reports_restart_success_and_misses_of_a_built_study(tmp_path):
    """Two seeds of one group, each run's params.json written by hand (see test_statistics for the rules)."""
    import pandas as pd

    nan = float("nan")

    def cand(name, dt, dt4):
        return {"candidate": name, "train_fitness": nan, "rescore_utility": dt, "rescore_fine_dt": dt4,
                "rescore_finest_dt": nan, "rescore_score": nan, "chosen": False}

    runs = {"noise_strength~0.1/seed~1": ([cand("restart_0_best_ever", 0.68, 0.67), cand("restart_1_mean", 0.89, 0.88),
                                           cand("restart_2_best_ever", 0.87, 0.87)], ["0101010", "1001001", "0110110"]),
            "noise_strength~0.1/seed~2": ([cand("restart_0_best_ever", 0.69, 0.69), cand("restart_1_mean", 0.70, 0.68)],
                                          ["1010101", "0101010", "1111111"])}
    for run_name, (selection, classes) in runs.items():
        restarts = [{"restart": k, "start_class": c, "kept": k < len(selection)} for k, c in enumerate(classes)]
        io.save_params(tmp_path / artifacts.run_file(run_name, artifacts.PARAMS, "."), [0.0],
                       {"selection": selection, "restarts": restarts})
    pd.DataFrame({"seed": [1, 2], "simulation.noise_strength": [0.1, 0.1], "run": list(runs),
                  "utility_finest_dt": [0.875, 0.68]}).to_parquet(tmp_path / Path(artifacts.SUMMARY).name)
    out = run("search", str(tmp_path))
    assert out.returncode == 0, out.stderr
    row = out.stdout.splitlines()[-1]
    # seed 1: scores .67, .88, .87 -> 2 within 0.02 of .88; seed 2: .69, .68 (restart 2 dropped) -> 2 of 3
    # best U at dt/16 0.875; seed 2 (0.68) is more than 0.05 below it
    assert row == ("| 0.1 | 2 | 6 (5) | 4 of 6 (0.67) | 0.875 | 1 of 2 (0.50) | 1001001 x1, 1010101 x1 |")
