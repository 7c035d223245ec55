"""The figures of a study, over all its runs (the statistics they show: ``fatenet.statistics``)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import artifacts
from ..statistics import sweep_point_statistics
from .style import (
    RANDOM_COLOR,
    _f_column,
    _group_colors,
    _target_values,
    new_figure,
    save_png,
    styled,
)


@styled
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
    values, series, x_all, series_arr, points = sweep_point_statistics(
        summary_df, param, other_params, value_column=value_column, other_column=other_dt_column,
        bound_column=bound_column, baseline_column=baseline_column)
    colors = _group_colors(len(series))
    width = 0.6
    offsets = np.linspace(-width / 2, width / 2, len(series) + 2)[1:-1] if len(series) > 1 else np.zeros(1)

    fig = new_figure(max(5.0, 1.2 * len(values) + 3.0), 4.5)
    ax = fig.subplots()
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
        rows = points[points["series"] == key]
        means = rows["mean"].tolist()
        lows = [m - low if math.isfinite(low) else 0.0 for m, low in zip(means, rows["ci_low"], strict=True)]
        highs = [high - m if math.isfinite(high) else 0.0 for m, high in zip(means, rows["ci_high"], strict=True)]
        positions = [int(v) + offsets[s_index] for v in rows["value_index"]]
        ax.errorbar(positions, means, yerr=[lows, highs], fmt="o-", color=color, markersize=7,
                    capsize=4, linewidth=1.5, label=(f"{key}: mean, 95% CI" if key else "mean, 95% CI"))
        if other_dt_column and other_dt_column in summary_df.columns:
            ax.scatter(np.asarray(positions) + 0.08, rows["other_mean"].tolist(), marker="D", s=36,
                       facecolors="none", edgecolors=color, linewidths=1.3, zorder=3,
                       label=(f"{key}: {other_dt_label}" if key else other_dt_label))

    if bound_column and bound_column in summary_df.columns:
        # One mark per series and value: the bound differs between series when, say, the
        # boundary is swept beside the plotted parameter (periodic rings have a lower bound).
        marked = points[np.isfinite(points["bound"].to_numpy(dtype=float))]
        marks_x = [int(v) + offsets[series.index(key)] for key, v in zip(marked["series"], marked["value_index"],
                                                                          strict=True)]
        ax.scatter(marks_x, marked["bound"].tolist(), marker="_", s=max(60.0, 500.0 / len(series)), color="black",
                   linewidths=1.5, label="exact bound of U", zorder=1)

    if baseline_column and baseline_column in summary_df.columns:
        base_means = points.drop_duplicates("value_index").set_index("value_index")["baseline"]
        ax.scatter(np.arange(len(values)), [float(base_means[i]) for i in range(len(values))], marker="_", s=400,
                   color=RANDOM_COLOR, linewidths=2, label="random network (mean)", zorder=1)

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


@styled
def plot_f_curves(curves_df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """The learned f of every run overlaid, coloured by ``group`` (e.g. the sweep point).

    ``curves_df`` is long: columns ``run``, ``sbar``, ``f`` (or ``f_trained``), optional
    ``group`` and ``f_target``.
    """
    f_name = _f_column(curves_df, ("f", "f_trained"))
    groups = _series_by_group(curves_df)
    colors = _group_colors(len(groups))
    fig = new_figure(7.0, 5.0)
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


@styled
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
    fig = new_figure(4.2 * n_cols, 3.3 * n_rows)
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


@styled
def plot_training_curves(histories_df: pd.DataFrame, path: str | os.PathLike,
                         *, value_column: str = "best_fitness") -> Path:
    """Best fitness against generation: a thin line per run, a thick mean per ``group``."""
    groups = _series_by_group(histories_df)
    colors = _group_colors(len(groups))
    fig = new_figure(7.0, 5.0)
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


@styled
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

    fig = new_figure(max(6.0, 0.7 * len(ranking) + 3.5), max(3.0, 0.32 * len(runs) + 2.0))
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


@styled
def plot_atlas(table: pd.DataFrame, path: str | os.PathLike, *, param: str = "simulation.n_cells") -> Path:
    """U against a numeric swept parameter (the tissue's size), one line per model, the bound dashed.

    ``table`` has one row per model and value: ``model``, ``param``, ``best`` (the best U over
    seeds at dt / 16), ``mean`` and ``bound`` (``fatenet atlas`` builds it from a summary).
    """
    fig = new_figure(7.5, 4.8)
    ax = fig.subplots()
    models = list(dict.fromkeys(table["model"]))
    for color, model in zip(_group_colors(len(models)), models, strict=True):
        rows = table[table["model"] == model].sort_values(param)
        ax.plot(rows[param], rows["best"], "o-", color=color, linewidth=1.8, label=f"{model}: best seed")
        if (rows["mean"] != rows["best"]).any():
            ax.plot(rows[param], rows["mean"], ":", color=color, linewidth=1.2, label=f"{model}: mean over seeds")
    bound = table.drop_duplicates(param).sort_values(param)
    ax.plot(bound[param], bound["bound"], "--", color="black", linewidth=1.3, label="exact bound of U")
    ax.set_xticks(bound[param].to_numpy())
    ax.set_xlabel(param)
    finest = artifacts.dt_label(artifacts.DT_COLUMNS[artifacts.HEADLINE], spaced=True)
    ax.set_ylabel(f"U at {finest} (bits per cell)")
    ax.set_title("The atlas: the best U found against the tissue's size")
    ax.legend(loc="best", fontsize=8)
    return save_png(fig, path)
