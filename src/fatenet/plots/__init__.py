"""Every fatenet figure, drawn from plain numpy arrays and pandas tables, one module per what it draws.

The functions never read configuration files and never import Snakemake: a figure is a pure
function of its data, and the same data give the same PNG bytes (``plots.style``).

``plots.run``, the figures of one run (the seed notebook's panels, and how patterns form):
    plot_training, plot_patterns, plot_random_vs_trained, plot_kymographs, plot_f_surface
``plots.study``, the figures of a study (one per study, over all runs):
    plot_utility_vs_param, plot_f_curves, plot_f_by_group, plot_training_curves, plot_top_patterns, plot_atlas
A benchmark draws its own figure beside it (``benchmarks/scaling.py``) with ``plots.style``.
"""

from .run import plot_f_surface, plot_kymographs, plot_patterns, plot_random_vs_trained, plot_training
from .study import (
    plot_atlas,
    plot_f_by_group,
    plot_f_curves,
    plot_top_patterns,
    plot_training_curves,
    plot_utility_vs_param,
)
from .style import DPI, save_png

__all__ = ["DPI", "plot_atlas", "plot_f_by_group", "plot_f_curves", "plot_f_surface", "plot_kymographs",
           "plot_patterns", "plot_random_vs_trained", "plot_top_patterns", "plot_training", "plot_training_curves",
           "plot_utility_vs_param", "save_png"]
