"""Every fatenet figure, drawn from plain numpy arrays and pandas tables.

The functions here never read configuration files and never import Snakemake: a
figure is a pure function of its data. Each one builds a Matplotlib ``Figure`` on
the Agg canvas (no pyplot, so no global figure state and no GUI backend), draws it
under Matplotlib's default style plus a few fixed settings (so a user's
``matplotlibrc`` cannot change the pixels), and writes it with :func:`save_png`,
which stores no software version or time stamp. The same data therefore give the
same PNG bytes on the same platform.

Per-run figures (the seed notebook's panels, and how patterns form):
    plot_training, plot_patterns, plot_random_vs_trained, plot_kymographs
Study figures (one per study, over all runs):
    plot_utility_vs_param, plot_f_curves, plot_f_by_group, plot_training_curves, plot_top_patterns
Benchmark figures:
    plot_scaling
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from . import artifacts
from .io import atomic_path
from .statistics import mean_ci95

DPI = 100
"""Resolution of every PNG (dots per inch); figure sizes below are in inches."""

_RC = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "font.size": 10,
    "savefig.dpi": DPI,
    "svg.hashsalt": "fatenet",
}

TRAINED_COLOR = "darkred"
RANDOM_COLOR = "gray"
TARGET_COLOR = "green"
FATE0_COLOR = "#2166ac"
FATE1_COLOR = "#b2182b"


def _styled(func: Callable) -> Callable:
    """Run a plotting function under Matplotlib's defaults plus ``_RC``, whatever the user's rc."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.style.context("default"), matplotlib.rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | os.PathLike) -> Path:
    """Write ``fig`` to ``path`` as a PNG with fixed dpi and no metadata, atomically.

    The image is written to a temporary file in the destination folder and moved
    into place (``fatenet.io.atomic_path``), so readers never see a half-written file.
    Returns the path written.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
    return path


def _f_column(f_curve_df: pd.DataFrame, preferred: Sequence[str]) -> str:
    for name in preferred:
        if name in f_curve_df.columns:
            return name
    raise KeyError(f"f curve table needs one of the columns {list(preferred)}; it has {list(f_curve_df.columns)}")


def _target_values(f_curve_df: pd.DataFrame) -> np.ndarray:
    if "f_target" in f_curve_df.columns:
        return f_curve_df["f_target"].to_numpy()
    return -np.tanh(5.0 * (f_curve_df["sbar"].to_numpy() - 0.5))


def _draw_f(ax, sbar, f, *, label: str, color: str, target=None, title: str = "") -> None:
    ax.plot(sbar, f, label=label, linewidth=2.2, color=color)
    if target is not None:
        ax.plot(sbar, target, label=r"target $-\tanh(5(\bar s - 0.5))$", linewidth=1.5,
                color=TARGET_COLOR, linestyle="--", alpha=0.8)
    ax.axhline(0.0, color="k", linewidth=0.6, alpha=0.4)
    ax.axvline(0.5, color="k", linewidth=0.6, alpha=0.4)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel(r"neighbour average $\bar s$")
    ax.set_ylabel(r"$ds/dt = f(\bar s)$")
    if title:
        ax.set_title(title)
    ax.legend(loc="best")


# ---------------------------------------------------------------------------------------------
# Per-run figures
# ---------------------------------------------------------------------------------------------


@_styled
def plot_training(history_df: pd.DataFrame, f_curve_df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Two panels: best and mean fitness per generation; learned f against -tanh(5(s - 0.5)).

    ``history_df`` needs ``generation``, ``best_fitness`` and ``mean_fitness`` (``best_ever_fitness``
    is drawn when present); ``f_curve_df`` needs ``sbar`` and ``f`` (or ``f_trained``), and
    ``f_target`` when present (else the target is computed).
    """
    fig = _new_figure(12.0, 4.5)
    ax_fit, ax_f = fig.subplots(1, 2)

    gen = history_df["generation"].to_numpy()
    ax_fit.plot(gen, history_df["best_fitness"].to_numpy(), label="best fitness", linewidth=2, color="darkblue")
    ax_fit.plot(gen, history_df["mean_fitness"].to_numpy(), label="mean fitness", linewidth=1.5,
                color="steelblue", linestyle="--", alpha=0.8)
    if "best_ever_fitness" in history_df.columns:
        ax_fit.plot(gen, history_df["best_ever_fitness"].to_numpy(), label="best ever", linewidth=1,
                    color="black", alpha=0.6, drawstyle="steps-post")
    ax_fit.set_xlabel("generation")
    ax_fit.set_ylabel("utility (fitness, bits per cell)")
    ax_fit.set_title("Evolution progress")
    ax_fit.legend(loc="lower right")

    f_name = _f_column(f_curve_df, ("f", "f_trained"))
    _draw_f(ax_f, f_curve_df["sbar"].to_numpy(), f_curve_df[f_name].to_numpy(), label="trained network",
            color=TRAINED_COLOR, target=_target_values(f_curve_df), title="Learned regulatory function")
    return save_png(fig, path)


