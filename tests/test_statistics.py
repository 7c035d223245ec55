"""Search statistics (fatenet.statistics): restart outcomes, success and miss rates, by hand."""

import math

import numpy as np
import pytest

from fatenet.statistics import restart_outcomes, search_summary

NAN = float("nan")


def candidate(name, dt, dt4):
    return {"candidate": name, "train_fitness": 0.9, "rescore_utility": dt, "rescore_fine_dt": dt4,
            "rescore_finest_dt": NAN, "rescore_score": NAN, "chosen": False}


RUN_A = [candidate("restart_0_best_ever", 0.70, 0.69), candidate("restart_0_mean", 0.71, 0.70),
         candidate("restart_1_best_ever", 0.90, 0.885), candidate("restart_1_mean", 0.88, 0.89),
         candidate("restart_2_mean", 0.87, 0.875), candidate("last_generation_1", 0.99, 0.99)]
RESTARTS_A = [{"restart": k, "start_class": c, "kept": k != 3}
              for k, c in enumerate(["0101010", "1001001", "0110110", "1111111"])]
RUN_B = [candidate("best_ever", 0.67, 0.66), candidate("mean", 0.68, NAN)]  # a single restart, dt / 4 not run


def test_a_restarts_score_is_its_best_candidates_worse_of_dt_and_dt4():
    a = restart_outcomes(RUN_A, RESTARTS_A)
    assert [o["start_class"] for o in a] == ["0101010", "1001001", "0110110", "1111111"]
    # restart 0: max(min(.70, .69), min(.71, .70)) = .70; 1: max(.885, .88); 2: .87; 3: dropped after exploration
    assert [o["score"] for o in a[:3]] == [0.70, 0.885, 0.87] and math.isnan(a[3]["score"])
    assert [o["kept"] for o in a] == [True, True, True, False]
    b = restart_outcomes(RUN_B, None)
    assert b == [{"restart": 0, "start_class": "", "kept": True, "score": 0.68}]  # the mean's U at dt alone


def test_success_and_miss_rates_by_hand():
    runs = [(0.88, restart_outcomes(RUN_A, RESTARTS_A)), (0.66, restart_outcomes(RUN_B, None))]
    summary = search_summary(runs)
    # run A: best restart .885, within 0.02: .885 and .87 (2 of 4 started, 3 trained); run B: its one restart
    assert summary == {"runs": 2, "restarts": 5, "trained": 4, "successes": 3, "success_rate": 0.6, "best": 0.88,
                       "misses": 1, "miss_rate": 0.5}  # run B: 0.66 < 0.88 - 0.05
    assert search_summary(runs, tolerance=0.0)["successes"] == 2
    assert search_summary(runs, miss_tolerance=0.25)["misses"] == 0
    assert search_summary([(0.5, [])])["success_rate"] != pytest.approx(0.0)  # no restarts: NaN, not 0


def test_sweep_point_statistics_by_hand():
    """Two noise values x two boundaries: each cell's mean and t interval, the bound, the baseline."""
    import pandas as pd

    from fatenet.statistics import sweep_point_statistics

    summary = pd.DataFrame({
        "simulation.noise_strength": [0.1, 0.1, 0.05, 0.05, 0.1],
        "simulation.boundary": ["open", "open", "open", "open", "fixed"],
        "u": [0.5, 0.7, 0.9, 0.9, 0.4],
        "bound": [0.98, 0.98, 0.98, 0.98, float("nan")],
        "random": [0.1, 0.3, 0.0, 0.2, 0.5],
    })
    values, series, x, series_of, table = sweep_point_statistics(
        summary, "simulation.noise_strength", ["simulation.noise_strength", "simulation.boundary"],
        value_column="u", bound_column="bound", baseline_column="random")
    assert values == ["0.1", "0.05"] and series == ["boundary=open", "boundary=fixed"]
    assert x.tolist() == [0, 0, 1, 1, 0] and series_of.tolist()[-1] == "boundary=fixed"
    first = table.iloc[0]  # open, noise 0.1: mean 0.6, sd 0.1414, t(0.975, 1) = 12.706 -> 0.6 -+ 1.2706
    assert (first["series"], first["value_index"]) == ("boundary=open", 0)
    assert first["mean"] == pytest.approx(0.6) and first["ci_high"] == pytest.approx(0.6 + 12.7062 * 0.1, abs=1e-4)
    assert first["bound"] == pytest.approx(0.98) and first["baseline"] == pytest.approx(0.3)  # (0.1 + 0.3 + 0.5) / 3
    assert table["series"].tolist() == ["boundary=open", "boundary=open", "boundary=fixed"]
    fixed = table.iloc[2]
    assert fixed["mean"] == pytest.approx(0.4) and np.isnan(fixed["bound"]) and np.isnan(fixed["other_mean"])
