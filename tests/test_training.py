"""Training: determinism bit for bit, learning beats a random network, progress, several devices agree."""

import io
import json
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pandas as pd
import pytest

from fatenet import artifacts
from fatenet.config import Config
from fatenet.evaluation import evaluate
from fatenet.training import HISTORY_COLUMNS, train
from helpers import REPO, tiny_config


def test_same_config_and_seed_give_identical_history_and_params():
    a = train(tiny_config(), 7, progress=False)
    b = train(tiny_config(), 7, progress=False)
    assert list(a.history.columns) == list(HISTORY_COLUMNS)
    pd.testing.assert_frame_equal(a.history, b.history, check_exact=True)
    assert a.params.tobytes() == b.params.tobytes() and a.fitness == b.fitness
    c = train(tiny_config(), 8, progress=False)
    assert not np.array_equal(a.params, c.params)


def test_history_rows_are_the_statistics_of_each_generation():
    """Each history row, recomputed in numpy from the generation's per-individual fitness."""
    from fatenet.training import make_generation_step

    h = train(tiny_config(), 3, progress=False).history
    assert h["generation"].tolist() == [0, 1, 2]
    init, step, *_ = make_generation_step(tiny_config())
    state, out = step(init([3]), 3)
    fitness = np.asarray(out["fitness"], np.float64)  # (generation, individual)
    np.testing.assert_array_equal(h["best_fitness"], fitness.max(axis=1))
    np.testing.assert_allclose(h["mean_fitness"], fitness.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(h["std_fitness"], fitness.std(axis=1), rtol=1e-12)
    best = fitness.argmax(axis=1)
    np.testing.assert_array_equal(h["best_s_rep"], np.asarray(out["s_rep"])[np.arange(3), best])
    np.testing.assert_array_equal(h["best_ever_fitness"], np.maximum.accumulate(fitness.max(axis=1)))
    assert h["n_invalid"].tolist() == [0, 0, 0]


def test_common_random_numbers_change_the_stream_but_stay_deterministic():
    crn = tiny_config(evolution={"common_random_numbers": True})
    a, b = train(crn, 1, progress=False), train(crn, 1, progress=False)
    pd.testing.assert_frame_equal(a.history, b.history, check_exact=True)
    plain = train(tiny_config(), 1, progress=False)
    assert not a.history["mean_fitness"].equals(plain.history["mean_fitness"])


def test_progress_lines_say_the_cost_first_then_every_few_generations():
    """Before any work: what the job trains and its estimated cost; then generation 0 with the
    time left; then every log_every generations."""
    from fatenet.cost import estimate

    config = tiny_config(evolution={"n_generations": 5, "log_every": 2})
    stream = io.StringIO()
    train(config, 0, stream=stream)
    notes, lines = [], []
    for line in stream.getvalue().splitlines():
        (notes if line.startswith("fatenet: ") else lines).append(line)
    assert stream.getvalue().startswith(notes[0]) and notes[0].startswith("fatenet: training seed 0: 1 restart(s) x 6")
    assert f"estimated peak {estimate(config).train_mb:,.0f} MB" in notes[0] and "compiling" in notes[-1]
    assert [line.split()[1] for line in lines] == ["0/5", "2/5", "4/5"]
    assert all("best" in line and "s/gen" in line for line in lines)
    assert "left" in lines[0] and "left" not in lines[-1]
    quiet = io.StringIO()
    train(tiny_config(), 0, stream=quiet, progress=False)
    assert quiet.getvalue() == ""


def test_bad_seed_is_rejected():
    with pytest.raises(ValueError, match="seed"):
        train(tiny_config(), "42")


@pytest.mark.slow
def test_short_training_rises_well_above_a_random_network():
    cfg = Config.from_dict({"simulation": {"n_replicates": 16, "t_final": 5.0},
                            "evolution": {"population_size": 10, "n_generations": 10},
                            "evaluation": {"n_replicates": 128}})
    result = train(cfg, 1, progress=False)
    assert result.fitness > result.history["mean_fitness"].iloc[0] + 0.2
    metrics = evaluate(cfg, result.params, 1, train_fitness=result.fitness).metrics.set_index("network")
    assert metrics.loc["trained", "utility"] > metrics.loc["random", "utility"] + 0.3
    assert metrics.loc["trained", "lateral_inhibition"]


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["mu_plus_lambda", "gradient"])
def test_two_host_devices_give_the_same_numbers(strategy):
    """The population split over 2 CPU devices computes exactly what one device does."""
    script = textwrap.dedent(
        """
        import json, sys
        sys.path.insert(0, "tests")
        from helpers import tiny_config
        import jax
        from fatenet.training import train
        r = train(tiny_config(evolution={"strategy": sys.argv[1]}), 5, progress=False)
        print(json.dumps({"devices": jax.local_device_count(), "params": r.params.tolist(),
                          "best": r.history["best_fitness"].tolist(), "mean": r.history["mean_fitness"].tolist()}))
        """
    )
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    out = subprocess.run([sys.executable, "-c", script, strategy], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    split = json.loads(out.stdout.strip().splitlines()[-1])
    single = train(tiny_config(evolution={"strategy": strategy}), 5, progress=False)
    assert split["devices"] == 2
    assert split["params"] == single.params.tolist()
    assert split["best"] == single.history["best_fitness"].tolist()
    assert split["mean"] == single.history["mean_fitness"].tolist()


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["mu_plus_lambda", "gradient"])
def test_checkpoint_resume_is_byte_identical(tmp_path, strategy):
    cfg = tiny_config(evolution={"n_generations": 5, "strategy": strategy})
    reference = train(cfg, 2, progress=False)
    ckpt = tmp_path / artifacts.CHECKPOINT

    class Killed(Exception):
        pass

    class KillAfter:  # a stream that "kills" the run once generation 3 has been reported
        def __init__(self):
            self.text = ""

        def write(self, text):
            self.text += text
            if "gen    3/5" in text:
                raise Killed

        def flush(self):
            pass

    with pytest.raises(Killed):
        train(cfg, 2, stream=KillAfter(), checkpoint=ckpt, checkpoint_every=2)
    assert ckpt.exists()  # saved after generation index 1 (2 done); generations 2-3 are lost
    log = io.StringIO()
    resumed = train(cfg, 2, stream=log, checkpoint=ckpt, checkpoint_every=2)
    assert f"resuming from {ckpt} at generation 2" in log.getvalue()
    assert resumed.params.tobytes() == reference.params.tobytes()
    pd.testing.assert_frame_equal(resumed.history, reference.history, check_exact=True)
    assert not ckpt.exists()
    # A checkpoint of another seed is not used.
    with pytest.raises(Killed):
        train(cfg, 3, stream=KillAfter(), checkpoint=ckpt, checkpoint_every=2)
    fresh = train(cfg, 2, progress=False, checkpoint=ckpt, checkpoint_every=2)
    assert fresh.params.tobytes() == reference.params.tobytes()


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["mu_plus_lambda", "gradient"])
def test_many_seeds_in_one_program_agree_with_separate_runs(strategy):
    from fatenet.training import train_seeds

    cfg = tiny_config(evolution={"strategy": strategy})
    together = train_seeds(cfg, [4, 9], progress=False)
    for seed, result in zip([4, 9], together, strict=True):
        alone = train(cfg, seed, progress=False)
        np.testing.assert_allclose(result.params, alone.params, atol=1e-5)
        np.testing.assert_allclose(result.history["best_fitness"], alone.history["best_fitness"], atol=1e-5)
        np.testing.assert_allclose(result.history["mean_fitness"], alone.history["mean_fitness"], atol=1e-5)
        assert list(result.history.columns) == list(HISTORY_COLUMNS)
    with pytest.raises(ValueError, match="seeds"):
        train_seeds(cfg, [])


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["mu_plus_lambda", "cma_es", "gradient"])
def test_generations_scanned_in_blocks_equal_the_per_generation_loop(tmp_path, strategy):
    """One compiled call per generation, or several generations in one lax.scan: same bits."""
    cfg = tiny_config(evolution={"n_generations": 5, "strategy": strategy, "log_every": 5})
    per_generation = train(cfg, 4, progress=False, generations_per_call=1)
    for block in (2, 5):
        scanned = train(cfg, 4, progress=False, generations_per_call=block)
        assert scanned.params.tobytes() == per_generation.params.tobytes()
        pd.testing.assert_frame_equal(scanned.history, per_generation.history, check_exact=True)
        pd.testing.assert_frame_equal(scanned.selection, per_generation.selection, check_exact=True)

    class Stop(Exception):
        pass

    class StopAtGeneration3:  # stops the run once generation 3 has been reported (after the first checkpoint)
        def write(self, text):
            if "gen    3/5" in text:
                raise Stop

        def flush(self):
            pass

    saved = {}
    for block in (1, 2):
        ckpt = tmp_path / f"block{block}" / artifacts.CHECKPOINT
        ckpt.parent.mkdir()
        with pytest.raises(Stop):
            train(cfg.replace({"evolution.log_every": 1}), 4, stream=StopAtGeneration3(), checkpoint=ckpt,
                  checkpoint_every=2, generations_per_call=block)
        saved[block] = ckpt.read_bytes()
    assert saved[1] == saved[2]


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["cma_es", "gradient"])
def test_restarts_run_side_by_side_and_pool_their_candidates(strategy):
    """Restart 0 starts as the single run of its seed; restart 1 is another, independent run.

    (Later generations of restart 0 agree with the single run up to the rounding of batched
    arithmetic, which CMA-ES's eigendecomposition can amplify: only the first is compared.)
    """
    from fatenet.training import make_generation_step

    single_cfg = tiny_config(evolution={"strategy": strategy})
    init, step, *_ = make_generation_step(single_cfg)
    _, single = step(init([6]), 3)
    both_cfg = tiny_config(evolution={"strategy": strategy, "restarts": 2})
    init2, step2, *_ = make_generation_step(both_cfg)
    _, both = step2(init2([6]), 3)
    fitness = np.asarray(both["fitness"])  # (generation, restart, individual)
    np.testing.assert_allclose(fitness[0, 0], np.asarray(single["fitness"])[0], atol=1e-5)
    assert not np.allclose(fitness[:, 1], fitness[:, 0])
    result = train(both_cfg, 6, progress=False)
    np.testing.assert_allclose(result.history["best_fitness"], fitness.reshape(3, -1).max(axis=1), atol=1e-5)
    names = result.selection["candidate"].tolist()
    assert "restart_0_best_ever" in names and "restart_1_best_ever" in names
    assert result.best_ever_fitness == pytest.approx(float(np.max(both["best_ever_fitness"][-1])), abs=1e-6)


