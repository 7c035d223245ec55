"""Are the bits the same on another CPU? A small CMA-ES run's fingerprint under several settings.

    .venv/bin/python benchmarks/portability.py              # this machine, four instruction-set settings
    .venv/bin/python benchmarks/portability.py --emulate    # also emulated CPUs (apt install qemu-user)

The probe (``--probe``, run in a fresh process per setting) trains a 9-knot piecewise-linear f with
CMA-ES for 4 generations (simulation, hard utility, CMA-ES's eigendecomposition in OpenBLAS) and
prints a hash of the returned parameters and the history. The settings:

* ``pinned``: fatenet's default (``fatenet.portability``: XLA may use up to AVX2 + FMA, OpenBLAS
  Haswell kernels);
* ``unpinned``: ``FATENET_PORTABLE=0`` (XLA uses everything this CPU offers);
* ``AVX``, ``SSE4_2``: ``XLA_FLAGS=--xla_cpu_max_isa=...`` (no FMA, narrower vectors);
* with ``--emulate``, the pinned run under ``qemu-x86_64 -cpu MODEL``: an Intel Haswell (AVX2 +
  FMA, another vendor than this project's AMD machines), an AMD EPYC Rome, and an Intel Sandy Bridge
  (AVX only, no FMA). qemu runs the same Python and jax with the CPU features it reports, so XLA
  compiles for that CPU; a probe takes 3 to 6 minutes there.

Prints one line per setting: its name, the fingerprint, and the seconds the probe took.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

EMULATED = ("Haswell-v4", "EPYC-Rome", "SandyBridge-v2")


def probe() -> str:
    import fatenet  # noqa: F401  (the pin acts at import, before jax computes)
    from fatenet.config import Config
    from fatenet.training import train

    config = Config.from_dict({
        "simulation": {"n_replicates": 8, "t_final": 0.3},
        "network": {"architecture": "piecewise_linear", "n_knots": 9, "max_rate": 1.0},
        "evolution": {"strategy": "cma_es", "population_size": 6, "n_generations": 4, "fitness": "hard",
                      "final_choice": "best_ever", "initial_std": 1.0}})
    result = train(config, 1, progress=False)
    return hashlib.sha256(result.params.tobytes() + result.history.to_numpy().tobytes()).hexdigest()[:16]


def settings(emulate: bool) -> list[tuple[str, list[str], dict[str, str]]]:
    me = [sys.executable, str(Path(__file__).resolve()), "--probe"]
    clean = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "OPENBLAS_CORETYPE", "FATENET_PORTABLE")}
    out = [("pinned (default)", me, clean), ("unpinned", me, clean | {"FATENET_PORTABLE": "0"})]
    out += [(f"XLA max ISA {isa}", me, clean | {"XLA_FLAGS": f"--xla_cpu_max_isa={isa}"}) for isa in ("AVX", "SSE4_2")]
    if emulate:
        qemu = shutil.which("qemu-x86_64")
        if qemu is None:
            raise SystemExit("--emulate needs qemu-x86_64 (Debian: apt install qemu-user)")
        out += [(f"pinned, emulated {model}", [qemu, "-cpu", model, *me], clean) for model in EMULATED]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--emulate", action="store_true", help="also run under qemu-x86_64 with other CPU models")
    args = parser.parse_args()
    if args.probe:
        print(probe())
        return 0
    for name, command, env in settings(args.emulate):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        fingerprint = done.stdout.strip().splitlines()[-1] if done.returncode == 0 else f"failed: {done.stderr[-200:]}"
        print(f"{name:<34} {fingerprint:<18} {time.perf_counter() - start:6.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
