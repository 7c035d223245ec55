"""The seed notebook's settings (workflow/presets/seed.yaml) and a generation timer, shared by the benchmarks."""

from pathlib import Path

import yaml

SEED_PRESET = Path(__file__).resolve().parents[1] / "workflow" / "presets" / "seed.yaml"


def seed_config():
    """A ``fatenet.config.Config`` with the sections of the seed preset."""
    from fatenet.config import Config

    preset = yaml.safe_load(SEED_PRESET.read_text())
    return Config.from_dict({k: preset[k] for k in ("simulation", "network", "evolution")})


def seconds_per_generation(config, repeats: int) -> float:
    """Median wall time of one training generation of ``config`` (``fatenet.training.seconds_per_generation``)."""
    from fatenet.training import seconds_per_generation as measure

    return measure(config, repeats)
