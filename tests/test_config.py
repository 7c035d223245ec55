"""Configuration: the seed notebook's defaults, and every invalid setting named with its value and what is allowed."""

import pytest

from fatenet.config import Config, ConfigError


def test_defaults_are_the_seed_notebook_settings():
    c = Config()
    assert (c.simulation.n_cells, c.simulation.n_replicates, c.simulation.n_steps) == (7, 50, 2000)
    assert (c.simulation.dt, c.simulation.noise_strength, c.simulation.boundary) == (0.01, 0.1, "open")
    assert c.network.hidden_dims == (8, 8) and c.network.n_params == 97
    assert (c.evolution.population_size, c.evolution.n_generations, c.evolution.n_parents) == (20, 100, 4)
    assert Config.from_dict(c.to_dict()) == c


def test_replace_by_dotted_name():
    c = Config().replace({"simulation.noise_strength": 0.05, "network.hidden_dims": [4]})
    assert c.simulation.noise_strength == 0.05 and c.network.hidden_dims == (4,)
    with pytest.raises(ConfigError, match=r"simulation\.noise"):
        Config().replace({"simulation.noise": 0.05})


@pytest.mark.parametrize(
    "data, match",
    [
        ({"simulation": {"n_cells": 1}}, r"simulation\.n_cells = 1: must be an integer >= 2"),
        ({"simulation": {"n_cells": 7.5}}, r"simulation\.n_cells = 7\.5: must be an integer"),
        ({"simulation": {"dt": 0}}, r"simulation\.dt = 0: must be a finite number > 0"),
        ({"simulation": {"dt": -0.1}}, r"simulation\.dt = -0\.1"),
        ({"simulation": {"t_final": 0.001}}, r"simulation\.t_final = 0\.001: must be >= simulation\.dt"),
        ({"simulation": {"noise_strength": -0.1}}, r"simulation\.noise_strength = -0\.1: must be a finite number >= 0"),
        ({"simulation": {"noise_strength": "high"}}, r"simulation\.noise_strength = 'high'"),
        ({"simulation": {"boundary": "reflecting"}}, r"simulation\.boundary = 'reflecting': must be one of open, fixed, periodic"),
        ({"simulation": {"n_replicates": 1}}, r"simulation\.n_replicates = 1"),
        ({"simulation": {"ic_mean": 1.5}}, r"simulation\.ic_mean = 1\.5: must be a finite number >= 0\.0 and <= 1\.0"),
        ({"network": {"hidden_dims": []}}, r"network\.hidden_dims = \[\]: must be a non-empty list"),
        ({"network": {"activation": "cosine"}}, r"network\.activation = 'cosine': must be one of tanh"),
        ({"evolution": {"population_size": 1}}, r"evolution\.population_size = 1: must be an integer >= 2"),
        ({"evolution": {"population_size": 2}}, r"evolution\.population_size = 2: must exceed the number of parents"),
        ({"evolution": {"elite_fraction": 0}}, r"evolution\.elite_fraction = 0: must be a finite number > 0\.0 and <= 1\.0"),
        ({"evolution": {"elite_fraction": 1.5}}, r"evolution\.elite_fraction = 1\.5"),
        ({"evolution": {"strategy": "cmaes"}}, r"evolution\.strategy = 'cmaes': must be one of mu_plus_lambda"),
        ({"evolution": {"strategy": "open_es", "population_size": 9}}, r"evolution\.population_size = 9: must be even with strategy open_es"),
        ({"evolution": {"fitness": "fuzzy"}}, r"evolution\.fitness = 'fuzzy': must be one of soft, hard"),
        ({"evolution": {"n_generations": 0}}, r"evolution\.n_generations = 0"),
        ({"evolution": {"common_random_numbers": "yes"}}, r"evolution\.common_random_numbers = 'yes': must be true or false"),
        ({"evolution": {"learning_rate": 0}}, r"evolution\.learning_rate = 0: must be a finite number > 0"),
        ({"network": {"architecture": "spline"}}, r"network\.architecture = 'spline': must be one of mlp, piecewise_linear"),
        ({"network": {"n_knots": 1}}, r"network\.n_knots = 1: must be an integer >= 2"),
        ({"network": {"max_rate": -1.0}}, r"network\.max_rate = -1\.0: must be a finite number >= 0"),
        ({"network": {"output_scale": 0}}, r"network\.output_scale = 0: must be a finite number > 0"),
        ({"evolution": {"final_choice": "last"}}, r"evolution\.final_choice = 'last': must be one of robust, flat, rescored, best_ever"),
        ({"evolution": {"rescore_replicates": 1}}, r"evolution\.rescore_replicates = 1: must be an integer >= 2"),
        ({"evolution": {"restarts": 0}}, r"evolution\.restarts = 0: must be an integer >= 1"),
        ({"evolution": {"focus_replicates": 1}}, r"evolution\.focus_replicates = 1: must be 0 \(as many as rescore"),
        ({"evolution": {"initial_std": -1}}, r"evolution\.initial_std = -1: must be a finite number > 0"),
        ({"evolution": {"strategy": "gradient", "f_table_points": 65}},
         r"evolution\.f_table_points = 65: must be 0 with strategy gradient"),
        ({"evolution": {"strategy": "gradient"}, "simulation": {"noise_strength": 0.0}},
         r"simulation\.noise_strength = 0\.0: must be > 0 with evolution\.strategy gradient"),
        ({"evaluation": {"n_replicates": 0}}, r"evaluation\.n_replicates = 0"),
        ({"simulaton": {}}, r"simulaton = \{\}: unknown section; allowed: simulation, network"),
        ({"simulation": {"cells": 7}}, r"simulation\.cells = 7: unknown key; allowed keys in simulation: backend, boundary"),
        ({"simulation": [1, 2]}, r"simulation = \[1, 2\]: must be a mapping"),
    ],
)
def test_bad_settings_name_key_value_and_allowed(data, match):
    with pytest.raises(ConfigError, match=match):
        Config.from_dict(data)


def test_ignored_study_keys():
    assert Config.from_dict({"seeds": [1], "sweep": {}}, ignore=("seeds", "sweep")) == Config()


def test_study_files_layer_as_snakemake_configfile_does():
    """``study.layered``: mappings merged key by key, the later layer wins, the layers' keys first."""
    from fatenet.study import layered

    base = {"seeds": [1, 2, 3], "simulation": {"n_cells": 7, "dt": 0.01}, "sweep": {"simulation.dt": [0.01]}}
    first = {"simulation": {"n_cells": 5}, "sweep": {"simulation.n_cells": [5, 6]}}
    second = {"seeds": [4], "simulation": {"dt": 0.02}}
    got = layered(base, first, second)
    assert got == {"simulation": {"n_cells": 5, "dt": 0.02}, "sweep": {"simulation.n_cells": [5, 6],
                                                                       "simulation.dt": [0.01]}, "seeds": [4]}
    assert list(got) == ["simulation", "sweep", "seeds"] and list(got["sweep"]) == ["simulation.n_cells",
                                                                                    "simulation.dt"]
    assert base["simulation"] == {"n_cells": 7, "dt": 0.01}  # the inputs are not changed
