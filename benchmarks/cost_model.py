"""The cost model (``fatenet.cost``) against measured jobs: peak RSS and wall time of train and evaluate.

    python benchmarks/cost_model.py [--sizes S1 S2 ...] [--out benchmarks/cost_model]

Each size is the default study's run (config.yaml) with a few settings changed (``SIZES``; all
shortened to 200 steps and 8 generations so the table takes minutes). Its train job and then its
evaluate job run as fresh processes (as a Snakemake job does, with an empty compilation cache),
and each one's peak RSS (``wait4``) and wall time are set beside ``fatenet.cost.estimate``.
Prints a Markdown table and writes it with the numbers to ``cost_model.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SHORT = {"simulation.t_final": 2.0, "evolution.n_generations": 8, "evolution.explore_generations": 4}
SIZES = {
    "S1 default run": {},
    "S2 35 cells": {"simulation.n_cells": 35},
    "S3 70 cells, 256 replicates": {"simulation.n_cells": 70, "simulation.n_replicates": 256},
    "S4 70 cells, 1024 replicates": {"simulation.n_cells": 70, "simulation.n_replicates": 1024},
    "M1 seed MLP": {"network.architecture": "mlp", "evolution.strategy": "mu_plus_lambda",
                    "evolution.population_size": 20, "evolution.restarts": 1, "evolution.initial_screen": 0,
                    "evolution.start_from": "fittest", "evolution.explore_generations": 0,
                    "evolution.fitness_dt_factors": [1], "simulation.n_replicates": 50},
    "M2 MLP, 35 cells, 400 replicates": {"network.architecture": "mlp", "evolution.strategy": "mu_plus_lambda",
                                         "evolution.population_size": 20, "evolution.restarts": 1,
                                         "evolution.initial_screen": 0, "evolution.start_from": "fittest",
                                         "evolution.explore_generations": 0, "evolution.fitness_dt_factors": [1],
                                         "simulation.n_cells": 35, "simulation.n_replicates": 400},
}

JOB = """
import json, sys
from fatenet.config import Config
from fatenet import io
config = Config.from_dict(json.loads(sys.argv[2]))
if sys.argv[1] == "train":
    from fatenet.training import train
    result = train(config, 1, progress=False)
    io.save_params(sys.argv[3], result.params, {"seed": 1})
else:
    from fatenet.evaluation import evaluate
    params, _ = io.load_params(sys.argv[3])
    evaluate(config, params, 1)
"""


def config_of(overrides: dict):
    from fatenet.config import Config

    study = yaml.safe_load((REPO / "config.yaml").read_text())
    base = Config.from_dict({k: study[k] for k in ("simulation", "network", "evolution", "evaluation")})
    return base.replace({**SHORT, **overrides})


def measure(job: str, config, params: Path, cache: Path) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of one job in a fresh process."""
    env = dict(os.environ, JAX_COMPILATION_CACHE_DIR=str(cache), JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", JOB, job, json.dumps(config.to_dict()), str(params)], env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"the {job} job failed (status {status})")
    return usage.ru_maxrss / 1024, wall


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), help="names of SIZES to measure (default: all)")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "cost_model"))
    parser.add_argument("--measured", help="a cost_model.json written before: its measurements against today's "
                                           "estimates (nothing is run)")
    args = parser.parse_args(argv)

    from fatenet.cost import estimate, rates

    rows = []
    if args.measured:
        for row in json.loads(Path(args.measured).read_text())["rows"]:
            measured = {k: v for k, v in row.items() if k.startswith("measured_")}
            rows.append({"size": row["size"], **estimate(config_of(SIZES[row["size"]])).to_dict(), **measured})
        args.sizes = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.sizes:
            config = config_of(SIZES[name])
            cost = estimate(config)
            cache = Path(scratch) / name.split()[0]
            params = Path(scratch) / f"{name.split()[0]}.npz"
            train_mb, train_s = measure("train", config, params, cache)
            evaluate_mb, evaluate_s = measure("evaluate", config, params, cache)
            row = {"size": name, "driver": cost.train_driver, **cost.to_dict(), "measured_train_mb": train_mb,
                   "measured_train_s": train_s, "measured_evaluate_mb": evaluate_mb,
                   "measured_evaluate_s": evaluate_s}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print("| size | train cell-steps | train MB est / measured | train s est / measured | "
          "evaluate MB est / measured | evaluate s est / measured |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['size']} | {r['train_cell_steps']:.2e} | {r['train_mb']:.0f} / {r['measured_train_mb']:.0f} | "
              f"{r['train_s']:.0f} / {r['measured_train_s']:.0f} | {r['evaluate_mb']:.0f} / "
              f"{r['measured_evaluate_mb']:.0f} | {r['evaluate_s']:.0f} / {r['measured_evaluate_s']:.0f} |")
    if not args.measured:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "cost_model.json").write_text(json.dumps({"rates": rates(), "rows": rows}, indent=1) + "\n")
    return rows


if __name__ == "__main__":
    main()
