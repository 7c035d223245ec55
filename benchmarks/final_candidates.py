"""Every final candidate of one training run, scored again on many fresh tissues.

The final choice (``fatenet.selection``) ranks a dozen candidates by their U at dt, dt / 4 and
dt / 16 on ``rescore_replicates`` tissues; this trains one run of a study (engine only, the
settings of ``config.yaml`` with the study file's over them and ``--set`` over both), records the
candidates as the choice saw them, and scores each again on ``--replicates`` tissues of a key
stream of this script's own at dt and dt / 16: what the choice would have kept had it measured
without sampling error, beside what it kept.

    python benchmarks/final_candidates.py 8001 0.1 --set evolution.choice_confirm=0

prints the selection table (the first tissues' U and score, the confirming tissues' where the
run confirms its choice) with the candidates' U at dt and dt / 16 on the new tissues, their move
(dt less dt / 16) and their spread over the three steps on the first tissues; last, one JSON
line: the candidate kept, the one the new tissues' flat score (the run's tolerance and penalty,
at dt and dt / 16) prefers, and U at dt and dt / 16 of each candidate scored again
(``--candidates NAME ...`` scores only those: a run's choice with and without a setting, paired).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from fatenet import selection, study
from fatenet.training import train

STREAM = 12345  # this script's tissues: no stream of the engine's (fatenet.streams)


def run_config(seed: int, noise: float, layers: list[str], settings: list[str]):
    """The Config of the study's run at ``seed`` and noise strength ``noise``, ``settings`` over it."""
    cfg = study.study_config(*layers, base=Path(__file__).resolve().parent.parent / "config.yaml")
    cfg["seeds"] = [seed]
    runs = [run for run in study.run_table(cfg).values()
            if float(run.point.get("simulation.noise_strength", run.config.simulation.noise_strength)) == noise]
    if not runs:
        sys.exit(f"no run of the study at noise_strength {noise}")
    overrides = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep:
            sys.exit(f"--set {setting!r}: allowed is KEY=VALUE, e.g. evolution.choice_confirm=0")
        overrides[key] = yaml.safe_load(value)
    return runs[0].config.replace(overrides) if overrides else runs[0].config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seed", type=int)
    parser.add_argument("noise", type=float, help="the run's simulation.noise_strength")
    parser.add_argument("--study", action="append", default=[], help="a study file over config.yaml (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a run setting (repeatable)")
    parser.add_argument("--replicates", type=int, default=16000, help="fresh tissues per candidate (default 16000)")
    parser.add_argument("--candidates", nargs="+", metavar="NAME",
                        help="score only these candidates again (default: every one)")
    args = parser.parse_args()
    config = run_config(args.seed, args.noise, args.study, args.set)

    seen = []  # every choice the run makes: (names, params, re-scores); the last holds every candidate
    choose_among = selection.choose_among

    def recording(config, names, params, scores, rescored, confirmed=None):
        seen.append((list(names), np.asarray(params), np.asarray(rescored)))
        return choose_among(config, names, params, scores, rescored, confirmed)

    selection.choose_among = recording
    start = time.perf_counter()
    result = train(config, args.seed, progress=False)
    seconds = time.perf_counter() - start
    selection.choose_among = choose_among
    names, params, rescored = seen[-1]
    wanted = list(range(len(names))) if not args.candidates else [names.index(n) for n in args.candidates if n in names]
    if args.candidates and len(wanted) < len(args.candidates):
        sys.exit(f"--candidates: {sorted(set(args.candidates) - set(names))} are not final candidates of this run; "
                 f"allowed: {', '.join(names)}")
    again = np.full((len(names), 2), np.nan)
    again[wanted] = selection.rescore(config, params[wanted], args.seed, (1, 16), stream=STREAM,
                                      replicates=args.replicates)
    table = result.selection.drop(columns=["train_fitness"]).copy()
    table["new_dt"], table["new_dt16"] = again[:, 0], again[:, 1]
    table["new_move"] = again[:, 0] - again[:, 1]
    table["first_spread"] = rescored.max(axis=1) - rescored.min(axis=1)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.dropna(axis=1, how="all").round(4).to_string(index=False))
    evo = config.evolution
    preferred = selection.first_best(selection.flat_score(again.T, evo.choice_tolerance, evo.choice_penalty))
    scored = {names[k]: [round(float(u), 4) for u in again[k]] for k in wanted}
    kept = int(np.flatnonzero(table["chosen"].to_numpy())[0])
    print(f"seed {args.seed}, noise {args.noise}: trained in {seconds:.0f} s")
    print(json.dumps({"seed": args.seed, "noise": args.noise, "kept": names[kept],
                      "kept_new_dt16": round(float(again[kept, 1]), 4),
                      "kept_new_move": round(float(table["new_move"][kept]), 4),
                      "preferred": names[preferred], "preferred_new_dt16": round(float(again[preferred, 1]), 4),
                      "new_dt_dt16": scored}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
