"""The ``fatenet`` command: quick answers without writing a study.

    fatenet bound N [--boundary open|fixed|periodic] [--coupling nearest|next_nearest|global] [--fates Z]
                                                        exact upper bound of U for N cells (bits per cell)
    fatenet info RUN                                    what a run folder holds: settings, choice, metrics
    fatenet evaluate PARAMS [--replicates R] [--seed S] [--json]
                                                        score a params.npz on fresh replicates
    fatenet table [RESULTS]                             a built study, one Markdown row per variant /
                                                        sweep point: U over seeds with its 95% CI, ...
    fatenet search [RESULTS] [--tolerance T] [--miss M] how reliably each group's search found its
                                                        best basin: restart success and run miss rates
    fatenet atlas [RESULTS] [--figure PNG]              U against the tissue's size per model (variant),
                                                        beside the exact bound (workflow/presets/atlas.yaml)
    fatenet convergence [RESULTS] [--replicates R] [--runs RUN ...] [--set KEY=VALUE ...] [--csv CSV]
                        [--kymographs DIR]
                                                        every run's U as dt shrinks (dt/4, dt/16, dt/64 on
                                                        one Brownian path), f's steepest slope, wall time
    fatenet schema                                      the study's JSON schema, generated from the
                                                        settings (workflow/schemas/config.schema.yaml)
    fatenet cost [CONFIG ...] [--calibrate]             every run's estimated peak memory and time
                                                        (config.yaml here, CONFIGs layered over it)

``info`` and ``evaluate`` read the run's settings from the ``params.json`` sidecar beside
``params.npz``. Errors name the file or setting and what is allowed; the exit status is 2 for
a usage error and 1 for a file that cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import artifacts
from .config import BOUNDARIES, COUPLINGS, Config, ConfigError
from .constants import CONVERGENCE_FACTORS
from .progress import duration


def _bound(args: argparse.Namespace) -> int:
    import math

    from .bounds import BoundNotComputed, utility_upper_bound

    what = f"{args.n_cells} cells, {args.boundary} boundary, {args.coupling} coupling, {args.fates} fates"
    try:
        value = utility_upper_bound(args.n_cells, args.boundary, coupling=args.coupling, n_fates=args.fates)
    except BoundNotComputed as error:
        print(f"fatenet bound: N = {args.n_cells} with {args.fates} fates and {args.coupling} coupling is not "
              f"computed: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # N < 1, fewer than two fates
        print(f"fatenet bound: {error}", file=sys.stderr)
        return 2
    print(f"{value:.6f} bits per cell, U / log2 {args.fates} = {value / math.log2(args.fates):.6f}: the largest U for "
          f"{what}")
    return 0


def _run_files(path: Path) -> tuple[Path, Path]:
    """(params.npz, folder) for a run folder or a params.npz path."""
    params = path / artifacts.PARAMS if path.is_dir() else path
    if not params.is_file():
        raise FileNotFoundError(f"no {artifacts.PARAMS} at {params}: give a run folder (results/runs/...) or its "
                                f"{artifacts.PARAMS}")
    return params, params.parent


def _config_of(params: Path) -> tuple[Config, dict]:
    from .io import load_params, sidecar_path

    _, meta = load_params(params)
    if "config" not in meta:
        raise ValueError(f"{sidecar_path(params)} is missing or has no 'config': the settings of the run "
                         "are unknown")
    return Config.from_dict(meta["config"]), meta


def _info(args: argparse.Namespace) -> int:
    import pandas as pd

    params, folder = _run_files(Path(args.run))
    config, meta = _config_of(params)
    print(f"run {folder}")
    print(f"  seed {meta.get('seed')}, {meta.get('n_params')} parameters "
          f"({config.network.architecture}), strategy {config.evolution.strategy}, "
          f"{config.evolution.n_generations} generations")
    sim = config.simulation
    print(f"  model: {sim.n_cells} cells, {sim.boundary} boundary, noise {sim.noise_strength}, dt {sim.dt}, "
          f"t_final {sim.t_final}, max_rate {config.network.max_rate or 'unbounded'}")
    fates = (f"{config.fates.n_fates} fates at {list(config.fates.thresholds)}"
             f"{' (learned)' if config.fates.learn_thresholds else ''}")
    if sim.model == "reaction_diffusion":
        layout = config.grid()
        print(f"  reaction_diffusion: A, B on {layout.nodes_per_cell} node(s) per cell, {layout.substeps} sub-steps "
              f"per dt, {sim.production_noise} noise, {sim.initial_condition} starts, "
              f"{'flipped' if sim.flip else 'unflipped'} readout of A; P = f(A / (A + B)); {fates}")
    else:
        print(f"  f({', '.join(config.network.inputs)}); {sim.coupling} coupling ({sim.coupling_weights} weights), "
              f"states {sim.state_bounds}, {sim.initial_condition} starts; {fates}")
    print(f"  best training fitness {_number(meta.get('best_fitness'))}")
    selection = meta.get("selection", [])
    columns = ["train_fitness", "rescore_utility", *artifacts.RESCORE_DT_COLUMNS, "rescore_score"]
    if any(_number(row.get("confirm_score")) != "-" for row in selection):  # the choice made again (choice_confirm)
        columns.append("confirm_score")
    width = max([24, *(len(row["candidate"]) for row in selection)])  # a moved f's name runs longer
    if selection:
        labels = "".join(f" {artifacts.dt_label(k):>7}" for k in artifacts.RESCORE_DT_COLUMNS.values())
        confirmed = f" {'again':>8}" if "confirm_score" in columns else ""
        title = "final candidates (* chosen):".ljust(width + 3)
        print(f"  {title} {'training':>8} {'U at dt':>8}{labels} {'score':>8}{confirmed}")
    for row in selection:
        mark = "*" if row.get("chosen") else " "
        print(f"   {mark} {row['candidate']:<{width}} " + " ".join(f"{_number(row.get(k)):>8}" for k in columns))
    metrics_path = folder / artifacts.METRICS
    if metrics_path.is_file():
        metrics = pd.read_parquet(metrics_path).set_index("network")
        t = metrics.loc["trained"]
        print(f"  fresh U {t['utility']:.4f} [{t['utility_ci_low']:.4f}, {t['utility_ci_high']:.4f}] of bound "
              f"{t['utility_bound']:.4f}; U at "
              + ", at ".join(f"{artifacts.dt_label(k)} {t[c]:.4f}" for c, k in artifacts.DT_COLUMNS.items())
              + ("  ** dt-sensitive: use a smaller simulation.dt **" if t["dt_sensitive"] else ""))
        print(f"  random network U {metrics.loc['random', 'utility']:.4f}; alternating share "
              f"{t['alternating_share']:.3f}; f(0) {t['f0']:.3f}, f(1) {t['f1']:.3f}")
    else:
        print(f"  not evaluated yet (no {artifacts.METRICS})")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate
    from .io import load_params

    params_path, _ = _run_files(Path(args.params))
    config, meta = _config_of(params_path)
    if args.replicates is not None:
        config = config.replace({"evaluation.n_replicates": args.replicates})
    params, _ = load_params(params_path)
    seed = meta.get("seed", 0) if args.seed is None else args.seed
    result = evaluate(config, params, int(seed), train_fitness=meta.get("chosen_train_fitness"))
    if args.json:
        print(json.dumps(result.metrics.to_dict(orient="records"), default=str))
    else:
        columns = ["network", "utility", "utility_ci_low", "utility_ci_high", *artifacts.DT_COLUMNS,
                   "dt_sensitive", "alternating_share", "n_distinct"]
        print(result.metrics[columns].to_string(index=False))
    return 0


def _table(args: argparse.Namespace) -> int:
    """One row per group of runs that differ only in the seed (variant and swept values), in the
    study's order: the headline, U at dt / 16 (the value that holds as the time step shrinks),
    as its mean over seeds with the Student-t 95% CI and per seed; U at dt; the flagged runs, the
    alternating share, the training score's optimism and the wall time of a run (its train +
    evaluate jobs, from ``results/benchmarks``)."""
    import pandas as pd

    from .statistics import mean_ci95

    results = Path(args.results)
    summary, keys = _load_summary(results)

    def wall_seconds(run: str) -> float:
        total = 0.0
        for rule in ("train", "evaluate"):
            tsv = artifacts.benchmark_file(rule, run, results)
            if not tsv.is_file():
                return float("nan")
            total += float(pd.read_csv(tsv, sep="\t")["s"].iloc[-1])
        return total

    summary["wall_s"] = [wall_seconds(run) for run in summary["run"]]
    finest = artifacts.dt_label(artifacts.DT_COLUMNS[artifacts.HEADLINE])
    header = [*keys, "runs", f"U at {finest} mean [95% CI]", f"U at {finest} per seed", "U at dt", "dt_sensitive",
              "alternating", "train - fresh", "min / run"]
    print(_markdown_row(header))
    print(_markdown_rule(header))
    groups = summary.groupby(keys, sort=False) if keys else [((), summary)]
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        mean, low, high = mean_ci95(group[artifacts.HEADLINE])
        cells = [*(str(v) for v in values), str(len(group)), f"{mean:.3f} [{low:.3f}, {high:.3f}]",
                 ", ".join(f"{u:.3f}" for u in group[artifacts.HEADLINE]), f"{group['utility'].mean():.3f}",
                 f"{int(group['dt_sensitive'].sum())} of {len(group)}", f"{group['alternating_share'].mean():.2f}",
                 _gap(group["fitness_gap"]), f"{group['wall_s'].mean() / 60:.1f}"]
        print(_markdown_row(cells))
    return 0


def _gap(gaps) -> str:
    """``train - fresh`` over the runs whose network has a training score (an optimiser's mean,
    when it is the one returned, has none); ``-`` where no run's has."""
    gaps = gaps.dropna()
    return f"{gaps.mean():+.3f}" if len(gaps) else "-"


