# Score each trained network, and a random one, on fresh replicates.


rule evaluate:
    input:
        params="results/runs/{run}/params.npz",
        sidecar="results/runs/{run}/params.json",
    output:
        metrics="results/runs/{run}/metrics.parquet",
        patterns="results/runs/{run}/patterns.parquet",
        f_curve="results/runs/{run}/f_curve.parquet",
        trained_patterns=report(
            "results/runs/{run}/trained_patterns.png",
            caption="../report/trained_patterns.rst",
            category="Runs",
            subcategory="{run}",
            labels={"run": "{run}", "figure": "trained patterns"},
        ),
        kymograph=report(
            "results/runs/{run}/kymograph.png",
            caption="../report/kymograph.rst",
            category="Runs",
            subcategory="{run}",
            labels={"run": "{run}", "figure": "kymograph"},
        ),
        f_surface=report(
            "results/runs/{run}/f_surface.png",
            caption="../report/f_surface.rst",
            category="Runs",
            subcategory="{run}",
            labels={"run": "{run}", "figure": "f(s, sbar)"},
        ),
        random_vs_trained=report(
            "results/runs/{run}/random_vs_trained.png",
            caption="../report/random_vs_trained.rst",
            category="Runs",
            subcategory="{run}",
            labels={"run": "{run}", "figure": "random vs trained"},
        ),
    log:
        "results/logs/evaluate/{run}.log",
    benchmark:
        "results/benchmarks/evaluate/{run}.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=job_resource("evaluate", "mem_mb"),
        runtime=job_resource("evaluate", "runtime"),
    params:
        settings=evaluation_settings,
        seed=run_seed,
    script:
        "../scripts/evaluate.py"
