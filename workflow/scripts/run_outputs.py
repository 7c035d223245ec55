"""Writing one trained run's files; shared by the `train` and `train_seeds` rule scripts."""

from fatenet import io, portability
from fatenet.artifacts import Sidecar
from fatenet.evaluation import regulatory_curve
from fatenet.plots import plot_training


def write_run(config, seed, result, params_path, history_path, figure_path):
    """params.npz (+ its Sidecar, params.json), history.parquet and training.png of one run."""
    sidecar = Sidecar(
        config=config.training_dict(),
        seed=int(seed),
        n_params=int(result.params.size),
        best_fitness=float(result.best_ever_fitness),
        chosen_train_fitness=float(result.fitness),
        selection=result.selection.to_dict(orient="records"),
        restarts=result.restarts.to_dict(orient="records"),
        versions=io.package_versions(),
        platform=portability.describe(),
    )
    io.save_params(params_path, result.params, sidecar.to_dict())
    io.write_parquet(result.history, history_path)
    plot_training(
        result.history, regulatory_curve(config.network, result.params, fates=config.fates), figure_path
    )
    print(result.selection.to_string(index=False))
    print(f"seed {seed}: best training fitness {result.best_ever_fitness:.6f}; wrote {params_path}")
