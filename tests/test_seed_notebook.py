"""The user's seed notebook runs on fatenet with only its import lines changed.

The notebook lives outside the repository (``shared/seed/`` beside the clone) and is never
copied in. Its code cells are extracted from the markdown export, the three module imports
are pointed at ``fatenet``, the sizes are shrunk by rewriting the constant lines, and the
cells run top to bottom as one script in a temporary folder. A second test checks that
``fatenet.training.train`` computes the same generations as the notebook's own loop.
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
import yaml

from helpers import REPO
from helpers import SEED_NOTEBOOK as NOTEBOOK

N_CODE_CELLS = 11
CELL_START = re.compile(r"^In \[[^\]]*\]:\s*$")
# A code cell runs until the next markdown heading (level 2 or deeper), bold prose or cell marker.
# A single '#' at column 0 is a Python comment inside a cell, so it does not end one.
CELL_END = re.compile(r"^(#{2,6} |\*\*)")

SEED_MODULES = ("neural_network", "dynamics", "utility_function")

# name -> (value in the notebook, tiny value); N_STEPS = int(T / DT) becomes 50.
TINY = {
    "N_REPLICATES": ("50", "8"),
    "T": ("20.0", "0.5"),
    "POPULATION_SIZE": ("20", "6"),
    "N_GENERATIONS": ("100", "3"),
    "test_replicates": ("30", "10"),
}

TIMEOUT_S = 300


def extract_code_cells(text: str) -> list[str]:
    """The code cells of a notebook's markdown export, in order."""
    cells: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if CELL_START.match(line):
            if current is not None:
                cells.append(current)
            current = []
        elif current is not None and CELL_END.match(line):
            cells.append(current)
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        cells.append(current)
    return ["\n".join(lines).strip("\n") + "\n" for lines in cells]


def point_imports_at_fatenet(cells: list[str]) -> list[str]:
    """Change only ``from <seed module> import ...`` to ``from fatenet.<seed module> import ...``."""
    pattern = re.compile(r"^from (" + "|".join(SEED_MODULES) + r") import ", re.MULTILINE)
    out, total = [], 0
    for cell in cells:
        cell, n = pattern.subn(r"from fatenet.\1 import ", cell)
        out.append(cell)
        total += n
    assert total == len(SEED_MODULES), f"expected {len(SEED_MODULES)} seed-module imports, rewrote {total}"
    return out


def shrink(cells: list[str]) -> list[str]:
    """Rewrite the size constants (exact lines); every substitution must happen exactly once."""
    out = list(cells)
    for name, (old, new) in TINY.items():
        pattern = re.compile(rf"^{re.escape(name)} = {re.escape(old)}(?=[ \t]*(#.*)?$)", re.MULTILINE)
        total = 0
        for i, cell in enumerate(out):
            out[i], n = pattern.subn(f"{name} = {new}", cell)
            total += n
        assert total == 1, f"line '{name} = {old}' found {total} times in the notebook, expected once"
    return out


@pytest.fixture(scope="module")
def cells() -> list[str]:
    if not NOTEBOOK.is_file():
        pytest.skip(f"seed notebook not found at {NOTEBOOK}")
    raw = extract_code_cells(NOTEBOOK.read_text(encoding="utf-8"))
    assert len(raw) == N_CODE_CELLS, f"expected {N_CODE_CELLS} code cells, found {len(raw)}"
    for i, cell in enumerate(raw):
        compile(cell, f"<seed cell {i}>", "exec")
    return shrink(point_imports_at_fatenet(raw))


def test_extractor_and_rewrites(cells):
    script = "\n".join(cells)
    for module in SEED_MODULES:
        assert re.search(rf"^from fatenet\.{module} import ", script, re.MULTILINE)
        assert not re.search(rf"^from {module} import ", script, re.MULTILINE)
    assert "sys.path.insert(0, '../src')" in script  # everything else is kept
    assert re.search(r"^N_STEPS = int\(T / DT\)", script, re.MULTILINE)
    for name, (_, new) in TINY.items():
        assert re.search(rf"^{re.escape(name)} = {re.escape(new)}(?=[ \t]*(#.*)?$)", script, re.MULTILINE)


