"""The figures of one run: the seed notebook's panels and how its patterns form."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import ListedColormap

from .style import (
    FATE0_COLOR,
    FATE1_COLOR,
    RANDOM_COLOR,
    TRAINED_COLOR,
    _draw_f,
    _f_column,
    _target_values,
    new_figure,
    save_png,
    styled,
)


@styled
def plot_training(history_df: pd.DataFrame, f_curve_df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Two panels: best and mean fitness per generation; learned f against -tanh(5(s - 0.5)).

    ``history_df`` needs ``generation``, ``best_fitness`` and ``mean_fitness`` (``best_ever_fitness``
    is drawn when present); ``f_curve_df`` needs ``sbar`` and ``f`` (or ``f_trained``), and
    ``f_target`` when present (else the target is computed).
    """
    fig = new_figure(12.0, 4.5)
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


@styled
def plot_patterns(patterns_array: np.ndarray, utility: float, path: str | os.PathLike,
                  *, title: str = "Trained network patterns", n_fates: int = 2) -> Path:
    """Heatmap of fate patterns: one row per replicate, one column per cell (fate 0 blue, fate 1 red;
    with ``n_fates`` > 2, the fates along viridis)."""
    patterns = np.asarray(patterns_array)
    if patterns.ndim != 2:
        raise ValueError(f"patterns_array must be 2-D (replicates, cells); got shape {patterns.shape}")
    n_rep, n_cells = patterns.shape
    fig = new_figure(6.0, 1.5 + 0.18 * max(n_rep, 5))
    ax = fig.subplots()
    fates = ListedColormap([FATE0_COLOR, FATE1_COLOR] if n_fates == 2 else
                           [colormaps["viridis"](k / (n_fates - 1)) for k in range(n_fates)])
    image = ax.imshow(patterns.astype(float), cmap=fates, vmin=-0.5, vmax=n_fates - 0.5, aspect="auto",
                      interpolation="nearest")
    ax.grid(False)
    ax.set_xticks(np.arange(n_cells))
    ax.set_xlabel("cell index")
    ax.set_ylabel("replicate")
    ax.set_title(f"{title} (U = {float(utility):.3f} bits)")
    cbar = fig.colorbar(image, ax=ax, ticks=list(range(n_fates)))
    cbar.set_label("cell fate")
    return save_png(fig, path)


@styled
def plot_random_vs_trained(f_curve_df: pd.DataFrame, u_random: float, u_trained: float,
                           path: str | os.PathLike) -> Path:
    """Three panels: the random network's f, the trained network's f, and their hard utilities."""
    fig = new_figure(15.0, 4.5)
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


@styled
def plot_kymographs(kymographs: dict, path: str | os.PathLike, *, thresholds=(0.5,),
                    label: str = "cell state s") -> Path:
    """How patterns form: each cell's state against time for a few replicates, one row per network.

    ``kymographs`` maps a network name (``trained``, ``random``) to ``(times (T,), states
    (T, replicates, cells))`` (``fatenet.evaluation.kymograph``). Time runs down, cells across;
    the colour is the state from 0 (fate 0, blue) to 1 (fate 1, red), white at the threshold 0.5;
    with other ``thresholds`` (the fates' own), from 0 to the largest state along viridis, the
    thresholds marked on the colour bar. Each title gives the final pattern by those thresholds.
    """
    thresholds = tuple(float(t) for t in thresholds)
    binary = thresholds == (0.5,)
    top = 1.0 if binary else max(max(float(np.max(states)) for _, states in kymographs.values()),
                                 1.2 * max(thresholds))
    names = list(kymographs)
    n_rep = max(np.asarray(states).shape[1] for _, states in kymographs.values())
    fig = new_figure(2.2 * n_rep + 1.2, 3.2 * len(names))
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
            image = ax.imshow(states[:, col, :], cmap="RdBu_r" if binary else "viridis", vmin=0.0, vmax=top,
                              aspect="auto", interpolation="nearest", origin="upper",
                              extent=(-0.5, states.shape[2] - 0.5, float(times[-1]), float(times[0])))
            final = "".join(str(sum(int(v >= t) for t in thresholds)) for v in states[-1, col, :])
            ax.set_title(f"replicate {col + 1}: {final}", fontsize=9, family="monospace")
            ax.set_xticks(np.arange(states.shape[2]))
            ax.set_xlabel("cell")
            if col == 0:
                ax.set_ylabel(f"{name} network\ntime")
    if image is not None:
        cbar = fig.colorbar(image, ax=axes, shrink=0.8)
        if binary:
            cbar.set_label(f"{label} (fate 1 where s >= 0.5)")
        else:
            for t in thresholds:
                cbar.ax.axhline(t, color="white", linewidth=1.5)
            cbar.set_label(f"{label} (fate thresholds: white lines)")
    return save_png(fig, path)


@styled
def plot_f_surface(grid: np.ndarray, f_trained: np.ndarray, f_reference: np.ndarray, path: str | os.PathLike,
                   *, reference_label: str = "the paper's f") -> Path:
    """f(s, sbar) as heat maps with their zero contours: the trained f beside a reference f.

    ``grid`` (n,) holds the values of s and of sbar; ``f_trained`` and ``f_reference`` are
    (n_s, n_sbar) (``fatenet.evaluation.regulatory_surface``). The reference's zero contour is
    drawn dashed over the trained f as well, so the two can be compared in one panel.
    """
    grid = np.asarray(grid)
    fig = new_figure(11.0, 4.6)
    axes = fig.subplots(1, 2)
    limit = float(max(np.max(np.abs(f_trained)), np.max(np.abs(f_reference)), 1e-9))
    image = None
    for ax, values, title in ((axes[0], f_trained, ""), (axes[1], f_reference, reference_label)):
        ax.grid(False)
        image = ax.imshow(np.asarray(values), origin="lower", cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
                          extent=(grid[0], grid[-1], grid[0], grid[-1]), interpolation="nearest")
        if np.min(values) < 0 < np.max(values):
            ax.contour(grid, grid, np.asarray(values), levels=[0.0], colors="k", linewidths=1.5)
        ax.set_xlabel("coupled cells' mean sbar")
        ax.set_ylabel("own state s")
        ax.set_title(title)
    if np.min(f_reference) < 0 < np.max(f_reference):
        axes[0].contour(grid, grid, np.asarray(f_reference), levels=[0.0], colors="k", linewidths=1.0,
                        linestyles="--")
    cbar = fig.colorbar(image, ax=axes, shrink=0.85)
    cbar.set_label("f = ds/dt (black: f = 0)")
    axes[0].set_title("trained f(s, sbar); dashed: the reference's f = 0")
    return save_png(fig, path)
