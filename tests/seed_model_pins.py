"""The seed model's pins: bits of its fitness and final states as the code before the paper's models computed them.

    .venv/bin/python tests/seed_model_pins.py [--commit fc6062b]

``tests/test_models.py::test_the_seeds_model_does_not_move`` computes, for every case in
``tests/data/seed_model_pins.json`` (the seed's model: inputs [sbar], nearest neighbours, clipped states,
uniform starts), the float32 bits of a population's fitness and S_rep and of six tissues' final
states, and asserts that they equal, bit for bit, the values that ``--commit`` (the last commit
before the paper's models, by default) computes on the same kind of machine.

Why per machine: XLA compiles for the CPU it runs on, and even with fatenet's instruction-set
pin (``fatenet.portability``) the MLP's final states differ in their last bits between an AMD
EPYC with AVX-512 and one without (18 and 9 of 42 numbers, by at most 1.5e-7; the fitness
values and the piecewise-linear f's states agree). So the file keeps one set of values per machine kind it was made on, each
computed by the old code itself, and the test accepts the current code's bits where they equal
one of them. On a new kind of machine, run this script once: it exports ``--commit``'s ``src/``
with ``git archive``, computes the values with that code in a subprocess and adds them to the file
(a machine already there is replaced).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PINS = REPO / "tests" / "data" / "seed_model_pins.json"
BEFORE_THE_PAPERS_MODELS = "fc6062b"
"""The last commit before f(s, sbar), couplings, reflection and fates came (issue 18)."""


def machine() -> dict:
    """What decides the bits: the architecture, the CPU's name and whether it has AVX-512."""
    from fatenet.portability import cpu_flags

    name = ""
    try:
        with open("/proc/cpuinfo") as info:
            name = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    flags = cpu_flags() or set()
    return {"machine": platform.machine(), "cpu": name, "avx512f": "avx512f" in flags}


def values(config: dict) -> dict[str, list[int]]:
    """float32 bits of the population's fitness and S_rep and of six tissues' final states.

    Written against both the current engine and the one before the paper's models (whose
    ``make_network`` took no fates and whose f was ``f(sbar)``).
    """
    import jax
    import numpy as np

    from fatenet.config import Config
    from fatenet.dynamics import simulate
    from fatenet.fitness import population_fitness
    from fatenet.neural_network import make_network

    cfg = Config.from_dict(config)
    model = make_network(cfg.network, cfg.fates) if hasattr(cfg, "fates") else make_network(cfg.network)
    pop = model.init_population(jax.random.PRNGKey(3), 4)
    res = population_fitness(model, cfg.simulation, cfg.evolution, pop, jax.random.split(jax.random.PRNGKey(5), 4))
    params = model.unflatten(pop[0])
    sim = cfg.simulation
    final = simulate(lambda sbar, s=None: model.apply(params, sbar), jax.random.PRNGKey(7), sim.n_cells, 6,
                     sim.n_steps, sim.dt, sim.noise_strength, sim.boundary, sim.ic_mean, sim.ic_spread)

    def bits(a):
        return np.asarray(a, np.float32).view(np.uint32).reshape(-1).tolist()

    return {"fitness": bits(res.fitness), "s_rep": bits(res.s_rep), "final_states": bits(final)}


def load() -> dict:
    return json.loads(PINS.read_text())


def _compute_all() -> None:
    """(In the subprocess, with the old code first on sys.path.) Print every case's values as JSON."""
    import fatenet

    print(json.dumps({"fatenet": fatenet.__file__,
                      "values": {name: values(config) for name, config in load()["cases"].items()}}))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default=BEFORE_THE_PAPERS_MODELS, help="the code that computes the pins")
    parser.add_argument("--compute", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.compute:
        _compute_all()
        return 0
    with tempfile.TemporaryDirectory(prefix="fatenet-pins-") as tmp:
        archive = Path(tmp) / "src.tar"
        subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), args.commit, "src"], cwd=REPO,
                       check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        env = dict(os.environ, PYTHONPATH=str(Path(tmp) / "src"))
        done = subprocess.run([sys.executable, __file__, "--compute"], cwd=tmp, env=env, capture_output=True,
                              text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if not result["fatenet"].startswith(tmp):
            sys.exit(f"the old code was not the one imported ({result['fatenet']})")
    pins, here = load(), machine()
    entry = {**here, "commit": args.commit, "values": result["values"]}
    pins["machines"] = [m for m in pins["machines"] if {k: m[k] for k in here} != here] + [entry]
    tmp_file = PINS.with_suffix(".json.tmp")
    tmp_file.write_text(json.dumps(pins, indent=1) + "\n")
    tmp_file.replace(PINS)
    print(f"{PINS.relative_to(REPO)}: values of {args.commit} on {here}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
