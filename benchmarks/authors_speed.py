"""Speed of fatenet's simulator against a Numba loop in the style of the authors' code.

    python benchmarks/authors_speed.py [--replicates 4000] [--numba-replicates 400] [--repeats 5] \
        [--out benchmarks/authors_speed.json]

The model is the paper's lateral inhibition (Brückner & Tkačik, PNAS 2024) at the settings of
their simulation_LIS.py: N = 8 cells on an open chain, nearest-neighbour coupling weighted by the
sender (C = A / A.sum(axis=0)), h_s = 4, h_g = 2, noise 0.1, g(0) = |N(0, 0.1^2)|, Euler-Maruyama
with dt = 0.01 for 2000 steps and reflection at 0:

    g_i <- | g_i + (sigmoid(2 (h_g g_i - h_s gbar_i)) - g_i) dt + noise sqrt(dt) xi_i |,  gbar = C @ g

Both sides are timed in this one process, each as the median of ``--repeats`` calls after one
warm-up call (which compiles):

(a) Numba, written here from scratch (none of the authors' code) in their style: a Python-level
    loop over replicates calls an ``@njit`` function that simulates ONE tissue, stepping time with
    a loop and one ``np.dot(C, g)`` per step on arrays of the tissue's cells (float64, Numba's own
    RNG seeded once per run). It keeps only the final state, where the authors' code also stores
    the trajectory, so if anything this favours Numba. ``--numba-replicates`` (default:
    ``--replicates``) runs fewer tissues, since its cost is linear in them;
(a') the same tissue as a scalar loop over cells inside the time loop (no arrays made per step:
    the fastest one-tissue-at-a-time Numba loop; the sender weights written out);
(b) fatenet: ``fatenet.evaluation.simulate_patterns`` (jitted, all replicates at once, float32,
    on JAX's default backend), with ``block_until_ready``.

Prints seconds per tissue-step (one time step of one tissue of N cells) for both, their ratio
numba / fatenet (how many times faster fatenet is), and the information utility U at fate
threshold 0.5 (U = H2(mean fate) - H(pattern distribution) / N, bits per cell; numpy here for the
Numba side, ``fatenet.utility_function.information_decomposition`` for fatenet), so the reader
sees both simulate the same model: at 4000 replicates each they agree within about 0.02 and U is
about 0.77 (benchmarks/authors_reference: 0.775 from the authors' own code). With fewer Numba
replicates its plug-in U is biased upwards. The last line is one JSON object (also written to
``--out``). Without numba installed it says so and reports the fatenet side only (exit 0).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

N_CELLS = 8
H_S, H_G = 4.0, 2.0
NOISE = 0.1
SIGMA_IC = 0.1
DT = 0.01
N_STEPS = 2000
THRESHOLD = 0.5

FATENET_CONFIG = {
    "simulation": {"n_cells": N_CELLS, "dt": DT, "t_final": N_STEPS * DT, "noise_strength": NOISE,
                   "boundary": "open", "coupling": "nearest", "coupling_weights": "sender",
                   "state_bounds": "reflect", "initial_condition": "half_normal", "ic_spread": SIGMA_IC},
    "network": {"architecture": "lateral_inhibition", "inputs": ["s", "sbar"], "h_s": H_S, "h_g": H_G},
}


def coupling_matrix(n_cells: int):
    """Nearest neighbours of an open chain, each column divided by its sum (weights by sender)."""
    import numpy as np

    a = np.eye(n_cells, k=1) + np.eye(n_cells, k=-1)
    return a / a.sum(axis=0)


def utility_numpy(fates) -> float:
    """U = H2(mean fate) - H(pattern distribution) / N in bits per cell (plug-in entropies)."""
    import numpy as np

    fates = np.asarray(fates, dtype=np.int8)
    p = float(fates.mean())
    h2 = 0.0 if p in (0.0, 1.0) else -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    _, counts = np.unique(fates, axis=0, return_counts=True)
    q = counts / counts.sum()
    return float(h2 - (-(q * np.log2(q)).sum()) / fates.shape[1])


def make_numba_runner():
    """``run(n_replicates) -> fates (R, N)``: the authors'-style loop, or None without numba."""
    try:
        from numba import njit
    except ImportError:
        return None
    import numpy as np

    @njit
    def seed(value):
        np.random.seed(value)

    @njit
    def simulate_tissue(c, h_s, h_g, noise, sigma_ic, dt, n_steps):
        g = np.abs(sigma_ic * np.random.normal(0.0, 1.0, c.shape[0]))
        for _ in range(n_steps):
            gbar = np.dot(c, g)
            drift = 1.0 / (1.0 + np.exp(-2.0 * (h_g * g - h_s * gbar))) - g
            g = np.abs(g + drift * dt + noise * np.sqrt(dt) * np.random.normal(0.0, 1.0, g.shape[0]))
        return g

    @njit
    def simulate_tissue_scalar(inv_degree, h_s, h_g, noise, sigma_ic, dt, n_steps):
        n = inv_degree.shape[0]
        g, new = np.empty(n), np.empty(n)
        for i in range(n):
            g[i] = abs(sigma_ic * np.random.normal())
        kick = noise * np.sqrt(dt)
        for _ in range(n_steps):
            for i in range(n):
                gbar = 0.0
                if i > 0:
                    gbar += g[i - 1] * inv_degree[i - 1]
                if i < n - 1:
                    gbar += g[i + 1] * inv_degree[i + 1]
                drift = 1.0 / (1.0 + np.exp(-2.0 * (h_g * g[i] - h_s * gbar))) - g[i]
                new[i] = abs(g[i] + drift * dt + kick * np.random.normal())
            g, new = new, g
        return g

    c = coupling_matrix(N_CELLS)
    inv_degree = 1.0 / (np.eye(N_CELLS, k=1) + np.eye(N_CELLS, k=-1)).sum(axis=0)

    def ensemble(tissue, *args):
        def run(n_replicates: int):
            final = np.zeros((n_replicates, N_CELLS))
            for r in range(n_replicates):  # one tissue at a time, as in the authors' ensemble loop
                final[r] = tissue(*args, H_S, H_G, NOISE, SIGMA_IC, DT, N_STEPS)
            return (final >= THRESHOLD).astype(np.int8)
        return run

    run = ensemble(simulate_tissue, c)
    run.scalar = ensemble(simulate_tissue_scalar, inv_degree)
    run.seed = seed
    return run