def _load_summary(results: Path):
    import pandas as pd

    summary_path = results / Path(artifacts.SUMMARY).name
    if not summary_path.is_file():
        raise FileNotFoundError(f"no {summary_path.name} in {results}: build the study first (snakemake --cores all)")
    summary = pd.read_parquet(summary_path)
    return summary, artifacts.summary_keys(summary.columns)


def _search(args: argparse.Namespace) -> int:
    """One row per group of runs that differ only in the seed: how its search did (``statistics.
    search_summary``), from every run's final candidates and restart table in ``params.json``."""
    from collections import Counter

    from .io import load_params
    from .statistics import restart_outcomes, search_summary

    results = Path(args.results)
    summary, keys = _load_summary(results)
    finest = artifacts.dt_label(artifacts.DT_COLUMNS[artifacts.HEADLINE])
    header = [*keys, "runs", "restarts (trained to the end)", "restart success", f"best U at {finest}",
              "runs that miss it", "best restart started from"]
    print(_markdown_row(header))
    print(_markdown_rule(header))
    groups = summary.groupby(keys, sort=False) if keys else [((), summary)]
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        runs, winners = [], Counter()
        for run, headline in zip(group["run"], group[artifacts.HEADLINE], strict=True):
            _, meta = load_params(artifacts.run_file(run, artifacts.PARAMS, str(results)))
            outcomes = restart_outcomes(meta.get("selection", []), meta.get("restarts"))
            runs.append((float(headline), outcomes))
            scored = [o for o in outcomes if o["score"] == o["score"]]
            if scored and any(o["start_class"] for o in scored):
                winners[max(scored, key=lambda o: o["score"])["start_class"]] += 1
        stats = search_summary(runs, args.tolerance, args.miss)
        cells = [*(str(v) for v in values), str(stats["runs"]), f"{stats['restarts']} ({stats['trained']})",
                 f"{stats['successes']} of {stats['restarts']} ({stats['success_rate']:.2f})", f"{stats['best']:.3f}",
                 f"{stats['misses']} of {stats['runs']} ({stats['miss_rate']:.2f})",
                 ", ".join(f"{name} x{n}" for name, n in winners.most_common()) or "-"]
        print(_markdown_row(cells))
    return 0


