"""What a run costs, from its settings alone: peak memory and time of its train and evaluate jobs.

Memory: a job's peak is the process's fixed part (Python, JAX, XLA, the plotting stack:
``BASE_MB``) plus the largest batch of tissue states one of its compiled programs holds at once,
in float32 elements times ``bytes per element`` (every state comes with its normals, its
random bits, the neighbour average and the drift, and an MLP's hidden activations: ``_bytes``):

    training    restarts x population x replicates x cells        (one generation, all restarts vmapped)
                min(SCREEN_CHUNK, restarts x initial_screen) x replicates x cells   (the screen)
                candidates x rescore_replicates x cells            (the final choice; the focus likewise)
                shifts x choice_shift_replicates x cells           (the moves along sbar: 2 choice_shifts + 1)
                finalists x choice_confirm_replicates x cells      (the choice made again: choice_confirm + 1)
    evaluation  n_replicates x cells  and  the kymograph's (steps + 1) x 4 x cells

Time: the cell-steps a job integrates (each tissue's cells times its Euler-Maruyama steps, a
dt / k step counted k times), divided by this machine's rate (``calibrate``: one timed
generation per architecture, kept in ``rate_file()``; without it ``DEFAULT_RATE``), plus a
fixed start-up (imports, compiling).

Both were fitted on a 2-core AMD EPYC VM (docs/clusters.md, "How big a study fits", with the
table of estimates against measured peak RSS and wall time); ``Study`` refuses a run whose
estimated peak exceeds the memory allowed (study key ``max_memory_mb``, 0: this machine's) and
the rules ask SLURM for ``mem_mb`` and ``runtime`` from these estimates.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import Config
from .constants import (
    DT_CHECK_MAX_REPLICATES,
    DT_REFINEMENTS,
    KYMOGRAPH_REPLICATES,
    RD_DT_CHECK_REPLICATES,
    SCORE_GRID_POINTS,
    SCREEN_CHUNK,
    TIME_STEP_CHOICES,
)

BASE_MB = {"train": 750.0, "evaluate": 650.0}
"""The fixed part of a job's peak RSS (MB): the interpreter and its libraries, before any tissue."""
STATE_BYTES = 8.0
"""Bytes per tissue-state element held by a piecewise-linear f's simulation (state, normals,
bits, neighbour average, drift, clip masks: fitted)."""
HIDDEN_BYTES = 8.0
"""Extra bytes per element and hidden unit of an MLP f (its activations, forward)."""
STARTUP_S = {"train": 20.0, "evaluate": 15.0, "evaluate mlp": 25.0}
"""Seconds a job spends before and around its simulations (imports, tracing, compiling, files);
an MLP's evaluation compiles six larger programs."""
DEFAULT_RATE = {"mlp": 1.5e8, "piecewise_linear": 4.0e8, "lateral_inhibition": 3.5e8, "mlp (s, sbar)": 1.3e8,
                "piecewise_linear (s, sbar)": 1.2e8, "reaction_diffusion": 3.5e8}
"""Cell-steps per second on a 2-core AMD EPYC VM (one job per core), by ``rate_key``, used
until ``fatenet cost --calibrate`` has measured this machine (the f(s, sbar) rates: one
generation each, 8 cells, reflect, 9 x 9 knots, measured beside the 17-knot f(sbar)); the
reaction_diffusion model's in node-steps of each species (its "cells": ``per_tissue``), measured
at the paper's N = 8 (186 tissues of 16 nodes x 2 species x 60,000 sub-steps per second)."""


def rate_key(network) -> str:
    """The ``DEFAULT_RATE`` entry of a network: its architecture, marked ``(s, sbar)`` for an mlp or
    piecewise_linear f of two inputs (lateral_inhibition always has two)."""
    if network.architecture != "lateral_inhibition" and network.inputs == ("s", "sbar"):
        return f"{network.architecture} (s, sbar)"
    return network.architecture
