"""The seed notebook's settings (workflow/presets/seed.yaml) and a generation timer, shared by the benchmarks."""

import statistics
import time
from pathlib import Path

import yaml

SEED_PRESET = Path(__file__).resolve().parents[1] / "workflow" / "presets" / "seed.yaml"


def seed_config():
    """A ``fatenet.config.Config`` with the sections of the seed preset."""
    from fatenet.config import Config

    preset = yaml.safe_load(SEED_PRESET.read_text())
    return Config.from_dict({k: preset[k] for k in ("simulation", "network", "evolution")})


def seconds_per_generation(config, repeats: int) -> float:
    """Median wall time of one training generation of ``config`` over ``repeats`` calls, after
    a first call that compiles."""
    import jax

    from fatenet.training import make_generation_step

    init, step, *_ = make_generation_step(config)
    state, out = step(init([0]))  # warm-up: compiles
    jax.block_until_ready((state, out))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        state, out = step(state)
        jax.block_until_ready((state, out))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
