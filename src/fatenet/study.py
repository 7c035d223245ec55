"""A study: seeds x variants x sweep grid -> one training run each (the workflow's run table).

The Snakemake rules (``workflow/rules/common.smk``) build a :class:`Study` from the validated
study config and ask it for run ids, settings and targets; everything here is plain Python
(no Snakemake), so it is unit-tested directly. The study's own keys (``StudySettings``) are
settings like the engine's: one ``config.setting`` field each, from which ``fatenet.schema``
writes the schema. ``sweep`` and ``variants`` are checked by that schema (keys, non-empty lists
without repeats, values in range); what the schema cannot see (a run the engine rejects, a value
that cannot name a folder) is rejected here with :class:`StudyConfigError`.

A run's id is its folder below ``results/runs``: ``noise_strength~0.05/seed~1``, with variants
``variant~<name>/...``, or ``default/seed~1`` for a study without sweep or variants.
"""

from __future__ import annotations

import copy
import itertools
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from . import artifacts
from .config import OUTPUT_NEUTRAL, SECTIONS, Config, ConfigError, setting
from .cost import Cost, driving_keys, estimate, machine_memory_mb

CONDA_ENVS = ("cpu", "cuda")
VARIANT_NAME = "^[A-Za-z0-9_.+-]+$"
"""A variant's name (it names a folder)."""
_FOLDER_PART = re.compile(r"[A-Za-z0-9_.+-]+~[A-Za-z0-9_.+-]+")


@dataclass(frozen=True)
class StudySettings:
    """The study's own keys in ``config.yaml`` (beside the settings sections, ``sweep`` and ``variants``)."""

    seeds: tuple[int, ...] = setting((1, 2, 3), "one training run per seed and sweep point", item_minimum=0,
                                     item_maximum=4294967295, unique=True)
    cache_dir: str = setting(".jax_cache", "JAX persistent compilation cache, relative to the working directory")
    checkpoint_every: int = setting(10, """a training job saves its state every this many generations and resumes
        from it after a kill""", minimum=1)
    train_seeds_together: bool = setting(False, """one job per sweep point trains all seeds in one vmapped program
        (for GPU nodes; no checkpoints)""")
    conda_env: str = setting("cpu", "the rules' conda environment with --sdm conda (cpu, or cuda for NVIDIA GPU nodes)",
                             choices=CONDA_ENVS)
    max_memory_mb: int = setting(0, """a run whose estimated peak memory (fatenet.cost) exceeds this many MB is
        refused before any job starts; 0: this machine's memory (set a compute node's on a cluster)""", minimum=0)
    warn_run_hours: float = setting(12.0, """a run estimated to take longer than this (train + evaluate, at this
        machine's rate: fatenet cost --calibrate) is reported with its estimate when the study starts""", above=0)


class StudyConfigError(ValueError):
    """A study setting that cannot be run; the message names the key, the value and what is allowed."""


