"""A bad study configuration is rejected before any job starts, naming the key and what is allowed.

Each case writes a small YAML file that is layered over the default ``config.yaml`` with
``--configfile`` and dry-runs the workflow in a scratch copy; the schema
(``workflow/schemas/config.schema.yaml``) or the start-up checks in ``common.smk`` must stop it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_study, snakemake
from fatenet import config as engine

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    return copy_study(tmp_path_factory.mktemp("schema_study"))


def dry_run(study: Path, text: str, *extra: str):
    bad = study / "case.yaml"
    bad.write_text(text)
    return snakemake(study, "-n", "--cores", "1", "--configfile", str(bad), *extra)


# (config layered over config.yaml, fragments the error message must contain)
BAD = {
    "unknown top-level key": ("foo: 1", ["'foo'", "seeds", "simulation", "sweep", "cache_dir"]),
    "unknown simulation key": ("simulation: {n_cell: 7}", ["'n_cell'", "['simulation']", "n_cells", "noise_strength"]),
    "unknown evolution key": ("evolution: {generations: 5}", ["'generations'", "n_generations", "population_size"]),
    "wrong type, integer": ("simulation: {n_cells: seven}", ["'seven' is not of type 'integer'",
                                                            "['simulation']['n_cells']"]),
    "wrong type, list": ("network: {hidden_dims: 8}", ["8 is not of type 'array'", "['network']['hidden_dims']"]),
    "wrong type, bool for number": ("simulation: {dt: true}", ["True is not of type 'number'",
                                                               "['simulation']['dt']"]),
    "section not a mapping": ("evaluation: 1000", ["1000 is not of type 'object'", "['evaluation']"]),
    "out of range, too few cells": ("simulation: {n_cells: 1}", ["1 is less than the minimum of 2",
                                                                 "['simulation']['n_cells']"]),
    "out of range, ic_mean": ("simulation: {ic_mean: 1.5}", ["1.5 is greater than the maximum of 1",
                                                            "['simulation']['ic_mean']"]),
    "out of range, elite_fraction": ("evolution: {elite_fraction: 0}", ["0 is less than or equal to the minimum of 0",
                                                                       "['evolution']['elite_fraction']"]),
    "negative noise": ("simulation: {noise_strength: -0.1}", ["-0.1 is less than the minimum of 0",
                                                             "['simulation']['noise_strength']"]),
    "empty seeds": ("seeds: []", ["[] should be non-empty", "['seeds']"]),
    "seeds not a list": ("seeds: 3", ["3 is not of type 'array'", "['seeds']"]),
    "repeated seed": ("seeds: [1, 1]", ["has non-unique elements", "['seeds']"]),
    "negative seed": ("seeds: [-1]", ["-1 is less than the minimum of 0", "['seeds'][0]"]),
    "unknown boundary": ("simulation: {boundary: torus}", ["'torus' is not one of ['open', 'fixed', 'periodic']",
                                                          "['simulation']['boundary']"]),
    "unknown strategy": ("evolution: {strategy: nelder_mead}", ["'nelder_mead' is not one of ['mu_plus_lambda'",
                                                          "['evolution']['strategy']"]),
    "unknown fitness": ("evolution: {fitness: fuzzy}", ["'fuzzy' is not one of ['soft', 'hard']",
                                                       "['evolution']['fitness']"]),
    "unknown activation": ("network: {activation: swish}", ["'swish' is not one of", "'tanh'",
                                                           "['network']['activation']"]),
    "checkpoint_every zero": ("checkpoint_every: 0", ["0 is less than the minimum of 1", "['checkpoint_every']"]),
    "unknown conda_env": ("conda_env: rocm", ["'rocm' is not one of ['cpu', 'cuda']", "['conda_env']"]),
    "empty cache_dir": ("cache_dir: ''", ["should be non-empty", "['cache_dir']"]),
    "sweep over unknown parameter": ("sweep: {simulation.noise: [0.1]}",
                                     ["'simulation.noise' is not one of", "'simulation.noise_strength'",
                                      "['sweep']"]),
    "sweep over a section": ("sweep: {simulation: [1]}", ["'simulation' is not one of", "'simulation.n_cells'"]),
    "sweep with empty list": ("sweep: {simulation.noise_strength: []}",
                              ["[] should be non-empty", "['sweep']['simulation.noise_strength']"]),
    "sweep not a list": ("sweep: {simulation.noise_strength: 0.1}",
                         ["0.1 is not of type 'array'", "['sweep']['simulation.noise_strength']"]),
    "sweep with a bad value": ("sweep: {simulation.boundary: [open, torus]}",
                               ["'torus' is not one of ['open', 'fixed', 'periodic']",
                                "['sweep']['simulation.boundary'][1]"]),
    "sweep with repeated values": ("sweep: {simulation.noise_strength: [0.1, 0.1]}",
                                   ["has non-unique elements", "['sweep']['simulation.noise_strength']"]),
    # checks beyond the schema: the engine's own rules, applied to every run at start-up
    "t_final < dt": ("simulation: {t_final: 0.001}", ["simulation.t_final = 0.001", "must be >= simulation.dt"]),
    "f_table_points = 1": ("evolution: {f_table_points: 1}", ["evolution.f_table_points = 1", "integer >= 2"]),
    "gradient without noise": ("evolution: {strategy: gradient, fitness_dt_factors: [1], fitness_dt_rule: worst}\n"
                               "sweep: {simulation.noise_strength: [0.1, 0.0]}",
                               ["simulation.noise_strength = 0.0", "with evolution.strategy gradient"]),
    "no children": ("evolution: {population_size: 2}", ["evolution.population_size = 2", "number of parents"]),
    "sweep point with t_final < dt": ("sweep: {simulation.t_final: [2.0, 0.001]}",
                                      ["simulation.t_final = 0.001", "must be >= simulation.dt",
                                       "at sweep point simulation.t_final = 0.001"]),
}


# dry-run through Snakemake (a process each): the cases the start-up checks in common.smk catch,
# and one of each kind the schema catches; the other schema cases are validated in this process,
# by the same call the Snakefile makes on the same merged config
THROUGH_SNAKEMAKE = ["unknown top-level key", "wrong type, integer", "empty seeds", "sweep with a bad value",
                     "t_final < dt", "f_table_points = 1", "gradient without noise", "no children",
                     "sweep point with t_final < dt"]
IN_PROCESS = [name for name in BAD if name not in THROUGH_SNAKEMAKE]


def layered(text: str) -> dict:
    """config.yaml with ``text`` layered over it as ``--configfile`` does (mappings merged key by key)."""
    def merge(base: dict, over: dict) -> dict:
        for key, value in over.items():
            both = isinstance(value, dict) and isinstance(base.get(key), dict)
            base[key] = merge(dict(base[key]), value) if both else value
        return base

    return merge(yaml.safe_load((REPO / "config.yaml").read_text()), yaml.safe_load(text))


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory) -> dict:
    """Dry-run the THROUGH_SNAKEMAKE cases (two at a time, each in its own scratch copy):
    name -> (result, folder)."""

    # the scratch folders are made here, in one thread: pytest creates its base temporary folder
    # on first use, and two threads doing that at once collide
    folders = {name: copy_study(tmp_path_factory.mktemp("bad_config")) for name in THROUGH_SNAKEMAKE}

    def run(name: str):
        return name, (dry_run(folders[name], BAD[name][0]), folders[name])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, THROUGH_SNAKEMAKE))


def test_the_cases_cover_every_kind_through_snakemake():
    assert set(THROUGH_SNAKEMAKE) <= set(BAD) and IN_PROCESS
    assert set(THROUGH_SNAKEMAKE) >= set(list(BAD)[-5:])  # every start-up check beyond the schema


@pytest.mark.parametrize("name", IN_PROCESS)
def test_bad_config_fails_the_schema_the_snakefile_validates(name):
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    config = layered(BAD[name][0])
    with pytest.raises(WorkflowError) as error:
        validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    for fragment in BAD[name][1]:
        assert fragment in str(error.value), f"{fragment!r} missing from:\n{error.value}"


@pytest.mark.parametrize("name", THROUGH_SNAKEMAKE)
def test_bad_config_is_rejected_before_any_job(bad_runs, name):
    result, folder = bad_runs[name]
    out = result.stdout
    assert result.returncode != 0, out
    for fragment in BAD[name][1]:
        assert fragment in out, f"{fragment!r} missing from:\n{out}"
    # stopped while parsing: no job was planned and nothing was written
    assert "Job stats" not in out and "rule train" not in out, out
    assert not (folder / "results").exists()


def test_default_study_plans_six_runs(study):
    result = snakemake(study, "-n", "--cores", "1")
    assert result.returncode == 0, result.stdout
    for noise in ("0.05", "0.1"):
        for seed in (1, 2, 3):
            assert f"results/runs/noise_strength~{noise}/seed~{seed}/params.npz" in result.stdout
    assert "results/figures/utility_vs_noise_strength.png" in result.stdout


PRESET_RUNS = {"tiny": 4, "gpu": 60, "boundary_noise_cells": 135, "strategies": 75, "seed": 6, "ablation": 70,
               "check": 20, "moonshot": 12, "search": 60}


def test_every_preset_is_checked():
    assert {p.stem for p in (REPO / "workflow" / "presets").glob("*.yaml")} == set(PRESET_RUNS)


@pytest.mark.parametrize("preset, n_runs", PRESET_RUNS.items())
def test_presets_are_valid(study, preset, n_runs):
    result = snakemake(study, "-n", "--cores", "1", "--configfile", f"workflow/presets/{preset}.yaml")
    assert result.returncode == 0, result.stdout
    counts = [line.split() for line in result.stdout.splitlines() if line.startswith("train ")]
    assert counts and int(counts[0][1]) == n_runs, result.stdout


def test_multi_parameter_sweep_folders(study):
    result = dry_run(study, "seeds: [4]\nsweep: {simulation.boundary: [periodic, open], simulation.n_cells: [9, 5]}\n")
    assert result.returncode == 0, result.stdout
    # sorted by sweep values, folder per parameter (last part of the dotted name)
    assert "results/runs/boundary~open/n_cells~5/noise_strength~0.05/seed~4/params.npz" in result.stdout
    assert "results/runs/boundary~periodic/n_cells~9/noise_strength~0.1/seed~4/params.npz" in result.stdout
    assert "results/figures/utility_vs_n_cells.png" in result.stdout


def test_clashing_short_names_use_dotted_names(study):
    result = dry_run(study, "seeds: [1]\nsweep: {simulation.n_replicates: [8], evaluation.n_replicates: [64]}\n")
    assert result.returncode == 0, result.stdout
    assert ("results/runs/simulation.n_replicates~8/evaluation.n_replicates~64/noise_strength~0.05/seed~1"
            in result.stdout)


def test_empty_sweep_runs_in_default_folder(study):
    result = dry_run(study, "seeds: [7]\n", "--replace-workflow-config")
    assert result.returncode == 0, result.stdout
    assert "results/runs/default/seed~7/params.npz" in result.stdout
    assert "utility_vs_" not in result.stdout


# --- the schema and the engine's Config agree -------------------------------------------------


def _section_schema(section: str) -> dict:
    return SCHEMA["properties"][section]["properties"]


def test_schema_keys_and_defaults_match_engine():
    defaults = engine.Config().to_dict()
    assert set(SCHEMA["properties"]) == {"seeds", "sweep", "variants", "cache_dir", "checkpoint_every", "conda_env",
                                         "train_seeds_together", *defaults}
    assert set(SCHEMA["propertyNames"]["enum"]) == set(SCHEMA["properties"])
    for section, values in defaults.items():
        props = _section_schema(section)
        assert set(props) == set(values), section
        assert set(SCHEMA["properties"][section]["propertyNames"]["enum"]) == set(props), section
        assert SCHEMA["properties"][section]["additionalProperties"] is False
        for key, value in values.items():
            assert props[key]["default"] == value, f"{section}.{key}"


def test_schema_choices_match_engine():
    assert _section_schema("simulation")["boundary"]["enum"] == list(engine.BOUNDARIES)
    assert _section_schema("network")["activation"]["enum"] == list(engine.ACTIVATIONS)
    assert _section_schema("evolution")["strategy"]["enum"] == list(engine.STRATEGIES)
    assert _section_schema("evolution")["fitness"]["enum"] == list(engine.FITNESSES)


def test_schema_sweep_covers_every_setting_that_changes_a_result():
    neutral = engine.OUTPUT_NEUTRAL
    dotted = [f"{s}.{k}" for s, keys in engine.Config().to_dict().items() for k in keys if k not in neutral.get(s, ())]
    assert "evolution.log_every" not in dotted
    sweep = SCHEMA["properties"]["sweep"]
    assert sweep["propertyNames"]["enum"] == dotted
    assert list(sweep["properties"]) == dotted
    for name in dotted:
        section, key = name.split(".")
        assert sweep["properties"][name]["items"]["$ref"] == f"#/properties/{section}/properties/{key}"


def test_engine_defaults_are_the_seed_notebook_and_the_study_config_is_valid():
    """Config() is the seed notebook's setup (the seed preset) but for the final choice; config.yaml,
    the default study, is a valid configuration that the engine reads back unchanged."""
    seed = yaml.safe_load((REPO / "workflow" / "presets" / "seed.yaml").read_text())
    defaults = engine.Config().to_dict()
    for section in ("simulation", "network", "evolution"):
        for key, value in seed[section].items():
            if (section, key) != ("evolution", "final_choice"):
                assert value == defaults[section][key], f"{section}.{key}"
    assert seed["evolution"]["final_choice"] == "best_ever" and defaults["evolution"]["final_choice"] == "robust"
    study = yaml.safe_load((REPO / "config.yaml").read_text())
    config = engine.Config.from_dict({k: study[k] for k in ("simulation", "network", "evolution", "evaluation")})
    for section in ("simulation", "network", "evolution", "evaluation"):
        for key, value in study[section].items():
            assert config.to_dict()[section][key] == value, f"{section}.{key}"
