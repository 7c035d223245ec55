"""Shared engine-test helpers: tiny configurations and the path of the user's seed notebook."""

from __future__ import annotations

from pathlib import Path

from fatenet.config import Config

REPO = Path(__file__).resolve().parents[1]
SEED_NOTEBOOK = REPO.parent / "shared" / "seed" / "training-the-regulatory-network.md"


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
