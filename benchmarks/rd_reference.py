"""The reaction-diffusion model re-simulated without fatenet: NumPy (float64) and, where Numba is
installed, one tissue at a time in compiled loops, the way the authors' published code runs it.

Brückner & Tkačik (PNAS 2024), their third example: two species A, B on a grid of ``ox`` nodes per
cell (dx = 1 / ox), diffusion with no-flux ends, production alpha P(A, B) with
P = A^h / (A^h + B^h) (the same P for both species), degradation kappa, noise
sigma sqrt(alpha P) sqrt(dt) xi per node and species, reflection at 0. The grid and the sub-step
follow the authors' rule (``geometry``). The readout is A at the cells (node i ox) at the end,
the tissue flipped so that its high-A end is cell 0; fates are the number of thresholds below A.

It shares no code with fatenet: its own grid, its own Laplacian, its own random numbers
(NumPy's generator), its own entropies. It is the reference of ``tests/test_reaction_diffusion.py``
(the noise-free profile, U of the authors' example) and of the speed benchmark::

    python benchmarks/rd_reference.py --n-cells 8 --replicates 4000   # U at thresholds 0.02, 0.05
    python benchmarks/rd_reference.py --noise-free                    # A at the cells, sigma = 0
    python benchmarks/rd_reference.py --numba --replicates 40         # tissues per second, one core
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter

import numpy as np

PAPER = {"alpha_a": 1.0, "alpha_b": 4.0, "kappa_a": 1.0, "kappa_b": 2.0, "hill": 5.0, "ratio_a": 4.0, "ratio_b": 2.0,
         "sigma": 0.05, "sigma_ic": 0.1, "dt": 0.01, "t_final": 50.0}
"""The authors' example (their simulation_RD.py): lengths l = N / ratio in cell spacings."""


def geometry(n_cells: int, ratio_a: float = 4.0, ratio_b: float = 2.0, kappa_a: float = 1.0, kappa_b: float = 2.0,
             dt: float = 0.01) -> dict:
    """Nodes per cell, node spacing, sub-steps per dt and the diffusion constants (the authors' rule)."""
    l_a, l_b = n_cells / ratio_a, n_cells / ratio_b
    ox = max(1, int(1.0 / (0.2 * min(l_a, l_b))))
    dx = 1.0 / ox
    d_a, d_b = kappa_a * l_a ** 2, kappa_b * l_b ** 2
    substeps = int(dt / (0.2 * 2 * dx ** 2 / (4 * d_b + kappa_b * dx ** 2)))
    return {"ox": ox, "dx": dx, "substeps": substeps, "d_a": d_a, "d_b": d_b}


def laplacian(c: np.ndarray, dx: float) -> np.ndarray:
    """Second difference along the last axis over dx^2, mirror node at each end (no flux)."""
    padded = np.concatenate([c[..., 1:2], c, c[..., -2:-1]], axis=-1)
    return (padded[..., 2:] - 2.0 * c + padded[..., :-2]) / dx ** 2


def simulate(n_cells: int, replicates: int, rng: np.random.Generator | None, p: dict | None = None) -> np.ndarray:
    """A at the cells at the end, ``(replicates, n_cells)``, flipped so that cell 0 is the high end.
    ``rng`` None: the noise-free model (no noise, the exponential start A_j = exp(-j / 2N),
    B_j = exp(-j / N) at node j)."""
    p = {**PAPER, **(p or {})}
    g = geometry(n_cells, p["ratio_a"], p["ratio_b"], p["kappa_a"], p["kappa_b"], p["dt"])
    nodes, dt = n_cells * g["ox"], p["dt"] / g["substeps"]
    if rng is None:
        j = np.arange(nodes)
        a = np.tile(np.exp(-j / (2 * n_cells)), (replicates, 1))
        b = np.tile(np.exp(-j / n_cells), (replicates, 1))
    else:
        a, b = p["sigma_ic"] * rng.random((replicates, nodes)), p["sigma_ic"] * rng.random((replicates, nodes))
    sqrt_dt = math.sqrt(dt)
    for _ in range(int(round(p["t_final"] / p["dt"])) * g["substeps"]):
        ah, bh = a ** p["hill"], b ** p["hill"]
        denominator = ah + bh
        prod = np.divide(ah, denominator, out=np.zeros_like(ah), where=denominator > 0)
        da = g["d_a"] * laplacian(a, g["dx"]) + p["alpha_a"] * prod - p["kappa_a"] * a
        db = g["d_b"] * laplacian(b, g["dx"]) + p["alpha_b"] * prod - p["kappa_b"] * b
        a_new, b_new = a + da * dt, b + db * dt
        if rng is not None and p["sigma"] > 0:
            a_new += p["sigma"] * np.sqrt(p["alpha_a"] * prod) * sqrt_dt * rng.standard_normal(a.shape)
            b_new += p["sigma"] * np.sqrt(p["alpha_b"] * prod) * sqrt_dt * rng.standard_normal(b.shape)
        a, b = np.abs(a_new), np.abs(b_new)
    cells = a[:, ::g["ox"]]
    flip = cells[:, -1] > cells[:, 0]
    cells[flip] = cells[flip, ::-1]
    return cells


