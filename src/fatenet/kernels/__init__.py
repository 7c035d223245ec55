"""Fused backends: the whole time loop of a simulation in one kernel (``jax.experimental.pallas``).

``tissue``: the one-species tissue model (``dynamics.simulate``'s model) for every coupling, end,
state bound and initial condition and the piecewise-linear, MLP and lateral-inhibition f, with
the time steps that share one Brownian path integrated in one pass. ``dynamics.simulate`` calls
it when the problem's backend is ``kernel``; the XLA path stays the reference.
"""
