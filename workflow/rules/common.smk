# The run table: every seed x every point of the sweep grid is one training run.
#
# Everything here runs when Snakemake parses the workflow, so a bad sweep or a setting
# the engine rejects (e.g. t_final < dt) stops the study before any job starts.
import itertools
import json
import os
import posixpath
import re
import subprocess
import sys
import tempfile

import yaml

try:
    from fatenet.config import OUTPUT_NEUTRAL, Config, ConfigError
    from fatenet.evaluation import METRIC_COLUMNS as EVALUATION_COLUMNS
except ImportError as error:
    raise ImportError(
        "the fatenet package is not importable from the Python running Snakemake "
        f"({sys.executable}): run `python3 workflow/bootstrap.py study`, or "
        "`pip install -e .` in the repository root first"
    ) from error


SECTIONS = ("simulation", "network", "evolution", "evaluation")
# every setting a sweep may vary, as section.key (not those that change no number)
SWEEPABLE = tuple(
    f"{section}.{key}"
    for section, keys in Config().to_dict().items()
    for key in keys
    if key not in OUTPUT_NEUTRAL.get(section, ())
)
RUNS_DIR = "results/runs"
# the rules' conda environment (relative to the rule files), chosen by the conda_env key
CONDA_ENV = {"cpu": "../envs/fatenet.yaml", "cuda": "../envs/fatenet-cuda.yaml"}[
    config["conda_env"]
]
# the trained network's metrics copied into the summary (the evaluation's columns but the name)
METRIC_COLUMNS = tuple(c for c in EVALUATION_COLUMNS if c != "network")


class StudyConfigError(ValueError):
    """A study setting that cannot be run; the message names the key, the value and what is allowed."""


def check_sweep(sweep):
    """Reject a sweep over an unknown parameter, or with a value that is not a non-empty list."""
    if sweep is None:
        return {}
    if not isinstance(sweep, dict):
        raise StudyConfigError(
            f"invalid setting sweep = {sweep!r}: must be a mapping of section.key to a list of values"
        )
    for key, values in sweep.items():
        if key not in SWEEPABLE:
            raise StudyConfigError(
                f"invalid setting sweep.{key} = {values!r}: unknown parameter; allowed: "
                + ", ".join(SWEEPABLE)
            )
        if not isinstance(values, list) or not values:
            raise StudyConfigError(
                f"invalid setting sweep.{key} = {values!r}: must be a non-empty list of values"
            )
    return sweep


def sweep_labels(keys):
    """Folder label of each swept parameter: the last part of its name, or all of it when two clash."""
    last = [key.rsplit(".", 1)[-1] for key in keys]
    return {
        key: (short if last.count(short) == 1 else key)
        for key, short in zip(keys, last)
    }


