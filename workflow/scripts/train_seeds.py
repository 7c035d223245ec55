"""Rule `train_seeds`: every seed of one sweep point in one vmapped program (GPU option)."""

from script_log import start

start(snakemake.log[0])

from fatenet import io  # noqa: E402  (imported after the redirect so its output lands in the log)
from fatenet.config import Config  # noqa: E402
from fatenet.study import with_neutral  # noqa: E402
from fatenet.training import train_seeds  # noqa: E402
from run_outputs import write_run  # noqa: E402

io.enable_compilation_cache(snakemake.config["cache_dir"])
config = Config.from_dict(with_neutral(snakemake.params.settings, snakemake.config))
seeds = [int(seed) for seed in snakemake.params.seeds]
results = train_seeds(config, seeds)
outputs = zip(
    seeds,
    results,
    snakemake.output.params,
    snakemake.output.history,
    snakemake.output.figure,
    strict=True,
)
for seed, result, params, history, figure in outputs:
    write_run(config, seed, result, params, history, figure)
