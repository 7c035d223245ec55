# The run table and what the rules ask of it, from fatenet.study (plain Python, unit-tested).
#
# This runs when Snakemake parses the workflow, so a setting the engine rejects (e.g. t_final < dt)
# or a sweep value that cannot name a folder stops the study before any job starts.
import re
import sys

try:
    from fatenet import artifacts
    from fatenet.study import Study
except ImportError as error:
    raise ImportError(
        "the fatenet package is not importable from the Python running Snakemake "
        f"({sys.executable}): run `python3 workflow/bootstrap.py study`, or "
        "`pip install -e .` in the repository root first"
    ) from error


STUDY = Study(config)
RUNS = STUDY.runs
POINTS = STUDY.points
SEEDS = STUDY.seeds
SWEEP_KEYS = STUDY.sweep_keys
SWEEP_LABELS = STUDY.sweep_labels
# the rules' conda environment (relative to the rule files), chosen by the conda_env key
CONDA_ENV = {"cpu": "../envs/fatenet.yaml", "cuda": "../envs/fatenet-cuda.yaml"}[
    config["conda_env"]
]
# the trained network's metrics copied into the summary (the evaluation's columns but the name)
METRIC_COLUMNS = artifacts.SUMMARY_METRIC_COLUMNS


wildcard_constraints:
    run="|".join(re.escape(run) for run in RUNS),
    point="|".join(re.escape(point) for point in POINTS),
    param="|".join(re.escape(label) for label in SWEEP_LABELS.values()) or "(?!)",


def training_settings(wildcards):
    """The settings that determine one run's trained network (Config.training_dict).

    Rules get exactly the settings their outputs depend on, so Snakemake reruns a rule only
    when one of those changed: an evaluation setting reruns no training, log_every nothing.
    """
    return RUNS[wildcards.run].config.training_dict()


def evaluation_settings(wildcards):
    """The settings that determine one run's evaluation (Config.evaluation_dict)."""
    return RUNS[wildcards.run].config.evaluation_dict()


def run_seed(wildcards):
    return RUNS[wildcards.run].seed


def point_training_settings(wildcards):
    """The training settings shared by every seed of one sweep point."""
    return POINTS[wildcards.point][0].config.training_dict()


def job_resource(job, name):
    """A rule's ``name`` resource (mem_mb, runtime) for its run, from the cost model (fatenet.cost):
    the estimate with a margin, the runtime times the attempt (a retried job gets more).
    """

    def of(wildcards, attempt):
        run = (
            wildcards.run
            if hasattr(wildcards, "run")
            else POINTS[wildcards.point][0].run
        )
        return STUDY.resources(run, job, attempt)[name]

    return of


def run_files(name):
    """The file ``name`` of every run, in run-table order."""
    return STUDY.run_files(name)


def study_runs():
    """What the aggregate and figure scripts need to know about each run, in order."""
    return STUDY.described_runs()


def swept_param(wildcards):
    """The dotted name of the swept parameter whose folder label is ``wildcards.param``."""
    return STUDY.swept_param(wildcards.param)


def study_targets():
    """Every output of the study: per-run files, the summary and the figures."""
    return STUDY.targets()