@pytest.mark.slow
def test_seed_notebook_runs_on_fatenet(cells, tmp_path):
    workdir = tmp_path / "notebooks"
    workdir.mkdir()
    script = workdir / "run.py"
    script.write_text("\n\n".join(cells), encoding="utf-8")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=workdir, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=TIMEOUT_S)
    out = proc.stdout
    assert proc.returncode == 0, f"notebook failed (rc {proc.returncode})\n--- stdout\n{out}\n--- stderr\n{proc.stderr}"

    for line in ("✓ Imports successful", "Total parameters: 97", "Gen | Best Fit", "Training complete!"):
        assert line in out, f"{line!r} not printed\n{out}"

    best = re.findall(r"^\s*Best fitness: (\S+)\s*$", out, re.MULTILINE)
    assert best, out
    best_fitness = float(best[-1])
    assert -1.0 < best_fitness <= 1.0

    # Progress rows of generations 0 and N_GENERATIONS - 1 = 2.
    rows = {int(g): float(b) for g, b in re.findall(r"^\s*(\d+) \| ([+-]\d+\.\d{4}) \|", out, re.MULTILINE)}
    assert set(rows) == {0, 2}, out

    diversity = re.search(r"Pattern diversity: (\d+) unique / (\d+) total", out)
    assert diversity, out
    assert int(diversity.group(2)) == 10
    assert 1 <= int(diversity.group(1)) <= 10

    figures = tmp_path / "figures"
    for name in ("training_results.png", "trained_patterns.png", "random_vs_trained.png"):
        path = figures / name
        assert path.is_file() and path.stat().st_size > 0, f"{name} not saved"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    with open(figures / "trained_network.pkl", "rb") as fh:
        saved = pickle.load(fh)
    assert {"params", "fitness", "hidden_dims"} <= set(saved)
    assert tuple(saved["hidden_dims"]) == (8, 8)
    history = saved["fitness_history"]["best"]
    assert len(history) == 3
    assert len(saved["fitness_history"]["mean"]) == 3
    assert float(saved["fitness"]) == pytest.approx(max(history))
    assert float(saved["fitness"]) == pytest.approx(best_fitness, abs=5e-5)
    assert rows[0] == pytest.approx(history[0], abs=5e-5) and rows[2] == pytest.approx(history[2], abs=5e-5)
    n_params = sum(np.asarray(leaf).size for leaf in _leaves(saved["params"]))
    assert n_params == 97


def _leaves(tree):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _leaves(value)
    else:
        yield tree


# The notebook cells that set up the imports, constants, model and the ES functions
# (flatten_params, unflatten_params, compute_fitness, evaluate_population, select_parents,
# mutate_population); the training loop itself (cell 5) is re-implemented below.
SETUP_CELLS = 5
NOTEBOOK_FUNCTIONS = ("flatten_params", "unflatten_params", "compute_fitness", "evaluate_population",
                      "select_parents", "mutate_population")


