"""Rule `evaluate`: score the trained network and a random one on fresh replicates."""

import json

from script_log import start

start(snakemake.log[0])

from fatenet import io  # noqa: E402  (imported after the redirect so its output lands in the log)
from fatenet.config import Config  # noqa: E402
from fatenet.evaluation import evaluate, fate_thresholds, paper_surface, regulatory_surface  # noqa: E402
from fatenet.plots import plot_f_surface, plot_kymographs, plot_patterns, plot_random_vs_trained  # noqa: E402
from fatenet.study import with_neutral  # noqa: E402

io.enable_compilation_cache(snakemake.config["cache_dir"])
# settings that change no result (the backend) come from the study config, not a rule param
config = Config.from_dict(with_neutral(snakemake.params.settings, snakemake.config))
seed = int(snakemake.params.seed)
params, metadata = io.load_params(snakemake.input.params)

result = evaluate(config, params, seed, train_fitness=metadata.get("chosen_train_fitness"))

io.write_parquet(result.metrics, snakemake.output.metrics)
io.write_parquet(result.patterns, snakemake.output.patterns)
io.write_parquet(result.f_curve, snakemake.output.f_curve)
utility = result.metrics.set_index("network")["utility"]
plot_patterns(result.shown["trained"], float(utility["trained"]), snakemake.output.trained_patterns,
              n_fates=config.fates.n_fates)
diffusing = config.simulation.model == "reaction_diffusion"
plot_kymographs(result.kymographs, snakemake.output.kymograph, thresholds=fate_thresholds(config, params),
                label="A at the cells" if diffusing else "cell state s")
plot_random_vs_trained(
    result.f_curve, float(utility["random"]), float(utility["trained"]), snakemake.output.random_vs_trained
)
grid, f_trained = regulatory_surface(config.network, params, fates=config.fates)
plot_f_surface(grid, f_trained, paper_surface(config, grid), snakemake.output.f_surface,
               reference_label=f"the paper's P (h = {config.network.hill:g})" if diffusing else
               f"the paper's f (h_s = {config.network.h_s:g}, h_g = {config.network.h_g:g})")
print(json.dumps(result.metrics.to_dict(orient="records"), indent=1, default=str))
