"""The cost model: batch sizes and cell-steps by hand, and a study that cannot fit refused before any job."""

from __future__ import annotations

import pytest
import yaml

from fatenet import cost
from fatenet.config import Config
from fatenet.study import Study, StudyConfigError
from helpers import REPO


def default_run() -> Config:
    study = yaml.safe_load((REPO / "config.yaml").read_text())
    return Config.from_dict({k: study[k] for k in ("simulation", "network", "evolution", "evaluation")})


def test_the_default_runs_batches_and_cell_steps_by_hand():
    config = default_run()  # 16 restarts x 12 x 64 tissues x 7 cells, screen 256, 2000 steps
    batches = cost.training_batches(config)
    assert batches["restarts x population x replicates x cells"] == 16 * 12 * 64 * 7
    assert batches["initial_screen x replicates x cells"] == 512 * 64 * 7  # a compiled chunk: 512 of the 16 x 256
    assert batches["candidates x rescore_replicates x cells"] == (4 * 2 + 4 + 1) * 2000 * 7  # 4 kept: best, mean; 4 last; the focus's best
    assert batches["restarts x focus_replicates x cells"] == 2 * 16 * 1000 * 7
    assert batches["shifts x choice_shift_replicates x cells"] == 21 * 2000 * 7  # f and its moves -10 ... +10
    assert batches["finalists x choice_confirm_replicates x cells"] == (3 + 1) * 7000 * 7  # the 3 best and the move
    assert batches["restarts x n_params^2 (CMA-ES covariance)"] == 3 * 16 * 17**2
    per_tissue = 7 * 2000
    generations = 20 * 16 * 1 + 30 * 4 * (1 + 4)  # exploration at dt, then 4 restarts at dt and dt / 4
    shifts = 21 * 2000 * (1 + 4) + 2000 * 21  # 21 networks at dt and dt / 4, then the best move at 3 steps
    confirm = 4 * 7000 * 21  # the finalists on their own tissues at dt, dt / 4 and dt / 16
    expected = (generations * 12 * 64 + 16 * 256 * 64 + 2 * 16 * 1000 * 21 + 13 * 2000 * 21 + shifts + confirm) \
        * per_tissue
    assert cost.training_cell_steps(config) == expected
    assert cost.evaluation_batches(config)["n_steps x cells (kymograph)"] == 2001 * 4 * 7
    estimate = cost.estimate(config, rate={"mlp": 1e8, "piecewise_linear": 1e9})
    assert estimate.train_s == pytest.approx(cost.STARTUP_S["train"] + expected / 1e9)
    # 294000 states; the finalists 196000, the screen 229376
    assert estimate.train_driver == "shifts x choice_shift_replicates x cells"
    assert estimate.train_mb == pytest.approx(cost.BASE_MB["train"] + 21 * 2000 * 7 * cost.STATE_BYTES / 2**20)
    mem_mb, minutes = estimate.request("train")
    assert mem_mb == int(estimate.train_mb * cost.MARGIN["mem"] + 256) and minutes >= 10


def test_seeds_trained_together_multiply_the_training_job():
    config = default_run()
    one, three = cost.estimate(config), cost.estimate(config, seeds=3)
    assert three.train_cell_steps == 3 * one.train_cell_steps and three.evaluate_mb == one.evaluate_mb
    assert three.train_mb - cost.BASE_MB["train"] == pytest.approx(3 * (one.train_mb - cost.BASE_MB["train"]))


def study(**sections) -> dict:
    """A validated default study with ``sections`` over it (one seed, one sweep point)."""
    from snakemake.utils import validate

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    for name, values in sections.items():
        config[name] = {**config.get(name, {}), **values} if isinstance(values, dict) else values
    config.update(seeds=[1], sweep={"simulation.noise_strength": [0.1]})
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    return config


@pytest.mark.parametrize("sections, keys", [
    ({"simulation": {"n_cells": 400000}}, ["simulation.n_cells = 400000", "evolution.choice_shifts = 10"]),
    ({"simulation": {"n_cells": 400000}, "evolution": {"choice_shifts": 0}},
     ["simulation.n_cells = 400000", "simulation.n_replicates = 64"]),
    ({"evolution": {"population_size": 2_000_000, "initial_screen": 2_000_000}}, ["evolution.population_size = 2000000"]),
    ({"simulation": {"n_replicates": 5_000_000}}, ["simulation.n_replicates = 5000000"]),
    ({"evolution": {"restarts": 400_000}}, ["evolution.restarts = 400000"]),
    ({"network": {"n_knots": 100_000}}, ["network.n_knots = 100000"]),
    ({"simulation": {"t_final": 2_000_000.0}}, ["simulation.t_final / simulation.dt = 200000000"]),
    ({"evaluation": {"n_replicates": 1_000_000_000}}, ["evaluation.n_replicates = 1000000000"]),
])
def test_a_run_that_cannot_fit_is_refused_naming_its_keys_and_estimate(sections, keys):
    with pytest.raises(StudyConfigError, match=r"cannot fit: its (train|evaluate) job would need about [\d,]+ MB") \
            as error:
        Study(study(**sections))
    for key in keys:
        assert key in str(error.value), str(error.value)


def test_the_memory_allowed_is_a_study_setting():
    config = study()
    peak = Study(config).costs["noise_strength~0.1/seed~1"].peak_mb
    config["max_memory_mb"] = int(peak) - 1
    with pytest.raises(StudyConfigError, match=rf"more than the {int(peak) - 1:,} MB allowed \(max_memory_mb\)"):
        Study(config)
    config["max_memory_mb"] = int(peak) + 1
    assert Study(config).runs


def test_a_long_run_is_reported_with_its_estimate(capsys):
    config = study()
    config["warn_run_hours"] = 1e-4
    Study(config)
    assert "estimated to take more than 0.0001 h each, e.g. noise_strength~0.1/seed~1" in capsys.readouterr().err
