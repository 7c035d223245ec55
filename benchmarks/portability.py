"""Are the bits the same on another CPU, and what does the instruction-set pin cost?

    .venv/bin/python benchmarks/portability.py              # this machine, four instruction-set settings
    .venv/bin/python benchmarks/portability.py --emulate    # also emulated CPUs (apt install qemu-user)
    .venv/bin/python benchmarks/portability.py --cost       # seconds per generation, pinned against unpinned

The probe (``--probe``, run in a fresh process per setting) trains a 9-knot piecewise-linear f for
4 generations with each of CMA-ES (whose covariance update runs linear algebra), SNES and the
(mu + lambda)-ES, and prints per strategy a hash of the returned parameters and one of the
training history. The settings:

* ``pinned``: fatenet's default (``fatenet.portability``: XLA may use up to AVX2 + FMA, OpenBLAS
  Haswell kernels);
* ``unpinned``: ``FATENET_PORTABLE=0`` (XLA uses everything this CPU offers);
* ``AVX``, ``SSE4_2``: ``XLA_FLAGS=--xla_cpu_max_isa=...`` (no FMA, narrower vectors);
* with ``--emulate``, the pinned probe under ``qemu-x86_64 -cpu MODEL``: an Intel Haswell (AVX2 +
  FMA) and an AMD EPYC Rome (AVX2 + FMA). qemu runs the same Python and jax with the CPU
  features it reports, so XLA compiles for that CPU; a probe takes 3 to 15 minutes there.

``--cost`` times one generation of the default study (config.yaml) pinned and unpinned, in
fresh processes taking turns, and prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

EMULATED = ("Haswell-v4", "EPYC-Rome")
STRATEGIES = ("cma_es", "snes", "mu_plus_lambda")
REPO = Path(__file__).resolve().parents[1]


def probe() -> str:
    import fatenet  # noqa: F401  (the pin acts at import, before jax computes)
    from fatenet.config import Config
    from fatenet.training import train

    def short(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()[:10]

    parts = []
    for strategy in STRATEGIES:
        config = Config.from_dict({
            "simulation": {"n_replicates": 8, "t_final": 0.3},
            "network": {"architecture": "piecewise_linear", "n_knots": 9, "max_rate": 1.0},
            "evolution": {"strategy": strategy, "population_size": 6, "n_generations": 4, "fitness": "hard",
                          "final_choice": "best_ever", "initial_std": 1.0}})
        result = train(config, 1, progress=False)
        history = result.history[["best_fitness", "best_ever_fitness"]].to_numpy()
        parts.append(f"{strategy} {short(result.params.tobytes())} {short(history.tobytes())}")
    return "  ".join(parts)


def time_generation() -> float:
    import yaml

    import fatenet  # noqa: F401  (the pin, before jax computes)
    from fatenet.config import Config

    sys.path.insert(0, str(REPO / "benchmarks"))
    from seed_settings import seconds_per_generation

    study = yaml.safe_load((REPO / "config.yaml").read_text())
    config = Config.from_dict({k: study[k] for k in ("simulation", "network", "evolution")})
    return seconds_per_generation(config.replace({"evolution.restarts": 1, "evolution.explore_generations": 0,
                                                  "evolution.initial_screen": 0, "evolution.start_from": "fittest"}),
                                  5)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "OPENBLAS_CORETYPE", "FATENET_PORTABLE")}


def settings(emulate: bool) -> list[tuple[str, list[str], dict[str, str]]]:
    me = [sys.executable, str(Path(__file__).resolve()), "--probe"]
    clean = _clean_env()
    out = [("pinned (default)", me, clean), ("unpinned", me, clean | {"FATENET_PORTABLE": "0"})]
    out += [(f"XLA max ISA {isa}", me, clean | {"XLA_FLAGS": f"--xla_cpu_max_isa={isa}"}) for isa in ("AVX", "SSE4_2")]
    if emulate:
        qemu = shutil.which("qemu-x86_64")
        if qemu is None:
            raise SystemExit("--emulate needs qemu-x86_64 (Debian: apt install qemu-user)")
        out += [(f"pinned, emulated {model}", [qemu, "-cpu", model, *me], clean) for model in EMULATED]
    return out


def cost(rounds: int = 3) -> dict:
    me = [sys.executable, str(Path(__file__).resolve()), "--time"]
    clean = _clean_env()
    times: dict[str, list[float]] = {"pinned": [], "unpinned": []}
    for _ in range(rounds):
        for name, env in (("pinned", clean), ("unpinned", clean | {"FATENET_PORTABLE": "0"})):
            done = subprocess.run(me, env=env, capture_output=True, text=True, check=True)
            times[name].append(float(done.stdout.strip().splitlines()[-1]))
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {"s_per_gen": times, "median_pinned": medians["pinned"], "median_unpinned": medians["unpinned"],
            "pinned_over_unpinned": medians["pinned"] / medians["unpinned"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--time", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--emulate", action="store_true", help="also run under qemu-x86_64 with other CPU models")
    parser.add_argument("--cost", action="store_true", help="time a generation of the default study, pinned or not")
    args = parser.parse_args()
    if args.probe:
        print(probe())
        return 0
    if args.time:
        print(time_generation())
        return 0
    if args.cost:
        print(json.dumps(cost()))
        return 0
    for name, command, env in settings(args.emulate):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        fingerprint = done.stdout.strip().splitlines()[-1] if done.returncode == 0 else f"failed: {done.stderr[-200:]}"
        print(f"{name:<32} {fingerprint}  ({time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
