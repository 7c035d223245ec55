# fatenet study: train -> evaluate -> aggregate -> figure, then results/report.html (see README.md).
# This file stays thin; the rules live in workflow/rules/, the logic in src/fatenet/.
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figure.smk"
include: "workflow/rules/report.smk"


report: "workflow/report/workflow.rst"


rule all:
    default_target: True
    input:
        study_targets(),


onsuccess:
    build_report(workflow, config)
