"""Reference numbers from the authors' public code (Brueckner & Tkacik, PNAS 2024).

This script contains none of the authors' code.  It imports their modules
(``fns_sim_LIS``, ``fns_sim_general``, ``fns_maps``, ``fns_eval``) from a
checkout given on the command line and runs them unchanged, the way their
front-end files ``simulation_LIS.py`` / ``simulation_proportions.py`` set them
up (N_t = 200, delta_t = 0.1, oversampling = 10, sigma_var = 0), except that
fates are assigned with FIXED thresholds instead of their optimiser.

It must be run with a Python that has numpy, scipy and numba (NOT fatenet's
environment; it never imports fatenet):

    python3 -m venv /tmp/authors-venv
    /tmp/authors-venv/bin/pip install numpy scipy numba
    mkdir -p /tmp/authors && git --git-dir=<their repo> archive HEAD | tar -x -C /tmp/authors
    /tmp/authors-venv/bin/python benchmarks/authors_reference.py \
        --authors /tmp/authors --out benchmarks/authors_reference/reference.json
"""

import argparse
import json
import math
import platform
import subprocess
import sys
import time
import warnings

import numpy as np

# Front-end settings shared by simulation_LIS.py and simulation_proportions.py.
N_T = 200
DELTA_T = 0.1
OVERSAMPLING = 10
SIGMA_VAR = 0
N_VAR = 2

CASES = [
    # name, N, connectivity, periodic, h_s, h_g, sigma, sigma_IC, thresholds, note
    dict(name="paper_lis", N=8, mode_connectivity="NN", mode_periodic=0,
         h_s=4.0, h_g=2.0, sigma=0.1, sigma_IC=0.1, thresholds=[0.5],
         note="settings of their simulation_LIS.py (threshold fixed at 0.5 instead of optimised)"),
    dict(name="paper_proportions", N=8, mode_connectivity="global", mode_periodic=None,
         h_s=4.2, h_g=4.2, sigma=0.05, sigma_IC=0.0, thresholds=[0.5],
         note="settings of their simulation_proportions.py (mode_periodic=None as there; "
              "threshold fixed at 0.5 instead of optimised); sigma_IC=0 means all cells start at 0"),
    dict(name="nn_closed_N6", N=6, mode_connectivity="NN", mode_periodic=0,
         h_s=4.0, h_g=2.0, sigma=0.1, sigma_IC=0.1, thresholds=[0.5]),
    dict(name="nn_closed_N10_hs5_hg3", N=10, mode_connectivity="NN", mode_periodic=0,
         h_s=5.0, h_g=3.0, sigma=0.15, sigma_IC=0.1, thresholds=[0.5]),
    dict(name="nn_periodic_N8", N=8, mode_connectivity="NN", mode_periodic=1,
         h_s=4.0, h_g=2.0, sigma=0.1, sigma_IC=0.1, thresholds=[0.5]),
    dict(name="nnn_closed_N7_hs6", N=7, mode_connectivity="NNN", mode_periodic=0,
         h_s=6.0, h_g=2.0, sigma=0.1, sigma_IC=0.2, thresholds=[0.5]),
    dict(name="global_N5_hs3_hg3", N=5, mode_connectivity="global", mode_periodic=0,
         h_s=3.0, h_g=3.0, sigma=0.1, sigma_IC=0.1, thresholds=[0.5]),
    dict(name="nn_closed_N12_sigma005", N=12, mode_connectivity="NN", mode_periodic=0,
         h_s=4.0, h_g=2.0, sigma=0.05, sigma_IC=0.1, thresholds=[0.5]),
    dict(name="nnn_periodic_N8_hs5", N=8, mode_connectivity="NNN", mode_periodic=1,
         h_s=5.0, h_g=2.0, sigma=0.1, sigma_IC=0.1, thresholds=[0.5],
         note="periodic NNN only with N=8: their matrix adds np.tri(N,N,-6), which wraps "
              "correctly only for N=8 (see coupling_matrices)"),
    dict(name="paper_lis_Z3", N=8, mode_connectivity="NN", mode_periodic=0,
         h_s=4.0, h_g=2.0, sigma=0.1, sigma_IC=0.1, thresholds=[0.33, 0.67],
         note="paper_lis settings with Z=3 fixed thresholds"),
]

