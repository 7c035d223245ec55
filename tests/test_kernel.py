"""The fused kernel (fatenet.kernels.tissue) against the XLA path, in Pallas's interpreter on the CPU:
the same normals, the same final states bit for bit for the piecewise-linear and lateral-inhibition
f on every coupling, end, state bound, weighting and start, the same fitness; the MLP's patterns;
results that do not depend on the block or on how many tissues run together; and a Triton lowering."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import pallas as pl

from fatenet.dynamics import simulate, simulate_time_steps
from fatenet.fitness import compiled_population_fitness
from fatenet.kernels import tissue
from fatenet.neural_network import LateralInhibition, PiecewiseLinear, RegulatoryNetwork
from fatenet.noise import element_words, quantile_table, step_normals, stream_seed
from fatenet.problem import Problem
from fatenet.utility_function import compute_hard_utility
from helpers import tiny_config


def _pair(problem: Problem):
    return problem.replace(backend="xla"), problem.replace(backend="kernel")


def test_the_kernels_normals_are_the_streams():
    """The kernel's draw (hash of key, step and element, then the quantile table) against noise.step_normals."""
    seed = stream_seed(jax.random.PRNGKey(11))
    n, steps = 8, 5
    value, slope = (jnp.asarray(t) for t in quantile_table())

    def kernel(seed_ref, value_ref, slope_ref, out_ref):
        words = tissue.element_hash(seed_ref[0], jax.lax.iota(jnp.uint32, n))
        for t in range(steps):
            out_ref[t, :] = tissue.stream_normals(seed_ref[1], words, jnp.uint32(t), value_ref, slope_ref)

    got = pl.pallas_call(kernel, out_shape=jax.ShapeDtypeStruct((steps, n), jnp.float32), interpret=True)(
        seed, value, slope)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(step_normals(seed, 0, steps, (n,))))
    assert element_words(seed, jnp.arange(3, dtype=jnp.uint32)).dtype == jnp.uint32


CASES = [(coupling, boundary, bounds) for coupling in ("nearest", "next_nearest", "global")
         for boundary in ("open", "fixed", "periodic") for bounds in ("clip", "reflect")]


@pytest.mark.parametrize("coupling, boundary, bounds", CASES)
def test_final_states_equal_the_xla_path_bit_for_bit(coupling, boundary, bounds):
    """After 1, 10 and 100 steps: the piecewise-linear f of (s, sbar) on every coupling x end x bound."""
    network = PiecewiseLinear(inputs=("s", "sbar"), n_knots=5, max_rate=2.0)
    flat = network.init_flat(jax.random.PRNGKey(1)) * 2.0
    for n_steps in (1, 10, 100):
        problem = Problem.create(network, n_cells=6, n_steps=n_steps, n_replicates=20, boundary=boundary,
                                 coupling=coupling, state_bounds=bounds, dt=0.02, noise_strength=0.3)
        xla, kernel = (simulate(p, flat, jax.random.PRNGKey(n_steps)) for p in _pair(problem))
        np.testing.assert_array_equal(np.asarray(kernel), np.asarray(xla), err_msg=str(n_steps))


@pytest.mark.parametrize("network, options", [
    (PiecewiseLinear(max_rate=1.0), {"coupling_weights": "sender"}),
    (PiecewiseLinear(max_rate=1.0, max_slope=6.0), {}),
    (PiecewiseLinear(output_scale=2.0), {"initial_condition": "half_normal", "state_bounds": "reflect"}),
    (LateralInhibition(), {"coupling_weights": "sender", "state_bounds": "reflect", "initial_condition": "half_normal"}),
    (LateralInhibition(h_s=3.0), {"coupling": "global"}),
])
def test_weights_starts_and_the_papers_f_equal_the_xla_path(network, options):
    problem = Problem.create(network, n_cells=7, n_steps=60, n_replicates=33, dt=0.01, noise_strength=0.2,
                             ic_spread=0.2, **options)
    flat = network.init_flat(jax.random.PRNGKey(2))
    xla, kernel = (simulate(p, flat, jax.random.PRNGKey(5)) for p in _pair(problem))
    np.testing.assert_array_equal(np.asarray(kernel), np.asarray(xla))