def fates(cells: np.ndarray, thresholds) -> np.ndarray:
    """The number of thresholds below each value (the authors' fate map)."""
    return (cells[..., None] > np.sort(np.asarray(thresholds))).sum(-1)


def utility(patterns: np.ndarray) -> float:
    """U = S_pat - S_rep in bits per cell: S_pat the entropy of the pooled fates, S_rep the entropy
    of whole patterns over the number of cells."""
    n, cells = patterns.shape
    pooled = np.bincount(patterns.ravel()) / patterns.size
    s_pat = -sum(q * math.log2(q) for q in pooled if q > 0)
    counts = Counter(map(bytes, patterns.astype(np.int8)))
    s_rep = -sum(c / n * math.log2(c / n) for c in counts.values()) / cells
    return s_pat - s_rep


def numba_loop():
    """The authors' approach: one tissue at a time, loops over steps and nodes, compiled by Numba."""
    from numba import njit

    @njit(cache=False)
    def one(n_cells, ox, substeps, n_steps, dx, d_a, d_b, alpha_a, alpha_b, kappa_a, kappa_b, h, sigma, sigma_ic):
        m = n_cells * ox
        dt = 0.01 / substeps
        sq = math.sqrt(dt)
        a, b = sigma_ic * np.random.rand(m), sigma_ic * np.random.rand(m)
        a2, b2 = np.zeros(m), np.zeros(m)
        for _ in range(n_steps * substeps):
            for j in range(m):
                left, right = (j + 1 if j == 0 else j - 1), (j - 1 if j == m - 1 else j + 1)
                lap_a = (a[left] - 2 * a[j] + a[right]) / dx ** 2
                lap_b = (b[left] - 2 * b[j] + b[right]) / dx ** 2
                ah, bh = a[j] ** h, b[j] ** h
                prod = ah / (ah + bh) if ah + bh > 0 else 0.0
                a2[j] = abs(a[j] + (d_a * lap_a + alpha_a * prod - kappa_a * a[j]) * dt
                            + sigma * math.sqrt(alpha_a * prod) * np.random.normal() * sq)
                b2[j] = abs(b[j] + (d_b * lap_b + alpha_b * prod - kappa_b * b[j]) * dt
                            + sigma * math.sqrt(alpha_b * prod) * np.random.normal() * sq)
            a, a2 = a2, a
            b, b2 = b2, b
        return a[::ox]

    return one


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-cells", type=int, default=8)
    parser.add_argument("--replicates", type=int, default=4000)
    parser.add_argument("--sigma", type=float, default=PAPER["sigma"])
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.02, 0.05])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise-free", action="store_true", help="A at the cells of the noise-free model")
    parser.add_argument("--numba", action="store_true", help="time the one-tissue-at-a-time Numba loop")
    args = parser.parse_args(argv)
    if args.noise_free:
        print(" ".join(f"{x:.4f}" for x in simulate(args.n_cells, 1, None)[0]))
        return 0
    if args.numba:
        g = geometry(args.n_cells)
        one = numba_loop()
        p = PAPER
        call = lambda: one(args.n_cells, g["ox"], g["substeps"], int(p["t_final"] / p["dt"]), g["dx"],  # noqa: E731
                           g["d_a"], g["d_b"], p["alpha_a"], p["alpha_b"], p["kappa_a"], p["kappa_b"], p["hill"],
                           args.sigma, p["sigma_ic"])
        call()  # compiles
        start = time.perf_counter()
        for _ in range(args.replicates):
            call()
        elapsed = time.perf_counter() - start
        print(f"numba, one tissue at a time: {args.replicates / elapsed:.2f} tissues/s at N = {args.n_cells}")
        return 0
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    cells = simulate(args.n_cells, args.replicates, rng, {"sigma": args.sigma})
    patterns = fates(cells, args.thresholds)
    top = Counter("".join(map(str, row)) for row in patterns).most_common(3)
    print(f"N = {args.n_cells}, sigma = {args.sigma}, {args.replicates} tissues, thresholds {args.thresholds}: "
          f"U = {utility(patterns):.4f} bits per cell ({time.perf_counter() - start:.1f} s); top patterns "
          + ", ".join(f"{k} {v / len(patterns):.0%}" for k, v in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
