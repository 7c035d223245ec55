# One summary row per run.


rule aggregate:
    input:
        metrics=run_files("metrics.parquet"),
        sidecars=run_files("params.json"),
    output:
        parquet="results/summary.parquet",
        csv=report(
            "results/summary.csv",
            caption="../report/summary.rst",
            category="Study",
            labels={"table": "summary"},
        ),
    log:
        "results/logs/aggregate.log",
    benchmark:
        "results/benchmarks/aggregate.tsv"
    conda:
        CONDA_ENV
    params:
        runs=study_runs(),
        sweep_keys=SWEEP_KEYS,
        metric_columns=list(METRIC_COLUMNS),
    script:
        "../scripts/aggregate.py"
