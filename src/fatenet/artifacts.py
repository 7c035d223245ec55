"""The files of a study: the one place that names them, says where they lie and what they hold.

A study writes below ``results/``::

    runs/<run>/params.npz, params.json       the chosen network (flat float32 vector) + its Sidecar
    runs/<run>/history.parquet, training.png one row per generation (HISTORY_COLUMNS)
    runs/<run>/metrics.parquet ...           the evaluation's tables and figures (EVALUATE_FILES)
    runs/<run>/checkpoint.npz                a training job's state while it runs
    summary.parquet, summary.csv             one row per run (summary_row)
    figures/*.png, report.html               the study's figures and report
    logs/<rule>/<run>.log, benchmarks/<rule>/<run>.tsv

``<run>`` is a run id (``fatenet.study``). The rule declarations in ``workflow/rules`` spell the
same names (Snakemake needs them literally); every other reader and writer takes them from here.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .constants import DT_REFINEMENTS

RESULTS = "results"
RUNS = "runs"

PARAMS = "params.npz"
SIDECAR = "params.json"
HISTORY = "history.parquet"
TRAINING_FIGURE = "training.png"
CHECKPOINT = "checkpoint.npz"
METRICS = "metrics.parquet"
PATTERNS = "patterns.parquet"
F_CURVE = "f_curve.parquet"
PATTERNS_FIGURE = "trained_patterns.png"
KYMOGRAPH = "kymograph.png"
RANDOM_VS_TRAINED = "random_vs_trained.png"
F_SURFACE = "f_surface.png"

TRAIN_FILES = (PARAMS, SIDECAR, HISTORY, TRAINING_FIGURE)
"""What the ``train`` rule writes in a run folder."""
EVALUATE_FILES = (METRICS, PATTERNS, F_CURVE, PATTERNS_FIGURE, KYMOGRAPH, RANDOM_VS_TRAINED, F_SURFACE)
"""What the ``evaluate`` rule writes in a run folder."""
RUN_FILES = TRAIN_FILES + EVALUATE_FILES
"""A finished run folder."""

SUMMARY = f"{RESULTS}/summary.parquet"
SUMMARY_CSV = f"{RESULTS}/summary.csv"
REPORT = f"{RESULTS}/report.html"
FIGURES = f"{RESULTS}/figures"
STUDY_FIGURES = {name: f"{FIGURES}/{name}.png" for name in ("f_curves", "f_by_group", "training_curves",
                                                           "top_patterns")}
"""The ``figure`` rule's outputs (the ``figure_utility`` rule's are ``utility_figure``)."""


def run_dir(run: str, results: str = RESULTS) -> str:
    """The folder of run ``run``: ``results/runs/<run>``."""
    return posixpath.join(results, RUNS, run)


def run_file(run: str, name: str, results: str = RESULTS) -> str:
    """The file ``name`` of run ``run``: ``results/runs/<run>/<name>``."""
    return posixpath.join(results, RUNS, run, name)


def utility_figure(label: str) -> str:
    """The study figure of U against the swept parameter with folder label ``label``."""
    return f"{FIGURES}/utility_vs_{label}.png"


def benchmark_file(rule: str, run: str, results: str | os.PathLike = RESULTS) -> Path:
    """The ``benchmark:`` table of rule ``rule`` for run ``run`` (its wall time in column ``s``)."""
    return Path(results) / "benchmarks" / rule / f"{run}.tsv"


# --- the tables' columns ------------------------------------------------------------------------
HISTORY_COLUMNS = ("generation", "best_fitness", "mean_fitness", "std_fitness", "best_s_pat", "best_s_rep",
                   "best_ever_fitness", "n_invalid")
"""history.parquet: one row per generation (``training``)."""
METRIC_COLUMNS = ("network", "utility", "utility_ci_low", "utility_ci_high", "soft_utility", "s_pat", "s_rep",
                  "s_rep_mm", "s_cf", "pi", "ci", "frac_fate1", "alternating_share", "n_distinct", "f0", "f05", "f1",
                  "zero_crossing", "lateral_inhibition", "train_fitness", "fresh_fitness", "fitness_gap",
                  "utility_bound", "utility_fine_dt", "utility_finest_dt", "dt_sensitive", "utility_normalized")
"""metrics.parquet: one row per network (``evaluation``), in this order."""
SUMMARY_METRIC_COLUMNS = tuple(c for c in METRIC_COLUMNS if c != "network")
"""The trained network's metrics copied into each run's summary row."""
SELECTION_COLUMNS = ("candidate", "train_fitness", "rescore_utility", "rescore_fine_dt", "rescore_finest_dt",
                     "rescore_score", "confirm_utility", "confirm_fine_dt", "confirm_finest_dt", "confirm_score",
                     "chosen")
"""The final candidates in params.json (``selection``): rescore_fine_dt / _finest_dt: U at dt / 4 and dt / 16
(robust and flat); rescore_score: what is maximised. confirm_*: the same on the finalists' own tissues
(``evolution.choice_confirm``; NaN for the others), where confirm_score is what is maximised."""
RESTART_COLUMNS = ("restart", "start_class", "kept")
"""A run's restarts in params.json: where each started (screening.class_starts; "" when not by class) and
whether it trained on after the exploration phase (always true without one)."""


# --- time steps: the evaluation's and the final choice's checks at dt / 4 and dt / 16 ----------
DT_COLUMNS = dict(zip(("utility_fine_dt", "utility_finest_dt"), DT_REFINEMENTS, strict=True))
"""metrics.parquet's columns of U re-simulated with dt divided by each refinement factor."""
RESCORE_DT_COLUMNS = dict(zip(("rescore_fine_dt", "rescore_finest_dt"), DT_REFINEMENTS, strict=True))
"""The selection table's (params.json) re-scores at the same refined time steps."""
HEADLINE = "utility_finest_dt"
"""The headline of a run: U at the finest time step checked (the value that holds as dt shrinks)."""