SPREAD_CASES = ["paper_lis", "paper_proportions"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--authors", required=True, help="checkout of dbrueckner/SelforgInformation")
    p.add_argument("--out", required=True, help="output JSON path")
    p.add_argument("--n-rep", type=int, default=4000)
    p.add_argument("--spread-rep", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--spread-seeds", type=int, nargs="+", default=[2, 3])
    p.add_argument("--authors-commit", default=None,
                   help="commit hash of the checkout (if --authors is not a git work tree)")
    p.add_argument("--only", nargs="*", default=None, help="run only these case names")
    return p.parse_args()


def main():
    args = parse_args()
    sys.path.insert(0, args.authors)
    import fns_eval
    import fns_maps
    import fns_sim_general
    import fns_sim_LIS
    import numba
    import scipy

    warnings.filterwarnings("ignore", category=numba.NumbaPerformanceWarning)

    @numba.njit
    def numba_seed(s):
        np.random.seed(s)

    model = fns_sim_LIS.func_sim
    fate_map = fns_maps.func_fate_map_Zfates

    def modes_of(c, n_t=N_T, delta_t=DELTA_T, oversampling=OVERSAMPLING):
        return (c["N"], n_t, delta_t, oversampling, c["mode_periodic"], c["mode_connectivity"])

    def simulate(c, n_rep, seed):
        numba_seed(seed)
        return fns_sim_general.func_sim_ensemble(
            model, (c["h_s"], c["h_g"]), (c["sigma"], SIGMA_VAR, c["sigma_IC"]),
            modes_of(c), n_rep, N_var=N_VAR)

    def evaluate(c, X):
        thr = np.array(c["thresholds"], dtype=np.float64)
        z = fns_sim_general.func_thresh_ensemble(X, fate_map, thr)
        s_pat = float(fns_eval.entropy_patterning(z))
        s_rep = float(fns_eval.entropy_reproducibility(z))
        s_cf = float(fns_eval.entropy_corrfree(z))
        return z, s_pat, s_rep, s_cf

    # ---- compile everything once so that wall times exclude JIT compilation
    t0 = time.perf_counter()
    for c in CASES:
        X = simulate(c, 2, 0)
        evaluate(c, X)
    compile_s = time.perf_counter() - t0

    # ---- final-time fact, checked on their code: the state the fate map reads
    # (X_all[:, -1, 0] with N_t=200, oversampling=10) equals, bit for bit, the
    # last state of a run with oversampling=1, dt=0.01 and N_t = 1991 time
    # points (= 1990 Euler steps), from the same seed.  The RNG stream is the
    # same (IC draws, then N normals per step) for the first 1990 steps.
    c = CASES[0]
    numba_seed(123)
    Xa = model((c["h_s"], c["h_g"]), (c["sigma"], SIGMA_VAR, c["sigma_IC"]), modes_of(c))
    numba_seed(123)
    Xb = model((c["h_s"], c["h_g"]), (c["sigma"], SIGMA_VAR, c["sigma_IC"]),
               modes_of(c, n_t=1991, delta_t=DELTA_T / OVERSAMPLING, oversampling=1))
    numba_seed(123)
    Xc = model((c["h_s"], c["h_g"]), (c["sigma"], SIGMA_VAR, c["sigma_IC"]),
               modes_of(c, n_t=1992, delta_t=DELTA_T / OVERSAMPLING, oversampling=1))
    final_time_check = {
        "fate_map_state_equals_state_after_1990_steps": bool(np.array_equal(Xa[:, -1, 0], Xb[:, -1, 0])),
        "fate_map_state_equals_state_after_1991_steps": bool(np.array_equal(Xa[:, -1, 0], Xc[:, -1, 0])),
        "X_all_shape_per_replicate": list(Xa.shape),
    }

    # ---- coupling matrices, recovered from their simulator output.
    # With oversampling=1 every step is recorded and X[:, t+1, 1] = c @ X[:, t, 0].
    def recover_c(N, conn, periodic):
        numba_seed(7)
        T = 4 * N + 4
        X = model((4.0, 2.0), (0.5, SIGMA_VAR, 0.5), (N, T, 0.1, 1, periodic, conn))
        A = X[:, :-1, 0]  # states x_t, shape (N, T-1)
        B = X[:, 1:, 1]   # s_ext computed from x_t
        C = B @ np.linalg.pinv(A)
        assert np.allclose(C @ A, B, atol=1e-10)
        return np.round(C, 10)

    def describe(C):
        rows = []
        for i in range(C.shape[0]):
            terms = [(j, float(C[i, j])) for j in range(C.shape[1]) if abs(C[i, j]) > 1e-9]
            rows.append({"cell": i, "terms": [{"j": j, "weight": w} for j, w in terms],
                         "row_sum": round(float(C[i].sum()), 10)})
        return rows

    coupling = {}
    for N, conn, per in [(5, "NN", 0), (5, "NN", 1), (5, "NNN", 0), (5, "NNN", 1),
                         (5, "global", 0), (8, "NN", 0), (8, "NNN", 1), (7, "NNN", 1),
                         (10, "NNN", 1)]:
        C = recover_c(N, conn, per)
        coupling[f"N{N}_{conn}_{'periodic' if per else 'closed'}"] = {
            "matrix": C.tolist(), "sbar_terms": describe(C)}

    # ---- the cases
    def top_patterns(z, k=5):
        u, counts = np.unique(z, axis=0, return_counts=True)
        order = np.argsort(-counts, kind="stable")[:k]
        return [{"pattern": "".join(str(int(v)) for v in u[i]),
                 "share": float(counts[i] / z.shape[0])} for i in order]

    results = []
    for c in CASES:
        if args.only and c["name"] not in args.only:
            continue
        Z = len(c["thresholds"]) + 1
        t0 = time.perf_counter()
        X = simulate(c, args.n_rep, args.seed)
        t_sim = time.perf_counter() - t0
        z, s_pat, s_rep, s_cf = evaluate(c, X)
        wall = time.perf_counter() - t0
        U = s_pat - s_rep
        fate_share_per_cell = [[float(np.mean(z[:, j] == k)) for j in range(c["N"])]
                               for k in range(Z)]
        rec = {
            "name": c["name"],
            "settings": {k: c[k] for k in ("N", "mode_connectivity", "mode_periodic", "h_s", "h_g",
                                           "sigma", "sigma_IC", "thresholds")},
            "Z": Z,
            "n_replicates": args.n_rep,
            "seed": args.seed,
            "U_bits_per_cell": U,
            "U_over_log2Z": U / math.log2(Z),
            "S_pat": s_pat,
            "S_rep": s_rep,
            "S_cf": s_cf,
            "n_distinct_patterns": int(np.unique(z, axis=0).shape[0]),
            "top_patterns": top_patterns(z),
            "fate_share_per_cell": fate_share_per_cell,
            "final_g_mean": float(X[:, :, -1, 0].mean()),
            "final_g_std": float(X[:, :, -1, 0].std()),
            "wall_s": wall,
            "wall_s_simulation": t_sim,
        }
        if "note" in c:
            rec["note"] = c["note"]
        if c["name"] in SPREAD_CASES:
            spread = []
            for s in args.spread_seeds:
                Xs = simulate(c, args.spread_rep, s)
                _, sp, sr, _ = evaluate(c, Xs)
                spread.append({"seed": s, "n_replicates": args.spread_rep,
                               "U_bits_per_cell": sp - sr, "S_pat": sp, "S_rep": sr})
            rec["sampling_spread"] = spread
        if c["name"] == "paper_proportions":
            # their simulation_proportions.py uses N_sys = 10000; the plug-in S_rep
            # (182+ distinct patterns) is biased low at smaller N_sys, so U is biased high.
            Xs = simulate(c, 10000, args.seed)
            _, sp, sr, _ = evaluate(c, Xs)
            rec["at_front_end_n_sys"] = {"seed": args.seed, "n_replicates": 10000,
                                         "U_bits_per_cell": sp - sr, "S_pat": sp, "S_rep": sr}
        results.append(rec)
        print(f"{c['name']:28s} U={U:.4f} S_pat={s_pat:.4f} S_rep={s_rep:.4f} "
              f"top={rec['top_patterns'][0]['pattern']}:{rec['top_patterns'][0]['share']:.3f} "
              f"wall={wall:.1f}s", flush=True)

    commit = args.authors_commit
    if commit is None:
      try:
        commit = subprocess.run(["git", "-C", args.authors, "rev-parse", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or None
      except Exception:
        commit = None

    out = {
        "source": "dbrueckner/SelforgInformation (Brueckner & Tkacik, PNAS 121 e2322326121, 2024), "
                  "run unchanged via fns_sim_general.func_sim_ensemble(fns_sim_LIS.func_sim, ...), "
                  "fns_sim_general.func_thresh_ensemble(..., fns_maps.func_fate_map_Zfates, thresholds), "
                  "fns_eval.entropy_patterning / entropy_reproducibility / entropy_corrfree",
        "authors_commit": commit,
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scipy": scipy.__version__, "numba": numba.__version__},
        "common_settings": {"N_t": N_T, "delta_t": DELTA_T, "oversampling": OVERSAMPLING,
                            "dt": DELTA_T / OVERSAMPLING, "sigma_var": SIGMA_VAR, "N_var": N_VAR,
                            "seeding": "numba RNG seeded by an own @numba.njit function calling "
                                       "np.random.seed(seed) once before each case"},
        "notes": {
            "model": "dg_i = (sigmoid(2*(h_g*g_i - h_s*sbar_i)) - g_i) dt + sigma*sqrt(dt)*N(0,1), "
                     "then g <- |g| (reflection at 0 after every Euler step); sbar = c @ g "
                     "from the state before the step; initial g_i = |sigma_IC*N(0,1)| "
                     "(exactly 0 if sigma_IC == 0, and then no IC random draws are made).",
            "final_time": "func_sim allocates N_t*oversampling = 2000 time points and makes "
                          "N_t*oversampling-1 = 1999 Euler steps (indices 0..1999); it returns "
                          "X[:, ::oversampling] = indices 0,10,...,1990 (200 points). The fate map "
                          "reads X_vec[:, -1, 0] = the state at index 1990, i.e. after 1990 Euler steps "
                          "of dt=0.01 (t = 19.9). The last 9 steps are computed and discarded. "
                          "A matching simulator must take 1990 steps of dt=0.01.",
            "final_time_check_on_their_code": final_time_check,
            "coupling_normalisation": "their code builds the 0/1 adjacency A and does c /= A.sum(axis=0), "
                                      "which numpy broadcasting applies per COLUMN: c[i,j] = A[i,j]/deg(j). "
                                      "So sbar_i = sum_j A[i,j] g_j / deg(j): a true average only where all "
                                      "degrees are equal (periodic, global). At closed ends row sums differ "
                                      "from 1 (e.g. NN closed: sbar_0 = g_1/2, sbar_1 = g_0 + g_2/2). "
                                      "See coupling_matrices (recovered from their simulator output).",
            "nnn_periodic": "for 'NNN' with mode_periodic their code adds np.tri(N,N,-6) to the sub-diagonal "
                            "band, i.e. links all pairs with i-j >= 6. This is the correct wrap only for "
                            "N = 8 (for N < 8 it adds fewer/no wrap links, for N > 8 it links far cells). "
                            "Periodic NNN is therefore used only with N = 8.",
            "fate_map": "func_fate_map_Zfates: fate = number of thresholds strictly below g "
                        "(g <= 0.5 -> 0 for Z=2).",
            "entropies": "S_pat: entropy (bits) of fates pooled over all cells and replicates; "
                         "S_rep: entropy of whole patterns / N_cells; U = S_pat - S_rep (bits per cell); "
                         "S_cf: their entropy_corrfree (mean over cells of per-cell fate entropy).",
            "threshold_optimiser_not_used": "their thresholds_opt objective divides S_rep (already per cell) "
                                            "by N_cells once more; we use fixed thresholds instead.",
            "h_values": "h_s, h_g passed as floats (front end passes ints 4 and 2 for LIS; arithmetic is identical).",
            "compile_s": compile_s,
        },
        "coupling_matrices": coupling,
        "cases": results,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