@_styled
def plot_patterns(patterns_array: np.ndarray, utility: float, path: str | os.PathLike,
                  *, title: str = "Trained network patterns") -> Path:
    """Heatmap of fate patterns: one row per replicate, one column per cell (fate 0 blue, fate 1 red)."""
    patterns = np.asarray(patterns_array)
    if patterns.ndim != 2:
        raise ValueError(f"patterns_array must be 2-D (replicates, cells); got shape {patterns.shape}")
    n_rep, n_cells = patterns.shape
    fig = _new_figure(6.0, 1.5 + 0.18 * max(n_rep, 5))
    ax = fig.subplots()
    fates = ListedColormap([FATE0_COLOR, FATE1_COLOR])
    image = ax.imshow(patterns.astype(float), cmap=fates, vmin=-0.5, vmax=1.5, aspect="auto",
                      interpolation="nearest")
    ax.grid(False)
    ax.set_xticks(np.arange(n_cells))
    ax.set_xlabel("cell index")
    ax.set_ylabel("replicate")
    ax.set_title(f"{title} (U = {float(utility):.3f} bits)")
    cbar = fig.colorbar(image, ax=ax, ticks=[0, 1])
    cbar.set_label("cell fate")
    return save_png(fig, path)


@_styled
def plot_random_vs_trained(f_curve_df: pd.DataFrame, u_random: float, u_trained: float,
                           path: str | os.PathLike) -> Path:
    """Three panels: the random network's f, the trained network's f, and their hard utilities."""
    fig = _new_figure(15.0, 4.5)
    ax_random, ax_trained, ax_bar = fig.subplots(1, 3)
    sbar = f_curve_df["sbar"].to_numpy()
    target = _target_values(f_curve_df)
    _draw_f(ax_random, sbar, f_curve_df["f_random"].to_numpy(), label="random network", color=RANDOM_COLOR,
            target=target, title="Random network")
    _draw_f(ax_trained, sbar, f_curve_df["f_trained"].to_numpy(), label="trained network",
            color=TRAINED_COLOR, target=target, title="Trained network")

    values = [float(u_random), float(u_trained)]
    bars = ax_bar.bar(["random", "trained"], values, color=[RANDOM_COLOR, TRAINED_COLOR], alpha=0.85)
    for bar, value in zip(bars, values, strict=True):
        ax_bar.annotate(f"{value:.3f}", (bar.get_x() + bar.get_width() / 2, value), ha="center",
                        va="bottom", xytext=(0, 3), textcoords="offset points")
    ax_bar.axhline(1.0, color="k", linestyle=":", linewidth=1, label="bound: 1 bit per cell")
    ax_bar.set_ylim(min(0.0, min(values) * 1.15), 1.1)
    ax_bar.set_ylabel("hard utility U (bits per cell)")
    ax_bar.set_title("Utility on fresh replicates")
    ax_bar.legend(loc="upper left")
    return save_png(fig, path)


