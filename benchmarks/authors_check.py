"""fatenet against the authors' code: U of every case in ``authors_reference/reference.json``.

The reference numbers come from the authors' own simulator (Brückner & Tkačik, PNAS 2024;
``benchmarks/authors_reference.py`` runs their code unchanged, in its own environment). This
script states each case in fatenet's settings and scores the paper's f on fresh tissues:

    their NN / NNN / global        -> simulation.coupling nearest / next_nearest / global
    their closed / periodic ends   -> simulation.boundary open / periodic
    their c / c.sum(axis=0)        -> simulation.coupling_weights sender
    g <- |g + ...|, g(0) = |N(0, sigma_IC^2)| -> state_bounds reflect, initial_condition half_normal
    1990 steps of dt = 0.01 (the state their fate map reads) -> dt 0.01, t_final 19.9
    f = sigmoid(2 (h_g g - h_s gbar)) - g  -> network.architecture lateral_inhibition, [h_s, h_g]

It prints one row per case (U by the authors' code, U by fatenet, the difference, the most
frequent patterns of both), then the reaction-diffusion cases of ``reference_rd.json``
(``benchmarks/authors_reference_rd.py``: their model with the paper's rates, ``architecture: hill``),
and exits with status 1 if any difference exceeds ``--tolerance``
(0.02 bits per cell). The two samples are independent (4000 tissues each by default), so a
difference of about 0.01 is sampling.

    .venv/bin/python benchmarks/authors_check.py [--replicates 4000] [--seed 0] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from fatenet.config import Config
from fatenet.evaluation import patterns_table, simulate_patterns
from fatenet.problem import Problem
from fatenet.utility_function import information_decomposition

REFERENCE = Path(__file__).resolve().parent / "authors_reference" / "reference.json"
REFERENCE_RD = REFERENCE.with_name("reference_rd.json")
"""The reaction-diffusion cases (``benchmarks/authors_reference_rd.py``)."""
COUPLINGS = {"NN": "nearest", "NNN": "next_nearest", "global": "global"}


def fatenet_config(settings: dict) -> Config:
    """The authors' case ``settings`` (their names) as a fatenet Config."""
    periodic = bool(settings.get("mode_periodic"))
    return Config.from_dict({
        "simulation": {"n_cells": int(settings["N"]), "coupling": COUPLINGS[settings["mode_connectivity"]],
                       "boundary": "periodic" if periodic else "open", "coupling_weights": "sender",
                       "state_bounds": "reflect", "initial_condition": "half_normal",
                       "ic_spread": float(settings["sigma_IC"]), "noise_strength": float(settings["sigma"]),
                       "dt": 0.01, "t_final": 19.9},
        "network": {"architecture": "lateral_inhibition", "inputs": ["s", "sbar"], "h_s": float(settings["h_s"]),
                    "h_g": float(settings["h_g"])},
        "fates": {"thresholds": [float(t) for t in settings["thresholds"]]},
    })


def fatenet_rd_config(case: dict) -> Config:
    """The authors' reaction-diffusion case (their simulation_RD.py's rates) as a fatenet Config:
    A, B uniform on [0, sigma_IC] at every node -> ic_mean = ic_spread = sigma_IC / 2; T = N_t delta_t."""
    return Config.from_dict({
        "simulation": {"model": "reaction_diffusion", "n_cells": int(case["N"]), "noise_strength": float(case["sigma"]),
                       "dt": 0.01, "t_final": 50.0, "state_bounds": "reflect", "boundary": "open",
                       "ic_mean": 0.05, "ic_spread": 0.05},
        "network": {"architecture": "hill"}, "fates": {"thresholds": [float(t) for t in case["thresholds"]]},
        "evolution": {"strategy": "none", "restarts": 1, "initial_screen": 0}})


def fatenet_utility(config: Config, n_replicates: int, seed: int) -> tuple[float, list[tuple[str, float]]]:
    """U (bits per cell) of the paper's f on ``n_replicates`` fresh tissues, and the top 3 patterns."""
    problem = Problem.from_config(config)
    flat = jnp.asarray(problem.network.start if config.simulation.model == "reaction_diffusion" else
                       [config.network.h_s, config.network.h_g], jnp.float32)
    fates = simulate_patterns(problem, flat, jax.random.PRNGKey(seed), n_replicates)
    u = float(information_decomposition(fates, problem.n_fates)["utility"])
    top = patterns_table(np.asarray(fates).astype(np.int8)).head(3)
    return u, list(zip(top["pattern"], top["frequency"].round(3), strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--replicates", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tolerance", type=float, default=0.02)
    parser.add_argument("--json", type=Path, help="write the rows here as JSON")
    args = parser.parse_args(argv)
    reference = json.loads(args.reference.read_text())
    rows = []
    print(f"authors' code at {reference['authors_commit'][:7]}; fatenet on {args.replicates} fresh tissues")
    print("| case | N | coupling | ends | h_s | h_g | noise | sigma_IC | Z | U authors | U fatenet | difference |"
          " top patterns (fatenet) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for case in reference["cases"]:
        settings = case["settings"]
        u, top = fatenet_utility(fatenet_config(settings), args.replicates, args.seed)
        diff = u - case["U_bits_per_cell"]
        rows.append({"case": case["name"], "settings": settings, "u_authors": case["U_bits_per_cell"],
                     "u_fatenet": u, "difference": diff, "top_fatenet": top})
        sim = fatenet_config(settings).simulation
        shown = ", ".join(f"{p} {f:.2f}" for p, f in top)
        print(f"| {case['name']} | {sim.n_cells} | {sim.coupling} | {sim.boundary} | {settings['h_s']:g} | "
              f"{settings['h_g']:g} | {settings['sigma']:g} | {settings['sigma_IC']:g} | {case['Z']} | "
              f"{case['U_bits_per_cell']:.3f} | {u:.3f} | {diff:+.3f} | {shown} |")
    if REFERENCE_RD.exists() and args.reference == REFERENCE:
        print("\n| reaction-diffusion case | N | noise | thresholds | U authors | U fatenet | difference "
              "| top patterns (authors) | top patterns (fatenet) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for case in json.loads(REFERENCE_RD.read_text())["cases"]:
            u, top = fatenet_utility(fatenet_rd_config(case), args.replicates, args.seed)
            diff = u - case["U_bits_per_cell"]
            rows.append({"case": case["name"], "settings": {k: case[k] for k in ("N", "sigma", "thresholds")},
                         "u_authors": case["U_bits_per_cell"], "u_fatenet": u, "difference": diff, "top_fatenet": top})
            theirs = ", ".join(f"{p['pattern']} {p['share']:.2f}" for p in case["top_patterns"])
            shown = ", ".join(f"{p} {f:.2f}" for p, f in top)
            print(f"| {case['name']} | {case['N']} | {case['sigma']:g} | {case['thresholds']} | "
                  f"{case['U_bits_per_cell']:.3f} | {u:.3f} | {diff:+.3f} | {theirs} | {shown} |")
    worst = max(abs(r["difference"]) for r in rows)
    print(f"largest difference {worst:.3f} bits per cell (tolerance {args.tolerance})")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
