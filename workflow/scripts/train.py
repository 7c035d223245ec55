"""Rule `train`: evolve one network (config x seed) and write params, history and training.png."""

from pathlib import Path

from script_log import start

start(snakemake.log[0])

from fatenet import io  # noqa: E402  (imported after the redirect so its output lands in the log)
from fatenet.config import Config  # noqa: E402
from fatenet.training import train  # noqa: E402
from run_outputs import write_run  # noqa: E402

io.enable_compilation_cache(snakemake.config["cache_dir"])
# log_every only paces progress lines, so it is read from the study config, not a rule param
config = Config.from_dict(snakemake.params.settings).replace(
    {"evolution.log_every": snakemake.config["evolution"]["log_every"]}
)
seed = int(snakemake.params.seed)
if Path(snakemake.output.params).with_suffix(".json") != Path(snakemake.output.sidecar):
    raise RuntimeError("the params sidecar must sit beside params.npz as params.json")

# Checkpoints beside the outputs (not an output itself, so a killed job's checkpoint survives
# Snakemake's clean-up of incomplete outputs and the rerun resumes from it).
result = train(
    config,
    seed,
    checkpoint=Path(snakemake.output.params).with_name("checkpoint.npz"),
    checkpoint_every=int(snakemake.config["checkpoint_every"]),
)
write_run(
    config,
    seed,
    result,
    snakemake.output.params,
    snakemake.output.history,
    snakemake.output.figure,
)