def explore_config(**evolution):
    return tiny_config(network={"architecture": "piecewise_linear", "n_knots": 5},
                       evolution={"strategy": "cma_es", "fitness": "hard", "n_generations": 6, "restarts": 3,
                                  "initial_screen": 6, "start_from": "pattern_classes", "explore_generations": 2,
                                  "keep_restarts": 2, "fitness_dt_factors": [1, 2], "rescore_replicates": 40}
                       | evolution)


@pytest.mark.slow
@pytest.mark.parametrize("focus_replicates", [0, 24])  # 0: on rescore_replicates (40) tissues
def test_exploration_keeps_the_restarts_that_rescore_best(focus_replicates):
    from fatenet import streams
    from fatenet.selection import rescore
    from fatenet.training import focus, make_generation_step, start_populations

    cfg = explore_config(focus_replicates=focus_replicates)
    on = cfg.replace({"evolution.rescore_replicates": focus_replicates or 40})  # the focus tissues
    [(populations, classes)] = start_populations(cfg, [3])
    assert len(set(classes)) == len(classes) == 3  # three restarts in three pattern classes
    init, step, mean, *_ = make_generation_step(cfg, explore=True)
    explored, _ = step(init([3], populations=[populations]), 2)
    explored = jax.device_get(explored)  # one seed: the restarts' axis only
    best, centres = np.asarray(explored.best_params), np.asarray(mean(explored))
    # on the focus tissues, the better of best and mean: U at dt, and the final choice's score
    # (robust: the worst of dt, dt / 4, dt / 16); kept: the best by the first, then the best by the second
    assert cfg.evolution.final_choice == "robust"
    of_best, of_mean = (rescore(on, p, 3, (1, 4, 16), stream=streams.FOCUS) for p in (best, centres))
    first = int(np.argmax(np.maximum(of_best[:, 0], of_mean[:, 0])))
    worst = np.maximum(of_best.min(axis=1), of_mean.min(axis=1))
    order = [int(k) for k in np.argsort(-worst, kind="stable") if k != first]
    [(state, kept, (elites, elite_params))] = focus(cfg, [3], [explored], mean)
    assert kept.tolist() == [first, order[0]]
    assert elites.size == 0 and elite_params.shape == (0, cfg.network.n_params)  # focus_candidates 0
    np.testing.assert_array_equal(np.asarray(state.best_params), best[kept])
    assert np.all(np.asarray(state.best_fitness) == -np.inf)
    if focus_replicates:  # the replicates argument is the config's count, and another count gives other scores
        np.testing.assert_array_equal(rescore(cfg, best, 3, (1, 4, 16), stream=streams.FOCUS, replicates=24),
                                      of_best)
        assert not np.array_equal(rescore(cfg, best, 3, (1, 4, 16), stream=streams.FOCUS), of_best)
        return
    result = train(cfg, 3, progress=False)
    assert result.restarts["kept"].tolist() == np.isin([0, 1, 2], kept).tolist()
    assert result.restarts["start_class"].tolist() == classes
    assert {f"restart_{k}_best_ever" for k in kept} <= set(result.selection["candidate"])