MARGIN = {"mem": 1.5, "time": 2.0}
"""What a job asks the scheduler for, over the estimate."""


@dataclass(frozen=True)
class Cost:
    """One run's estimate: peak MB and seconds of its train and evaluate jobs, and what drives them."""

    train_mb: float
    evaluate_mb: float
    train_cell_steps: float
    evaluate_cell_steps: float
    train_s: float
    evaluate_s: float
    train_driver: str  # the batch behind the training peak, e.g. "restarts x population x replicates x cells"
    evaluate_driver: str

    @property
    def peak_mb(self) -> float:
        return max(self.train_mb, self.evaluate_mb)

    def request(self, job: str) -> tuple[int, int]:
        """(mem_mb, runtime in minutes) a ``job`` ("train" or "evaluate") asks the scheduler for."""
        mb = self.train_mb if job == "train" else self.evaluate_mb
        seconds = self.train_s if job == "train" else self.evaluate_s
        return int(mb * MARGIN["mem"] + 256), max(10, int(seconds * MARGIN["time"] / 60) + 1)

    def to_dict(self) -> dict:
        return asdict(self) | {"peak_mb": self.peak_mb}


def _bytes(config: Config) -> float:
    net = config.network
    hidden = sum(net.hidden_dims) if net.architecture == "mlp" else 0
    return STATE_BYTES + HIDDEN_BYTES * hidden


def _candidates(config: Config) -> int:
    """The final candidates re-scored: each kept restart's best and mean, the last generation's best and
    the focus's best (``focus_candidates``, where they act)."""
    evo = config.evolution
    kept = evo.keep_restarts if evo.explore_generations else evo.restarts
    return 2 * kept + evo.rescore_candidates + config.focus_candidates


def _finalists(config: Config) -> int:
    """The candidates the final choice makes again among: the choice_confirm best and the move along sbar."""
    return config.evolution.choice_confirm + int(config.moves_choice)


def _time_step_factors(config: Config) -> tuple[int, ...]:
    """The time steps the final choice (and the focus) re-score at: dt, dt / 4, dt / 16, or dt alone."""
    return (1, *DT_REFINEMENTS) if config.evolution.final_choice in TIME_STEP_CHOICES else (1,)


def training_batches(config: Config) -> dict[str, float]:
    """The tissue-state batches (elements) of the training job's programs, by what drives them."""
    sim, evo = config.simulation, config.evolution
    cells = _state_elements(config)
    batches = {"restarts x population x replicates x cells": evo.restarts * evo.population_size * sim.n_replicates
               * cells}
    if evo.strategy == "gradient":  # the score's grid of df/dθ weights beside the states
        batches["restarts x population x replicates x cells"] *= 1 + SCORE_GRID_POINTS / cells
    if evo.initial_screen:
        batches["initial_screen x replicates x cells"] = min(SCREEN_CHUNK, evo.restarts * evo.initial_screen) \
            * sim.n_replicates * cells
    batches["candidates x rescore_replicates x cells"] = _candidates(config) * evo.rescore_replicates * cells
    if config.moves_choice:
        batches["shifts x choice_shift_replicates x cells"] = (2 * evo.choice_shifts + 1) \
            * evo.choice_shift_replicates * cells
    if config.confirms_choice:
        batches["finalists x choice_confirm_replicates x cells"] = _finalists(config) * evo.choice_confirm_replicates \
            * cells
    n_params = config.network.n_params
    batches["restarts x population x n_params (the networks)"] = evo.restarts * evo.population_size * n_params
    if evo.strategy == "cma_es":  # each restart's covariance, its eigenvectors and a product of them
        batches["restarts x n_params^2 (CMA-ES covariance)"] = 3 * evo.restarts * n_params**2
    if evo.explore_generations:
        focus = evo.focus_replicates or evo.rescore_replicates
        batches["restarts x focus_replicates x cells"] = 2 * evo.restarts * focus * cells
    return batches