@_styled
def plot_kymographs(kymographs: dict, path: str | os.PathLike) -> Path:
    """How patterns form: each cell's state against time for a few replicates, one row per network.

    ``kymographs`` maps a network name (``trained``, ``random``) to ``(times (T,), states
    (T, replicates, cells))`` (``fatenet.evaluation.kymograph``). Time runs down, cells across;
    the colour is the state from 0 (fate 0, blue) to 1 (fate 1, red), white at the threshold 0.5.
    """
    names = list(kymographs)
    n_rep = max(np.asarray(states).shape[1] for _, states in kymographs.values())
    fig = _new_figure(2.2 * n_rep + 1.2, 3.2 * len(names))
    axes = np.atleast_2d(fig.subplots(len(names), n_rep, squeeze=False))
    image = None
    for row, name in enumerate(names):
        times, states = kymographs[name]
        times, states = np.asarray(times), np.asarray(states)
        for col in range(n_rep):
            ax = axes[row, col]
            ax.grid(False)
            if col >= states.shape[1]:
                ax.set_visible(False)
                continue
            image = ax.imshow(states[:, col, :], cmap="RdBu_r", vmin=0.0, vmax=1.0, aspect="auto",
                              interpolation="nearest", origin="upper",
                              extent=(-0.5, states.shape[2] - 0.5, float(times[-1]), float(times[0])))
            final = "".join(str(int(v >= 0.5)) for v in states[-1, col, :])
            ax.set_title(f"replicate {col + 1}: {final}", fontsize=9, family="monospace")
            ax.set_xticks(np.arange(states.shape[2]))
            ax.set_xlabel("cell")
            if col == 0:
                ax.set_ylabel(f"{name} network\ntime")
    if image is not None:
        cbar = fig.colorbar(image, ax=axes, shrink=0.8)
        cbar.set_label("cell state s (fate 1 where s >= 0.5)")
    return save_png(fig, path)


# ---------------------------------------------------------------------------------------------
# Study figures
# ---------------------------------------------------------------------------------------------


def _value_label(value) -> str:
    if isinstance(value, (list, tuple, np.ndarray)):
        return "-".join(_value_label(v) for v in value)
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def _group_colors(n: int) -> list:
    if n <= 10:
        cmap = matplotlib.colormaps["tab10"]
        return [cmap(i) for i in range(n)]
    cmap = matplotlib.colormaps["viridis"]
    return [cmap(i / max(n - 1, 1)) for i in range(n)]


