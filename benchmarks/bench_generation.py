"""Seconds per generation at the seed configuration: fatenet versus a seed-style loop.

    python benchmarks/bench_generation.py [--generations 7] [--devices 2]

The workload is the seed notebook's: 20 individuals, 50 replicates of 7 cells, 2000
Euler-Maruyama steps, an (8, 8) tanh MLP, soft-utility fitness, (mu+lambda)-ES with 4 parents.

* fatenet: ``fatenet.training.make_generation_step`` -> one jitted call per generation
  (the whole population in one vectorised simulation; split over the host devices when
  there are several).
* seed-style baseline (written here, independent of fatenet): a Python loop over the
  individuals, each calling a jitted per-individual fitness as the notebook does; the
  simulation is a ``lax.scan`` over the steps that draws ``jax.random.normal`` noise inside
  every step (JAX's default PRNG settings), then the ES selection and mutation.

The opt-in approximation ``evolution.f_table_points`` (f tabulated once per generation and
linearly interpolated) is timed too and reported as ``tabulated_s_per_gen`` / ``tabulated_speedup``,
and so is the same generation with the piecewise-linear f (``network.architecture:
piecewise_linear``, 17 knots: an exact model whose f is itself a table) as
``piecewise_linear_s_per_gen`` / ``piecewise_linear_speedup``; the headline ``speedup`` is the
exact MLP's. One step of ``evolution.strategy: gradient``
(the same number of simulated tissues plus the score-function gradient) is timed too and
reported as ``gradient_s_per_step`` and its ratio to an exact generation, ``gradient_cost_ratio``.

Each is warmed up by one generation (fatenet's is reported as ``compile_s``); then the
methods take turns, one generation each per round, for ``--generations`` rounds, and each
result is the median of its rounds (turns expose both to the same machine load). Progress goes to stderr; the last
line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import time


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generations", type=int, default=7,
                        help="timed generations per method after one warm-up (>= 5; default 7)")
    parser.add_argument("--devices", type=int, default=2,
                        help="host (CPU) devices for XLA; fatenet splits the population over them (default 2)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--table-points", type=int, default=1025,
                        help="points of the opt-in tabulated f also timed (evolution.f_table_points; default 1025)")
    args = parser.parse_args(argv)
    if args.generations < 5:
        parser.error(f"--generations must be >= 5 (median of at least 5), got {args.generations}")
    if args.devices < 1:
        parser.error(f"--devices must be >= 1, got {args.devices}")
    return args


def set_host_devices(n: int) -> None:
    """Must run before jax is imported."""
    if "jax" in sys.modules:
        raise RuntimeError("set_host_devices must run before jax is imported")
    flags = re.sub(r"--xla_force_host_platform_device_count=\S+", "", os.environ.get("XLA_FLAGS", "")).split()
    os.environ["XLA_FLAGS"] = " ".join([*flags, f"--xla_force_host_platform_device_count={n}"])


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- seed-style baseline

def make_seed_style(n_cells, n_replicates, n_steps, dt, noise_strength, bandwidth, hidden_dims,
                    population_size, n_parents, mutation_std):
    """A notebook-style generation: ``generation(population, key) -> (next_population, fitnesses)``."""
    import flax.linen as nn
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax import lax, random

    class SeedMLP(nn.Module):
        hidden: tuple

        @nn.compact
        def __call__(self, x):
            for width in self.hidden:
                x = jnp.tanh(nn.Dense(width)(x))
            return nn.Dense(1)(x)

    model = SeedMLP(hidden=tuple(hidden_dims))
    template = model.init(random.PRNGKey(0), jnp.ones((1,)))

    def flatten(params):
        return jnp.concatenate([leaf.ravel() for leaf in jax.tree_util.tree_leaves(params)])

    def unflatten(flat, tmpl):
        leaves = jax.tree_util.tree_leaves(tmpl)
        out, start = [], 0
        for leaf in leaves:
            size = int(np.prod(leaf.shape))
            out.append(flat[start:start + size].reshape(leaf.shape))
            start += size
        return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(tmpl), out)

    def fitness(params, mdl, key):
        f = lambda sbar, s=None: mdl.apply(params, sbar[..., None])[..., 0]  # noqa: E731
        k_init, k_noise = random.split(key)
        s0 = random.uniform(k_init, (n_replicates, n_cells), minval=0.4, maxval=0.6)

        def step(carry, _):
            s, k = carry
            k, sub = random.split(k)
            xi = random.normal(sub, s.shape)
            left = jnp.concatenate([s[:, 1:2], s[:, :-1]], axis=1)  # open boundary: an edge cell
            right = jnp.concatenate([s[:, 1:], s[:, -2:-1]], axis=1)  # copies its only neighbour
            sbar = 0.5 * (left + right)
            s = jnp.clip(s + f(sbar) * dt + noise_strength * jnp.sqrt(dt) * xi, 0.0, 1.0)
            return (s, k), None

        (s, _), _ = lax.scan(step, (s0, k_noise), None, length=n_steps)
        x = (s >= 0.5).astype(jnp.float32)
        p = jnp.clip(jnp.mean(x), 1e-12, 1 - 1e-12)
        s_pat = -(p * jnp.log2(p) + (1 - p) * jnp.log2(1 - p))
        sq = jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
        density = jnp.mean(jnp.exp(-sq / (2 * bandwidth ** 2)), axis=1)
        s_rep = -jnp.mean(jnp.log2(density)) / n_cells
        return s_pat - s_rep

    # Jitted per individual with the model an ordinary (hashable, static) argument, as in the notebook.
    fitness = jax.jit(fitness, static_argnums=1)

    def evaluate(population, key):
        keys = random.split(key, len(population))
        fitnesses = []
        for individual, k in zip(population, keys, strict=True):
            fitnesses.append(fitness(unflatten(individual, template), model, k))
        return jnp.array(fitnesses)

    def generation(population, key):
        key, eval_key, mut_key = random.split(key, 3)
        fit = evaluate(population, eval_key)
        parents = population[jnp.argsort(fit)[-n_parents:]]
        n_children = population_size - n_parents
        choice = random.randint(mut_key, (n_children,), 0, n_parents)
        noise = random.normal(random.split(mut_key)[1], (n_children, parents.shape[1])) * mutation_std
        return jnp.concatenate([parents, parents[choice] + noise]), fit, key

    def initial_population(key):
        return jnp.array([flatten(model.init(k, jnp.ones((1,)))) for k in random.split(key, population_size)])

    return initial_population, generation


# --------------------------------------------------------------------------- timing

def time_interleaved(runners: dict, n: int) -> tuple[dict, dict]:
    """Warm each runner up once, then time ``n`` rounds in which every runner does one generation.

    Interleaving the methods round by round exposes them to the same machine load, so the
    ratio of their medians is robust to load that drifts during the run.
    Returns (warm-up seconds, list of timed seconds) per runner name.
    """
    warm = {}
    for name, run_one in runners.items():
        t0 = time.perf_counter()
        run_one()
        warm[name] = time.perf_counter() - t0
        log(f"[{name}] warm-up generation {warm[name]:.2f} s")
    times = {name: [] for name in runners}
    for g in range(n):
        for name, run_one in runners.items():
            t0 = time.perf_counter()
            run_one()
            times[name].append(time.perf_counter() - t0)
        log(f"round {g + 1}/{n}: " + ", ".join(f"{name} {t[-1]:.3f} s" for name, t in times.items()))
    return warm, times


def main(argv=None) -> dict:
    args = parse_args(argv)
    set_host_devices(args.devices)

    import jax

    from fatenet.training import make_generation_step
    from seed_settings import seed_config

    config = seed_config()  # the seed notebook's settings (workflow/presets/seed.yaml)
    sim, net, evo = config.simulation, config.network, config.evolution
    assert (evo.population_size, sim.n_replicates, sim.n_cells, sim.n_steps) == (20, 50, 7, 2000)
    assert net.architecture == "mlp" and net.hidden_dims == (8, 8) and net.activation == "tanh"
    assert evo.strategy == "mu_plus_lambda" and evo.fitness == "soft"
    assert sim.boundary == "open" and not evo.common_random_numbers
    n_dev = len(jax.devices())
    log(f"jax {jax.__version__}, backend {jax.default_backend()}, {n_dev} device(s); "
        f"P={evo.population_size} R={sim.n_replicates} N={sim.n_cells} steps={sim.n_steps}")

    # fatenet: one jitted call per generation; exact f, then the opt-in tabulated approximation.
    def fatenet_generation_timer(cfg):
        init, step, *_ = make_generation_step(cfg)
        state = {"s": init([args.seed])}

        def fatenet_generation():
            state["s"], record = step(state["s"])
            jax.block_until_ready((state["s"], record))

        return fatenet_generation

    tabulated = config.replace({"evolution.f_table_points": args.table_points})
    gradient = config.replace({"evolution.strategy": "gradient"})
    piecewise = config.replace({"network.architecture": "piecewise_linear"})

    # Seed-style baseline: a Python loop over individuals.
    initial_population, generation = make_seed_style(
        sim.n_cells, sim.n_replicates, sim.n_steps, sim.dt, sim.noise_strength, evo.bandwidth,
        net.hidden_dims, evo.population_size, evo.n_parents, evo.mutation_std)
    key, sub = jax.random.split(jax.random.PRNGKey(args.seed))
    seed_state = {"pop": initial_population(sub), "key": key}

    def seed_generation():
        pop, fit, seed_state["key"] = generation(seed_state["pop"], seed_state["key"])
        seed_state["pop"] = jax.block_until_ready(pop)
        jax.block_until_ready(fit)

    warm, times = time_interleaved({"fatenet": fatenet_generation_timer(config),
                                    "tabulated": fatenet_generation_timer(tabulated),
                                    "gradient": fatenet_generation_timer(gradient),
                                    "piecewise_linear": fatenet_generation_timer(piecewise),
                                    "seed-style": seed_generation}, args.generations)
    compile_s = warm["fatenet"]
    fatenet_times, tabulated_times, seed_times = times["fatenet"], times["tabulated"], times["seed-style"]

    fatenet_s = statistics.median(fatenet_times)
    seed_s = statistics.median(seed_times)
    result = {
        "fatenet_s_per_gen": round(fatenet_s, 4),
        "seed_style_s_per_gen": round(seed_s, 4),
        "speedup": round(seed_s / fatenet_s, 2),
        "compile_s": round(compile_s, 2),
        "tabulated_s_per_gen": round(statistics.median(tabulated_times), 4),
        "tabulated_speedup": round(seed_s / statistics.median(tabulated_times), 2),
        "table_points": args.table_points,
        "piecewise_linear_s_per_gen": round(statistics.median(times["piecewise_linear"]), 4),
        "piecewise_linear_speedup": round(seed_s / statistics.median(times["piecewise_linear"]), 2),
        "gradient_s_per_step": round(statistics.median(times["gradient"]), 4),
        "gradient_cost_ratio": round(statistics.median(times["gradient"]) / fatenet_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "devices": n_dev,
        "backend": jax.default_backend(),
        "jax_version": jax.__version__,
        "generations": args.generations,
    }
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