def _cost(args: argparse.Namespace) -> int:
    """One row per sweep point of the study (``config.yaml`` in this folder if there is one, with
    each CONFIG layered over it as ``--configfile`` does): ``fatenet.cost``'s estimates."""
    from . import cost
    from .study import Study, study_config

    if args.calibrate:
        from .training import seconds_per_generation

        measured = cost.calibrate(seconds_per_generation)
        print("this machine's cell-steps per second: " + ", ".join(f"{k} {v:.3g}" for k, v in measured.items())
              + f" (kept in {cost.rate_file()})")
    built = Study(study_config(*args.configs))
    rate = cost.rates()
    print("rates (cell-steps/s): " + ", ".join(f"{k} {v:.3g}" for k, v in rate.items())
          + ("" if cost.rate_file().is_file() else " (defaults: `fatenet cost --calibrate` measures this machine)"))
    header = ["sweep point", "runs", "train peak MB", "train time", "evaluate peak MB", "evaluate time",
              "train cell-steps", "asks mem_mb / runtime (train)"]
    print(_markdown_row(header))
    print(_markdown_rule(header))
    for point, runs in built.points.items():
        c = built.costs[runs[0].run]
        mem, minutes = c.request("train")
        print(_markdown_row([point, len(runs), f"{c.train_mb:,.0f}", duration(c.train_s), f"{c.evaluate_mb:,.0f}",
                             duration(c.evaluate_s), f"{c.train_cell_steps:.2e}", f"{mem} / {minutes} min"]))
    return 0