@_styled
def plot_utility_vs_param(summary_df: pd.DataFrame, param: str, path: str | os.PathLike,
                          *, other_params: Sequence[str] = (), value_column: str = artifacts.HEADLINE,
                          baseline_column: str | None = "random_utility",
                          bound_column: str | None = "utility_bound",
                          other_dt_column: str | None = "utility",
                          other_dt_label: str = "mean U at dt (the training time step)") -> Path:
    """Utility against one swept parameter: a point per seed, the mean and its 95% CI.

    The headline is ``value_column``, by default U re-simulated with dt / 16 (the value that
    holds as the time step shrinks). The parameter's values sit at evenly spaced positions in
    the order they first appear in ``summary_df`` (which the study sorts). Runs that differ in
    ``other_params`` (other swept parameters) form separate, slightly offset series. With
    ``baseline_column`` present, the random network's mean utility is drawn as a grey marker per
    value; with ``bound_column`` present, the exact upper bound of U as a black one beside each
    series; with ``other_dt_column`` present, its mean (by default U at the training step dt) as
    a hollow diamond beside each mean, so a U that belongs to the time step shows as a gap.
    """
    values = list(dict.fromkeys(_value_label(v) for v in summary_df[param]))
    position = {v: i for i, v in enumerate(values)}
    x_all = np.array([position[_value_label(v)] for v in summary_df[param]], dtype=float)

    other_params = [p for p in other_params if p != param]
    if other_params:
        series_keys = [", ".join(f"{p.rsplit('.', 1)[-1]}={_value_label(row[p])}" for p in other_params)
                       for _, row in summary_df.iterrows()]
    else:
        series_keys = [""] * len(summary_df)
    series = list(dict.fromkeys(series_keys))
    colors = _group_colors(len(series))
    width = 0.6
    offsets = np.linspace(-width / 2, width / 2, len(series) + 2)[1:-1] if len(series) > 1 else np.zeros(1)

    fig = _new_figure(max(5.0, 1.2 * len(values) + 3.0), 4.5)
    ax = fig.subplots()
    series_arr = np.array(series_keys, dtype=object)
    y_all = summary_df[value_column].to_numpy(dtype=float)
    for s_index, key in enumerate(series):
        mask = series_arr == key
        color = colors[s_index]
        xs = x_all[mask] + offsets[s_index]
        ys = y_all[mask]
        # spread the seeds a little and deterministically around the series position
        order = np.arange(mask.sum())
        jitter = (order % 5 - 2) * 0.02
        ax.scatter(xs + jitter, ys, s=18, color=color, alpha=0.55, linewidths=0,
                   label=(f"{key}: seeds" if key else "seeds"))
        means, lows, highs, positions, points = [], [], [], [], []
        for v_index in range(len(values)):
            in_point = mask & (x_all == v_index)
            if not in_point.any():
                continue
            points.append(in_point)
            mean, low, high = mean_ci95(y_all[in_point])
            means.append(mean)
            lows.append(mean - low if math.isfinite(low) else 0.0)
            highs.append(high - mean if math.isfinite(high) else 0.0)
            positions.append(v_index + offsets[s_index])
        ax.errorbar(positions, means, yerr=[lows, highs], fmt="o-", color=color, markersize=7,
                    capsize=4, linewidth=1.5, label=(f"{key}: mean, 95% CI" if key else "mean, 95% CI"))
        if other_dt_column and other_dt_column in summary_df.columns:
            other = summary_df[other_dt_column].to_numpy(dtype=float)
            other_means = [float(np.nanmean(other[in_point])) for in_point in points]
            ax.scatter(np.asarray(positions) + 0.08, other_means, marker="D", s=36, facecolors="none",
                       edgecolors=color, linewidths=1.3, zorder=3,
                       label=(f"{key}: {other_dt_label}" if key else other_dt_label))

    if bound_column and bound_column in summary_df.columns:
        # One mark per series and value: the bound differs between series when, say, the
        # boundary is swept beside the plotted parameter (periodic rings have a lower bound).
        bound = summary_df[bound_column].to_numpy(dtype=float)
        marks_x, marks_y = [], []
        for s_index, key in enumerate(series):
            for v_index in range(len(values)):
                cell = bound[(series_arr == key) & (x_all == v_index)]
                if np.isfinite(cell).any():
                    marks_x.append(v_index + offsets[s_index])
                    marks_y.append(float(np.nanmax(cell)))
        ax.scatter(marks_x, marks_y, marker="_", s=max(60.0, 500.0 / len(series)), color="black", linewidths=1.5,
                   label="exact bound of U", zorder=1)

    if baseline_column and baseline_column in summary_df.columns:
        base = summary_df[baseline_column].to_numpy(dtype=float)
        base_means = [float(np.nanmean(base[x_all == i])) for i in range(len(values))]
        ax.scatter(np.arange(len(values)), base_means, marker="_", s=400, color=RANDOM_COLOR,
                   linewidths=2, label="random network (mean)", zorder=1)

    ax.set_xticks(np.arange(len(values)))
    ax.set_xticklabels(values)
    ax.set_xlim(-0.6, len(values) - 0.4)
    ax.set_xlabel(param)
    finest = artifacts.dt_label(artifacts.DT_COLUMNS[artifacts.HEADLINE], spaced=True)
    ax.set_ylabel(f"U of the trained network at {finest} (bits per cell)" if value_column == artifacts.HEADLINE
                  else f"{value_column} (bits per cell)")
    ax.set_title(f"Utility against {param}")
    ax.legend(loc="best", fontsize=8)
    return save_png(fig, path)


