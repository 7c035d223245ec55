"""Reference numbers of the reaction-diffusion model from the authors' public code (Brückner & Tkačik, PNAS 2024).

This script contains none of the authors' code. It imports their modules (``fns_sim_RD``,
``fns_sim_general``, ``fns_maps``, ``fns_eval``) from a checkout given on the command line and runs
them unchanged, set up the way their front end ``simulation_RD.py`` does (alpha_A 1, alpha_B 4,
kappa_A 1, kappa_B 2, h 5, l_A = N / 4, l_B = N / 2, D = kappa l^2, sigma_IC 0.1, multiplicative noise,
delta_t 0.01, N_t 5000, their ``return_modes`` grid), except that fates are read with FIXED
thresholds (0.02, 0.05) instead of their differential-evolution optimiser. Each case's U is
S_pat - S_rep from their ``entropy_patterning`` and ``entropy_reproducibility`` of the flipped
(``func_align_ensemble_flip``) ensemble.

It must be run with a Python that has numpy, scipy and numba (not fatenet's environment; it never
imports fatenet), for example:

    python3 -m venv /tmp/authors-venv && /tmp/authors-venv/bin/pip install numpy scipy numba
    mkdir -p /tmp/authors && git --git-dir=<their repo> archive HEAD | tar -x -C /tmp/authors
    /tmp/authors-venv/bin/python benchmarks/authors_reference_rd.py --authors /tmp/authors \\
        --out benchmarks/authors_reference/reference_rd.json [--only paper_rd] [--n-rep 4000]

``benchmarks/authors_check.py`` reads the file and scores every case with fatenet.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

CASES = [
    dict(name="paper_rd", N=8, sigma=0.05, note="their simulation_RD.py, thresholds fixed at 0.02 and 0.05"),
    dict(name="rd_N6_sigma01", N=6, sigma=0.1, note="unseen: another N and noise"),
    dict(name="rd_N10_sigma005", N=10, sigma=0.05, note="unseen: another N"),
]
THRESHOLDS = [0.02, 0.05]
RATES = dict(alpha_A=1.0, alpha_B=4.0, kappa_A=1.0, kappa_B=2.0, h=5.0, ratio_A=4.0, ratio_B=2.0, sigma_IC=0.1,
             delta_t=0.01, N_t=5000)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authors", required=True, help="checkout of dbrueckner/SelforgInformation")
    parser.add_argument("--out", required=True, type=Path, help="output JSON (cases already in it are kept)")
    parser.add_argument("--n-rep", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=None, help="run only these case names")
    parser.add_argument("--authors-commit", default="")
    args = parser.parse_args(argv)
    sys.path.insert(0, args.authors)
    import fns_eval
    import fns_maps
    import fns_sim_general
    import fns_sim_RD
    import numba
    import scipy

    warnings.filterwarnings("ignore", category=numba.NumbaExperimentalFeatureWarning)

    @numba.njit
    def numba_seed(s):
        np.random.seed(s)

    r = RATES

    def setup(n):
        ell_a, ell_b = n / r["ratio_A"], n / r["ratio_B"]
        d_a, d_b = r["kappa_A"] * ell_a ** 2, r["kappa_B"] * ell_b ** 2
        oversampling, oversampling_x, dx = fns_sim_RD.return_modes(ell_a, ell_b, r["kappa_B"], r["delta_t"], 1)
        modes = (n, r["N_t"], r["delta_t"], oversampling, None, oversampling_x)
        params = (d_a, d_b, r["alpha_A"], r["alpha_B"], r["kappa_A"], r["kappa_B"], r["h"])
        return modes, params

    def run(case, n_rep, seed):
        modes, params = setup(case["N"])
        numba_seed(seed)
        x = fns_sim_general.func_sim_ensemble(fns_sim_RD.func_sim, params, (case["sigma"], 0, 0, r["sigma_IC"], 1),
                                              modes, n_rep, N_var=2)
        x = fns_sim_general.func_align_ensemble_flip(x)
        return x, fns_sim_general.func_thresh_ensemble(x, fns_maps.func_fate_map_Zfates, np.array(THRESHOLDS))

    out = json.loads(args.out.read_text()) if args.out.exists() else {"cases": []}
    for case in CASES:
        if args.only and case["name"] not in args.only:
            continue
        run(case, 1, 0)  # compiles
        start = time.perf_counter()
        x, z = run(case, args.n_rep, args.seed)
        seconds = time.perf_counter() - start
        s_pat, s_rep = float(fns_eval.entropy_patterning(z)), float(fns_eval.entropy_reproducibility(z))
        distinct, counts = np.unique(z, axis=0, return_counts=True)
        order = np.argsort(-counts, kind="stable")[:3]
        modes, _ = setup(case["N"])
        record = {**case, "thresholds": THRESHOLDS, "n_rep": args.n_rep, "seed": args.seed,
                  "nodes_per_cell": modes[5], "substeps": modes[3], "U_bits_per_cell": s_pat - s_rep,
                  "S_pat": s_pat, "S_rep": s_rep, "seconds": seconds, "tissues_per_second": args.n_rep / seconds,
                  "top_patterns": [{"pattern": "".join(str(int(v)) for v in distinct[i]),
                                    "share": float(counts[i] / len(z))} for i in order]}
        print(json.dumps(record), flush=True)
        out["cases"] = [c for c in out["cases"] if c["name"] != case["name"]] + [record]
    out.update(source="dbrueckner/SelforgInformation, run unchanged: fns_sim_general.func_sim_ensemble("
               "fns_sim_RD.func_sim, ...), func_align_ensemble_flip, func_thresh_ensemble(func_fate_map_Zfates), "
               "fns_eval.entropy_patterning - entropy_reproducibility", authors_commit=args.authors_commit,
               rates=RATES, machine=platform.processor() or platform.machine(),
               versions={"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
                         "numba": numba.__version__})
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
