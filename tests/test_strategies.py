"""Every ask/tell strategy on a toy problem with a known optimum; every strategy (gradient
included) through a short cell run."""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from fatenet.config import STRATEGIES, EvolutionConfig
from fatenet.strategies.ask_tell import ASK_TELL_STRATEGIES, make_strategy
from fatenet.training import make_trainer, train
from helpers import tiny_config


def test_every_configurable_strategy_is_served():
    assert set(STRATEGIES) == {*ASK_TELL_STRATEGIES, "gradient"}


@pytest.mark.parametrize("name", [name for name in ASK_TELL_STRATEGIES if name != "none"])
def test_strategy_maximises_a_toy_problem(name):
    """Maximise -|x - 1|^2 over 5 dimensions: the optimum is 0 at x = 1."""
    config = EvolutionConfig(strategy=name, population_size=16, mutation_std=0.3)
    strategy, params = make_strategy(config, 5)
    target = jnp.ones(5)
    key = jax.random.PRNGKey(0)
    state = strategy.init(key, jax.random.normal(key, (16, 5)) * 0.1, params)
    best = -np.inf
    for gen in range(150):
        k_ask, k_tell = jax.random.split(jax.random.fold_in(key, gen))
        population, state = strategy.ask(k_ask, state, params)
        fitness = -jnp.sum((population - target) ** 2, axis=1)
        fitness = fitness.at[0].set(jnp.nan).at[1].set(-jnp.inf)  # invalid individuals never help
        best = max(best, float(jnp.nanmax(fitness)))
        state = strategy.tell(k_tell, state, population, fitness, params)
    assert best > -0.05, f"{name} reached only {best}"


@pytest.mark.slow
@pytest.mark.parametrize("architecture, n_params", [("mlp", 97), ("piecewise_linear", 17)])
@pytest.mark.parametrize("name", STRATEGIES)
def test_strategy_runs_the_cell_problem_deterministically(name, architecture, n_params):
    """Every strategy trains either architecture; the run is reproducible bit for bit."""
    cfg = tiny_config(evolution={"strategy": name}, network={"architecture": architecture})
    a, b = train(cfg, 3, progress=False), train(cfg, 3, progress=False)
    assert a.params.tobytes() == b.params.tobytes()
    pd.testing.assert_frame_equal(a.history, b.history, check_exact=True)
    pd.testing.assert_frame_equal(a.selection, b.selection, check_exact=True)
    assert a.best_ever_fitness == a.history["best_ever_fitness"].iloc[-1]
    assert a.params.shape == (n_params,)
    # The best training score ever is the largest of every generation's best (for gradient, the
    # best of a step's batch means).
    per_generation = a.history["mean_fitness" if name == "gradient" else "best_fitness"]
    assert a.best_ever_fitness == pytest.approx(per_generation.max())


@pytest.mark.parametrize("architecture, n_params", [("mlp", 105), ("piecewise_linear", 25),
                                                    ("lateral_inhibition", 2)])
@pytest.mark.slow
@pytest.mark.parametrize("name", STRATEGIES)
def test_every_strategy_trains_an_f_of_the_cells_own_state(name, architecture, n_params):
    """inputs [s, sbar] with every architecture and strategy, on the paper's reflected, half-normal tissue."""
    # best_ever: no re-scoring programs to compile (the final choice is tested elsewhere)
    cfg = tiny_config(evolution={"strategy": name, "final_choice": "best_ever", "n_generations": 2},
                      network={"architecture": architecture, "inputs": ["s", "sbar"], "n_knots": 5},
                      simulation={"state_bounds": "reflect", "initial_condition": "half_normal"})
    result = train(cfg, 3, progress=False)
    assert result.params.shape == (n_params,)
    assert np.isfinite(result.best_ever_fitness) and np.all(np.isfinite(result.params))
    if name == "none" and architecture == "lateral_inhibition":  # the start itself: [h_s, h_g]
        np.testing.assert_array_equal(result.params, [cfg.network.h_s, cfg.network.h_g])


def test_every_strategy_name_has_a_trainer_and_a_settings_check():
    from fatenet.config import STRATEGY_CHECKS

    assert set(STRATEGY_CHECKS) == set(STRATEGIES)
    for name in STRATEGIES:
        evolution = {"strategy": name, "population_size": 6}
        trainer = make_trainer(tiny_config(evolution=evolution))
        assert callable(trainer.init) and callable(trainer.step), name


def test_a_strategy_checks_only_the_settings_it_reads():
    """The parent-count rule is mu_plus_lambda's (the one that reads elite_fraction), not CMA-ES's."""
    from fatenet.config import Config, ConfigError

    many_parents = {"population_size": 4, "elite_fraction": 1.0}
    assert Config.from_dict({"evolution": {"strategy": "cma_es", **many_parents}}).evolution.n_parents == 4
    with pytest.raises(ConfigError, match=r"population_size = 4: must exceed the number of parents .* = 4"):
        Config.from_dict({"evolution": {"strategy": "mu_plus_lambda", **many_parents}})
    with pytest.raises(ConfigError, match=r"population_size = 5: must be even with strategy open_es"):
        Config.from_dict({"evolution": {"strategy": "open_es", "population_size": 5}})
    assert Config.from_dict({"evolution": {"strategy": "snes", "population_size": 5}}).evolution.population_size == 5