def median_seconds(call, repeats: int) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls of ``call(i)`` and the first timed call's result."""
    times, first = [], None
    for i in range(repeats):
        t0 = time.perf_counter()
        result = call(i)
        times.append(time.perf_counter() - t0)
        first = result if first is None else first
    return statistics.median(times), first


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=4000, help="tissues per fatenet call")
    parser.add_argument("--numba-replicates", type=int, default=None,
                        help="tissues per Numba call (default: --replicates)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON result here")
    args = parser.parse_args(argv)
    numba_replicates = args.numba_replicates or args.replicates

    import jax
    import jax.numpy as jnp
    import numpy as np

    from fatenet.config import Config
    from fatenet.evaluation import simulate_patterns
    from fatenet.problem import Problem
    from fatenet.utility_function import information_decomposition

    out = {"n_cells": N_CELLS, "n_steps": N_STEPS, "dt": DT, "h_s": H_S, "h_g": H_G, "noise": NOISE,
           "sigma_ic": SIGMA_IC, "repeats": args.repeats, "fatenet_replicates": args.replicates,
           "jax_backend": jax.default_backend(), "jax_devices": jax.local_device_count()}

    run_numba = make_numba_runner()
    if run_numba is None:
        print("numba is not installed (pip install numba): timing fatenet only", file=sys.stderr, flush=True)
    else:
        import numba

        run_numba.seed(0)
        t0 = time.perf_counter()
        run_numba(1)  # compiles
        out["numba_compile_s"] = round(time.perf_counter() - t0, 3)
        seconds, fates = median_seconds(lambda i: run_numba(numba_replicates), args.repeats)
        out.update(numba_version=numba.__version__, numba_replicates=numba_replicates,
                   numba_s_per_call=seconds,
                   numba_s_per_tissue_step=seconds / (numba_replicates * N_STEPS),
                   numba_utility=round(utility_numpy(fates), 4))
        run_numba.scalar(1)  # compiles
        seconds, fates = median_seconds(lambda i: run_numba.scalar(numba_replicates), args.repeats)
        out.update(numba_scalar_s_per_call=seconds,
                   numba_scalar_s_per_tissue_step=seconds / (numba_replicates * N_STEPS),
                   numba_scalar_utility=round(utility_numpy(fates), 4))

    config = Config.from_dict(FATENET_CONFIG)
    assert config.simulation.n_steps == N_STEPS, config.simulation.n_steps
    problem = Problem.from_config(config)
    flat = jnp.asarray([H_S, H_G], jnp.float32)

    def call_fatenet(i):
        key = jax.random.PRNGKey(i)
        return simulate_patterns(problem, flat, key, args.replicates).block_until_ready()

    t0 = time.perf_counter()
    call_fatenet(1000)  # compiles
    out["fatenet_compile_s"] = round(time.perf_counter() - t0, 3)
    seconds, fates = median_seconds(call_fatenet, args.repeats)
    out.update(fatenet_s_per_call=seconds, fatenet_s_per_tissue_step=seconds / (args.replicates * N_STEPS),
               fatenet_utility=round(float(information_decomposition(fates)["utility"]), 4),
               fatenet_utility_numpy=round(utility_numpy(np.asarray(fates)), 4))

    print(f"tissue = {N_CELLS} cells, {N_STEPS} steps of dt = {DT}; median of {args.repeats} repeats")
    if "numba_s_per_tissue_step" in out:
        print(f"numba  : {out['numba_s_per_tissue_step']:.3e} s per tissue-step "
              f"({numba_replicates} tissues in {out['numba_s_per_call']:.3f} s), U = {out['numba_utility']:.4f}")
        print(f"numba, scalar loop over cells: {out['numba_scalar_s_per_tissue_step']:.3e} s per tissue-step, "
              f"U = {out['numba_scalar_utility']:.4f}")
    print(f"fatenet: {out['fatenet_s_per_tissue_step']:.3e} s per tissue-step "
          f"({args.replicates} tissues in {out['fatenet_s_per_call']:.3f} s on {out['jax_backend']}), "
          f"U = {out['fatenet_utility']:.4f}")
    if "numba_s_per_tissue_step" in out:
        out["ratio_numba_over_fatenet"] = out["numba_s_per_tissue_step"] / out["fatenet_s_per_tissue_step"]
        out["ratio_numba_scalar_over_fatenet"] = (out["numba_scalar_s_per_tissue_step"]
                                                  / out["fatenet_s_per_tissue_step"])
        print(f"ratio numba / fatenet: {out['ratio_numba_over_fatenet']:.1f} (authors' array style), "
              f"{out['ratio_numba_scalar_over_fatenet']:.1f} (scalar loop over cells)")
    print(json.dumps(out), flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=2) + "\n")
    return out


if __name__ == "__main__":
    main()