def atlas_table(summary, param: str = "simulation.n_cells"):
    """One row per model (variant) and value of ``param``: the best and mean U at dt / 16 over
    seeds, the seeds, the most frequent pattern of the best run and the exact bound."""
    import pandas as pd

    head = artifacts.HEADLINE
    model = summary["variant"] if "variant" in summary.columns else pd.Series("default", index=summary.index)
    rows = []
    for (name, value), group in summary.assign(model=model).groupby(["model", param], sort=False):
        best = group.loc[group[head].idxmax()]
        rows.append({"model": name, param: value, "best": float(best[head]), "mean": float(group[head].mean()),
                     "seeds": len(group), "bound": float(best["utility_bound"]), "best_run": best["run"]})
    return pd.DataFrame(rows)


def _atlas(args: argparse.Namespace) -> int:
    """The atlas (workflow/presets/atlas.yaml): U at dt / 16 against the swept ``--param`` (the
    tissue's size), one column per variant, beside the exact bound, as a Markdown table; with
    ``--figure``, the same as a PNG (one line per model, the bound dashed)."""
    import pandas as pd

    results = Path(args.results)
    summary, keys = _load_summary(results)
    if args.param not in summary.columns:
        print(f"fatenet atlas: {args.param} is not swept in {results} (swept: {', '.join(keys) or 'nothing'})",
              file=sys.stderr)
        return 2
    table = atlas_table(summary, args.param)
    models = list(dict.fromkeys(table["model"]))

    def top_pattern(run: str) -> str:
        patterns = pd.read_parquet(artifacts.run_file(run, artifacts.PATTERNS, str(results)))
        trained = patterns[patterns["network"] == "trained"].iloc[0]
        return f"`{trained['pattern']}` {trained['frequency']:.0%}"

    finest = artifacts.dt_label(artifacts.DT_COLUMNS[artifacts.HEADLINE])
    print(f"U at {finest}, the best of {int(table['seeds'].max())} seed(s), with the best run's most frequent pattern")
    header = [args.param.rsplit(".", 1)[-1], "exact bound", *models]
    print(_markdown_row(header))
    print(_markdown_rule(header))
    for value, rows in table.groupby(args.param, sort=True):
        cells = {r["model"]: f"{r['best']:.3f} ({top_pattern(r['best_run'])})" for _, r in rows.iterrows()}
        print(_markdown_row([value, f"{rows['bound'].iloc[0]:.3f}", *(cells.get(m, "-") for m in models)]))
    if args.figure:
        from .plots import plot_atlas

        print(f"wrote {plot_atlas(table, args.figure, param=args.param)}")
    return 0


