"""The final choice replayed at other settings of ``choice_tolerance`` and ``choice_penalty``.

Every run's ``params.json`` keeps the final choice's candidates with their U at dt, dt / 4 and
dt / 16 on the choice's own 2000 tissues (``selection``). With ``final_choice: flat`` the
candidates do not depend on ``choice_tolerance`` and ``choice_penalty`` (the focus ranks at the
time-step check's own tolerance), so the choice each pair of settings would have made is
``selection.flat_score`` of that table: no training and no simulation. For each pair this prints,
per sweep point, the mean U at dt / 16 of the candidates chosen (on the choice's tissues, which
flatters the chosen a little), the lowest, how many chosen candidates spread by more than 0.02
over the three steps, the largest spread, and how many runs choose another candidate than the
one recorded.

    python benchmarks/choice_replay.py results --settings 0.03,1 0.015,2

prints a Markdown table and, last, one JSON line of the same numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from fatenet import artifacts
from fatenet.selection import first_best, flat_score

COLUMNS = artifacts.SELECTION_COLUMNS[2:5]  # rescore_utility, _fine_dt, _finest_dt: U at dt, dt / 4, dt / 16


def setting(text: str) -> tuple[float, float]:
    """``TOLERANCE,PENALTY`` -> (tolerance, penalty)."""
    try:
        tolerance, penalty = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--settings {text!r}: allowed is TOLERANCE,PENALTY, e.g. 0.015,2") from None
    if tolerance < 0 or penalty < 0:
        raise argparse.ArgumentTypeError(f"--settings {text!r}: tolerance and penalty must be >= 0")
    return tolerance, penalty


def candidates(params_json: Path) -> tuple[np.ndarray, int]:
    """(U at dt, dt / 4, dt / 16 of every candidate as rows x candidates, the recorded choice)."""
    table = json.loads(params_json.read_text())["selection"]
    by_dt = np.array([[np.nan if row[c] is None else row[c] for row in table] for c in COLUMNS], np.float64)
    if np.isnan(by_dt).all():
        raise ValueError(f"{params_json}: no time-step scores (final_choice flat or robust is needed)")
    return by_dt, int(np.flatnonzero([row["chosen"] for row in table])[0])


def replay(by_dt: np.ndarray, tolerance: float, penalty: float) -> int:
    """The candidate ``final_choice: flat`` keeps at these settings (the first wins a tie)."""
    return first_best(flat_score(by_dt, tolerance, penalty))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--settings", type=setting, nargs="+", default=[(0.03, 1.0), (0.015, 2.0)],
                        help="TOLERANCE,PENALTY pairs (default: 0.03,1 0.015,2)")
    args = parser.parse_args()
    files = sorted((args.results / "runs").glob("**/params.json"))
    if not files:
        print(f"no runs under {args.results / 'runs'}", file=sys.stderr)
        return 2
    runs = {}
    for path in files:
        point = path.relative_to(args.results / "runs").parent.parent.as_posix() or "-"
        runs.setdefault(point, []).append(candidates(path))
    print("| tolerance, penalty | sweep point | runs | mean U at dt/16 | lowest | spread > 0.02 | largest spread | "
          "another choice |")
    print("|---|---|---|---|---|---|---|---|")
    out = []
    for tolerance, penalty in args.settings:
        for point, rows in runs.items():
            finest, spreads, changed = [], [], 0
            for by_dt, recorded in rows:
                k = replay(by_dt, tolerance, penalty)
                finest.append(by_dt[2, k])
                spreads.append(by_dt[:, k].max() - by_dt[:, k].min())
                changed += k != recorded
            row = {"tolerance": tolerance, "penalty": penalty, "point": point, "runs": len(rows),
                   "mean_finest": float(np.mean(finest)), "lowest_finest": float(np.min(finest)),
                   "spread_over_0.02": int(np.sum(np.asarray(spreads) > 0.02)), "largest_spread": float(max(spreads)),
                   "changed": int(changed)}
            out.append(row)
            print(f"| {tolerance:g}, {penalty:g} | {point} | {row['runs']} | {row['mean_finest']:.4f} | "
                  f"{row['lowest_finest']:.3f} | {row['spread_over_0.02']} | {row['largest_spread']:.3f} | "
                  f"{row['changed']} |")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
