"""The Problem: one immutable pytree per run, its physical numbers traced by every compiled program,
and a workflow side that never starts JAX."""

import dataclasses
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fatenet.config import Config
from fatenet.evaluation import simulate_patterns
from fatenet.fitness import compiled_population_fitness
from fatenet.problem import LEAVES, Problem
from fatenet.screening import screen_scores
from fatenet.selection import hard_utilities
from helpers import tiny_config


def test_from_config_holds_the_settings_with_the_numbers_as_float32_leaves():
    cfg = tiny_config(simulation={"n_cells": 5, "boundary": "periodic", "noise_strength": 0.07},
                      network={"architecture": "piecewise_linear", "n_knots": 9},
                      evolution={"fitness": "hard", "fitness_dt_factors": [1, 4], "bandwidth": 0.2})
    problem = Problem.from_config(cfg)
    assert (problem.n_cells, problem.n_steps, problem.n_replicates) == (5, 50, 8)
    assert (problem.boundary, problem.fitness, problem.dt_factors) == ("periodic", "hard", (1, 4))
    assert problem.network.n_params == 9
    leaves = jax.tree_util.tree_leaves(problem)
    assert len(leaves) == len(LEAVES) and all(leaf.dtype == jnp.float32 and leaf.shape == () for leaf in leaves)
    assert [float(getattr(problem, name)) for name in LEAVES] == [np.float32(v) for v in (0.01, 0.07, 0.5, 0.1, 0.2)]
    # the same settings give the same object; the structure is hashable static data
    assert Problem.from_config(Config.from_dict(cfg.to_dict())) is problem
    treedef = jax.tree_util.tree_structure(problem)
    assert treedef == jax.tree_util.tree_structure(problem.replace(noise_strength=0.3))
    assert treedef != jax.tree_util.tree_structure(problem.replace(n_cells=6))


def test_refined_divides_the_step_and_multiplies_the_steps():
    problem = Problem.create(n_steps=37, dt=0.02)
    fine = problem.refined(4)
    assert fine.n_steps == 148 and float(fine.dt) == np.float32(0.02) / 4
    assert dataclasses.replace(fine, dt=problem.dt, n_steps=37).n_cells == problem.n_cells


def _programs(problem: Problem):
    """Every compiled program that takes the problem, lowered for it: HLO text by name."""
    flat = problem.network.init_population(jax.random.PRNGKey(0), 3)
    keys = jax.random.split(jax.random.PRNGKey(1), 3)
    key = jax.random.PRNGKey(2)
    return {
        "population fitness": compiled_population_fitness.lower(problem, flat, keys),
        "screen": screen_scores.lower(problem, flat, keys),
        "re-scoring": hard_utilities.lower(problem, flat, key, (1, 4, 16), 8),
        "evaluation": simulate_patterns.lower(problem, flat[0], key, 16, 16),
    }


@pytest.mark.parametrize("name, value", [("noise_strength", 0.05), ("ic_mean", 0.3), ("ic_spread", 0.02),
                                         ("bandwidth", 0.2)])
def test_a_sweep_over_a_physical_number_compiles_each_program_once(name, value):
    """Every program is the same program for another value: the numbers are arguments, not constants
    (so a sweep's runs share every compiled program, in one process and in the compilation cache)."""
    base = Problem.from_config(tiny_config(evolution={"fitness": "hard"}))
    other = base.replace(**{name: value})
    first, second = _programs(base), _programs(other)
    for program in first:
        assert first[program].as_text() == second[program].as_text(), program


def test_the_workflow_side_imports_no_jax():
    """What a Snakemake parse imports (settings, run table, schema, file names) starts no JAX."""
    code = ("import sys; import fatenet.config, fatenet.study, fatenet.schema, fatenet.artifacts; "
            "from fatenet.study import Study, study_config; "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib', 'flax', 'optax', 'evosax')); "
            "print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
