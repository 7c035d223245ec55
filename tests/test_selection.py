"""Choosing the final network: candidates, re-scoring on fresh tissues, and the notebook's rule."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fatenet import streams
from fatenet.dynamics import apply_threshold, simulate
from fatenet.neural_network import make_network
from fatenet.problem import Problem
from fatenet.selection import choose_final, final_candidates, rescore
from fatenet.training import train
from fatenet.utility_function import compute_hard_utility
from helpers import tiny_config


def test_candidates_are_best_ever_mean_and_the_top_of_the_last_generation():
    population = np.arange(12, dtype=np.float32).reshape(4, 3)
    fitness = np.array([0.1, 0.9, 0.5, 0.7])
    names, params, scores = final_candidates([population[2]], [0.95], population, fitness, [np.full(3, -1.0)],
                                             top_k=2)
    assert names == ["best_ever", "mean", "last_generation_1", "last_generation_2"]
    np.testing.assert_array_equal(params[2], population[1])
    np.testing.assert_array_equal(params[3], population[3])
    assert np.isnan(scores[1]) and scores.tolist()[::2] == [0.95, 0.9]
    # A candidate equal to an earlier one is listed once.
    names, _, _ = final_candidates([population[1]], [0.95], population, fitness, None, top_k=2)
    assert names == ["best_ever", "last_generation_2"]
    # With restarts, every restart's best network and mean are candidates.
    names, params, _ = final_candidates([population[0], population[3]], [0.2, 0.8], population, fitness,
                                        [np.full(3, -1.0), np.full(3, -2.0)], top_k=1)
    assert names == ["restart_0_best_ever", "restart_0_mean", "restart_1_best_ever", "restart_1_mean",
                     "last_generation_1"]
    np.testing.assert_array_equal(params[3], np.full(3, -2.0))


def _direct_utility(config, flat, key, factor=1, substeps=1):
    """Hard U of one network on the re-scoring tissues at dt / factor, computed with ``simulate`` directly."""
    sim = config.simulation
    model = make_network(config.network)
    problem = Problem.create(n_cells=sim.n_cells, n_steps=sim.n_steps * factor, dt=sim.dt / factor,
                             noise_strength=sim.noise_strength, boundary=sim.boundary, ic_mean=sim.ic_mean,
                             ic_spread=sim.ic_spread)
    final = simulate(problem, lambda s, _=None: model.apply_flat(jnp.asarray(flat), s), key,
                     config.evolution.rescore_replicates, substeps=substeps)
    return float(compute_hard_utility(apply_threshold(final))[0])


def test_rescore_is_the_hard_utility_on_common_fresh_tissues_and_brownian_paths():
    cfg = tiny_config(evolution={"rescore_replicates": 40})
    model = make_network(cfg.network)
    candidates = np.asarray(model.init_population(jax.random.PRNGKey(4), 3)) * 3.0
    key = jax.random.fold_in(jax.random.PRNGKey(9), streams.RESCORE)
    got = rescore(cfg, candidates, 9)
    assert got.shape == (3, 1)
    np.testing.assert_allclose(got[:, 0], [_direct_utility(cfg, c, key) for c in candidates], atol=1e-6)
    # at dt and dt / 4 on one path: dt driven by sums of 4 of the fine normals
    pair = rescore(cfg, candidates, 9, (1, 4))
    want = [[_direct_utility(cfg, c, key, 1, 4), _direct_utility(cfg, c, key, 4, 1)] for c in candidates]
    np.testing.assert_allclose(pair, want, atol=1e-6)


@pytest.mark.parametrize("strategy, rule", [("mu_plus_lambda", "rescored"), ("cma_es", "robust"),
                                            ("gradient", "robust"), ("cma_es", "flat")])
@pytest.mark.slow
def test_the_chosen_network_scores_best_on_the_rescoring(strategy, rule):
    cfg = tiny_config(evolution={"strategy": strategy, "rescore_replicates": 40, "n_generations": 4,
                                 "final_choice": rule}, simulation={"t_final": 2.0})
    result = train(cfg, 5, progress=False)
    table = result.selection
    assert table["chosen"].sum() == 1
    chosen = table[table["chosen"]].iloc[0]
    assert chosen["rescore_score"] == table["rescore_score"].max()
    # The returned params are the chosen candidate, and re-simulating it gives its scores.
    key = jax.random.fold_in(jax.random.PRNGKey(5), streams.RESCORE)
    if rule in ("robust", "flat"):  # dt, dt / 4 and dt / 16 on one Brownian path, resolved at dt / 16
        for column, k in (("rescore_utility", 1), ("rescore_fine_dt", 4), ("rescore_finest_dt", 16)):
            direct = _direct_utility(cfg, result.params, key, k, 16 // k)
            assert direct == pytest.approx(chosen[column], abs=1e-6)
        by_dt = table[["rescore_utility", "rescore_fine_dt", "rescore_finest_dt"]]
        worst, spread = by_dt.min(axis=1), by_dt.max(axis=1) - by_dt.min(axis=1)
        # robust: the worst of the three; flat: less what the spread exceeds 0.03 by
        want = worst if rule == "robust" else worst - np.maximum(spread - 0.03, 0.0)
        np.testing.assert_allclose(table["rescore_score"], want, atol=1e-12)
    else:
        assert _direct_utility(cfg, result.params, key) == pytest.approx(chosen["rescore_utility"], abs=1e-6)
        np.testing.assert_array_equal(table["rescore_score"], table["rescore_utility"])
        assert table["rescore_fine_dt"].isna().all()
    if strategy != "mu_plus_lambda":
        assert "mean" in table["candidate"].tolist()


def test_ties_keep_the_best_ever_network_and_best_ever_rule_skips_rescoring():
    cfg = tiny_config()
    population = np.zeros((3, make_network(cfg.network).n_params), np.float32)  # f = 0 for all
    choice = choose_final(cfg, 1, [population[0] + 0.0], [0.3], population, np.zeros(3), None)
    assert choice.table["candidate"].tolist() == ["best_ever"]  # the others equal it
    best_ever = dataclasses.replace(cfg, evolution=dataclasses.replace(cfg.evolution, final_choice="best_ever"))
    other = population + 1.0
    choice = choose_final(best_ever, 1, [population[0]], [0.3], other, np.array([0.9, 0.1, 0.2]), None)
    assert choice.params.tolist() == population[0].tolist() and choice.train_fitness == 0.3
    # best_ever over restarts: the best of the restarts' best networks
    choice = choose_final(best_ever, 1, [population[0], other[1]], [0.3, 0.4], other, np.zeros(3), None)
    assert choice.params.tolist() == other[1].tolist() and choice.train_fitness == 0.4
    assert np.isnan(choice.table["rescore_utility"].iloc[0])


def test_flat_score_prefers_a_network_the_time_step_check_passes():
    from fatenet.selection import flat_score

    # columns: candidates; rows: U at dt, dt / 4, dt / 16
    by_dt = np.array([[0.90, 0.70, 0.86, 0.90],
                      [0.85, 0.70, 0.85, 0.88],
                      [0.82, 0.69, 0.84, 0.866]])
    # spreads 0.08, 0.01, 0.02, 0.034: the first and last lose 0.05 and 0.004 beyond their worst case
    np.testing.assert_allclose(flat_score(by_dt), [0.77, 0.69, 0.84, 0.862], atol=1e-12)
    assert int(np.argmax(flat_score(by_dt[:, :2]))) == 0  # better by more than it moves
    assert int(np.argmax(flat_score(np.array([[0.93, 0.855], [0.85, 0.855], [0.80, 0.853]])))) == 1


def test_the_choice_tolerance_and_penalty_set_how_much_a_moving_network_loses():
    from fatenet.config import Config, ConfigError
    from fatenet.selection import flat_score, time_step_score

    # a collective f worth 0.914 at dt and 0.873 at dt / 16 (spread 0.041) against a row deciding
    # together that holds (spread 0.001): by the check's own tolerance the collective f wins,
    # 0.873 - (0.041 - 0.03) = 0.862; at 0.015 and twice the excess it loses, 0.873 - 2 * 0.026 = 0.821
    by_dt = np.array([[0.914, 0.856], [0.888, 0.857], [0.873, 0.857]])
    np.testing.assert_allclose(flat_score(by_dt), [0.862, 0.856], atol=1e-12)
    np.testing.assert_allclose(flat_score(by_dt, 0.015, 2.0), [0.821, 0.856], atol=1e-12)
    np.testing.assert_allclose(time_step_score("flat", by_dt, 0.015, 2.0), [0.821, 0.856], atol=1e-12)
    assert int(np.argmax(time_step_score("flat", by_dt))) == 0  # the check's own tolerance
    np.testing.assert_allclose(time_step_score("robust", by_dt, 0.015, 5.0), [0.873, 0.856], atol=1e-12)
    # the final choice reads both settings from the config: strict keeps the row, the default the collective f
    from fatenet.selection import choose_among

    params = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    strict = Config.from_dict({"evolution": {"final_choice": "flat", "choice_tolerance": 0.015, "choice_penalty": 2.0}})
    choice = choose_among(strict, ["collective", "row"], params, np.array([0.95, 0.86]), by_dt.T)
    assert choice.params.tolist() == [3.0, 4.0] and choice.table["chosen"].tolist() == [False, True]
    np.testing.assert_allclose(choice.table["rescore_score"], [0.821, 0.856], atol=1e-12)
    default = Config.from_dict({"evolution": {"final_choice": "flat"}})
    assert choose_among(default, ["collective", "row"], params, np.array([0.95, 0.86]), by_dt.T).params.tolist() == [1.0, 2.0]
    # by default the choice forgives what the time-step check forgives
    from fatenet.constants import DT_TOLERANCE

    assert Config.from_dict({}).evolution.choice_tolerance == DT_TOLERANCE
    assert Config.from_dict({}).evolution.choice_penalty == 1.0
    with pytest.raises(ConfigError, match="evolution.choice_tolerance"):
        Config.from_dict({"evolution": {"choice_tolerance": -0.01}})
    with pytest.raises(ConfigError, match="evolution.choice_penalty"):
        Config.from_dict({"evolution": {"choice_penalty": -1}})


def test_a_run_builds_its_pieces_once():
    """The same settings give one Problem; a second re-scoring, and one at another noise strength
    (a traced number), reuse the compiled program; the same settings give the same numbers."""
    from fatenet.config import Config
    from fatenet.selection import hard_utilities

    cfg = tiny_config(evolution={"rescore_replicates": 16})
    assert Problem.from_config(Config.from_dict(cfg.to_dict())) is Problem.from_config(cfg)
    candidates = make_network(cfg.network).init_population(jax.random.PRNGKey(0), 3)
    first = rescore(cfg, candidates, 1, (1, 4))
    compiled = hard_utilities._cache_size()
    np.testing.assert_array_equal(rescore(cfg, candidates, 1, (1, 4)), first)
    louder = rescore(cfg.replace({"simulation.noise_strength": 0.3}), candidates, 1, (1, 4))
    assert hard_utilities._cache_size() == compiled
    assert not np.array_equal(louder, first)


def test_several_seeds_are_rescored_together_as_each_alone():
    """rescore_seeds: the seeds' candidates (different counts) in one program, each seed's scores
    those of its own rescore (up to float rounding of the batched program; the fates are the same)."""
    from fatenet.selection import rescore_seeds

    cfg = tiny_config(evolution={"rescore_replicates": 24})
    model = make_network(cfg.network)
    candidates = [np.asarray(model.init_population(jax.random.PRNGKey(k), n)) * 3.0 for k, n in ((1, 3), (2, 5))]
    together = rescore_seeds(cfg, candidates, [7, 8], (1, 4))
    for got, params, seed in zip(together, candidates, [7, 8], strict=True):
        assert got.shape == (len(params), 2)
        np.testing.assert_allclose(got, rescore(cfg, params, seed, (1, 4)), rtol=0, atol=1e-6)


def _shift_config(**evolution):
    return tiny_config(network={"architecture": "piecewise_linear", "n_knots": 5},
                       simulation={"noise_strength": 0.1, "t_final": 2.0},
                       evolution={"final_choice": "flat", "rescore_replicates": 64, "choice_shifts": 2,
                                  "choice_shift_step": 0.05, "choice_shift_replicates": 64, **evolution})


def test_the_final_choice_offers_its_winner_moved_along_sbar():
    from fatenet.selection import rule_score, shift_grid

    cfg = _shift_config()
    network = Problem.from_config(cfg).network
    # f < 0 below sbar = 0.61 and > 0 above: from states near 1/2 every cell falls to fate 0 (U = 0
    # at every step); moved left by 0.1 it crosses 0 near 1/2 and the row splits
    lean = np.array([-1.5, -1.1, -0.6, 0.8, 2.1], np.float32)
    choice = choose_final(cfg, 1, [lean], [0.5], np.stack([lean, lean]), np.array([0.5, 0.5]), None)
    table = choice.table
    assert table["candidate"].tolist() == ["best_ever", "shift_-0.1_best_ever"]
    assert table["rescore_utility"].iloc[0] == 0.0 and table["rescore_finest_dt"].iloc[0] == 0.0
    assert table["chosen"].tolist() == [False, True] and table["rescore_score"].iloc[1] > 0.5
    np.testing.assert_array_equal(choice.params, network.shifted(lean, -0.1))
    assert np.isnan(choice.train_fitness)
    # the same numbers computed directly: d by the choice's rule at dt and dt / 4 on the shift stream's
    # tissues, then the moved f on the final candidates' tissues at all three steps
    ds, grid = shift_grid(network, lean, 2, 0.05)
    np.testing.assert_allclose(ds, [0.0, -0.1, -0.05, 0.05, 0.1])
    at_two = rescore(cfg, grid, 1, (1, 4), streams.SHIFT, 64)
    assert ds[int(np.argmax(rule_score(cfg, at_two)))] == -0.1
    np.testing.assert_allclose(table.iloc[1, 2:5].to_numpy(np.float64), rescore(cfg, grid[1:2], 1, (1, 4, 16))[0],
                               atol=1e-6)


def test_a_move_is_kept_only_where_it_wins_on_the_final_candidates_tissues():
    cfg = _shift_config()
    # this f's best move (+0.05) wins on the shift stream's tissues and loses on the final candidates'
    f = np.array([0.25, -0.26, 1.28, 0.21, -1.07], np.float32)
    table = choose_final(cfg, 1, [f], [0.5], np.stack([f, f]), np.array([0.5, 0.5]), None).table
    assert table["candidate"].tolist() == ["best_ever", "shift_+0.05_best_ever"]
    assert table["chosen"].tolist() == [True, False]
    assert table["rescore_score"].iloc[1] < table["rescore_score"].iloc[0]
    # a constant f moved is itself: f wins the tie and nothing is offered
    flat = np.full(5, 0.3, np.float32)
    assert choose_final(cfg, 1, [flat], [0.5], np.stack([flat, flat]), np.zeros(2), None).table["candidate"].tolist() \
        == ["best_ever"]
    # the setting acts on a piecewise-linear f of sbar with a re-scoring choice only
    mlp = tiny_config(evolution={"final_choice": "flat", "choice_shifts": 2})
    assert not mlp.moves_choice and cfg.moves_choice
    assert not dataclasses.replace(cfg, evolution=dataclasses.replace(cfg.evolution, final_choice="best_ever")) \
        .moves_choice


def test_choice_shifts_must_stay_within_half_of_sbar():
    from fatenet.config import Config, ConfigError

    with pytest.raises(ConfigError, match=r"evolution\.choice_shift_step.*0\.05.*at most 0\.5"):
        Config.from_dict({"evolution": {"choice_shifts": 11, "choice_shift_step": 0.05}})
    assert Config.from_dict({"evolution": {"choice_shifts": 10, "choice_shift_step": 0.05}}).evolution.choice_shifts == 10


def test_finalists_are_the_best_by_the_choices_score_and_the_move():
    from fatenet.selection import finalists

    score = np.array([0.80, np.nan, 0.85, 0.85, 0.70])
    assert finalists(score, 2) == [2, 3]  # 0.85 and 0.85; 0.80 is third
    assert finalists(score, 2, move=True) == [2, 3, 4]  # and the last candidate, the move
    assert finalists(score, 1) == [2]  # a tie: the first
    assert finalists(score, 5) == [0, 1, 2, 3, 4]  # the invalid network's NaN comes last
    assert finalists(np.array([0.9, 0.1]), 1, move=True) == [0, 1]


def test_the_confirmed_choice_is_the_best_finalist_on_its_own_tissues():
    """choose_among with the finalists' scores on the confirming tissues: the best finalist there wins,
    whatever the first tissues said, and the others keep NaN confirm columns."""
    from fatenet.selection import choose_among

    cfg = _shift_config(choice_confirm=2, choice_tolerance=0.015, choice_penalty=2.0)
    params = np.arange(8, dtype=np.float32).reshape(4, 2)
    # U at dt, dt / 4, dt / 16 on the first tissues: "lucky" (moves 0.02, flat score 0.88 - 2 x 0.005 = 0.87)
    # beats "steady" (0.85) and "moving"; on the confirming tissues "lucky" moves 0.05 (0.84 - 2 x 0.035 = 0.77)
    first = np.array([[0.90, 0.70, 0.89, 0.85], [0.89, 0.70, 0.85, 0.85], [0.88, 0.70, 0.80, 0.85]]).T
    again = np.array([[0.89, 0.85], [0.86, 0.85], [0.84, 0.85]]).T  # "lucky" and "steady" (rows 0 and 3)
    names = ["lucky", "weak", "moving", "steady"]
    plain = choose_among(cfg, names, params, np.zeros(4), first)
    assert plain.table["chosen"].tolist() == [True, False, False, False]
    choice = choose_among(cfg, names, params, np.zeros(4), first, ([0, 3], again))
    table = choice.table
    assert table["chosen"].tolist() == [False, False, False, True]
    np.testing.assert_array_equal(choice.params, params[3])
    np.testing.assert_allclose(table["confirm_score"].to_numpy()[[0, 3]], [0.84 - 2 * (0.05 - 0.015), 0.85])
    assert table.loc[[1, 2], ["confirm_utility", "confirm_fine_dt", "confirm_finest_dt", "confirm_score"]] \
        .isna().all().all()
    np.testing.assert_allclose(table["rescore_score"], [0.87, 0.70, 0.80 - 2 * (0.09 - 0.015), 0.85])


def test_the_confirming_scores_are_the_finalists_on_the_confirm_streams_tissues():
    cfg = _shift_config(choice_confirm=1, choice_confirm_replicates=48)
    lean = np.array([-1.5, -1.1, -0.6, 0.8, 2.1], np.float32)
    other = np.array([0.25, -0.26, 1.28, 0.21, -1.07], np.float32)
    choice = choose_final(cfg, 3, [lean], [0.5], np.stack([other, other]), np.array([0.5, 0.5]), None)
    table = choice.table
    names = table["candidate"].tolist()
    # best_ever, last_generation_1 and the move of the first choice's winner
    assert names[:2] == ["best_ever", "last_generation_1"] and names[2].startswith("shift_")
    finals = np.flatnonzero(table["confirm_score"].notna().to_numpy())
    best = int(np.nanargmax(table["rescore_score"].to_numpy()))
    assert finals.tolist() == sorted({best, 2})  # the best by the first score and the move
    # the same numbers computed directly: the finalists on choice_confirm_replicates tissues of streams.CONFIRM
    from fatenet.selection import flat_score, shift_grid

    network = Problem.from_config(cfg).network
    first_winner = lean if names[2].endswith("best_ever") else other
    d = float(names[2].split("_")[1])
    moved = np.asarray(network.shifted(first_winner, d), np.float32)
    params = [lean, other, moved]
    direct = rescore(cfg, np.stack([params[i] for i in finals]), 3, (1, 4, 16), streams.CONFIRM, 48)
    np.testing.assert_allclose(table.loc[finals, ["confirm_utility", "confirm_fine_dt", "confirm_finest_dt"]]
                               .to_numpy(np.float64), direct, atol=1e-6)
    kept = finals[int(np.argmax(flat_score(direct.T, 0.03, 1.0)))]
    assert table["chosen"].tolist() == [k == kept for k in range(3)]
    np.testing.assert_array_equal(choice.params, params[kept])
    assert shift_grid(network, first_winner, 2, 0.05)[0].tolist().count(d) == 1
    # the setting acts with a re-scoring final choice only
    assert cfg.confirms_choice and not _shift_config(choice_confirm=0).confirms_choice
    assert not dataclasses.replace(cfg, evolution=dataclasses.replace(cfg.evolution, final_choice="best_ever")) \
        .confirms_choice
