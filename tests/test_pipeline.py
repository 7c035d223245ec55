"""The tiny study, run through Snakemake itself: every promised file, its columns, and determinism.

Two fresh builds of ``workflow/presets/tiny.yaml`` in two scratch folders (sharing one JAX
compilation cache) must give byte-identical parameters, Parquet tables and PNGs; the second
starts with a garbage ``checkpoint.npz`` in one run folder, which must not change anything.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import TINY_BUILD_ARGS, copy_study, shared_tiny_study, snakemake
from fatenet import artifacts, convergence, io
from fatenet.config import Config
from fatenet.evaluation import METRIC_COLUMNS
from helpers import REPO, TINY_RUNS

pytestmark = pytest.mark.slow

RUNS = TINY_RUNS
FIGURES = [artifacts.utility_figure("noise_strength"), *artifacts.STUDY_FIGURES.values()]
METRICS = [c for c in METRIC_COLUMNS if c != "network"]
SUMMARY_COLUMNS = ["seed", "simulation.noise_strength", "run", *METRICS, "random_utility", "train_best_fitness"]
GARBAGE_RUN = RUNS[1]
HISTORY_COLUMNS = ["generation", "best_fitness", "mean_fitness", "std_fitness", "best_s_pat", "best_s_rep",
                   "best_ever_fitness", "n_invalid"]


def build(folder: Path, cache: Path, garbage_checkpoint: bool = False) -> Path:
    copy_study(folder)
    if garbage_checkpoint:  # as a job killed during a disk-full write would leave it
        run = folder / "results" / "runs" / GARBAGE_RUN
        run.mkdir(parents=True)
        (run / artifacts.CHECKPOINT).write_bytes(b"PK\x03\x04 truncated garbage")
    result = snakemake(folder, *TINY_BUILD_ARGS, "--config", f"cache_dir={cache}")
    assert result.returncode == 0, result.stdout[-6000:]
    return folder


@pytest.fixture(scope="module")
def first(jax_cache) -> Path:
    """The tiny study, built once per test run (``conftest.shared_tiny_study``; only read here)."""
    return shared_tiny_study(jax_cache)


@pytest.fixture(scope="module")
def second(tmp_path_factory, jax_cache, first) -> Path:
    return build(tmp_path_factory.mktemp("tiny_b"), jax_cache, garbage_checkpoint=True)


def promised_files() -> list[str]:
    files = [artifacts.run_file(run, name) for run in RUNS for name in artifacts.RUN_FILES]
    files += [artifacts.SUMMARY, artifacts.SUMMARY_CSV, *FIGURES]
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
    history = pd.read_parquet(run / artifacts.HISTORY)
    assert list(history.columns) == HISTORY_COLUMNS
    assert history["generation"].tolist() == [0, 1, 2]

    metrics = pd.read_parquet(run / artifacts.METRICS)
    assert metrics["network"].tolist() == ["trained", "random"]
    assert set(METRICS + ["network", "train_fitness"]) <= set(metrics.columns)

    patterns = pd.read_parquet(run / artifacts.PATTERNS)
    assert {"network", "pattern", "count", "frequency"} <= set(patterns.columns)
    assert set(patterns["network"]) == {"trained", "random"}
    for _, part in patterns.groupby("network"):
        assert part["count"].sum() == 64
        assert part["frequency"].sum() == pytest.approx(1.0)
    assert patterns["pattern"].str.fullmatch("[01]{7}").all()

    curve = pd.read_parquet(run / artifacts.F_CURVE)
    assert list(curve.columns) == ["sbar", "f_trained", "f_random", "f_target"]
    assert curve["sbar"].iloc[0] == 0.0 and curve["sbar"].iloc[-1] == 1.0


def test_params_and_sidecar(first):
    run = first / "results" / "runs" / RUNS[0]
    params, meta = io.load_params(run / artifacts.PARAMS)
    assert params.dtype == np.float32 and params.shape == (17,)  # the default piecewise-linear f, 17 knots
    with np.load(run / artifacts.PARAMS, allow_pickle=False) as archive:
        assert list(archive.files) == ["params"]
    sidecar = json.loads((run / artifacts.SIDECAR).read_text())
    assert set(sidecar) == {f.name for f in fields(artifacts.Sidecar)}
    # the settings recorded are the run's own, as the run table builds them from config.yaml + tiny.yaml
    tiny = yaml.safe_load((REPO / "config.yaml").read_text())
    for section, values in yaml.safe_load((REPO / "workflow" / "presets" / "tiny.yaml").read_text()).items():
        tiny[section] = {**tiny[section], **values} if isinstance(values, dict) else values
    expected = Config.from_dict({k: tiny[k] for k in ("simulation", "network", "evolution", "evaluation")}).replace(
        {"simulation.noise_strength": 0.05})
    assert artifacts.Sidecar.from_dict(meta).config == expected.training_dict()
    assert {"config", "seed", "versions", "n_params", "best_fitness"} <= set(sidecar)
    assert sidecar["seed"] == 1 and sidecar["n_params"] == 17
    assert sidecar["config"]["simulation"]["noise_strength"] == 0.05
    assert sidecar["config"]["evolution"]["n_generations"] == 3
    assert {"seeds", "sweep", "cache_dir", "evaluation"}.isdisjoint(sidecar["config"])
    assert "log_every" not in sidecar["config"]["evolution"]
    assert "jax" in sidecar["versions"]
    text = (run / artifacts.SIDECAR).read_text()
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", text)  # no date or clock time
    assert not any(re.search(r"(^|_)(time|date|timestamp|created)($|_)", key) for key in _keys(sidecar))


def _keys(tree):
    """Every key of a nested JSON document."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield key
            yield from _keys(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _keys(value)


def test_summary_rows_and_columns(first):
    summary = pd.read_parquet(first / artifacts.SUMMARY)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary["run"].tolist() == RUNS
    assert summary["seed"].tolist() == [1, 2, 1, 2]
    assert summary["simulation.noise_strength"].tolist() == [0.05, 0.05, 0.1, 0.1]
    assert summary[METRICS[:11]].notna().all().all()
    assert (summary["utility_ci_low"] <= summary["utility_ci_high"]).all()
    assert ((summary["utility"] >= -1e-6) & (summary["utility"] <= 1.0 + 1e-6)).all()
    csv = pd.read_csv(first / artifacts.SUMMARY_CSV)
    assert list(csv.columns) == SUMMARY_COLUMNS
    pd.testing.assert_frame_equal(csv, summary, check_dtype=False)
    # the summary agrees with the per-run files it was built from
    metrics = pd.read_parquet(first / artifacts.run_file(RUNS[-1], artifacts.METRICS)).set_index("network")
    assert summary["utility"].iloc[-1] == metrics.at["trained", "utility"]
    assert summary["random_utility"].iloc[-1] == metrics.at["random", "utility"]


def test_pngs_carry_no_metadata(first):
    for name in promised_files():
        if name.endswith(".png"):
            data = (first / name).read_bytes()
            assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
            assert b"tEXt" not in data and b"Software" not in data, name


def scheduled_jobs(folder: Path, cache: Path, extra_config: str = "") -> str:
    """The jobs a dry run would schedule (Snakemake's job stats), after layering ``extra_config``."""
    overlay = folder / "overlay.yaml"
    overlay.write_text(extra_config or "{}\n")
    result = snakemake(folder, "-n", "--cores", "2", "--configfile", "workflow/presets/tiny.yaml", str(overlay),
                       "--config", f"cache_dir={cache}")
    assert result.returncode == 0, result.stdout
    return result.stdout


def test_an_unchanged_study_or_a_neutral_setting_schedules_nothing(first, jax_cache):
    assert "Nothing to be done" in scheduled_jobs(first, jax_cache)
    assert "Nothing to be done" in scheduled_jobs(first, jax_cache, "evolution: {log_every: 2}\n")
    assert "Nothing to be done" in scheduled_jobs(first, jax_cache, "simulation: {backend: kernel}\n")
    assert "Nothing to be done" in scheduled_jobs(first, jax_cache / "elsewhere")  # another compilation cache


@pytest.mark.parametrize("setting", ["evaluation: {n_replicates: 80}", "evaluation: {n_shown: 5}"])
def test_an_evaluation_setting_reruns_evaluation_but_no_training(first, jax_cache, setting):
    out = scheduled_jobs(first, jax_cache, setting + "\n")
    assert "rule evaluate:" in out and "aggregate" in out
    assert "rule train:" not in out and "train_seeds" not in out


def test_a_training_setting_retrains(first, jax_cache):
    out = scheduled_jobs(first, jax_cache, "evolution: {population_size: 7}\n")
    assert "rule train:" in out and "rule evaluate:" in out


def test_the_study_builds_its_report(first):
    """The study's own run writes results/report.html: no separate --report call."""
    report = first / "results" / "report.html"
    assert report.is_file() and report.stat().st_size > 10_000


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ARTIFACTS = Path(os.environ.get("FATENET_TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))
LOAD_EVERY_FIGURE = """
const done = arguments[arguments.length - 1];
const entries = Object.values(window.results || {}).filter(r => (r.data_uri || "").startsWith("data:image/"));
Promise.all(entries.map(e => new Promise(ok => {
  const img = new Image();
  img.onload = () => ok(img.naturalWidth > 0 ? null : e.name);
  img.onerror = () => ok(e.name);
  img.src = e.data_uri;
}))).then(failed => done({count: entries.length, failed: failed.filter(name => name)}));
"""


def test_the_report_opens_in_a_real_browser(first):
    """Headless Chromium renders results/report.html without errors, and every figure in it decodes."""
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver (.ci/run does)")
        pytest.skip("needs Debian's chromium and chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium look for a driver online
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        browser.get((first / "results" / "report.html").as_uri())
        WebDriverWait(browser, 90).until(lambda b: "fatenet study" in b.find_element(By.TAG_NAME, "body").text)
        figures = browser.execute_async_script(LOAD_EVERY_FIGURE)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "report.png"))
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        body = browser.find_element(By.TAG_NAME, "body").text
    finally:
        browser.quit()
    expected = sum(name.endswith(".png") for name in promised_files())
    assert figures == {"count": expected, "failed": []}
    assert not errors, errors
    assert "Error" not in body and "Runs" in body and "Study" in body


def test_a_garbage_checkpoint_is_set_aside_and_training_starts_over(second):
    run = second / "results" / "runs" / GARBAGE_RUN
    assert not (run / artifacts.CHECKPOINT).exists()
    assert (run / f"{artifacts.CHECKPOINT}.rejected").read_bytes() == b"PK\x03\x04 truncated garbage"
    log = (second / "results" / "logs" / "train" / f"{GARBAGE_RUN}.log").read_text()
    assert "not resuming from" in log and "training from scratch" in log


def test_two_builds_are_byte_identical(first, second):
    outputs = sorted(p.relative_to(first).as_posix() for p in (first / "results").rglob("*")
                     if p.is_file() and p.suffix in {".npz", ".json", ".parquet", ".png", ".csv"})
    assert set(promised_files()) <= set(outputs)
    differ = [name for name in outputs if (first / name).read_bytes() != (second / name).read_bytes()]
    assert not differ, f"not byte-identical across builds: {differ}"


def test_seeds_trained_together_match_separate_jobs(tmp_path_factory, jax_cache, first):
    """train_seeds_together: one vmapped job per sweep point gives the separate jobs' results
    (one sweep point built, up to its evaluations: the rest of the study is the same rules)."""
    folder = copy_study(tmp_path_factory.mktemp("tiny_together"))
    point = [run for run in RUNS if run.startswith("noise_strength~0.05/")]
    targets = [artifacts.run_file(run, artifacts.METRICS) for run in point]
    result = snakemake(folder, *targets, "--cores", "2", "--configfile", "workflow/presets/tiny.yaml",
                       "--config", f"cache_dir={jax_cache}", "train_seeds_together=True")
    assert result.returncode == 0, result.stdout[-6000:]
    assert "train_seeds" in result.stdout and "rule train:" not in result.stdout
    assert (folder / "results/logs/train_seeds/noise_strength~0.05.log").is_file()
    missing = [artifacts.run_file(run, name) for run in point for name in artifacts.RUN_FILES
               if not (folder / artifacts.run_file(run, name)).is_file()]
    assert not missing
    for run in point:
        together, _ = io.load_params(folder / artifacts.run_file(run, artifacts.PARAMS))
        separate, _ = io.load_params(first / artifacts.run_file(run, artifacts.PARAMS))
        np.testing.assert_allclose(together, separate, atol=1e-5)


def test_the_convergence_table_of_a_built_study(first, tmp_path):
    """fatenet convergence: one row per run with U at each time step asked for, the CSV with every
    column, and the side-by-side kymographs."""
    import subprocess
    import sys

    done = subprocess.run([str(Path(sys.executable).with_name("fatenet")), "convergence", str(first / "results"),
                           "--replicates", "16", "--factors", "1", "4", "--csv", str(tmp_path / "c.csv"), "--kymographs", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("| noise_strength~")]
    assert len(lines) == len(TINY_RUNS)
    table = pd.read_csv(tmp_path / "c.csv")
    assert list(table["run"]) == TINY_RUNS
    assert table[["utility_dt", "utility_dt/4"]].stack().between(0, 1).all() and "utility_dt/16" not in table
    assert np.allclose(table["moves"], (table["utility_dt/4"] - table["utility_dt"]).abs())
    assert (tmp_path / f"{TINY_RUNS[0].replace('/', '_')}.png").read_bytes()[:4] == b"\x89PNG"
    # --runs picks runs (the same row as in the whole table); a run the study lacks is named
    fatenet = [str(Path(sys.executable).with_name("fatenet")), "convergence", str(first / "results"), "--replicates",
               "16", "--factors", "1", "4"]
    one = subprocess.run([*fatenet, "--runs", TINY_RUNS[1], "--csv", str(tmp_path / "one.csv")], capture_output=True,
                         text=True, timeout=600)
    assert one.returncode == 0, one.stderr[-3000:]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "one.csv"), table.iloc[[1]].reset_index(drop=True))
    bad = subprocess.run([*fatenet, "--runs", "noise_strength~9/seed~1"], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "--runs noise_strength~9/seed~1: not a run of" in bad.stderr
    # --set re-simulates the run's network under a changed setting: the engine's row at that setting
    moved = subprocess.run([*fatenet, "--runs", TINY_RUNS[1], "--set", "simulation.noise_strength=0.3", "--csv",
                            str(tmp_path / "moved.csv")], capture_output=True, text=True, timeout=600)
    assert moved.returncode == 0, moved.stderr[-3000:]
    params, meta = io.load_params(first / artifacts.run_file(TINY_RUNS[1], artifacts.PARAMS))
    config = Config.from_dict(meta["config"]).replace({"simulation.noise_strength": 0.3})
    direct = convergence.convergence(config, params, int(meta["seed"]), (1, 4), 16)
    row = pd.read_csv(tmp_path / "moved.csv").iloc[0]
    assert row["utility_dt"] == pytest.approx(direct["utility_dt"], abs=1e-12)
    assert row["utility_dt/4"] == pytest.approx(direct["utility_dt/4"], abs=1e-12)
    assert np.isnan(row["dt_sensitive"]) and "| - |" in moved.stdout  # the study's flag is not this setting's
    for wrong, said in (("simulation.noise=0.3", "invalid setting simulation.noise = 0.3: unknown parameter"),
                        ("simulation.noise_strength", "expected KEY=VALUE"),
                        ("simulation.noise_strength=-1", "invalid setting simulation.noise_strength = -1")):
        refused = subprocess.run([*fatenet, "--runs", TINY_RUNS[1], "--set", wrong], capture_output=True, text=True,
                                 timeout=600)
        assert refused.returncode == 2 and said in refused.stderr, refused.stderr[-2000:]
