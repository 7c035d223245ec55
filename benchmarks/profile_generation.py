"""Where the time of a generation goes, part by part, on one device.

    python benchmarks/profile_generation.py [--repeats 7]

At the seed settings (20 individuals x 50 replicates x 7 cells x 2000 steps) it times, each
as the median of ``--repeats`` calls after a compiling warm-up:

* ``normals_*``: drawing 250 steps x 1000 tissues x 7 cells = 1.75 million standard normals
  with threefry bits alone, with threefry + Box-Muller (the engine's earlier stream, written
  here), and with fatenet's stream (``fatenet.noise.step_normals``);
* ``drift_*``: 2000 steps of the deterministic update ``clip(s + f(sbar) dt)`` for all 20 x 50
  tissues, with f the (8, 8) MLP, the 17-knot piecewise-linear f, and f = 0 - 0.5 sbar (the
  cost of the step without a network).

Prints one JSON line (seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time


def timed(fn, *args, repeats: int) -> float:
    import jax

    jax.block_until_ready(fn(*args))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 5)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")

    import jax
    import jax.numpy as jnp
    from jax import lax, random

    from fatenet.dynamics import neighbour_average
    from fatenet.neural_network import PiecewiseLinear, RegulatoryNetwork
    from fatenet.noise import step_normals, stream_seed

    shape = (250, 1000, 7)
    size = 250 * 1000 * 7
    key = random.PRNGKey(0)

    def threefry_bits(k):
        with jax.threefry_partitionable(False):
            return random.bits(k, (size,), jnp.uint32)

    def threefry_box_muller(k):
        with jax.threefry_partitionable(False):
            u = random.uniform(k, (2, size // 2), minval=jnp.finfo(jnp.float32).tiny, maxval=1.0)
        radius, angle = jnp.sqrt(-2.0 * jnp.log(u[0])), 2.0 * jnp.pi * u[1]
        return jnp.concatenate([radius * jnp.cos(angle), radius * jnp.sin(angle)]).reshape(shape)

    seed = stream_seed(key)
    result = {
        "normals_threefry_bits_s": timed(jax.jit(threefry_bits), key, repeats=args.repeats),
        "normals_threefry_box_muller_s": timed(jax.jit(threefry_box_muller), key, repeats=args.repeats),
        "normals_fatenet_s": timed(jax.jit(lambda s: step_normals(s, 0, 250, (1000, 7))), seed,
                                   repeats=args.repeats),
    }

    mlp, pwl = RegulatoryNetwork(), PiecewiseLinear()
    population = {"mlp": mlp.init_population(key, 20), "piecewise_linear": pwl.init_population(key, 20),
                  "none": jnp.zeros((20, 1))}
    apply = {"mlp": mlp.apply_flat, "piecewise_linear": pwl.apply_flat,
             "none": lambda flat, sbar: flat[0] - 0.5 * sbar}

    def drift_run(name):
        def one(flat):
            s0 = jnp.full((50, 7), 0.5) + 0.01 * jnp.arange(7)

            def step(s, _):
                return jnp.clip(s + apply[name](flat, neighbour_average(s)) * 0.01, 0.0, 1.0), None

            return lax.scan(step, s0, None, length=2000)[0]

        return jax.jit(jax.vmap(one))

    for name in ("mlp", "piecewise_linear", "none"):
        result[f"drift_{name}_s"] = timed(drift_run(name), population[name], repeats=args.repeats)
    result["devices"] = jax.local_device_count()
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
