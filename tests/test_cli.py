"""The installed ``fatenet`` command: every subcommand runs, with known answers and clear errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fatenet import io
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
    io.save_params(folder / "params.npz", result.params,
                   {"config": cfg.training_dict(), "seed": 3, "best_fitness": result.best_ever_fitness,
                    "chosen_train_fitness": result.fitness, "selection": result.selection.to_dict(orient="records")})
    return folder, cfg, result


def test_evaluate_prints_what_the_engine_computes(run_folder):
    folder, cfg, result = run_folder
    out = run("evaluate", str(folder / "params.npz"), "--replicates", "64", "--json")
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
    broken = tmp_path / "params.npz"
    broken.write_bytes(b"not a zip archive")
    (tmp_path / "params.json").write_text((folder / "params.json").read_text())
    out = run("evaluate", str(broken))
    assert out.returncode == 1
    assert str(broken) in out.stderr and "--forcerun train" in out.stderr
    assert run("info", str(tmp_path / "nowhere")).returncode == 1