@pytest.mark.slow
def test_train_reproduces_notebook_loop(cells, tmp_path, monkeypatch):
    import jax.numpy as jnp
    from jax import random

    from fatenet.config import Config
    from fatenet.training import train

    workdir = tmp_path / "notebooks"
    workdir.mkdir()
    monkeypatch.chdir(workdir)  # cell 0 creates ../figures
    monkeypatch.setattr(sys, "path", list(sys.path))  # cell 0 inserts '../src'
    ns: dict = {"__name__": "seed_notebook"}
    with matplotlib.rc_context():  # cell 0 restyles matplotlib globally
        for i, cell in enumerate(cells[:SETUP_CELLS]):
            exec(compile(cell, f"<seed cell {i}>", "exec"), ns)
    missing = [name for name in NOTEBOOK_FUNCTIONS if name not in ns]
    assert not missing, f"setup cells do not define {missing}"

    # The seed preset (the notebook's setup, one --configfile away), shrunk to seconds.
    preset = yaml.safe_load((REPO / "workflow" / "presets" / "seed.yaml").read_text())
    config = Config.from_dict({k: preset[k] for k in ("simulation", "network", "evolution")}).replace(
        {"simulation.n_replicates": 8, "simulation.t_final": 0.5, "evolution.population_size": 6,
         "evolution.n_generations": 3})
    assert config.evolution.final_choice == "best_ever"
    sim, net, evo = config.simulation, config.network, config.evolution
    # The notebook, shrunk, and the config describe the same run.
    assert (ns["N_CELLS"], ns["N_REPLICATES"], ns["N_STEPS"]) == (sim.n_cells, sim.n_replicates, sim.n_steps)
    assert (ns["DT"], ns["NOISE_STRENGTH"]) == (sim.dt, sim.noise_strength)
    assert tuple(ns["HIDDEN_DIMS"]) == net.hidden_dims and net.activation == "tanh"
    assert (ns["POPULATION_SIZE"], ns["N_GENERATIONS"]) == (evo.population_size, evo.n_generations)
    assert (ns["MUTATION_STD"], ns["ELITE_FRACTION"], ns["SOFT_BANDWIDTH"]) == (
        evo.mutation_std, evo.elite_fraction, evo.bandwidth)
    assert evo.fitness == "soft" and not evo.common_random_numbers and sim.boundary == "open"
    seed = ns["SEED"]

    flatten_params = ns["flatten_params"]
    evaluate_population, select_parents = ns["evaluate_population"], ns["select_parents"]
    mutate_population, init_params, model = ns["mutate_population"], ns["init_params"], ns["model"]
    pop_size, n_gen = ns["POPULATION_SIZE"], ns["N_GENERATIONS"]

    # The notebook's training loop, with the key schedule documented in fatenet/training.py.
    param_template = init_params(model, random.PRNGKey(0), (1,))
    n_parents = max(2, int(pop_size * ns["ELITE_FRACTION"]))
    assert n_parents == evo.n_parents
    key, sub = random.split(random.PRNGKey(seed))
    population = jnp.array([flatten_params(init_params(model, k, (1,))) for k in random.split(sub, pop_size)])
    best_hist, mean_hist, std_hist = [], [], []
    best_params, best_fitness = None, -jnp.inf
    for generation in range(n_gen):
        key, eval_key, mut_key = random.split(key, 3)
        fitnesses = evaluate_population(population, model, param_template, eval_key)
        gen_best = float(jnp.max(fitnesses))
        best_hist.append(gen_best)
        mean_hist.append(float(jnp.mean(fitnesses)))
        std_hist.append(float(jnp.std(fitnesses)))
        if gen_best > best_fitness:
            best_fitness = gen_best
            best_params = population[jnp.argmax(fitnesses)]
        if generation < n_gen - 1:
            parents = select_parents(population, fitnesses, n_parents)
            population = mutate_population(parents, pop_size, ns["MUTATION_STD"], mut_key)

    result = train(config, seed, progress=False)
    history = result.history
    assert len(history) == n_gen
    np.testing.assert_allclose(history["best_fitness"].to_numpy(), best_hist, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(history["mean_fitness"].to_numpy(), mean_hist, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(history["std_fitness"].to_numpy(), std_hist, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(history["best_ever_fitness"].to_numpy(), np.maximum.accumulate(best_hist),
                               rtol=1e-5, atol=1e-7)
    assert result.fitness == pytest.approx(best_fitness, rel=1e-5, abs=1e-7)
    np.testing.assert_allclose(result.params, np.asarray(best_params), rtol=1e-5, atol=1e-7)
