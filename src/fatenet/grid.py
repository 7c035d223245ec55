"""The reaction-diffusion model's grid: nodes per cell and Euler-Maruyama sub-steps per time step.

The authors' rule (Brückner & Tkačik 2024, their published ``return_modes``): lengths in cell
spacings, l_A = N / ratio_a and l_B = N / ratio_b; ``ox = max(1, floor(1 / (0.2 min(l_A, l_B))))``
nodes per cell (dx = 1 / ox), so the shorter length spans at least 5 nodes; D = kappa l^2; and
``floor(dt / (0.2 * 2 dx^2 / (4 D_B + kappa_B dx^2)))`` sub-steps per dt, a fifth of the explicit
scheme's stability limit for B (the faster diffuser at the defaults). Plain numbers, no JAX: the
workflow's side (``fatenet.cost``) reads it too.
"""

from __future__ import annotations

from typing import NamedTuple


class Grid(NamedTuple):
    nodes_per_cell: int  # ox
    dx: float  # 1 / ox, in cell spacings
    substeps: int  # Euler-Maruyama sub-steps per dt
    d_a: float  # kappa_A l_A^2
    d_b: float  # kappa_B l_B^2


def lengths(n_cells: int, ratio_a: float, ratio_b: float) -> tuple[float, float]:
    """(l_A, l_B) = (N / ratio_a, N / ratio_b) in cell spacings."""
    return n_cells / ratio_a, n_cells / ratio_b


def grid(n_cells: int, dt: float, ratio_a: float = 4.0, ratio_b: float = 2.0, kappa_a: float = 1.0,
         kappa_b: float = 2.0, nodes_per_cell: int = 0, substeps: int = 0) -> Grid:
    """The grid of a tissue of ``n_cells`` cells: ``nodes_per_cell`` and ``substeps`` as given, or
    (0) by the authors' rule (module doc)."""
    if n_cells < 2 or dt <= 0 or min(ratio_a, ratio_b, kappa_a, kappa_b) <= 0:
        raise ValueError(f"invalid grid: n_cells {n_cells} (>= 2), dt {dt} (> 0), ratios and kappas "
                         f"{ratio_a, ratio_b, kappa_a, kappa_b} (> 0)")
    l_a, l_b = lengths(n_cells, ratio_a, ratio_b)
    ox = int(nodes_per_cell) or max(1, int(1.0 / (0.2 * min(l_a, l_b))))
    dx = 1.0 / ox
    d_a, d_b = kappa_a * l_a ** 2, kappa_b * l_b ** 2
    steps = int(substeps) or max(1, int(dt / (0.2 * 2.0 * dx ** 2 / (4.0 * d_b + kappa_b * dx ** 2))))
    return Grid(ox, dx, steps, d_a, d_b)


def stable_diffusion(dx: float, dt_sub: float) -> float:
    """The largest diffusion constant the reaction-diffusion model integrates with sub-step
    ``dt_sub``: 0.4 dx^2 / dt_sub, four fifths of the explicit scheme's limit dx^2 / (2 dt_sub)
    (a learned length scale that would diffuse faster is held there)."""
    return 0.4 * dx ** 2 / dt_sub
