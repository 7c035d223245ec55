"""Speed of fatenet's reaction-diffusion simulator against a Numba loop in the style of the authors' code.

    python benchmarks/rd_speed.py [--replicates 1000] [--numba-replicates 40] [--repeats 3] [--n-cells 8]

The model is the paper's third example at the settings of their simulation_RD.py (N = 8: 2 nodes per
cell, 12 sub-steps of each dt = 0.01 to T = 50, noise 0.05 sqrt(alpha P) per node; docs/reaction-diffusion.md).
Both sides are timed in this one process, each the median of ``--repeats`` calls after one warm-up call
(which compiles):

(a) Numba (``rd_reference.numba_loop``, written here, none of the authors' code): a Python-level loop over
    tissues calls an ``@njit`` function that simulates ONE tissue with loops over sub-steps and nodes
    (float64, Numba's RNG), as their ``func_sim_ensemble`` does; it keeps only the end state (theirs also
    stores the trajectory), which if anything favours it;
(b) fatenet: ``fatenet.dynamics.simulate`` (jitted, every tissue at once, float32, JAX's default backend).

Prints tissues per second of both and their ratio (how many times faster fatenet is); the last line is
one JSON object. Without numba installed it says so and reports fatenet alone.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rd_reference  # noqa: E402


def median_seconds(call, repeats: int) -> float:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=1000, help="fatenet's tissues per call")
    parser.add_argument("--numba-replicates", type=int, default=40, help="the Numba loop's tissues per call")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-cells", type=int, default=8)
    args = parser.parse_args(argv)

    import jax
    import jax.numpy as jnp

    from fatenet.config import Config
    from fatenet.dynamics import simulate
    from fatenet.problem import Problem

    config = Config.from_dict({
        "simulation": {"model": "reaction_diffusion", "n_cells": args.n_cells, "dt": 0.01, "t_final": 50.0,
                       "noise_strength": 0.05, "state_bounds": "reflect", "ic_mean": 0.05, "ic_spread": 0.05},
        "network": {"architecture": "hill"}, "fates": {"thresholds": [0.02, 0.05]},
        "evolution": {"strategy": "none", "restarts": 1, "initial_screen": 0}})
    problem = Problem.from_config(config)
    flat = jnp.asarray(problem.network.start)
    run = jax.jit(lambda key: simulate(problem, flat, key, args.replicates))
    fatenet_s = median_seconds(lambda: run(jax.random.PRNGKey(0)).block_until_ready(), args.repeats)
    out = {"n_cells": args.n_cells, "fatenet_tissues_per_s": args.replicates / fatenet_s,
           "backend": jax.default_backend(), "machine": platform.processor() or platform.machine()}
    print(f"fatenet: {args.replicates} tissues in {fatenet_s:.2f} s, {out['fatenet_tissues_per_s']:.1f} tissues/s "
          f"({jax.default_backend()})")
    try:
        one = rd_reference.numba_loop()
    except ImportError:
        print("numba is not installed: the Numba side is not timed")
        print(json.dumps(out))
        return 0
    g, p = rd_reference.geometry(args.n_cells), rd_reference.PAPER
    steps = int(round(p["t_final"] / p["dt"]))

    def numba_call():
        for _ in range(args.numba_replicates):
            one(args.n_cells, g["ox"], g["substeps"], steps, g["dx"], g["d_a"], g["d_b"], p["alpha_a"], p["alpha_b"],
                p["kappa_a"], p["kappa_b"], p["hill"], p["sigma"], p["sigma_ic"])

    numba_s = median_seconds(numba_call, args.repeats)
    out["numba_tissues_per_s"] = args.numba_replicates / numba_s
    out["ratio"] = out["fatenet_tissues_per_s"] / out["numba_tissues_per_s"]
    print(f"numba, one tissue at a time: {args.numba_replicates} tissues in {numba_s:.2f} s, "
          f"{out['numba_tissues_per_s']:.1f} tissues/s")
    print(f"fatenet / numba: {out['ratio']:.1f}x")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