def format_value(value):
    """A swept value as it appears in a folder name: 0.05, 7, open, true, 8-8."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "-".join(format_value(v) for v in value)
    return str(value)


def _sort_key(value):
    if isinstance(value, (list, tuple)):
        return (2, tuple(_sort_key(v) for v in value))
    if isinstance(value, str):
        return (1, value)
    return (0, value)


def check_variants(variants):
    """Reject variants that are not named mappings of section.key settings."""
    for name, settings in (variants or {}).items():
        if not re.fullmatch(r"[A-Za-z0-9_.+-]+", str(name)):
            raise StudyConfigError(
                f"invalid variant name {name!r}: use letters, digits, '.', '_', '+' or '-' (it names a folder)"
            )
        for key in settings or {}:
            if key not in SWEEPABLE:
                raise StudyConfigError(
                    f"invalid setting variants.{name}.{key} = {settings[key]!r}: unknown parameter; allowed: "
                    + ", ".join(SWEEPABLE)
                )
    return {
        str(name): dict(settings or {}) for name, settings in (variants or {}).items()
    }


def build_run_table(cfg):
    """{run id: {run, seed, point, config}} in order: variants as listed, sweep values sorted, then seed.

    ``run`` is the folder below results/runs, e.g. ``noise_strength~0.05/seed~1`` (with
    variants, ``variant~<name>/...``); ``point`` maps each swept dotted name (and ``variant``)
    to its value; ``config`` is the full per-run settings (study defaults, then the variant's
    settings, then the sweep point; no ``seeds``, ``sweep``, ``variants`` or ``cache_dir``).
    """
    sweep = check_sweep(cfg.get("sweep"))
    variants = check_variants(cfg.get("variants"))
    keys = list(sweep)
    labels = sweep_labels(keys)
    grid = [
        dict(zip(keys, combo)) for combo in itertools.product(*(sweep[k] for k in keys))
    ]
    grid.sort(key=lambda point: tuple(_sort_key(point[k]) for k in keys))
    if variants:
        keys = ["variant", *keys]
        labels = {"variant": "variant", **labels}
        points = [{"variant": name, **point} for name in variants for point in grid]
    else:
        points = grid
    base = {section: dict(cfg.get(section) or {}) for section in SECTIONS}
    try:
        Config.from_dict(base)
    except ConfigError as error:
        raise StudyConfigError(str(error)) from None

    table = {}
    for point in points:
        parts = [f"{labels[k]}~{format_value(point[k])}" for k in keys]
        for part in parts:
            if not re.fullmatch(r"[A-Za-z0-9_.+-]+~[A-Za-z0-9_.+-]+", part):
                raise StudyConfigError(
                    f"invalid sweep value in {part!r}: values must print as letters, digits, "
                    "'.', '_', '+' or '-' to name a folder"
                )
        swept = {k: v for k, v in point.items() if k != "variant"}
        try:
            start = Config.from_dict(base)
            if "variant" in point:
                start = start.replace(variants[point["variant"]])
            run_config = start.replace(swept).to_dict()
        except ConfigError as error:
            where = ", ".join(f"{k} = {point[k]!r}" for k in keys)
            raise StudyConfigError(
                f"{error} (at sweep point {where})" if where else str(error)
            ) from None
        for seed in sorted(cfg["seeds"]):
            run = posixpath.join(*(parts or ["default"]), f"seed~{seed}")
            if run in table:
                raise StudyConfigError(
                    f"invalid sweep: two grid points share the folder {run!r}; make the swept values distinct"
                )
            table[run] = {
                "run": run,
                "seed": seed,
                "point": point,
                "config": run_config,
            }
    return table


RUNS = build_run_table(config)
# sweep point folder (e.g. noise_strength~0.05, or default) -> its runs, for train_seeds
POINTS = {}
for _entry in RUNS.values():
    POINTS.setdefault(posixpath.dirname(_entry["run"]), []).append(_entry)
SEEDS = sorted(config["seeds"])
# the columns that tell runs apart in the summary: "variant" (with variants), then the swept keys
SWEEP_KEYS = (["variant"] if config.get("variants") else []) + list(config["sweep"])
SWEEP_LABELS = sweep_labels(SWEEP_KEYS)


wildcard_constraints:
    run="|".join(re.escape(run) for run in RUNS),
    point="|".join(re.escape(point) for point in POINTS),
    param="|".join(re.escape(label) for label in SWEEP_LABELS.values()) or "(?!)",


def training_settings(wildcards):
    """The settings that determine one run's trained network (Config.training_dict).

    Rules get exactly the settings their outputs depend on, so Snakemake reruns a rule only
    when one of those changed: an evaluation setting reruns no training, log_every nothing.
    """
    return Config.from_dict(RUNS[wildcards.run]["config"]).training_dict()


def evaluation_settings(wildcards):
    """The settings that determine one run's evaluation (Config.evaluation_dict)."""
    return Config.from_dict(RUNS[wildcards.run]["config"]).evaluation_dict()


def run_seed(wildcards):
    return RUNS[wildcards.run]["seed"]


def point_training_settings(wildcards):
    """The training settings shared by every seed of one sweep point."""
    return Config.from_dict(POINTS[wildcards.point][0]["config"]).training_dict()


def run_files(name):
    """The file ``name`` of every run, in run-table order."""
    return [f"{RUNS_DIR}/{run}/{name}" for run in RUNS]


def study_runs():
    """What the aggregate and figure scripts need to know about each run, in order."""
    return [
        {
            "run": entry["run"],
            "seed": entry["seed"],
            "point": entry["point"],
            "group": posixpath.dirname(entry["run"]),
        }
        for entry in RUNS.values()
    ]


def swept_param(wildcards):
    """The dotted name of the swept parameter whose folder label is ``wildcards.param``."""
    return {label: key for key, label in SWEEP_LABELS.items()}[wildcards.param]


def study_targets():
    """Every output of the study: per-run files, the summary and the figures."""
    per_run = [
        "params.npz",
        "params.json",
        "history.parquet",
        "training.png",
        "metrics.parquet",
        "patterns.parquet",
        "f_curve.parquet",
        "trained_patterns.png",
        "kymograph.png",
        "random_vs_trained.png",
    ]
    targets = [path for name in per_run for path in run_files(name)]
    targets += ["results/summary.parquet", "results/summary.csv"]
    targets += [
        f"results/figures/utility_vs_{label}.png" for label in SWEEP_LABELS.values()
    ]
    targets += [
        "results/figures/f_curves.png",
        "results/figures/f_by_group.png",
        "results/figures/training_curves.png",
        "results/figures/top_patterns.png",
    ]
    return targets


REPORT = "results/report.html"


def build_report(workflow, config):
    """After a successful run, write REPORT for the whole study (snakemake --report).

    Runs only when every study output exists (not after a run of a single target); the
    report is built by a second Snakemake call on the same settings.
    """
    missing = [path for path in study_targets() if not os.path.exists(path)]
    if missing:
        print(
            f"fatenet: {REPORT} not rebuilt: {len(missing)} study outputs do not exist yet"
        )
        return
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        # the study's settings in their order (sweep and variant order name the run folders)
        yaml.safe_dump(json.loads(json.dumps(config)), handle, sort_keys=False)
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        workflow.main_snakefile,
        "--directory",
        os.getcwd(),
        "--configfile",
        handle.name,
        "--replace-workflow-config",
        "--nolock",
        "--report",
        REPORT,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        print(done.stdout[-3000:] + done.stderr[-3000:])
        raise RuntimeError(f"fatenet: building {REPORT} failed (see above)")
    print(f"fatenet: wrote {REPORT}")