def _convergence(args: argparse.Namespace) -> int:
    """Every run of a built study re-simulated at dt, dt / 4, dt / 16 and dt / 64 on one Brownian path
    (``fatenet.convergence``), as a Markdown table; ``--csv`` keeps every column, ``--kymographs`` draws
    each run's first tissues at dt and dt / 16 side by side."""
    from . import convergence
    from .io import load_params

    results = Path(args.results)
    summary, _ = _load_summary(results)
    if args.runs:
        unknown = sorted(set(args.runs) - set(summary["run"]))
        if unknown:
            print(f"fatenet convergence: --runs {', '.join(unknown)}: not a run of {results} (its runs: "
                  f"{', '.join(summary['run'])})", file=sys.stderr)
            return 2
        summary = summary[summary["run"].isin(args.runs)].reset_index(drop=True)
    try:
        changes = _settings(args.set or [])
    except ValueError as error:
        print(f"fatenet convergence: {error}", file=sys.stderr)
        return 2
    rows = []
    for run in summary["run"]:
        params, meta = load_params(artifacts.run_file(run, artifacts.PARAMS, str(results)))
        try:
            config = Config.from_dict(meta["config"]).replace(changes)
        except ConfigError as error:
            print(f"fatenet convergence: --set: {error}", file=sys.stderr)
            return 2
        rows.append(convergence.convergence(config, params, int(meta["seed"]), tuple(args.factors), args.replicates))
        if args.kymographs:
            from .plots import plot_kymographs

            figure = Path(args.kymographs) / f"{run.replace('/', '_')}.png"
            plot_kymographs(convergence.side_by_side(config, params, int(meta["seed"])), figure)
    table = convergence.table(rows, list(summary["run"]))
    # the evaluation's time-step flag belongs to the settings the runs were trained and evaluated at
    table["dt_sensitive"] = summary["dt_sensitive"].to_numpy() if not changes else float("nan")
    if args.csv:
        from .io import write_bytes

        write_bytes(table.to_csv(index=False).encode(), args.csv)
    labels = [artifacts.dt_label(k) for k in args.factors]
    header = ["run", *(f"U at {label}" for label in labels), "moves", "flagged", "max slope", "slope x dt",
              "max rate", "at a wall (dt, dt/16)", f"top pattern at dt -> {labels[-1]}"]
    print(_markdown_row(header))
    print(_markdown_rule(header))
    for _, row in table.iterrows():
        print(_markdown_row([row["run"], *(f"{row[f'utility_{label}']:.3f}" for label in labels), f"{row['moves']:.3f}",
                             _flag(row["dt_sensitive"]), f"{row['max_slope']:.1f}",
                             f"{row['slope_dt']:.3f}", f"{row['max_rate']:.2f}",
                             f"{row['wall_share_dt']:.2f}, {row['wall_share_dt/16']:.2f}",
                             f"`{row['top_pattern_dt']}` {row['top_share_dt']:.0%} -> "
                             f"`{row[f'top_pattern_{labels[-1]}']}` {row[f'top_share_{labels[-1]}']:.0%}"]))
    return 0


def _settings(pairs: list[str]) -> dict:
    """``--set KEY=VALUE`` pairs as ``Config.replace``'s dotted changes, each value read as YAML."""
    import yaml

    changes = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"--set {pair!r}: expected KEY=VALUE, e.g. simulation.noise_strength=0.05")
        changes[key.strip()] = yaml.safe_load(value)
    return changes


def _flag(value) -> str:
    """yes / no, or - where there is no flag (NaN: the runs re-simulated under changed settings)."""
    return "-" if value != value else ("yes" if value else "no")


