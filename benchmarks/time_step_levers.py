"""Two changes to a trained f, measured on every run of a built study as the time step shrinks.

The question (docs/findings/time-step.md): at noise 0.05 the row deciding together is the
answer that holds at every step, and a run loses U when that row leans to one of its two uniform
patterns. Each lever below makes a new f from a run's own, and both are scored on the same fresh
tissues and Brownian path at dt, dt / 4 and dt / 16 (``fatenet.selection.rescore``, a key stream
of this script's own):

* ``antisymmetric``: f's knot values v made odd about sbar = 1/2, (v - v reversed) / 2, so that
  f(1 - x) = -f(x): the chain is then symmetric under s -> 1 - s, and the two uniform patterns
  (and every pattern and its complement) equally likely;
* ``offset``: a constant c added to f's knot values (f moved up or down before its rate bound),
  c = k * step for k = -K ... K, the best chosen by U at dt on ``--choose-replicates`` tissues of
  one stream, then kept only where it beats the run's own f by the final choice's rule
  (``selection.flat_score`` with the run's ``choice_tolerance`` and ``choice_penalty``, on 2000
  tissues of a second stream); both scored on a third;
* ``shift``: f moved along sbar, f(x - d) (its knot values read off f at the knots less d, the end
  values held beyond the ends), d = k * step for k = -K ... K, chosen and kept as ``offset``'s c:
  where f turns from falling to rising is where the row decides, so d moves the balance of its
  two uniform patterns directly.

    python benchmarks/time_step_levers.py results antisymmetric --replicates 4000
    python benchmarks/time_step_levers.py results offset --offsets 10 --step 0.01
    python benchmarks/time_step_levers.py results shift --offsets 10 --step 0.001

prints one row per run (U at dt, dt / 4, dt / 16 of its own f and of the new one, the new one's
most frequent patterns at dt on 2000 tissues) and, per setting, the mean U at dt / 16 of both.
It reads the piecewise-linear f of sbar only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jax
import numpy as np
import pandas as pd

from fatenet import artifacts
from fatenet.config import Config
from fatenet.dynamics import simulate
from fatenet.io import load_params
from fatenet.problem import Problem
from fatenet.selection import flat_score, rescore

STREAM = 0x7E1E  # this script's tissues: not those of training, the final choice or the evaluation
FACTORS = (1, 4, 16)


def antisymmetric(params: np.ndarray) -> np.ndarray:
    """f(1 - x) = -f(x): the knot values' odd part about the middle knot."""
    return 0.5 * (params - params[::-1])


def lever_grid(offsets: int, step: float) -> np.ndarray:
    """0 first (the run's own f), then -K step ... K step without 0."""
    k = np.arange(-offsets, offsets + 1)
    return step * np.concatenate([[0], k[k != 0]])


def offset_candidates(params: np.ndarray, offsets: int, step: float) -> tuple[np.ndarray, np.ndarray]:
    """(c, f + c) for c on ``lever_grid``."""
    shifts = lever_grid(offsets, step)
    return shifts, np.stack([params + c for c in shifts]).astype(np.float32)


def shift_candidates(params: np.ndarray, offsets: int, step: float) -> tuple[np.ndarray, np.ndarray]:
    """(d, f(x - d)) for d on ``lever_grid`` (knots evenly spaced on [0, 1]; float64 interpolation, then
    float32, as measured in the docs)."""
    shifts = lever_grid(offsets, step)
    knots = np.linspace(0.0, 1.0, len(params))
    return shifts, np.stack([np.interp(knots - d, knots, params) for d in shifts]).astype(np.float32)


LEVERS = {"offset": (offset_candidates, "c = {:+.2f}"), "shift": (shift_candidates, "d = {:+.3f}")}
"""The levers that move f by a grid of amounts: how each makes its candidates, and how the one kept is named."""


def top_patterns(config: Config, params: np.ndarray, seed: int, replicates: int, count: int = 4) -> str:
    """The ``count`` most frequent fate patterns of f at dt on ``replicates`` tissues, with their shares."""
    key = jax.random.fold_in(jax.random.PRNGKey(seed), STREAM + 3)
    problem = Problem.from_config(config)
    fates = np.asarray(problem.network.fates(params, simulate(problem, params, key, replicates)))
    rows, counts = np.unique(fates.astype(np.int64), axis=0, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:count]
    return ", ".join(f"`{''.join(map(str, rows[k]))}` {counts[k] / len(fates):.0%}" for k in order)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("lever", choices=("antisymmetric", *LEVERS))
    parser.add_argument("--replicates", type=int, default=4000, help="tissues per run and step for the scores shown")
    parser.add_argument("--offsets", type=int, default=10, help="K: offsets -K step ... K step")
    parser.add_argument("--step", type=float, default=0.01)
    parser.add_argument("--choose-replicates", type=int, default=2000)
    args = parser.parse_args()
    summary = pd.read_parquet(args.results / Path(artifacts.SUMMARY).name)
    print("| run | own f: U at dt, dt/4, dt/16 | new f: U at dt, dt/4, dt/16 | kept | new f: top patterns at dt |")
    print("|---|---|---|---|---|")
    finest = {}
    for run in summary["run"]:
        params, meta = load_params(artifacts.run_file(run, artifacts.PARAMS, str(args.results)))
        config, seed = Config.from_dict(meta["config"]), int(meta["seed"])
        if config.network.architecture != "piecewise_linear" or config.network.inputs != ("sbar",):
            print(f"{run}: not a piecewise-linear f of sbar", file=sys.stderr)
            return 2
        params = np.asarray(params, np.float32)
        if args.lever == "antisymmetric":
            new, kept = antisymmetric(params), "-"
        else:
            make, label = LEVERS[args.lever]
            shifts, candidates = make(params, args.offsets, args.step)
            at_dt = rescore(config, candidates, seed, (1,), STREAM + 1, args.choose_replicates)[:, 0]
            best = int(np.argmax(at_dt))
            evo = config.evolution
            judged = flat_score(rescore(config, candidates[[0, best]], seed, FACTORS, STREAM + 2, 2000).T,
                                evo.choice_tolerance, evo.choice_penalty)
            new = candidates[best] if judged[1] > judged[0] else params
            kept = label.format(shifts[best]) if judged[1] > judged[0] else "own f"
        scores = rescore(config, np.stack([params, new]), seed, FACTORS, STREAM, args.replicates)
        setting = run.split("/")[0]
        finest.setdefault(setting, []).append(scores[:, -1])
        print(f"| {run} | {', '.join(f'{u:.3f}' for u in scores[0])} | {', '.join(f'{u:.3f}' for u in scores[1])} "
              f"| {kept} | {top_patterns(config, new, seed, 2000)} |", flush=True)
    print("\n| setting | runs | own f: mean U at dt/16 | new f: mean U at dt/16 | new f: lowest |")
    print("|---|---|---|---|---|")
    for setting, rows in finest.items():
        rows = np.asarray(rows)
        own, new = rows[:, 0], rows[:, 1]
        print(f"| {setting} | {len(rows)} | {own.mean():.4f} | {new.mean():.4f} | {new.min():.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
