"""Rule `figure_utility`: the trained network's utility against one swept parameter."""

from script_log import start

start(snakemake.log[0])

import pandas as pd  # noqa: E402

from fatenet.plots import plot_utility_vs_param  # noqa: E402

summary = pd.read_parquet(snakemake.input.summary)
plot_utility_vs_param(
    summary, snakemake.params.param, snakemake.output.figure, other_params=snakemake.params.sweep_keys
)
