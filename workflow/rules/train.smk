# Train one network per run: seeds x sweep grid. With train_seeds_together (GPU presets),
# one job per sweep point trains all its seeds in a single vmapped program instead.


if not config["train_seeds_together"]:

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
        priority: 1  # every training before any evaluation: the long jobs first keep every core busy to the end
        conda:
            CONDA_ENV
        resources:
            mem_mb=job_resource("train", "mem_mb"),
            runtime=job_resource("train", "runtime"),
        params:
            settings=training_settings,
            seed=run_seed,
        script:
            "../scripts/train.py"

else:

    rule train_seeds:
        output:
            params=expand("results/runs/{{point}}/seed~{seed}/params.npz", seed=SEEDS),
            sidecar=expand("results/runs/{{point}}/seed~{seed}/params.json", seed=SEEDS),
            history=expand(
                "results/runs/{{point}}/seed~{seed}/history.parquet", seed=SEEDS
            ),
            figure=expand("results/runs/{{point}}/seed~{seed}/training.png", seed=SEEDS),
        log:
            "results/logs/train_seeds/{point}.log",
        benchmark:
            "results/benchmarks/train_seeds/{point}.tsv"
        priority: 1
        conda:
            CONDA_ENV
        resources:
            mem_mb=job_resource("train", "mem_mb"),
            runtime=job_resource("train", "runtime"),
        params:
            settings=point_training_settings,
            seeds=SEEDS,
        script:
            "../scripts/train_seeds.py"
