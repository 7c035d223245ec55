# Train one network per run: seeds x sweep grid.


rule train:
    output:
        params="results/runs/{run}/params.npz",
        sidecar="results/runs/{run}/params.json",
        history="results/runs/{run}/history.parquet",
        figure=report(
            "results/runs/{run}/training.png",
            caption="../report/training.rst",
            category="Runs",
            subcategory="{run}",
            labels={"run": "{run}", "figure": "training"},
        ),
    log:
        "results/logs/train/{run}.log",
    benchmark:
        "results/benchmarks/train/{run}.tsv"
    conda:
        CONDA_ENV
    params:
        config=run_config,
        seed=run_seed,
    script:
        "../scripts/train.py"