def dt_label(factor: int, spaced: bool = False) -> str:
    """``dt/16`` (``dt / 16`` with ``spaced``), or ``dt`` for factor 1."""
    if factor == 1:
        return "dt"
    return f"dt / {factor}" if spaced else f"dt/{factor}"


# --- the sidecar: params.json beside params.npz ------------------------------------------------
@dataclass(frozen=True)
class Sidecar:
    """What a run's ``params.json`` records beside its parameters (written key-sorted)."""

    config: dict  # Config.training_dict(): the settings the network depends on
    seed: int
    n_params: int
    best_fitness: float  # the best training score of the run
    chosen_train_fitness: float  # the training score of the network chosen (NaN -> null: never scored)
    selection: list = field(default_factory=list)  # the final candidates (SELECTION_COLUMNS)
    restarts: list | None = None  # one row per restart (RESTART_COLUMNS)
    versions: dict = field(default_factory=dict)  # io.package_versions()
    platform: dict = field(default_factory=dict)  # portability.describe()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sidecar:
        """A sidecar read back; keys it does not know are ignored, missing ones take the defaults."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def read(cls, path: str | os.PathLike) -> Sidecar:
        return cls.from_dict(json.loads(Path(path).read_text()))


# --- the summary: one row per run --------------------------------------------------------------
def summary_row(run: Mapping[str, Any], metrics, sidecar: Mapping[str, Any], sweep_keys: Sequence[str],
                metric_columns: Sequence[str]) -> dict[str, Any]:
    """One run's row of summary.parquet: ``seed``, each swept parameter under its dotted name
    (lists as JSON text), ``run``, the trained network's ``metric_columns``, ``random_utility``
    and ``train_best_fitness``. ``run`` is a ``Study.described_runs()`` entry, ``metrics`` its
    metrics table indexed by network, ``sidecar`` its params.json."""
    missing = [c for c in metric_columns if c not in metrics.columns]
    if missing:
        raise KeyError(f"the metrics of run {run['run']} lack the columns {missing}")
    row = {"seed": run["seed"]}
    row.update({key: _column_value(run["point"][key]) for key in sweep_keys})
    row["run"] = run["run"]
    row.update({column: metrics.at["trained", column] for column in metric_columns})
    row["random_utility"] = metrics.at["random", "utility"]
    row["train_best_fitness"] = float(sidecar["best_fitness"])
    return row


def _column_value(value: Any) -> Any:
    """Lists (e.g. a swept hidden_dims) are stored as their JSON text; scalars as they are."""
    return json.dumps(value) if isinstance(value, (list, tuple)) else value


def summary_keys(columns: Sequence[str]) -> list[str]:
    """The columns of a summary that tell its groups of runs apart (variant and swept keys)."""
    columns = list(columns)
    return [c for c in columns[: columns.index("run")] if c != "seed"]
