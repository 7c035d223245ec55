"""The tiny study, run through Snakemake itself: every promised file, its columns, and determinism.

Two fresh builds of ``workflow/presets/tiny.yaml`` in two scratch folders (sharing one JAX
compilation cache) must give byte-identical parameters, Parquet tables and PNGs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import copy_study, snakemake
from fatenet import io

pytestmark = pytest.mark.slow

RUNS = [f"noise_strength~{noise}/seed~{seed}" for noise in ("0.05", "0.1") for seed in (1, 2)]
PER_RUN = ["params.npz", "params.json", "history.parquet", "training.png", "metrics.parquet",
           "patterns.parquet", "f_curve.parquet", "trained_patterns.png", "random_vs_trained.png"]
FIGURES = ["utility_vs_noise_strength.png", "f_curves.png", "training_curves.png", "top_patterns.png"]
METRICS = ["utility", "utility_ci_low", "utility_ci_high", "soft_utility", "s_pat", "s_rep", "s_rep_mm", "s_cf", "pi", "ci", "frac_fate1",
           "alternating_share", "n_distinct", "f0", "f05", "f1", "zero_crossing", "lateral_inhibition", "fitness_gap", "utility_bound"]
SUMMARY_COLUMNS = ["seed", "simulation.noise_strength", "run", *METRICS, "random_utility", "train_best_fitness"]
HISTORY_COLUMNS = ["generation", "best_fitness", "mean_fitness", "std_fitness", "best_s_pat", "best_s_rep",
                   "best_ever_fitness", "n_invalid"]


def build(folder: Path, cache: Path) -> Path:
    copy_study(folder)
    result = snakemake(folder, "--cores", "2", "--configfile", "workflow/presets/tiny.yaml",
                       "--config", f"cache_dir={cache}")
    assert result.returncode == 0, result.stdout[-6000:]
    return folder


@pytest.fixture(scope="module")
def first(tmp_path_factory, jax_cache) -> Path:
    return build(tmp_path_factory.mktemp("tiny_a"), jax_cache)


@pytest.fixture(scope="module")
def second(tmp_path_factory, jax_cache, first) -> Path:
    return build(tmp_path_factory.mktemp("tiny_b"), jax_cache)


def promised_files() -> list[str]:
    files = [f"results/runs/{run}/{name}" for run in RUNS for name in PER_RUN]
    files += ["results/summary.parquet", "results/summary.csv"]
    files += [f"results/figures/{name}" for name in FIGURES]
    return files


def test_every_promised_file_exists(first):
    missing = [f for f in promised_files() if not (first / f).is_file() or (first / f).stat().st_size == 0]
    assert not missing
    for run in RUNS:
        assert (first / "results" / "logs" / "train" / f"{run}.log").is_file()
        assert (first / "results" / "logs" / "evaluate" / f"{run}.log").is_file()
        assert (first / "results" / "benchmarks" / "train" / f"{run}.tsv").is_file()
        assert (first / "results" / "benchmarks" / "evaluate" / f"{run}.tsv").is_file()
    assert (first / "results" / "logs" / "aggregate.log").is_file()


def test_per_run_tables_have_the_promised_columns(first):
    run = first / "results" / "runs" / RUNS[0]
    history = pd.read_parquet(run / "history.parquet")
    assert list(history.columns) == HISTORY_COLUMNS
    assert history["generation"].tolist() == [0, 1, 2]

    metrics = pd.read_parquet(run / "metrics.parquet")
    assert metrics["network"].tolist() == ["trained", "random"]
    assert set(METRICS + ["network", "train_fitness"]) <= set(metrics.columns)

    patterns = pd.read_parquet(run / "patterns.parquet")
    assert {"network", "pattern", "count", "frequency"} <= set(patterns.columns)
    assert set(patterns["network"]) == {"trained", "random"}
    for _, part in patterns.groupby("network"):
        assert part["count"].sum() == 64
        assert part["frequency"].sum() == pytest.approx(1.0)
    assert patterns["pattern"].str.fullmatch("[01]{7}").all()

    curve = pd.read_parquet(run / "f_curve.parquet")
    assert list(curve.columns) == ["sbar", "f_trained", "f_random", "f_target"]
    assert curve["sbar"].iloc[0] == 0.0 and curve["sbar"].iloc[-1] == 1.0


def test_params_and_sidecar(first):
    run = first / "results" / "runs" / RUNS[0]
    params, meta = io.load_params(run / "params.npz")
    assert params.dtype == np.float32 and params.shape == (97,)
    with np.load(run / "params.npz", allow_pickle=False) as archive:
        assert list(archive.files) == ["params"]
    sidecar = json.loads((run / "params.json").read_text())
    assert sidecar == meta
    assert {"config", "seed", "versions", "n_params", "best_fitness"} <= set(sidecar)
    assert sidecar["seed"] == 1 and sidecar["n_params"] == 97
    assert sidecar["config"]["simulation"]["noise_strength"] == 0.05
    assert sidecar["config"]["evolution"]["n_generations"] == 3
    assert {"seeds", "sweep", "cache_dir"}.isdisjoint(sidecar["config"])
    assert "jax" in sidecar["versions"]
    text = (run / "params.json").read_text().lower()
    assert "time" not in text and "date" not in text


def test_summary_rows_and_columns(first):
    summary = pd.read_parquet(first / "results" / "summary.parquet")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary["run"].tolist() == RUNS
    assert summary["seed"].tolist() == [1, 2, 1, 2]
    assert summary["simulation.noise_strength"].tolist() == [0.05, 0.05, 0.1, 0.1]
    assert summary[METRICS[:11]].notna().all().all()
    assert (summary["utility_ci_low"] <= summary["utility_ci_high"]).all()
    assert ((summary["utility"] >= -1e-6) & (summary["utility"] <= 1.0 + 1e-6)).all()
    csv = pd.read_csv(first / "results" / "summary.csv")
    assert list(csv.columns) == SUMMARY_COLUMNS
    pd.testing.assert_frame_equal(csv, summary, check_dtype=False)
    # the summary agrees with the per-run files it was built from
    metrics = pd.read_parquet(first / "results" / "runs" / RUNS[-1] / "metrics.parquet").set_index("network")
    assert summary["utility"].iloc[-1] == metrics.at["trained", "utility"]
    assert summary["random_utility"].iloc[-1] == metrics.at["random", "utility"]


def test_pngs_carry_no_metadata(first):
    for name in promised_files():
        if name.endswith(".png"):
            data = (first / name).read_bytes()
            assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
            assert b"tEXt" not in data and b"Software" not in data, name


def test_rerun_has_nothing_to_do(first, jax_cache):
    result = snakemake(first, "-n", "--cores", "2", "--configfile", "workflow/presets/tiny.yaml",
                       "--config", f"cache_dir={jax_cache}")
    assert result.returncode == 0, result.stdout
    assert "Nothing to be done" in result.stdout, result.stdout


def test_report_builds(first, jax_cache):
    result = snakemake(first, "--report", "results/report.html", "--configfile", "workflow/presets/tiny.yaml",
                       "--config", f"cache_dir={jax_cache}")
    assert result.returncode == 0, result.stdout[-6000:]
    report = first / "results" / "report.html"
    assert report.is_file() and report.stat().st_size > 10_000


def test_two_builds_are_byte_identical(first, second):
    outputs = sorted(p.relative_to(first).as_posix() for p in (first / "results").rglob("*")
                     if p.is_file() and p.suffix in {".npz", ".json", ".parquet", ".png", ".csv"})
    assert set(promised_files()) <= set(outputs)
    differ = [name for name in outputs if (first / name).read_bytes() != (second / name).read_bytes()]
    assert not differ, f"not byte-identical across builds: {differ}"


def test_seeds_trained_together_match_separate_jobs(tmp_path_factory, jax_cache, first):
    """train_seeds_together: one vmapped job per sweep point gives the separate jobs' results."""
    folder = copy_study(tmp_path_factory.mktemp("tiny_together"))
    result = snakemake(folder, "--cores", "2", "--configfile", "workflow/presets/tiny.yaml",
                       "--config", f"cache_dir={jax_cache}", "train_seeds_together=True")
    assert result.returncode == 0, result.stdout[-6000:]
    assert "train_seeds" in result.stdout and "rule train:" not in result.stdout
    assert (folder / "results/logs/train_seeds/noise_strength~0.05.log").is_file()
    missing = [f for f in promised_files() if not (folder / f).is_file()]
    assert not missing
    for run in RUNS:
        together, _ = io.load_params(folder / "results" / "runs" / run / "params.npz")
        separate, _ = io.load_params(first / "results" / "runs" / run / "params.npz")
        np.testing.assert_allclose(together, separate, atol=1e-5)
