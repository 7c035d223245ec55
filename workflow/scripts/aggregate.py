"""Rule `aggregate`: one row per run -> results/summary.parquet and results/summary.csv.

Columns: seed, each swept parameter under its dotted name, run (folder below
results/runs), the trained network's metrics, random_utility, train_best_fitness.
Rows follow the run table (sorted by sweep values, then seed).
"""

import json
from pathlib import Path

from script_log import start

start(snakemake.log[0])

import pandas as pd  # noqa: E402

from fatenet import io  # noqa: E402

runs = snakemake.params.runs
sweep_keys = snakemake.params.sweep_keys
metric_columns = snakemake.params.metric_columns


def column_value(value):
    """Lists (e.g. a swept hidden_dims) are stored as their JSON text; scalars as they are."""
    return json.dumps(value) if isinstance(value, (list, tuple)) else value


rows = []
for run, metrics_path, sidecar_path in zip(runs, snakemake.input.metrics, snakemake.input.sidecars, strict=True):
    metrics = pd.read_parquet(metrics_path).set_index("network")
    missing = [c for c in metric_columns if c not in metrics.columns]
    if missing:
        raise KeyError(f"{metrics_path} lacks the metric columns {missing}")
    sidecar = json.loads(Path(sidecar_path).read_text())
    row = {"seed": run["seed"]}
    row.update({key: column_value(run["point"][key]) for key in sweep_keys})
    row["run"] = run["run"]
    row.update({column: metrics.at["trained", column] for column in metric_columns})
    row["random_utility"] = metrics.at["random", "utility"]
    row["train_best_fitness"] = float(sidecar["best_fitness"])
    rows.append(row)

summary = pd.DataFrame(rows)
io.write_parquet(summary, snakemake.output.parquet)

with io.atomic_path(snakemake.output.csv) as tmp:
    summary.to_csv(tmp, index=False)
print(summary.to_string())
