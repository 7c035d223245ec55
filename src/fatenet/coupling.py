"""Which cells a cell sees: the topology of ``simulation.coupling`` (numpy only, no jax).

``fatenet.dynamics`` averages over these cells (``neighbour_average``), ``fatenet.bounds`` takes
the coupling's symmetries from them.
"""

from __future__ import annotations

from .config import BOUNDARIES, COUPLINGS


def coupled_cells(n_cells: int, boundary: str = "open", coupling: str = "nearest") -> list[list[int]]:
    """For each cell, the distinct other cells its sbar averages.

    ``nearest``: i +- 1; ``next_nearest``: i +- 1 and i +- 2; ``global``: every other cell. With
    ``open`` or ``fixed`` ends only the cells that exist, on a ``periodic`` ring the distinct
    ones (on a ring shorter than 5, i + 2 and i - 2 may be one cell, or i - 1).
    """
    if boundary not in BOUNDARIES:
        raise ValueError(f"invalid boundary {boundary!r}: must be one of " + ", ".join(BOUNDARIES))
    if coupling not in COUPLINGS:
        raise ValueError(f"invalid coupling {coupling!r}: must be one of " + ", ".join(COUPLINGS))
    out = []
    for i in range(n_cells):
        if coupling == "global":
            cells = [j for j in range(n_cells) if j != i]
        else:
            reach = 1 if coupling == "nearest" else 2
            offsets = [d for d in range(-reach, reach + 1) if d]
            if boundary == "periodic":
                cells = sorted({(i + d) % n_cells for d in offsets} - {i})
            else:
                cells = [i + d for d in offsets if 0 <= i + d < n_cells]
        out.append(cells)
    return out
