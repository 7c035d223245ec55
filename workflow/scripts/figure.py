"""Rule `figure`: study figures over all runs (learned f, training curves, top patterns)."""

from script_log import start

start(snakemake.log[0])

import pandas as pd  # noqa: E402

from fatenet.plots import plot_f_by_group, plot_f_curves, plot_top_patterns, plot_training_curves  # noqa: E402

runs = snakemake.params.runs


def stacked(paths):
    """The per-run tables at ``paths`` stacked, each tagged with its run and group."""
    parts = [
        pd.read_parquet(path).assign(run=run["run"], group=run["group"])
        for run, path in zip(runs, paths, strict=True)
    ]
    return pd.concat(parts, ignore_index=True)


curves = stacked(snakemake.input.f_curves).rename(columns={"f_trained": "f"})
plot_f_curves(curves, snakemake.output.f_curves)
plot_f_by_group(curves, snakemake.output.f_by_group)
plot_training_curves(stacked(snakemake.input.histories), snakemake.output.training_curves)
plot_top_patterns(stacked(snakemake.input.patterns), snakemake.output.top_patterns)
