"""Choosing the network a training run returns, honestly.

The best training score of a run is the maximum of many noisy estimates (each from
``simulation.n_replicates`` tissues), so it overrates its network, and on a fixed boundary
several networks tie at the bound. With ``evolution.final_choice: rescored`` (the default)
the run's final candidates are scored again on ``evolution.rescore_replicates`` fresh tissues
and the best of them is kept:

* the best network ever seen in training (the notebook's choice, listed first, so it wins ties),
* the optimiser's mean (CMA-ES, SNES, Open-ES) or current network (gradient), where it has one,
* the ``evolution.rescore_candidates`` fittest networks of the last generation.

Every candidate is scored by the hard utility (the quantity the study reports) on the same
tissues (common random numbers, so the comparison is not blurred by sampling), drawn from a
key of their own, ``fold_in(PRNGKey(seed), RESCORE_STREAM)``: disjoint from the training
keys and from the evaluation's fresh replicates. ``final_choice: best_ever`` keeps the
notebook's rule exactly.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .config import Config
from .fitness import FitnessSettings, make_population_fitness
from .neural_network import make_network

RESCORE_STREAM = 0x72657363  # "resc": keys the re-scoring apart from training and evaluation
SELECTION_COLUMNS = ("candidate", "train_fitness", "rescore_utility", "chosen")


class Choice(NamedTuple):
    params: np.ndarray  # (D,) the chosen network
    train_fitness: float  # its training score (NaN for a mean that training never scored)
    table: pd.DataFrame  # one row per candidate, SELECTION_COLUMNS


def final_candidates(best_params, best_fitness, population, fitness, mean, top_k: int):
    """(names, (K, D) params, (K,) training scores) of the candidates, duplicates dropped."""
    order = np.argsort(-np.asarray(fitness, np.float64), kind="stable")[:top_k]
    rows = [("best_ever", best_params, best_fitness)]
    if mean is not None:
        rows.append(("mean", mean, np.nan))
    rows += [(f"last_generation_{rank + 1}", population[i], fitness[i]) for rank, i in enumerate(order)]
    names, params, scores, seen = [], [], [], []
    for name, p, score in rows:
        p = np.asarray(p, np.float32)
        if any(np.array_equal(p, q) for q in seen):
            continue
        seen.append(p)
        names.append(name)
        params.append(p)
        scores.append(float(score))
    return names, np.stack(params), np.asarray(scores, np.float64)


def rescore(config: Config, candidates: np.ndarray, seed: int) -> np.ndarray:
    """Hard utility of every candidate (K, D) on the same ``rescore_replicates`` fresh tissues."""
    sim = dataclasses.replace(config.simulation, n_replicates=config.evolution.rescore_replicates)
    model = make_network(config.network)
    fn = jax.jit(make_population_fitness(model, sim, "hard"))
    key = jax.random.fold_in(jax.random.PRNGKey(int(seed)), RESCORE_STREAM)
    keys = jnp.broadcast_to(key, (len(candidates), *key.shape))
    result = fn(jnp.asarray(candidates, jnp.float32), keys, FitnessSettings.from_configs(sim, config.evolution))
    return np.asarray(result.fitness, np.float64)


def choose_final(config: Config, seed: int, best_params, best_fitness, population, fitness, mean) -> Choice:
    """The network a run returns (module doc), with the table of candidates and their scores."""
    if config.evolution.final_choice == "best_ever":
        table = pd.DataFrame({"candidate": ["best_ever"], "train_fitness": [float(best_fitness)],
                              "rescore_utility": [np.nan], "chosen": [True]})
        return Choice(np.asarray(best_params, np.float32), float(best_fitness), table)
    names, params, scores = final_candidates(best_params, best_fitness, population, fitness, mean,
                                             config.evolution.rescore_candidates)
    utilities = rescore(config, params, seed)
    # argmax returns the first maximum: the best-ever network wins a tie. -inf (invalid) never wins
    # unless every candidate is invalid.
    chosen = int(np.argmax(np.where(np.isnan(utilities), -np.inf, utilities)))
    table = pd.DataFrame({"candidate": names, "train_fitness": scores, "rescore_utility": utilities,
                          "chosen": np.arange(len(names)) == chosen})
    return Choice(params[chosen], float(scores[chosen]), table)
