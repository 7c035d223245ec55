# Study figures, drawn from the summary and the per-run tables.


rule figure_utility:
    input:
        summary="results/summary.parquet",
    output:
        figure=report(
            "results/figures/utility_vs_{param}.png",
            caption="../report/utility_vs_param.rst",
            category="Study",
            labels={"figure": "utility vs {param}"},
        ),
    log:
        "results/logs/figure/utility_vs_{param}.log",
    benchmark:
        "results/benchmarks/figure/utility_vs_{param}.tsv"
    conda:
        CONDA_ENV
    params:
        param=swept_param,
        sweep_keys=SWEEP_KEYS,
    script:
        "../scripts/figure_utility.py"


rule figure:
    input:
        f_curves=run_files("f_curve.parquet"),
        histories=run_files("history.parquet"),
        patterns=run_files("patterns.parquet"),
    output:
        f_curves=report(
            "results/figures/f_curves.png",
            caption="../report/f_curves.rst",
            category="Study",
            labels={"figure": "learned f, all runs"},
        ),
        f_by_group=report(
            "results/figures/f_by_group.png",
            caption="../report/f_by_group.rst",
            category="Study",
            labels={"figure": "learned f by sweep point"},
        ),
        training_curves=report(
            "results/figures/training_curves.png",
            caption="../report/training_curves.rst",
            category="Study",
            labels={"figure": "training curves"},
        ),
        top_patterns=report(
            "results/figures/top_patterns.png",
            caption="../report/top_patterns.rst",
            category="Study",
            labels={"figure": "top patterns"},
        ),
    log:
        "results/logs/figure/study.log",
    benchmark:
        "results/benchmarks/figure/study.tsv"
    conda:
        CONDA_ENV
    params:
        runs=study_runs(),
    script:
        "../scripts/figure.py"