@pytest.mark.slow
@pytest.mark.parametrize("stop_at", [3, 5])  # checkpoints at generation 2 (before the focus) and 4 (after)
def test_two_phase_training_resumes_byte_identical(tmp_path, stop_at):
    cfg = explore_config(log_every=1, focus_candidates=1)  # the focus's best network is kept in the checkpoint
    reference = train(cfg, 5, progress=False)

    class Stop(Exception):
        pass

    class StopAt:
        def write(self, text):
            if f"gen    {stop_at}/6" in text:
                raise Stop

        def flush(self):
            pass

    ckpt = tmp_path / artifacts.CHECKPOINT
    with pytest.raises(Stop):
        train(cfg, 5, stream=StopAt(), checkpoint=ckpt, checkpoint_every=2)
    log = io.StringIO()
    resumed = train(cfg, 5, stream=log, checkpoint=ckpt, checkpoint_every=2)
    assert f"at generation {stop_at - 1}" in log.getvalue()
    assert resumed.params.tobytes() == reference.params.tobytes()
    pd.testing.assert_frame_equal(resumed.history, reference.history, check_exact=True)
    pd.testing.assert_frame_equal(resumed.restarts, reference.restarts, check_exact=True)
    pd.testing.assert_frame_equal(resumed.selection, reference.selection, check_exact=True)
    assert any(name.startswith("focus_") for name in reference.selection["candidate"])


