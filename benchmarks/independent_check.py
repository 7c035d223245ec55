"""Re-simulate every trained f of a built study with NumPy alone: no fatenet code, its own random numbers.

A check that a run's U belongs to the model and not to fatenet's integrator, its random stream or
its time step: for each run folder (``results/runs/<setting>/seed~<n>``) it reads the settings
(``params.json``) and the trained parameters (``params.npz``), writes f again from the model's
definition (``../shared/SPEC.md`` and ``docs/model.md``: the piecewise-linear f of sbar with its
``output_scale``, ``max_rate`` and ``max_slope``), integrates fresh tissues by Euler-Maruyama with
NumPy's own generator at dt and at dt / 16 (independent tissues at each step), reads the fates and
computes the plug-in U = S_pat - S_rep. Nothing is imported from fatenet. Each U comes with its
standard error over the tissues (a bootstrap: the tissues drawn again with replacement, from a
generator of its own, so the U themselves do not depend on it), and each move with the standard
error of a difference of two independent estimates: a move near ``--max-move`` can then be told
from the check's own sampling.

    python benchmarks/independent_check.py results --replicates 4000 --jobs 2 --csv check.csv

prints one row per run (U at dt, U at dt / 16, how far U moves and its standard error, the most
frequent pattern) and one row per setting (the mean and the lowest U at dt / 16, the largest move,
how many runs move by more than ``--max-move`` and how many of them by more than two standard
errors). ``--min-mean`` and
``--min-run`` and ``--max-move`` state a target; the command exits 1 if a setting misses it.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

SUPPORTED = {"architecture": ("piecewise_linear",), "inputs": (["sbar"],), "coupling": ("nearest",),
             "boundary": ("open", "periodic", "fixed"), "state_bounds": ("clip",),
             "initial_condition": ("uniform",), "coupling_weights": ("mean",)}


def knot_values(params: np.ndarray, network: dict) -> np.ndarray:
    """f at its knots: the parameters, each step between neighbours limited to max_slope / (n - 1)
    (divided by output_scale) when max_slope > 0, accumulated from the first knot."""
    values = np.asarray(params, np.float64)
    slope = float(network.get("max_slope", 0.0) or 0.0)
    if slope:
        step = slope / ((len(values) - 1) * float(network.get("output_scale", 1.0)))
        values = values[0] + np.concatenate([[0.0], np.cumsum(np.clip(np.diff(values), -step, step))])
    return values


def make_f(params: np.ndarray, network: dict):
    values = knot_values(params, network)
    knots = np.linspace(0.0, 1.0, len(values))
    scale, rate = float(network.get("output_scale", 1.0)), float(network.get("max_rate", 0.0) or 0.0)

    def f(sbar: np.ndarray) -> np.ndarray:
        out = np.interp(sbar, knots, values) * scale
        return np.clip(out, -rate, rate) if rate else out
    return f


def neighbour_mean(s: np.ndarray, boundary: str) -> np.ndarray:
    """The mean of each cell's nearest neighbours (an end cell of an open chain has one)."""
    left, right = np.roll(s, 1, axis=1), np.roll(s, -1, axis=1)
    sbar = 0.5 * (left + right)
    if boundary != "periodic":
        sbar[:, 0], sbar[:, -1] = s[:, 1], s[:, -2]
    return sbar