@pytest.mark.parametrize("factors", [(1, 4), (1, 4, 16), (2, 8)])
def test_time_steps_on_one_brownian_path_in_one_pass(factors):
    """Every level of one pass equals its own XLA simulation, bit for bit."""
    network = PiecewiseLinear(max_rate=1.0)
    problem = Problem.create(network, n_cells=7, n_steps=12, n_replicates=16, dt=0.02, noise_strength=0.2)
    flat = network.init_flat(jax.random.PRNGKey(3)) * 3.0
    xla, kernel = (simulate_time_steps(p, flat, jax.random.PRNGKey(6), factors) for p in _pair(problem))
    for k, a, b in zip(factors, xla, kernel, strict=True):
        np.testing.assert_array_equal(np.asarray(b), np.asarray(a), err_msg=str(k))
    coarse = simulate(problem.replace(backend="kernel"), flat, jax.random.PRNGKey(6), substeps=max(factors) // factors[0])
    if factors[0] == 1:
        np.testing.assert_array_equal(np.asarray(coarse), np.asarray(kernel[0]))


def test_the_piecewise_linear_fitness_equals_the_xla_path_bit_for_bit():
    """The population fitness (vmapped over individuals: one launch with a grid axis per individual)."""
    cfg = tiny_config(network={"architecture": "piecewise_linear", "n_knots": 9, "max_rate": 1.0},
                      evolution={"fitness": "hard", "fitness_dt_factors": [1, 4]})
    problem = Problem.from_config(cfg)
    population = problem.network.init_population(jax.random.PRNGKey(0), 4) * 3.0
    keys = jax.random.split(jax.random.PRNGKey(1), 4)
    xla, kernel = (compiled_population_fitness(p, population, keys) for p in _pair(problem))
    for name in ("fitness", "s_pat", "s_rep", "valid"):
        np.testing.assert_array_equal(np.asarray(getattr(kernel, name)), np.asarray(getattr(xla, name)), err_msg=name)


def test_the_mlps_patterns_agree_and_its_utility_within_sampling_error():
    """The MLP's units are summed in another order in the kernel: the same fates in at least 99% of
    the tissues, and U within 3 standard errors (bootstrap over tissues)."""
    network = RegulatoryNetwork()
    problem = Problem.create(network, n_cells=7, n_steps=300, n_replicates=600, dt=0.01, noise_strength=0.1)
    flat = network.init_flat(jax.random.PRNGKey(4)) * 2.0
    xla, kernel = (np.asarray(simulate(p, flat, jax.random.PRNGKey(8)) >= 0.5) for p in _pair(problem))
    same = np.mean(np.all(xla == kernel, axis=1))
    assert same >= 0.99, same
    u = [float(compute_hard_utility(jnp.asarray(x, jnp.float32))[0]) for x in (xla, kernel)]
    rng = np.random.default_rng(0)
    boot = [float(compute_hard_utility(jnp.asarray(xla[rng.integers(0, len(xla), len(xla))], jnp.float32))[0])
            for _ in range(100)]
    assert abs(u[0] - u[1]) <= 3 * np.std(boot) + 1e-12, (u, np.std(boot))


def test_results_do_not_depend_on_the_block_or_on_how_many_tissues_run_together():
    network = LateralInhibition()
    problem = Problem.create(network, n_cells=5, n_steps=40, dt=0.02, noise_strength=0.3, boundary="periodic")
    flat = network.init_flat(jax.random.PRNGKey(9))
    key = jax.random.PRNGKey(10)
    k_init, k_noise = jax.random.split(key)
    from fatenet.dynamics import initial_states

    def run(n, block):
        s0 = initial_states(problem, k_init, (n, problem.n_cells))
        return np.asarray(tissue.integrate(problem, flat, s0, stream_seed(k_noise), ((1, 1),), block=block)[0])

    many = run(70, 32)
    np.testing.assert_array_equal(run(70, 4), many)
    np.testing.assert_array_equal(run(9, 8), many[:9])


def test_models_the_kernel_does_not_cover_fall_back_to_xla_and_say_so():
    network = PiecewiseLinear(n_knots=40)
    problem = Problem.create(network, n_cells=4, n_steps=5, n_replicates=3, backend="kernel")
    assert tissue.uncovered(problem, network.init_flat(jax.random.PRNGKey(0))).startswith("network.n_knots 40")
    with pytest.warns(UserWarning, match="does not cover"):
        got = simulate(problem, network.init_flat(jax.random.PRNGKey(0)), jax.random.PRNGKey(1))
    want = simulate(problem.replace(backend="xla"), network.init_flat(jax.random.PRNGKey(0)), jax.random.PRNGKey(1))
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


@pytest.mark.parametrize("network", [PiecewiseLinear(max_rate=1.0), RegulatoryNetwork(), LateralInhibition()])
def test_the_kernel_lowers_to_triton_for_a_gpu(network, monkeypatch):
    """Lowered for CUDA on a machine without a GPU: every operation of the kernel has a Triton rule
    (the GPU compiles the Triton IR it carries)."""
    from jax import export

    monkeypatch.setattr(tissue, "_interpret", lambda: False)
    problem = Problem.create(network, n_cells=7, n_steps=50, n_replicates=256, backend="kernel",
                             dt_factors=(1, 4), fitness="hard")
    flat = network.init_flat(jax.random.PRNGKey(0))
    population = jnp.stack([flat, flat])
    keys = jax.random.split(jax.random.PRNGKey(1), 2)

    def fitness(population, keys):
        return compiled_population_fitness(problem, population, keys).fitness

    exported = export.export(jax.jit(fitness), platforms=["cuda"],
                             disabled_checks=[export.DisabledSafetyCheck.custom_call("__gpu$xla.gpu.triton")])(
        population, keys)
    text = exported.mlir_module()
    assert "__gpu$xla.gpu.triton" in text and "fatenet_tissue" in text


@pytest.mark.slow
def test_a_training_run_on_the_kernel_equals_the_xla_run_byte_for_byte():
    """The default study's search, shrunk (a screen by pattern class, restarts, exploration, the
    fitness at dt and dt / 4, the final choice at dt, dt / 4 and dt / 16), and its evaluation."""
    from fatenet.evaluation import evaluate
    from fatenet.training import train

    settings = {"network": {"architecture": "piecewise_linear", "n_knots": 9, "max_rate": 1.0},
                "simulation": {"t_final": 0.4},
                "evolution": {"strategy": "cma_es", "fitness": "hard", "restarts": 2, "initial_screen": 6,
                              "start_from": "pattern_classes", "explore_generations": 1, "keep_restarts": 1,
                              "fitness_dt_factors": [1, 4], "final_choice": "flat", "rescore_replicates": 24}}
    runs = {}
    for backend in ("xla", "kernel"):
        cfg = tiny_config(**{k: dict(v) for k, v in settings.items()}).replace({"simulation.backend": backend})
        result = train(cfg, 4, progress=False)
        runs[backend] = (result, evaluate(cfg, result.params, 4, train_fitness=result.fitness))
    (xla, xla_eval), (kernel, kernel_eval) = runs["xla"], runs["kernel"]
    assert xla.params.tobytes() == kernel.params.tobytes()
    import pandas as pd

    pd.testing.assert_frame_equal(xla.history, kernel.history, check_exact=True)
    pd.testing.assert_frame_equal(xla.selection, kernel.selection, check_exact=True)
    pd.testing.assert_frame_equal(xla_eval.metrics, kernel_eval.metrics, check_exact=True)
