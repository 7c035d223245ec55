"""Rule `aggregate`: one row per run -> results/summary.parquet and results/summary.csv.

Columns (``artifacts.summary_row``): seed, each swept parameter under its dotted name, run
(folder below results/runs), the trained network's metrics, random_utility,
train_best_fitness. Rows follow the run table (sorted by sweep values, then seed).
"""

import json
from pathlib import Path

from script_log import start

start(snakemake.log[0])

import pandas as pd  # noqa: E402

from fatenet import artifacts, io  # noqa: E402

runs = snakemake.params.runs
sweep_keys = snakemake.params.sweep_keys
metric_columns = snakemake.params.metric_columns


rows = [
    artifacts.summary_row(run, pd.read_parquet(metrics).set_index("network"), json.loads(Path(sidecar).read_text()),
                          sweep_keys, metric_columns)
    for run, metrics, sidecar in zip(runs, snakemake.input.metrics, snakemake.input.sidecars, strict=True)
]
summary = pd.DataFrame(rows)
io.write_parquet(summary, snakemake.output.parquet)

with io.atomic_path(snakemake.output.csv) as tmp:
    summary.to_csv(tmp, index=False)
print(summary.to_string())