def evaluation_batches(config: Config) -> dict[str, float]:
    sim, ev = config.simulation, config.evaluation
    return {"n_replicates x cells": ev.n_replicates * sim.n_cells,
            "n_steps x cells (kymograph)": (sim.n_steps + 1) * KYMOGRAPH_REPLICATES * sim.n_cells}


def _state_elements(config: Config) -> int:
    """Numbers a tissue's state holds: its cells, or the reaction_diffusion model's species x nodes."""
    sim = config.simulation
    if sim.model != "reaction_diffusion":
        return sim.n_cells
    layout = config.grid()
    return 2 * sim.n_cells * layout.nodes_per_cell


def per_tissue(config: Config) -> float:
    """The work of one tissue: cells x steps, or for the reaction_diffusion model species x nodes x sub-steps."""
    sim = config.simulation
    if sim.model != "reaction_diffusion":
        return float(sim.n_cells * sim.n_steps)
    layout = config.grid()
    return float(2 * sim.n_cells * layout.nodes_per_cell * sim.n_steps * layout.substeps)


def training_cell_steps(config: Config) -> float:
    sim, evo = config.simulation, config.evolution
    per_tissue_ = per_tissue(config)
    explore = evo.explore_generations
    later = evo.keep_restarts if explore else evo.restarts
    generations = (explore * evo.restarts * 1 + (evo.n_generations - explore) * later * sum(evo.fitness_dt_factors))
    total = generations * evo.population_size * sim.n_replicates * per_tissue_
    total += evo.restarts * evo.initial_screen * sim.n_replicates * per_tissue_
    factors = sum(_time_step_factors(config))
    if explore:
        total += 2 * evo.restarts * (evo.focus_replicates or evo.rescore_replicates) * per_tissue_ * factors
    if evo.final_choice != "best_ever":  # the notebook's rule re-scores nothing
        total += _candidates(config) * evo.rescore_replicates * per_tissue_ * factors
    if config.moves_choice:  # the winner and its 2 K moves at dt (and dt / 4), then the best move at every step
        total += ((2 * evo.choice_shifts + 1) * evo.choice_shift_replicates * sum(_time_step_factors(config)[:2])
                  + evo.rescore_replicates * factors) * per_tissue_
    if config.confirms_choice:  # the finalists on tissues of their own at every step
        total += _finalists(config) * evo.choice_confirm_replicates * per_tissue_ * factors
    return float(total)


def evaluation_cell_steps(config: Config) -> float:
    sim, n_rep = config.simulation, config.evaluation.n_replicates
    finest = max(DT_REFINEMENTS)
    if sim.model == "reaction_diffusion":  # both networks at dt, the check's tissues at three steps
        return float(2 * n_rep * per_tissue(config) + RD_DT_CHECK_REPLICATES * per_tissue(config) * finest * 3)
    per_tissue_ = per_tissue(config)
    checked = min(n_rep, DT_CHECK_MAX_REPLICATES)
    # counted in normals drawn (most of a step's cost): the trained network's path resolved at
    # dt / 16 (16 a step) and the random one's (1); each time-step check draws the same 16 a step
    return float(n_rep * per_tissue_ * (finest + 1) + checked * per_tissue_ * finest * len(DT_REFINEMENTS)
                 + 2 * KYMOGRAPH_REPLICATES * per_tissue_ * finest)


def rate_file() -> Path:
    """Where ``calibrate`` keeps this machine's rates: $FATENET_COST_FILE, else ~/.cache/fatenet/cost.json."""
    if os.environ.get("FATENET_COST_FILE"):
        return Path(os.environ["FATENET_COST_FILE"])
    return Path.home() / ".cache" / "fatenet" / "cost.json"


def rates() -> dict[str, float]:
    """Cell-steps per second by architecture: this machine's (``calibrate``), else ``DEFAULT_RATE``."""
    try:
        measured = json.loads(rate_file().read_text())
        if measured.get("machine") == platform.node():
            return {**DEFAULT_RATE, **{k: float(v) for k, v in measured["rates"].items()}}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return dict(DEFAULT_RATE)


