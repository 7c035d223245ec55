"""Shared engine-test helpers: tiny configurations and the path of the user's seed notebook."""

from __future__ import annotations

import math
from pathlib import Path

from fatenet.config import Config

REPO = Path(__file__).resolve().parents[1]
SEED_NOTEBOOK = REPO.parent / "shared" / "seed" / "training-the-regulatory-network.md"
TINY_RUNS = [f"noise_strength~{noise}/seed~{seed}" for noise in ("0.05", "0.1") for seed in (1, 2)]
"""The run ids of the tiny study (workflow/presets/tiny.yaml over config.yaml), in run-table order."""


def h2(p: float) -> float:
    """The binary entropy in bits, by hand: -p log2 p - (1 - p) log2 (1 - p)."""
    return 0.0 if p <= 0 or p >= 1 else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def tiny_config(**sections) -> Config:
    """A seconds-fast configuration: 6 individuals, 8 replicates, 50 steps, 3 generations."""
    data = {
        "simulation": {"n_replicates": 8, "t_final": 0.5},
        "evolution": {"population_size": 6, "n_generations": 3, "log_every": 1},
        "evaluation": {"n_replicates": 64, "n_shown": 10},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Config.from_dict(data)
