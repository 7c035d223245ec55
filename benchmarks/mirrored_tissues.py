"""How well the training fitness sees a row's lean: independent tissues against mirrored pairs.

The row deciding together (noise 0.05) should end half its tissues in each of its two uniform
patterns; a lean to one costs it U. This scores one trained f, and f moved along sbar by each
``--moves`` d (``PiecewiseLinear.shifted``: a row made to lean), with the run's own training
fitness on ``--keys`` sets of its ``simulation.n_replicates`` tissues, once with independent
tissues and once in mirrored pairs (``evolution.antithetic``), and prints per f the shares of the
two uniform patterns (on ``--tissues`` tissues at dt) and the fitness's mean and standard deviation
over the sets: how far apart a balanced and a leaning row score against how much one score varies.

    python benchmarks/mirrored_tissues.py results/runs/noise_strength~0.05/seed~1/params.npz --moves -0.006 -0.01
"""

from __future__ import annotations

import argparse
import sys

import jax
import jax.numpy as jnp
import numpy as np

from fatenet.config import Config
from fatenet.evaluation import simulate_patterns
from fatenet.fitness import compiled_population_fitness
from fatenet.io import load_params
from fatenet.problem import Problem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("params", help="a run's params.npz (its config is read from the sidecar params.json)")
    parser.add_argument("--moves", type=float, nargs="*", default=[], help="d: also f(sbar - d)")
    parser.add_argument("--keys", type=int, default=400, help="sets of training tissues per f (default 400)")
    parser.add_argument("--tissues", type=int, default=4000, help="tissues for the patterns' shares (default 4000)")
    parser.add_argument("--seed", type=int, default=2024, help="the keys' seed")
    args = parser.parse_args()
    params, meta = load_params(args.params)
    config = Config.from_dict(meta["config"])
    if config.network.architecture != "piecewise_linear" or config.network.inputs != ("sbar",):
        sys.exit(f"{args.params}: not a piecewise-linear f of sbar (only such an f is moved along sbar)")
    if not config.replace({"evolution.antithetic": True}).mirrors_tissues:
        sys.exit(f"{args.params}: the run's model is not the same under s -> 1 - s (antithetic would not act)")
    problems = {paired: Problem.from_config(config.replace({"evolution.antithetic": paired}))
                for paired in (False, True)}
    network = problems[False].network
    functions = {"f": np.asarray(params, np.float32)}
    for d in args.moves:
        functions[f"f(sbar {'-' if d > 0 else '+'} {abs(d):g})"] = np.asarray(network.shifted(params, d), np.float32)
    keys = jax.random.split(jax.random.PRNGKey(args.seed), args.keys)
    pattern_key = jax.random.PRNGKey(args.seed + 1)
    n = config.simulation.n_replicates
    print(f"| f | `1111111`, `0000000` | fitness on {n} independent tissues: mean, sd | in {n // 2} mirrored pairs: "
          "mean, sd |")
    print("|---|---|---|---|")
    for name, flat in functions.items():
        ones = np.asarray(simulate_patterns(problems[False], jnp.asarray(flat), pattern_key, args.tissues)).mean(axis=1)
        cells, population = [], jnp.asarray(np.repeat(flat[None], args.keys, axis=0))
        for paired in (False, True):
            u = np.asarray(compiled_population_fitness(problems[paired], population, keys).fitness, np.float64)
            cells.append(f"{u.mean():.4f}, {u.std(ddof=1):.4f}")
        print(f"| {name} | {np.mean(ones == 1):.3f}, {np.mean(ones == 0):.3f} | {cells[0]} | {cells[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