def estimate(config: Config, rate: dict[str, float] | None = None, seeds: int = 1) -> Cost:
    """The cost of one run of ``config`` (module doc); with ``seeds`` > 1, of a train job that
    trains that many seeds in one program (``train_seeds``), whose batches and steps are as many times."""
    per_element = _bytes(config)
    train = {name: size * seeds for name, size in training_batches(config).items()}
    evaluation = evaluation_batches(config)
    train_driver = max(train, key=train.get)
    evaluate_driver = max(evaluation, key=evaluation.get)
    speed = (rate or rates())["reaction_diffusion" if config.simulation.model == "reaction_diffusion"
                              else rate_key(config.network)]
    train_steps, evaluate_steps = seeds * training_cell_steps(config), evaluation_cell_steps(config)
    return Cost(train_mb=BASE_MB["train"] + train[train_driver] * per_element / 2**20,
                evaluate_mb=BASE_MB["evaluate"] + evaluation[evaluate_driver] * per_element / 2**20,
                train_cell_steps=train_steps, evaluate_cell_steps=evaluate_steps,
                train_s=STARTUP_S["train"] + train_steps / speed,
                evaluate_s=STARTUP_S["evaluate mlp" if config.network.architecture == "mlp" else "evaluate"]
                + evaluate_steps / speed,
                train_driver=train_driver, evaluate_driver=evaluate_driver)


def driving_keys(driver: str, config: Config | None = None) -> list[str]:
    """The settings behind a batch named like ``restarts x population x replicates x cells``."""
    network = "network.hidden_dims" if config is not None and config.network.architecture == "mlp" \
        else "network.n_knots"
    names = {"restarts": "evolution.restarts", "population": "evolution.population_size",
             "replicates": "simulation.n_replicates", "cells": "simulation.n_cells",
             "initial_screen": "evolution.initial_screen", "candidates": "evolution.rescore_candidates",
             "rescore_replicates": "evolution.rescore_replicates", "focus_replicates": "evolution.focus_replicates",
             "shifts": "evolution.choice_shifts", "choice_shift_replicates": "evolution.choice_shift_replicates",
             "finalists": "evolution.choice_confirm",
             "choice_confirm_replicates": "evolution.choice_confirm_replicates",
             "n_replicates": "evaluation.n_replicates", "n_steps": "simulation.t_final / simulation.dt",
             "n_params": network, "n_params^2": network}
    return [names[word] for word in driver.split(" (")[0].split(" x ") if word in names]


def machine_memory_mb() -> float:
    """This machine's physical memory in MB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


def calibration_config(key: str) -> Config:
    """The mid-size run whose generation ``calibrate`` times for the ``DEFAULT_RATE`` entry ``key``."""
    architecture = key.split()[0]
    inputs = ["s", "sbar"] if architecture == "lateral_inhibition" or "(s, sbar)" in key else ["sbar"]
    return Config.from_dict({"simulation": {"n_replicates": 64},
                             "network": {"architecture": architecture, "inputs": inputs,
                                         "n_knots": 9 if len(inputs) == 2 else 17},
                             "evolution": {"population_size": 12, "strategy": "cma_es"}})


def calibrate(seconds_per_generation, repeats: int = 3) -> dict[str, float]:
    """Measure this machine's cell-steps per second for each architecture (one generation of
    ``calibration_config``, median of ``repeats`` after a compiling one, timed by
    ``seconds_per_generation(config, repeats)``: ``training.seconds_per_generation``) and keep
    them in ``rate_file()``."""
    measured = {}
    for key in DEFAULT_RATE:
        config = calibration_config(key)
        sim = config.simulation
        cell_steps = config.evolution.population_size * sim.n_replicates * sim.n_cells * sim.n_steps
        measured[key] = cell_steps / seconds_per_generation(config, repeats)
    path = rate_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": platform.node(), "rates": measured}, indent=1) + "\n")
    return measured
