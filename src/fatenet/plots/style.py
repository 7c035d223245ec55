"""What every fatenet figure shares: the fixed style, the canvas, the metadata-free PNG writer,
the colours and the small drawing helpers.

A figure builds a Matplotlib ``Figure`` on the Agg canvas (no pyplot, so no global figure state and
no GUI backend), draws it under Matplotlib's default style plus ``_RC`` (so a user's
``matplotlibrc`` cannot change the pixels) and writes it with :func:`save_png`, which stores no
software version or time stamp: the same data give the same PNG bytes on the same platform.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..io import atomic_path

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


def styled(func: Callable) -> Callable:
    """Run a plotting function under Matplotlib's defaults plus ``_RC``, whatever the user's rc."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.style.context("default"), matplotlib.rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
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


def _group_colors(n: int) -> list:
    if n <= 10:
        cmap = matplotlib.colormaps["tab10"]
        return [cmap(i) for i in range(n)]
    cmap = matplotlib.colormaps["viridis"]
    return [cmap(i / max(n - 1, 1)) for i in range(n)]
