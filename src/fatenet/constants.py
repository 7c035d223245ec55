"""Fixed numbers of fatenet's method that are not settings.

They sit below every module that uses them, so that the cost model (``fatenet.cost``) and the
file names (``fatenet.artifacts``) read them without importing the engine (and JAX).
"""

DT_REFINEMENTS = (4, 16)
"""The time-step check: a result is re-simulated with dt divided by each of these (same t_final)."""
DT_TOLERANCE = 0.03
"""A U that moves by more than this (bits per cell) under a refinement is the integrator's, not the model's."""
TIME_STEP_CHOICES = ("robust", "flat")
"""The final choices (``evolution.final_choice``) that score candidates at dt, dt / 4 and dt / 16."""

DT_CHECK_MAX_REPLICATES = 10_000
"""The evaluation's time-step check uses at most this many tissues (they cost up to 16 times a
normal simulation)."""
RD_DT_CHECK_REPLICATES = 200
"""The reaction-diffusion model's time-step check: U at dt, dt / 4 and dt / 16 on the same paths of
this many tissues (every sub-step of each driven by 16 of the stream's normals), compared among
themselves."""
KYMOGRAPH_REPLICATES = 4
"""Tissues drawn over time in a run's kymograph."""
KYMOGRAPH_TIMES = 201
"""Instants of a kymograph."""
SCREEN_CHUNK = 512
"""Networks screened per compiled call (bounds the memory of the patterns brought to the host)."""
CONVERGENCE_FACTORS = (1, 4, 16, 64)
"""The time steps of ``fatenet convergence``: dt divided by each (one Brownian path at dt / 64)."""
SCORE_GRID_POINTS = 129
"""The gradient trainer's grid of sbar on which df/dθ is taken and linearly interpolated."""