def _series_by_group(df: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """[(group, [runs in it])] in first-appearance order; ``group`` defaults to the run."""
    group_col = "group" if "group" in df.columns else "run"
    pairs = df[[group_col, "run"]].drop_duplicates()
    out: dict[str, list[str]] = {}
    for group, run in zip(pairs[group_col], pairs["run"], strict=True):
        out.setdefault(str(group), []).append(str(run))
    return list(out.items())


@_styled
def plot_f_curves(curves_df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """The learned f of every run overlaid, coloured by ``group`` (e.g. the sweep point).

    ``curves_df`` is long: columns ``run``, ``sbar``, ``f`` (or ``f_trained``), optional
    ``group`` and ``f_target``.
    """
    f_name = _f_column(curves_df, ("f", "f_trained"))
    groups = _series_by_group(curves_df)
    colors = _group_colors(len(groups))
    fig = _new_figure(7.0, 5.0)
    ax = fig.subplots()
    for color, (group, runs) in zip(colors, groups, strict=True):
        for i, run in enumerate(runs):
            part = curves_df[curves_df["run"] == run]
            ax.plot(part["sbar"].to_numpy(), part[f_name].to_numpy(), color=color, linewidth=1.3, alpha=0.75,
                    label=(f"{group} (n={len(runs)})" if i == 0 else None))
    first = curves_df[curves_df["run"] == groups[0][1][0]]
    ax.plot(first["sbar"].to_numpy(), _target_values(first), color="black", linestyle="--", linewidth=1.8,
            label=r"target $-\tanh(5(\bar s - 0.5))$")
    ax.axhline(0.0, color="k", linewidth=0.6, alpha=0.4)
    ax.axvline(0.5, color="k", linewidth=0.6, alpha=0.4)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel(r"neighbour average $\bar s$")
    ax.set_ylabel(r"$ds/dt = f(\bar s)$")
    ax.set_title("Learned regulatory functions, all runs")
    ax.legend(loc="best", fontsize=8)
    return save_png(fig, path)


@_styled
def plot_f_by_group(curves_df: pd.DataFrame, path: str | os.PathLike, *, columns: int = 3) -> Path:
    """The learned f of every run, one panel per ``group`` (a sweep point: an architecture, a strategy...).

    Panels share the sbar axis; each has its own f scale, since the functions that different
    architectures or strategies learn can differ in size by orders of magnitude. ``curves_df``
    is long, as for ``plot_f_curves``.
    """
    f_name = _f_column(curves_df, ("f", "f_trained"))
    groups = _series_by_group(curves_df)
    n_cols = min(columns, len(groups))
    n_rows = math.ceil(len(groups) / n_cols)
    fig = _new_figure(4.2 * n_cols, 3.3 * n_rows)
    axes = np.atleast_1d(fig.subplots(n_rows, n_cols, squeeze=False)).ravel()
    colors = _group_colors(max(len(run) for _, run in groups))
    for ax, (group, runs) in zip(axes, groups, strict=False):
        for color, run in zip(colors, runs, strict=False):
            part = curves_df[curves_df["run"] == run]
            ax.plot(part["sbar"].to_numpy(), part[f_name].to_numpy(), color=color, linewidth=1.4, alpha=0.85,
                    label=run.rsplit("/", 1)[-1])
        ax.axhline(0.0, color="k", linewidth=0.6, alpha=0.4)
        ax.axvline(0.5, color="k", linewidth=0.6, alpha=0.4)
        ax.set_xlim(0.0, 1.0)
        ax.set_title(group, fontsize=9)
        ax.set_xlabel(r"$\bar s$")
        ax.set_ylabel(r"$f(\bar s)$")
        if len(runs) <= 6:
            ax.legend(loc="best", fontsize=7)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    fig.suptitle("Learned regulatory functions by sweep point")
    return save_png(fig, path)


@_styled
def plot_training_curves(histories_df: pd.DataFrame, path: str | os.PathLike,
                         *, value_column: str = "best_fitness") -> Path:
    """Best fitness against generation: a thin line per run, a thick mean per ``group``."""
    groups = _series_by_group(histories_df)
    colors = _group_colors(len(groups))
    fig = _new_figure(7.0, 5.0)
    ax = fig.subplots()
    for color, (group, runs) in zip(colors, groups, strict=True):
        part = histories_df[histories_df["run"].isin(runs)]
        for run in runs:
            one = part[part["run"] == run]
            ax.plot(one["generation"].to_numpy(), one[value_column].to_numpy(), color=color, linewidth=0.8,
                    alpha=0.45)
        mean = part.groupby("generation", sort=True)[value_column].mean()
        ax.plot(mean.index.to_numpy(), mean.to_numpy(), color=color, linewidth=2.4,
                label=f"{group}: mean of {len(runs)}")
    ax.set_xlabel("generation")
    ax.set_ylabel(value_column.replace("_", " ") + " (bits per cell)")
    ax.set_title("Training curves, all runs")
    ax.legend(loc="lower right", fontsize=8)
    return save_png(fig, path)


@_styled
def plot_top_patterns(patterns_df: pd.DataFrame, path: str | os.PathLike, *, top: int = 10) -> Path:
    """Heatmap of the most frequent patterns' frequencies: one row per run.

    ``patterns_df`` is long: columns ``run``, ``pattern`` (a string such as ``"0101010"``)
    and ``frequency``; a ``network`` column, when present, is filtered to ``"trained"``.
    The ``top`` patterns are those with the highest mean frequency over runs (ties broken
    by the pattern string); a pattern absent from a run counts as 0 there.
    """
    df = patterns_df
    if "network" in df.columns:
        df = df[df["network"] == "trained"]
    runs = list(dict.fromkeys(df["run"].astype(str)))
    table = (df.assign(run=df["run"].astype(str), pattern=df["pattern"].astype(str))
             .pivot_table(index="run", columns="pattern", values="frequency", aggfunc="sum", fill_value=0.0)
             .reindex(runs))
    mean = table.mean(axis=0)
    ranking = sorted(mean.index, key=lambda p: (-float(mean[p]), p))[:top]
    table = table[ranking]

    fig = _new_figure(max(6.0, 0.7 * len(ranking) + 3.5), max(3.0, 0.32 * len(runs) + 2.0))
    ax = fig.subplots()
    data = table.to_numpy(dtype=float)
    image = ax.imshow(data, cmap="viridis", vmin=0.0, vmax=max(1e-9, float(data.max())), aspect="auto",
                      interpolation="nearest")
    ax.grid(False)
    ax.set_xticks(np.arange(len(ranking)))
    ax.set_xticklabels(ranking, rotation=60, ha="right", family="monospace")
    ax.set_yticks(np.arange(len(runs)))
    ax.set_yticklabels(runs, fontsize=8)
    if data.size <= 400:
        for (i, j), value in np.ndenumerate(data):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if value < 0.6 * data.max() else "black")
    ax.set_xlabel("pattern (cell fates, left to right)")
    ax.set_title(f"Top {len(ranking)} patterns of the trained networks: frequency per run")
    cbar = fig.colorbar(image, ax=ax)
    cbar.set_label("frequency on fresh replicates")
    return save_png(fig, path)


@_styled
def plot_scaling(table: pd.DataFrame, exponents: dict, path: str | os.PathLike) -> Path:
    """Seconds per generation against each swept factor (log-log), with the fitted power law.

    ``table`` has columns ``factor``, ``value`` and ``s_per_gen`` (``benchmarks/scaling.py``);
    ``exponents`` maps each factor to its fitted slope.
    """
    factors = list(dict.fromkeys(table["factor"]))
    fig = _new_figure(3.4 * len(factors), 3.4)
    axes = np.atleast_1d(fig.subplots(1, len(factors), squeeze=False)).ravel()
    for ax, factor in zip(axes, factors, strict=True):
        part = table[table["factor"] == factor].sort_values("value")
        x, y = part["value"].to_numpy(float), part["s_per_gen"].to_numpy(float)
        ax.loglog(x, y, "o", color=TRAINED_COLOR)
        slope = float(exponents[factor])
        fit = np.exp(np.mean(np.log(y) - slope * np.log(x))) * x**slope
        ax.loglog(x, fit, "-", color="black", linewidth=1, label=f"time ~ {factor}^{slope:.2f}")
        ax.minorticks_off()
        ax.set_xticks(x, [f"{v:g}" for v in x])
        ax.set_yticks(y, [f"{v:.3g}" for v in y])
        ax.set_xlabel(factor)
        ax.set_title(factor)
        ax.legend(loc="upper left", fontsize=8)
    axes[0].set_ylabel("seconds per generation")
    fig.suptitle("Cost of a generation, one factor at a time (others at the seed values)")
    return save_png(fig, path)
