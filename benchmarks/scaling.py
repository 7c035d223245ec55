"""How the cost of a generation grows with the work: population, replicates, cells, time steps.

    python benchmarks/scaling.py [--out benchmarks/scaling] [--repeats 3] [--architecture mlp]

Starting from the seed configuration (workflow/presets/seed.yaml: the (mu + lambda)-ES with 20
individuals x 50 replicates x 7 cells x 2000 steps),
each factor is swept alone over 1/2, 1, 2 and 4 times its seed value while the others stay
put. Every point is timed as the median of ``--repeats`` generations after one warm-up
(which compiles), on the host devices this process sees. Writes ``scaling.csv`` (one row per
point: factor, value, s_per_gen, cell_steps) and ``scaling.png`` (log-log, one panel per
factor, with the fitted power law), and prints the fitted exponents (the slope of log time
against log factor) as one JSON line, so a user can size a study before submitting it:
time ~ value ** exponent.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FACTORS = {  # name -> (config key, seed value)
    "population": ("evolution.population_size", 20),
    "replicates": ("simulation.n_replicates", 50),
    "cells": ("simulation.n_cells", 7),
    "steps": ("simulation.t_final", 20.0),  # steps = t_final / dt
}
MULTIPLIERS = (0.5, 1, 2, 4)


def time_point(overrides: dict, repeats: int) -> float:
    from seed_settings import seconds_per_generation, seed_config

    return seconds_per_generation(seed_config().replace(overrides), repeats)


def fit_exponent(values, seconds) -> float:
    import numpy as np

    slope, _ = np.polyfit(np.log(values), np.log(seconds), 1)
    return float(slope)


def plot_scaling(table, exponents: dict, path) -> Path:
    """Seconds per generation against each swept factor (log-log), with the fitted power law.

    ``table`` has columns ``factor``, ``value`` and ``s_per_gen`` (``benchmarks/scaling.py``);
    ``exponents`` maps each factor to its fitted slope. Drawn beside its benchmark in fatenet's
    figure style (``fatenet.plots.style``).
    """
    import numpy as np

    from fatenet.plots.style import TRAINED_COLOR, new_figure, save_png, styled

    @styled
    def draw():
        factors = list(dict.fromkeys(table["factor"]))
        fig = new_figure(3.4 * len(factors), 3.4)
        axes = np.atleast_1d(fig.subplots(1, len(factors), squeeze=False)).ravel()
        for ax, factor in zip(axes, factors, strict=True):
            part = table[table["factor"] == factor].sort_values("value")
            x, y = part["value"].to_numpy(float), part["s_per_gen"].to_numpy(float)
            ax.loglog(x, y, "o", color=TRAINED_COLOR)
            slope = float(exponents[factor])
            fit = np.exp(np.mean(np.log(y) - slope * np.log(x))) * x**slope
            ax.loglog(x, fit, "-", color="black", linewidth=1, label=f"time ~ {factor}^{slope:.2f}")
            ax.minorticks_off()
            ax.set_xticks(x, [f"{v:g}" for v in x])
            ax.set_yticks(y, [f"{v:.3g}" for v in y])
            ax.set_xlabel(factor)
            ax.set_title(factor)
            ax.legend(loc="upper left", fontsize=8)
        axes[0].set_ylabel("seconds per generation")
        fig.suptitle("Cost of a generation, one factor at a time (others at the seed values)")
        return save_png(fig, path)

    return draw()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="benchmarks/scaling", help="folder for scaling.csv and scaling.png")
    parser.add_argument("--repeats", type=int, default=3, help="timed generations per point (median)")
    parser.add_argument("--architecture", default="mlp", choices=["mlp", "piecewise_linear"])
    parser.add_argument("--multipliers", type=float, nargs="+", default=list(MULTIPLIERS),
                        help="multiples of each factor's seed value (default 0.5 1 2 4)")
    args = parser.parse_args(argv)

    import pandas as pd

    from fatenet.io import atomic_path, write_parquet

    rows = []
    for factor, (key, seed_value) in FACTORS.items():
        for m in args.multipliers:
            value = seed_value * m
            value = int(round(value)) if isinstance(seed_value, int) else float(value)
            overrides = {key: value, "network.architecture": args.architecture}
            seconds = time_point(overrides, args.repeats)
            sizes = {"population": 20, "replicates": 50, "cells": 7, "steps": 2000}
            sizes[factor] = value if factor != "steps" else int(round(value / 0.01))
            cell_steps = sizes["population"] * sizes["replicates"] * sizes["cells"] * sizes["steps"]
            rows.append({"factor": factor, "value": float(sizes[factor]), "s_per_gen": seconds,
                         "cell_steps": float(cell_steps), "architecture": args.architecture})
            print(f"{factor:>10} = {sizes[factor]:>6}: {seconds:.4f} s/generation", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    exponents = {factor: round(fit_exponent(part["value"], part["s_per_gen"]), 3)
                 for factor, part in table.groupby("factor", sort=False)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "scaling.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
    write_parquet(table, out / "scaling.parquet")
    plot_scaling(table, exponents, out / "scaling.png")
    result = {"exponents": exponents, "architecture": args.architecture, "out": str(out)}
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
