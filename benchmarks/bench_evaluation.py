"""Wall time and peak memory of ``fatenet.evaluation.evaluate`` at many replicates.

    python benchmarks/bench_evaluation.py [--replicates 100000] [--architecture mlp]

Evaluates one network (the seed notebook's MLP at a fixed random initialisation, or the
lateral-inhibition f as a piecewise-linear table) and a random one on ``--replicates``
fresh tissues at the default model settings, with every metric of a study (bootstrap
interval, time-step checks, kymographs). Prints one JSON line: seconds, peak resident
memory of the process (MB) and the trained network's U.
"""

from __future__ import annotations

import argparse
import json
import resource
import time


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=100_000)
    parser.add_argument("--architecture", choices=["mlp", "piecewise_linear"], default="mlp")
    args = parser.parse_args(argv)

    import jax
    import numpy as np

    from fatenet.config import Config
    from fatenet.evaluation import evaluate
    from fatenet.neural_network import make_network

    config = Config.from_dict({"network": {"architecture": args.architecture},
                               "evaluation": {"n_replicates": args.replicates}})
    model = make_network(config.network)
    if args.architecture == "piecewise_linear":
        params = -np.tanh(5 * (model.knots - 0.5)).astype(np.float32)
    else:
        params = np.asarray(model.init_flat(jax.random.PRNGKey(0))) * 3.0
    t0 = time.perf_counter()
    result = evaluate(config, params, seed=1)
    seconds = time.perf_counter() - t0
    trained = result.metrics.set_index("network").loc["trained"]
    out = {"replicates": args.replicates, "architecture": args.architecture, "seconds": round(seconds, 1),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
           "utility": round(float(trained["utility"]), 5), "n_distinct": int(trained["n_distinct"]),
           "devices": jax.local_device_count()}
    print(json.dumps(out), flush=True)
    return out


if __name__ == "__main__":
    main()
