"""Figures are pure functions of their data and give the same PNG bytes every time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fatenet import plots
from fatenet.statistics import mean_ci95

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _history(n=12):
    gen = np.arange(n)
    best = 0.1 + 0.05 * np.sqrt(gen)
    return pd.DataFrame({"generation": gen, "best_fitness": best, "mean_fitness": best / 2,
                         "best_ever_fitness": np.maximum.accumulate(best)})


def _curve(n=51):
    sbar = np.linspace(0.0, 1.0, n)
    return pd.DataFrame({"sbar": sbar, "f_trained": -np.tanh(4 * (sbar - 0.5)), "f_random": 0.2 * sbar - 0.1,
                         "f_target": -np.tanh(5 * (sbar - 0.5))})


def _summary():
    rows = []
    for noise in (0.05, 0.1):
        for seed in (1, 2, 3):
            rows.append({"seed": seed, "simulation.noise_strength": noise, "run": f"noise_strength~{noise}/seed~{seed}",
                         "utility": 0.8 - noise + 0.01 * seed, "random_utility": 0.05,
                         "utility_finest_dt": 0.78 - 2 * noise})
    return pd.DataFrame(rows)


def _figures(folder):
    """(name, callable writing that figure to a path) for every figure function."""
    patterns = (np.arange(30 * 7).reshape(30, 7) % 2).astype(np.int8)
    runs = [("a/seed~1", "a"), ("a/seed~2", "a"), ("b/seed~1", "b")]
    curves = pd.concat([_curve().assign(run=r, group=g) for r, g in runs], ignore_index=True)
    histories = pd.concat([_history().assign(run=r, group=g) for r, g in runs], ignore_index=True)
    pats = pd.concat([pd.DataFrame({"network": "trained", "pattern": ["0101010", "1010101", "0000000"],
                                    "count": [5, 4, 1], "frequency": [0.5, 0.4, 0.1]}).assign(run=r, group=g)
                      for r, g in runs], ignore_index=True)
    return {
        "training": lambda p: plots.plot_training(_history(), _curve().rename(columns={"f_trained": "f"}), p),
        "patterns": lambda p: plots.plot_patterns(patterns, 0.857, p),
        "random_vs_trained": lambda p: plots.plot_random_vs_trained(_curve(), 0.02, 0.85, p),
        "utility_vs_param": lambda p: plots.plot_utility_vs_param(_summary(), "simulation.noise_strength", p),
        "f_curves": lambda p: plots.plot_f_curves(curves, p),
        "training_curves": lambda p: plots.plot_training_curves(histories, p),
        "top_patterns": lambda p: plots.plot_top_patterns(pats, p),
        "f_surface": lambda p: plots.plot_f_surface(grid, surface(4.0, 2.0), surface(5.0, 1.0), p),
    }


grid = np.linspace(0.0, 1.0, 21)


def surface(h_s, h_g):
    s, sbar = np.meshgrid(grid, grid, indexing="ij")
    return 1 / (1 + np.exp(-2 * (h_g * s - h_s * sbar))) - s


@pytest.mark.parametrize("name", list(_figures(None)))
def test_figure_is_a_deterministic_png_without_metadata(tmp_path, name):
    draw = _figures(tmp_path)[name]
    first, second = tmp_path / "one" / f"{name}.png", tmp_path / "two" / f"{name}.png"
    assert draw(first) == first
    draw(second)
    data = first.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert data == second.read_bytes()
    assert b"tEXt" not in data and b"Software" not in data and b"matplotlib" not in data
    # nothing but the figure is left in the folder (the temporary file was renamed)
    assert [p.name for p in first.parent.iterdir()] == [first.name]


def test_save_png_replaces_atomically_and_cleans_up_on_error(tmp_path):
    target = tmp_path / "fig.png"
    target.write_bytes(b"old")

    class Broken:
        def savefig(self, *args, **kwargs):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        plots.save_png(Broken(), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]


def test_user_rc_settings_do_not_change_the_bytes(tmp_path):
    import matplotlib

    draw = _figures(tmp_path)["training"]
    draw(tmp_path / "plain.png")
    with matplotlib.rc_context({"lines.linewidth": 7.0, "axes.facecolor": "yellow", "font.size": 20}):
        draw(tmp_path / "styled.png")
    assert (tmp_path / "plain.png").read_bytes() == (tmp_path / "styled.png").read_bytes()


def test_mean_ci95_matches_student_t():
    mean, low, high = mean_ci95([1.0, 2.0, 3.0])
    assert mean == pytest.approx(2.0)
    # t(0.975, 2) = 4.302653; sd = 1; half width = 4.302653 / sqrt(3)
    assert high - mean == pytest.approx(4.302653 / np.sqrt(3), rel=1e-6)
    assert mean - low == pytest.approx(high - mean)
    one = mean_ci95([0.5])
    assert one[0] == 0.5 and np.isnan(one[1]) and np.isnan(one[2])


def test_patterns_rejects_non_matrix(tmp_path):
    with pytest.raises(ValueError, match="2-D"):
        plots.plot_patterns(np.zeros(7), 0.0, tmp_path / "x.png")
