"""Rule `train`: evolve one network (config x seed) and write params, history and training.png."""

from pathlib import Path

from script_log import start

start(snakemake.log[0])

from fatenet import artifacts, io  # noqa: E402  (imported after the redirect so its output lands in the log)
from fatenet.config import Config  # noqa: E402
from fatenet.study import with_neutral  # noqa: E402
from fatenet.training import train  # noqa: E402
from run_outputs import write_run  # noqa: E402

io.enable_compilation_cache(snakemake.config["cache_dir"])
# settings that change no result (log_every, the backend) come from the study config, not a rule param
config = Config.from_dict(with_neutral(snakemake.params.settings, snakemake.config))
seed = int(snakemake.params.seed)
if io.sidecar_path(snakemake.output.params) != Path(snakemake.output.sidecar):
    raise RuntimeError(f"the params sidecar must sit beside {artifacts.PARAMS} as {artifacts.SIDECAR}")

# Checkpoints beside the outputs (not an output itself, so a killed job's checkpoint survives
# Snakemake's clean-up of incomplete outputs and the rerun resumes from it).
result = train(
    config,
    seed,
    checkpoint=Path(snakemake.output.params).with_name(artifacts.CHECKPOINT),
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