def simulate(f, sim: dict, dt: float, n_replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Final states (n_replicates, n_cells) by Euler-Maruyama with states clipped to [0, 1]."""
    n, boundary = int(sim["n_cells"]), sim["boundary"]
    noise = float(sim["noise_strength"]) * np.sqrt(dt)
    s = rng.uniform(sim["ic_mean"] - sim["ic_spread"], sim["ic_mean"] + sim["ic_spread"], (n_replicates, n))
    for _ in range(int(round(sim["t_final"] / dt))):
        s = np.clip(s + f(neighbour_mean(s, boundary)) * dt + noise * rng.standard_normal(s.shape), 0.0, 1.0)
        if boundary == "fixed":
            s[:, 0] = s[:, -1] = 0.0
    return s


def plug_in_u(p: np.ndarray, q: np.ndarray, n_cells: int) -> np.ndarray:
    """U = H2(p) - H(q) / n_cells of a share p of cells in fate 1 and pattern frequencies q
    (..., patterns; zeros allowed), element-wise over the leading axes."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s_pat = np.nan_to_num(-p * np.log2(p) - (1 - p) * np.log2(1 - p))
        s_rep = -np.where(q > 0, q * np.log2(q), 0.0).sum(axis=-1) / n_cells
    return s_pat - s_rep


def utility(fates: np.ndarray) -> tuple[float, str, float]:
    """Plug-in U = S_pat - S_rep (bits per cell) of binary patterns, the top pattern and its share."""
    counts = Counter("".join(map(str, row)) for row in fates.astype(int))
    q = np.array(list(counts.values()), float) / len(fates)
    top, count = counts.most_common(1)[0]
    return float(plug_in_u(fates.mean(), q, fates.shape[1])), top, count / len(fates)


def standard_error(fates: np.ndarray, rng: np.random.Generator, draws: int = 400) -> float:
    """The bootstrap standard error of ``utility(fates)[0]``: the tissues drawn again with
    replacement ``draws`` times (as multinomial counts of the distinct patterns, so a draw costs
    no more than the number of distinct patterns)."""
    patterns, counts = np.unique(fates.astype(np.int8), axis=0, return_counts=True)
    n, n_cells = len(fates), fates.shape[1]
    drawn = rng.multinomial(n, counts / n, size=draws) / n                        # (draws, patterns)
    p = np.clip(drawn @ patterns.sum(axis=1) / n_cells, 0.0, 1.0)
    return float(np.std(plug_in_u(p, drawn, n_cells), ddof=1))


def check_run(run: Path, n_replicates: int, factor: int, seed: int) -> dict:
    info = json.loads((run / "params.json").read_text())
    config, sim, network = info["config"], info["config"]["simulation"], info["config"]["network"]
    settings = {**network, **sim}
    for key, allowed in SUPPORTED.items():
        if key in settings and settings[key] not in allowed:
            raise SystemExit(f"{run}: {key} = {settings[key]!r} is not re-simulated here (allowed: {allowed})")
    if len(config["fates"]["thresholds"]) != 1 or config["fates"]["learn_thresholds"]:
        raise SystemExit(f"{run}: only one fixed fate threshold is re-simulated here")
    with np.load(run / "params.npz", allow_pickle=False) as data:
        params = data["params"]
    f = make_f(params, network)
    name = f"{run.parent.name}/{run.name}"
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    row = {"run": name, "noise_strength": float(sim["noise_strength"])}
    utilities, errors = [], []
    resample = np.random.default_rng([seed, zlib.crc32(name.encode()), 1])   # the bootstrap's own stream
    for k in (1, factor):
        final = simulate(f, sim, float(sim["dt"]) / k, n_replicates, rng)
        fates = final >= config["fates"]["thresholds"][0]
        u, top, share = utility(fates)
        utilities.append(u)
        errors.append(standard_error(fates, resample))
        label = "dt" if k == 1 else f"dt/{k}"
        row[f"U_{label}"], row[f"top_{label}"], row[f"share_{label}"] = u, top, share
        row[f"se_{label}"] = errors[-1]
    row["moves"] = abs(utilities[1] - utilities[0])
    row["se_moves"] = float(np.hypot(*errors))   # independent tissues at the two steps
    return row


def noise_target(text: str) -> tuple[float, float]:
    """``--min-mean``'s NOISE=VALUE as (noise, value)."""
    try:
        noise, value = text.split("=")
        return float(noise), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: must be NOISE=VALUE, e.g. 0.05=0.855") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="a built study's results folder")
    parser.add_argument("--replicates", type=int, default=4000, help="fresh tissues per run and time step")
    parser.add_argument("--factor", type=int, default=16, help="the fine step is dt / factor")
    parser.add_argument("--seed", type=int, default=20261204, help="NumPy's seed (each run folds in its name)")
    parser.add_argument("--jobs", type=int, default=1, help="runs re-simulated in parallel")
    parser.add_argument("--csv", type=Path, help="also write the rows here")
    parser.add_argument("--min-mean", nargs="*", default=[], type=noise_target,
                        help="NOISE=VALUE: the least mean U at the fine step for that noise strength")
    parser.add_argument("--min-run", type=float, help="the least U at the fine step of every run")
    parser.add_argument("--max-move", type=float, help="the largest change of U between dt and the fine step")
    args = parser.parse_args(argv)
    runs = sorted(p.parent for p in args.results.glob("runs/*/*/params.npz"))
    if not runs:
        raise SystemExit(f"no runs (runs/*/*/params.npz) in {args.results}")
    work = (runs, [args.replicates] * len(runs), [args.factor] * len(runs), [args.seed] * len(runs))
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(check_run, *work))
    else:
        rows = list(map(check_run, *work))
    fine = f"dt/{args.factor}"
    print(f"| run | U at dt | U at {fine} | moves (standard error) | top pattern at dt -> {fine} |\n"
          "|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['run']} | {r['U_dt']:.3f} | {r['U_' + fine]:.3f} | {r['moves']:.3f} ({r['se_moves']:.3f}) | "
              f"`{r['top_dt']}` {r['share_dt']:.0%} -> `{r['top_' + fine]}` {r['share_' + fine]:.0%} |")
    bound = args.max_move
    beyond = "--max-move" if bound is None else bound
    print(f"\n| noise | runs | mean U at {fine} | lowest | largest move | runs moving > {beyond} | of them by > 2 "
          "standard errors |\n|---|---|---|---|---|---|---|")
    failed, targets = [], dict(args.min_mean)
    for noise in sorted({r["noise_strength"] for r in rows}):
        group = [r for r in rows if r["noise_strength"] == noise]
        fine_u = np.array([r["U_" + fine] for r in group])
        moves = max(r["moves"] for r in group)
        over = "-" if bound is None else sum(r["moves"] > bound for r in group)
        clear = "-" if bound is None else sum(r["moves"] - 2 * r["se_moves"] > bound for r in group)
        print(f"| {noise:g} | {len(group)} | {fine_u.mean():.4f} | {fine_u.min():.3f} | {moves:.3f} | {over} | "
              f"{clear} |")
        want = targets.get(noise)
        if want is not None and fine_u.mean() < want:
            failed.append(f"noise {noise:g}: mean U at {fine} {fine_u.mean():.4f} < {want}")
        if args.min_run is not None and fine_u.min() < args.min_run:
            failed.append(f"noise {noise:g}: a run's U at {fine} {fine_u.min():.3f} < {args.min_run}")
        if args.max_move is not None and moves > args.max_move:
            failed.append(f"noise {noise:g}: {over} run(s) move by more than {bound} (the largest {moves:.3f})")
    if args.csv:
        import pandas as pd
        pd.DataFrame(rows).to_csv(args.csv, index=False)
    for line in failed:
        print("missed:", line, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
