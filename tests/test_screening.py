"""Restart starts by pattern class (fatenet.screening): classes, the archive and the starts, by hand."""

import jax
import numpy as np

from fatenet.bounds import symmetries
from fatenet.screening import class_archive, class_starts, pattern_class, restart_populations, screen
from helpers import tiny_config


def rows(*strings):
    return np.array([[int(c) for c in s] for s in strings], np.int8)


def test_a_networks_class_is_its_most_frequent_pattern_up_to_mirror_image():
    open_chain = symmetries(5, "open")
    # 3 x 11000 (mirror image 00011), 2 x 10101: the class is the smaller string of the mode's pair
    assert pattern_class(rows("11000", "10101", "11000", "10101", "11000"), open_chain) == "00011"
    assert pattern_class(rows("00011", "00011", "10101"), open_chain) == "00011"  # the mirror image, same class
    assert pattern_class(rows("01001", "00101"), open_chain) == "00101"  # tie: the smaller row (00101) wins
    ring = symmetries(5, "periodic")
    assert pattern_class(rows("01000", "01000"), ring) == "00001"  # any rotation of one fate-1 cell
    assert pattern_class(rows("01100"), ring) == "00011"


def test_archive_orders_classes_by_their_elite_and_leaves_out_invalid_networks():
    fitness = np.array([0.5, 0.9, -np.inf, 0.7, 0.9, 0.1])
    classes = ["a", "b", "c", "a", "c", "b"]
    archive = class_archive(fitness, classes)
    assert [name for name, _ in archive] == ["b", "c", "a"]  # elites 0.9 (index 1), 0.9 (index 4), 0.7
    assert [idx.tolist() for _, idx in archive] == [[1, 5], [4], [3, 0]]


def test_restarts_start_from_successive_classes_then_their_next_members():
    fitness = np.array([0.5, 0.9, 0.8, 0.7, 0.6, 0.1])
    classes = ["a", "b", "a", "c", "b", "b"]
    # archive: b [1, 4, 5], a [2, 0], c [3]; the rest of the screen by fitness: 1, 2, 3, 4, 0, 5
    starts = class_starts(fitness, classes, n_restarts=5, population_size=3)
    assert [s.tolist() for s in starts] == [[1, 4, 5], [2, 0, 1], [3, 1, 2], [4, 5, 1], [0, 2, 1]]


def test_restart_populations_start_from_the_screened_elites():
    cfg = tiny_config(network={"architecture": "piecewise_linear", "n_knots": 5},
                      evolution={"restarts": 3, "initial_screen": 8, "population_size": 4, "fitness": "hard",
                                 "start_from": "pattern_classes"})
    from fatenet.neural_network import make_network
    from fatenet.problem import Problem
    from fatenet.screening import screened_candidates
    from fatenet.training import run_key

    keys = [run_key(7, k) for k in range(3)]
    populations, starts = restart_populations(cfg, keys)
    pairs = [screened_candidates(make_network(cfg.network), key, 8) for key in keys]
    candidates = np.concatenate([np.asarray(c) for c, _ in pairs])
    fitness, classes = screen(Problem.from_config(cfg), jax.numpy.asarray(candidates), jax.numpy.concatenate([k for _, k in pairs]))
    archive = class_archive(fitness, classes)
    for k, population in enumerate(populations):
        name, members = archive[k % len(archive)]
        assert starts[k] == name
        assert np.array_equal(np.asarray(population)[0], candidates[members[k // len(archive)]])
        assert population.shape == (4, 5)


def test_row_start_puts_the_row_switch_last_in_each_seeds_screen_and_acts_only_where_it_can():
    from fatenet.neural_network import make_network
    from fatenet.screening import seeds_screened
    from fatenet.training import run_key

    evolution = {"restarts": 2, "initial_screen": 4, "population_size": 4, "start_from": "pattern_classes"}
    plain = tiny_config(network={"architecture": "piecewise_linear", "n_knots": 5}, evolution=evolution)
    row = plain.replace({"evolution.row_start": True})
    assert row.starts_row and not plain.starts_row
    model = make_network(row.network)
    keys = [[run_key(seed, k) for k in range(2)] for seed in (3, 4)]  # two seeds, 2 x 4 networks each
    drawn, drawn_keys = seeds_screened(plain, model, keys)
    offered, offered_keys = seeds_screened(row, model, keys)
    assert np.array_equal(drawn_keys, offered_keys) and drawn.shape == offered.shape == (16, 5)
    lasts = [7, 15]
    others = [i for i in range(16) if i not in lasts]
    assert np.array_equal(np.asarray(offered)[others], np.asarray(drawn)[others])
    np.testing.assert_array_equal(np.asarray(offered)[lasts], np.float32([[-1, -1, 0.3, 0.3, 1]] * 2))  # knots 0 ... 1 by 1/4
    # learned thresholds: f is the switch, the threshold as drawn
    learned = row.replace({"fates.learn_thresholds": True})
    model = make_network(learned.network, learned.fates)
    drawn, _ = seeds_screened(learned.replace({"evolution.row_start": False}), model, keys)
    offered, _ = seeds_screened(learned, model, keys)
    np.testing.assert_array_equal(np.asarray(offered)[lasts, :5], np.float32([[-1, -1, 0.3, 0.3, 1]] * 2))
    np.testing.assert_array_equal(np.asarray(offered)[lasts, 5:], np.asarray(drawn)[lasts, 5:])
    # where it does not act: other starts, an f of [s, sbar], another architecture
    for change in ({"evolution.start_from": "fittest"}, {"network.inputs": ["s", "sbar"]},
                   {"network.architecture": "mlp"}):
        assert not row.replace(change).starts_row, change


def test_the_row_switch_makes_the_row_deciding_together_on_the_default_chain():
    from fatenet.config import Config
    from fatenet.dynamics import simulate
    from fatenet.problem import Problem

    config = Config.from_dict({"simulation": {"n_cells": 7, "n_replicates": 400, "noise_strength": 0.05,
                                              "boundary": "open"},
                               "network": {"architecture": "piecewise_linear", "n_knots": 17, "max_rate": 1.0}})
    problem = Problem.from_config(config)
    row = problem.network.row_switch()
    fates = np.asarray(problem.network.fates(row, simulate(problem, row, jax.random.key(0))))
    ones = fates.sum(axis=1)
    assert np.all((ones == 0) | (ones == 7))  # every tissue ends with one fate in every cell
    assert 0.25 < np.mean(ones == 7) < 0.75  # and both fates come, tissue by tissue