def test_the_focus_keeps_the_best_of_each_ranking_then_the_uniform_restarts_by_hand():
    from fatenet.training import kept_restarts, uniform_restarts

    by_dt, by_choice = np.array([3, 1, 0, 2]), np.array([1, 2, 3, 0])
    assert kept_restarts([by_dt, by_choice], 3) == [3, 1, 2]  # 3, 1, then 1 (kept), 2
    assert kept_restarts([by_dt, by_choice], 3, [0, 2]) == [3, 1, 0]
    assert kept_restarts([by_dt, by_choice], 4, [0, 2]) == [3, 1, 0, 2]
    assert kept_restarts([by_dt, by_dt], 2, [2]) == [3, 2]  # the rankings agree: the uniform one is second
    assert kept_restarts([by_dt], 2) == [3, 1]
    assert uniform_restarts(["0110110", "1111111", "", "0000000", "2222", "0100000"]) == [1, 3, 4]


def test_focus_uniform_acts_only_on_an_exploration_from_pattern_classes():
    from fatenet.training import kept_restarts, uniform_restarts

    # inherited by a study with a search of its own it is accepted, and there are no start classes to keep
    assert explore_config(focus_uniform=True, explore_generations=0).evolution.focus_uniform
    assert explore_config(focus_uniform=True).evolution.focus_uniform
    assert kept_restarts([np.array([2, 0, 1, 3])], 3, uniform_restarts([])) == [2, 0, 1]


@pytest.mark.slow
def test_the_focus_best_networks_by_the_final_choices_score_join_the_final_candidates():
    from fatenet import streams
    from fatenet.selection import rescore, time_step_score
    from fatenet.training import focus, focus_names, make_generation_step, start_populations

    cfg = explore_config(focus_candidates=2, final_choice="flat", choice_tolerance=0.01, choice_penalty=3.0)
    [(populations, _)] = start_populations(cfg, [3])
    init, step, mean, *_ = make_generation_step(cfg, explore=True)
    explored = jax.device_get(step(init([3], populations=[populations]), 2)[0])
    networks = np.concatenate([np.asarray(explored.best_params), np.asarray(mean(explored))])  # 3 best, 3 means
    on = cfg.replace({"evolution.rescore_replicates": 40})
    by_dt = rescore(on, networks, 3, (1, 4, 16), stream=streams.FOCUS).T
    # the final choice's own score: the worst of the three less 3 x how far they spread beyond 0.01
    spread = by_dt.max(axis=0) - by_dt.min(axis=0)
    score = by_dt.min(axis=0) - 3.0 * np.maximum(spread - 0.01, 0.0)
    np.testing.assert_allclose(time_step_score("flat", by_dt, 0.01, 3.0), score)
    [(_, _, (elites, elite_params))] = focus(cfg, [3], [explored], mean)
    assert elites.tolist() == np.argsort(-score, kind="stable")[:2].tolist()
    np.testing.assert_array_equal(elite_params, networks[elites])
    assert focus_names([0, 2, 3, 5], 3) == ["focus_0_best_ever", "focus_2_best_ever", "focus_0_mean", "focus_2_mean"]
    result = train(cfg, 3, progress=False)
    names = result.selection["candidate"].tolist()
    assert [n for n in names if n.startswith("focus_")] == focus_names(elites, 3)  # listed last, no training score
    assert result.selection["train_fitness"][[n.startswith("focus_") for n in names]].isna().all()
    # where it does not act: no time-step choice, or no exploration
    assert not any(n.startswith("focus_") for n in
                   train(cfg.replace({"evolution.final_choice": "rescored"}), 3, progress=False).selection["candidate"])
