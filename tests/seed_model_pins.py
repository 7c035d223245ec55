"""The seed model's pins: its fitness, S_rep and final states, stored once.

    .venv/bin/python tests/seed_model_pins.py --write    # only when a change is meant to move the seed's model

``tests/test_models.py::test_the_seeds_model_does_not_move`` computes, for every case in
``tests/data/seed_model_pins.json`` (the seed's model: inputs [sbar], nearest neighbours, clipped
states, uniform starts), a population's fitness and S_rep and six tissues' final states, and
compares them with the stored values: bit for bit where the CPU cannot matter, within
``MLP_STATE_TOLERANCE`` where it can.

What the CPU decides: XLA compiles for the CPU it runs on, and even with fatenet's instruction-set
pin (``fatenet.portability``) the MLP's final states differ in their last bits between x86-64 CPUs
with and without AVX-512 (18 and 9 of 42 numbers, by at most 1.5e-7: tanh's expansion and the
matrix products). The fitness values and S_rep (fates, then entropies of counts) and the
piecewise-linear f's states (selects, multiplies and adds) come out the same on both.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PINS = REPO / "tests" / "data" / "seed_model_pins.json"
MLP_STATE_TOLERANCE = 1e-6
"""How far an MLP's final state may move with the CPU kind (measured: at most 1.5e-7)."""


def values(config: dict) -> dict[str, list[float]]:
    """float32 values of a population's fitness and S_rep and of six tissues' final states."""
    import jax
    import numpy as np

    from fatenet.config import Config
    from fatenet.dynamics import simulate
    from fatenet.fitness import compiled_population_fitness
    from fatenet.problem import Problem

    problem = Problem.from_config(Config.from_dict(config))
    pop = problem.network.init_population(jax.random.PRNGKey(3), 4)
    res = compiled_population_fitness(problem, pop, jax.random.split(jax.random.PRNGKey(5), 4))
    final = simulate(problem, pop[0], jax.random.PRNGKey(7), 6)

    def floats(a):
        return [float(v) for v in np.asarray(a, np.float32).reshape(-1)]

    return {"fitness": floats(res.fitness), "s_rep": floats(res.s_rep), "final_states": floats(final)}


def load() -> dict:
    return json.loads(PINS.read_text())


def main(argv: list[str]) -> int:
    if argv != ["--write"]:
        print(__doc__, file=sys.stderr)
        return 2
    pins = load()
    pins["values"] = {name: values(config) for name, config in pins["cases"].items()}
    PINS.write_text(json.dumps(pins, indent=1) + "\n")
    print(f"wrote {PINS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