def layered(base: Mapping[str, Any], *layers: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` (a study's ``config.yaml``) with ``layers`` over it, as ``snakemake --configfile`` layers
    study files: mappings merged key by key, a later layer's values winning, and the layers' keys
    first (so a layered sweep's order, which names the run folders, is the layer's)."""
    def update(config: dict, over: Mapping[str, Any]) -> dict:  # Snakemake's update_config
        for key, value in over.items():
            if isinstance(value, Mapping):
                config[key] = update(dict(config.get(key) or {}) if isinstance(config.get(key), Mapping) else {},
                                     value)
            else:
                config[key] = copy.deepcopy(value)
        return config

    over: dict[str, Any] = {}
    for layer in layers:
        update(over, layer)
    return update(update(copy.deepcopy(over), base), over)


def study_config(*layers: str | os.PathLike, base: str | os.PathLike | None = "config.yaml") -> dict[str, Any]:
    """The study config of ``base`` (if the file exists) with the study files ``layers`` over it
    (``layered``), its own keys (``StudySettings``) filled with their defaults where unset, as
    the workflow's schema fills them."""
    import yaml

    def read(path) -> dict:
        if not Path(path).is_file():
            raise FileNotFoundError(f"no study config at {path}")
        return yaml.safe_load(Path(path).read_text()) or {}

    config = layered(read(base) if base is not None and Path(base).is_file() else {}, *(read(p) for p in layers))
    for spec in fields(StudySettings):
        config.setdefault(spec.name, list(spec.default) if isinstance(spec.default, tuple) else spec.default)
    return config


def sweep_labels(keys) -> dict[str, str]:
    """Folder label of each swept parameter: the last part of its name, or all of it when two clash."""
    last = [key.rsplit(".", 1)[-1] for key in keys]
    return {key: (short if last.count(short) == 1 else key) for key, short in zip(keys, last, strict=True)}


def format_value(value: Any) -> str:
    """A swept value as it appears in a folder name: 0.05, 7, open, true, 8-8."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "-".join(format_value(v) for v in value)
    return str(value)


def _sort_key(value: Any):
    if isinstance(value, (list, tuple)):
        return (2, tuple(_sort_key(v) for v in value))
    if isinstance(value, str):
        return (1, value)
    return (0, value)


@dataclass(frozen=True)
class Run:
    """One training run: its folder id, seed, the sweep point (dotted name -> value, and
    ``variant``) and its settings."""

    run: str
    seed: int
    point: dict
    config: Config

    @property
    def group(self) -> str:
        """The folder of its sweep point (runs that differ only in the seed share it)."""
        return posixpath.dirname(self.run)


def run_table(cfg: Mapping[str, Any]) -> dict[str, Run]:
    """{run id: Run} in order: variants as listed, sweep values sorted, then seed.

    ``cfg`` is a study config that passed the schema. Each run's settings are the study's
    sections, then the variant's settings, then the sweep point's.
    """
    sweep = dict(cfg.get("sweep") or {})
    variants = {str(name): dict(settings or {}) for name, settings in (cfg.get("variants") or {}).items()}
    keys = list(sweep)
    labels = sweep_labels(keys)
    grid = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(sweep[k] for k in keys))]
    grid.sort(key=lambda point: tuple(_sort_key(point[k]) for k in keys))
    if variants:
        keys = ["variant", *keys]
        labels = {"variant": "variant", **labels}
        points = [{"variant": name, **point} for name in variants for point in grid]
    else:
        points = grid
    try:
        base = Config.from_dict({section: dict(cfg.get(section) or {}) for section in SECTIONS})
    except ConfigError as error:
        raise StudyConfigError(str(error)) from None

    table = {}
    for point in points:
        parts = [f"{labels[k]}~{format_value(point[k])}" for k in keys]
        for part in parts:
            if not _FOLDER_PART.fullmatch(part):
                raise StudyConfigError(f"invalid sweep value in {part!r}: values must print as letters, digits, "
                                       "'.', '_', '+' or '-' to name a folder")
        try:
            start = base.replace(variants[point["variant"]]) if "variant" in point else base
            config = start.replace({k: v for k, v in point.items() if k != "variant"})
        except ConfigError as error:
            where = ", ".join(f"{k} = {point[k]!r}" for k in keys)
            raise StudyConfigError(f"{error} (at sweep point {where})" if where else str(error)) from None
        for seed in sorted(cfg["seeds"]):
            run = posixpath.join(*(parts or ["default"]), f"seed~{seed}")
            if run in table:
                raise StudyConfigError(
                    f"invalid sweep: two grid points share the folder {run!r}; make the swept values distinct")
            table[run] = Run(run=run, seed=int(seed), point=point, config=config)
    return table


def with_neutral(settings: Mapping[str, Any], cfg: Mapping[str, Any]) -> dict[str, Any]:
    """A rule's settings (``Config.training_dict``: no OUTPUT_NEUTRAL keys, so changing them reruns
    nothing) with those keys put back from the study config ``cfg``: ready for ``Config.from_dict``."""
    out = {section: dict(values) for section, values in settings.items()}
    for section, names in OUTPUT_NEUTRAL.items():
        if section in out:
            for name in names:
                if name in (cfg.get(section) or {}):
                    out[section][name] = cfg[section][name]
    return out


def check_costs(runs: Mapping[str, Run], max_memory_mb: float, warn_hours: float, seeds_together: int = 1,
                stream=None) -> dict[str, Cost]:
    """Every run's ``cost.estimate`` (one per distinct settings); raise StudyConfigError for a run
    whose estimated peak exceeds ``max_memory_mb``, print a warning for one estimated to take longer
    than ``warn_hours``. ``seeds_together``: seeds trained in one job (train_seeds_together)."""
    import sys

    limit = max_memory_mb or machine_memory_mb()
    costs, seen = {}, {}
    for entry in runs.values():
        if entry.config not in seen:
            seen[entry.config] = estimate(entry.config, seeds=seeds_together)
        cost = costs[entry.run] = seen[entry.config]
        if cost.peak_mb > limit:
            job, driver = ("train", cost.train_driver) if cost.train_mb >= cost.evaluate_mb else \
                ("evaluate", cost.evaluate_driver)
            keys = ", ".join(f"{key} = {_setting(entry.config, key)}" for key in driving_keys(driver, entry.config))
            raise StudyConfigError(
                f"run {entry.run} cannot fit: its {job} job would need about {cost.peak_mb:,.0f} MB at its peak "
                f"(a batch of {driver}: {keys}), more than the {limit:,.0f} MB allowed "
                f"(max_memory_mb{'' if max_memory_mb else ', here this machine'}); make those settings smaller")
    slow = {run: cost for run, cost in costs.items() if cost.train_s + cost.evaluate_s > warn_hours * 3600}
    if slow:
        run, cost = max(slow.items(), key=lambda item: item[1].train_s)
        print(f"fatenet: warning: {len(slow)} run(s) estimated to take more than {warn_hours:g} h each, e.g. {run}: "
              f"about {(cost.train_s + cost.evaluate_s) / 3600:.1f} h ({cost.train_cell_steps:.2e} cell-steps "
              "of training; `fatenet cost` shows the estimate)", file=stream or sys.stderr)
    return costs


def _setting(config: Config, dotted: str):
    if "/" in dotted:
        return config.simulation.n_steps
    section, _, name = dotted.partition(".")
    return getattr(getattr(config, section), name)


class Study:
    """The run table of a validated study config and what the rules ask of it."""

    def __init__(self, cfg: Mapping[str, Any]):
        self.cfg = cfg
        self.runs = run_table(cfg)
        self.points: dict[str, list[Run]] = {}
        for entry in self.runs.values():
            self.points.setdefault(entry.group, []).append(entry)
        self.seeds = sorted(int(seed) for seed in cfg["seeds"])
        # the columns that tell runs apart in the summary: "variant" (with variants), then the swept keys
        self.sweep_keys = (["variant"] if cfg.get("variants") else []) + list(cfg.get("sweep") or {})
        self.sweep_labels = sweep_labels(self.sweep_keys)
        together = len(self.seeds) if cfg.get("train_seeds_together") else 1
        self.costs = check_costs(self.runs, cfg.get("max_memory_mb", 0), cfg.get("warn_run_hours", 12.0), together)

    def resources(self, run: str, job: str, attempt: int = 1) -> dict[str, int]:
        """``mem_mb`` and ``runtime`` (minutes, times the attempt) a ``job`` of ``run`` asks for."""
        mem_mb, minutes = self.costs[run].request(job)
        return {"mem_mb": mem_mb, "runtime": minutes * attempt}

    def run_files(self, name: str) -> list[str]:
        """The file ``name`` of every run, in run-table order."""
        return [artifacts.run_file(run, name) for run in self.runs]

    def described_runs(self) -> list[dict]:
        """What the aggregate and figure scripts need to know about each run, in order."""
        return [{"run": r.run, "seed": r.seed, "point": r.point, "group": r.group} for r in self.runs.values()]

    def swept_param(self, label: str) -> str:
        """The dotted name of the swept parameter whose folder label is ``label``."""
        return {lab: key for key, lab in self.sweep_labels.items()}[label]

    def targets(self) -> list[str]:
        """Every output of the study: per-run files, the summary and the figures."""
        paths = [path for name in artifacts.RUN_FILES for path in self.run_files(name)]
        paths += [artifacts.SUMMARY, artifacts.SUMMARY_CSV]
        paths += [artifacts.utility_figure(label) for label in self.sweep_labels.values()]
        return paths + list(artifacts.STUDY_FIGURES.values())