def _schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fatenet", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    bound = commands.add_parser("bound", help="exact upper bound of U for N cells")
    bound.add_argument("n_cells", type=int, metavar="N")
    bound.add_argument("--boundary", choices=BOUNDARIES, default="open")
    bound.add_argument("--coupling", choices=COUPLINGS, default="nearest")
    bound.add_argument("--fates", type=int, default=2, metavar="Z", help="number of fates (default 2)")
    bound.set_defaults(handler=_bound)
    info = commands.add_parser("info", help="summarise a run folder")
    info.add_argument("run", metavar="RUN", help="a run folder (results/runs/...) or its params.npz")
    info.set_defaults(handler=_info)
    evaluate = commands.add_parser("evaluate", help="score a params.npz on fresh replicates")
    evaluate.add_argument("params", metavar="PARAMS", help="a params.npz (with its params.json) or its run folder")
    evaluate.add_argument("--replicates", type=int,
                          help="fresh replicates (default: the run's evaluation.n_replicates)")
    evaluate.add_argument("--seed", type=int, help="evaluation seed (default: the run's seed)")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.set_defaults(handler=_evaluate)
    table = commands.add_parser("table", help="a built study's runs grouped over seeds, as a Markdown table")
    table.add_argument("results", metavar="RESULTS", nargs="?", default="results",
                       help="the study's results folder (default: results)")
    table.set_defaults(handler=_table)
    search = commands.add_parser("search", help="restart success and run miss rates of a built study's searches")
    search.add_argument("results", metavar="RESULTS", nargs="?", default="results",
                        help="the study's results folder (default: results)")
    search.add_argument("--tolerance", type=float, default=0.02,
                        help="a restart succeeds within this of its run's best restart (default 0.02)")
    search.add_argument("--miss", type=float, default=0.05,
                        help="a run misses when its U at dt/16 is this far below its group's best (default 0.05)")
    search.set_defaults(handler=_search)
    atlas = commands.add_parser("atlas", help="U against the tissue's size per model, beside the exact bound")
    atlas.add_argument("results", metavar="RESULTS", nargs="?", default="results",
                       help="the study's results folder (default: results)")
    atlas.add_argument("--param", default="simulation.n_cells", help="the swept parameter (default simulation.n_cells)")
    atlas.add_argument("--figure", metavar="PNG", help="also draw it here")
    atlas.set_defaults(handler=_atlas)
    converge = commands.add_parser("convergence", help="every run's U as the time step shrinks, and why it moves")
    converge.add_argument("results", metavar="RESULTS", nargs="?", default="results",
                          help="the study's results folder (default: results)")
    converge.add_argument("--replicates", type=int, default=2000, help="fresh tissues per run (default 2000)")
    converge.add_argument("--factors", type=int, nargs="+", default=list(CONVERGENCE_FACTORS), metavar="K",
                          help="the time steps dt / K on one Brownian path (default 1 4 16 64, dividing the largest)")
    converge.add_argument("--runs", nargs="+", metavar="RUN",
                          help="only these runs (as in the table: noise_strength~0.05/seed~1; default every run)")
    converge.add_argument("--set", nargs="+", metavar="KEY=VALUE",
                          help="re-simulate every run's network under changed settings, e.g. "
                               "simulation.noise_strength=0.05 (the flag column is then -)")
    converge.add_argument("--csv", metavar="CSV", help="also write every column here")
    converge.add_argument("--kymographs", metavar="DIR", help="draw each run's tissues at dt and dt/16 here")
    converge.set_defaults(handler=_convergence)
    schema = commands.add_parser("schema", help="print the study's JSON schema (generated from the settings)")
    schema.set_defaults(handler=_schema)
    cost = commands.add_parser("cost", help="every run's estimated peak memory and time, before it runs")
    cost.add_argument("configs", metavar="CONFIG", nargs="*",
                      help="study files layered over ./config.yaml (as snakemake --configfile)")
    cost.add_argument("--calibrate", action="store_true",
                      help="first measure this machine's simulation rate (a minute) and keep it")
    cost.set_defaults(handler=_cost)
    return parser


def _markdown_row(cells) -> str:
    """One row of a Markdown table: ``| a | b |``."""
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _markdown_rule(header) -> str:
    """The line under a Markdown table's header: ``|---|---|``."""
    return "|" + "---|" * len(header)


def _number(value) -> str:
    """A score with 4 decimals; '-' where there is none (never scored, or not re-scored at that dt)."""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return f"{value:.4f}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except (FileNotFoundError, ValueError, ConfigError) as error:
        print(f"fatenet {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
