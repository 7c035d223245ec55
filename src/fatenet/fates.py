"""How final states become fates: a cell's fate is the number of thresholds at or below its state.

With the one threshold 0.5 (the seed's) fate 1 is ``s >= 0.5``; ``apply_threshold`` gives it
with a straight-through gradient, ``soft_threshold`` a sigmoid relaxation. Z - 1 thresholds
make Z fates (``fates_of``). The thresholds of a run come from its network
(``neural_network``: fixed or learned with f).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax


def apply_threshold(states: jax.Array, threshold: float = 0.5) -> jax.Array:
    """Fates ``1.0 if s >= threshold else 0.0``; the gradient passes straight through."""
    hard = (states >= threshold).astype(states.dtype)
    # hard + (s - s) is exactly hard in the forward pass, with derivative 1 in the backward pass.
    return hard + (states - lax.stop_gradient(states))


def soft_threshold(states: jax.Array, temperature: float = 0.05, threshold: float = 0.5) -> jax.Array:
    """Sigmoid fates ``sigmoid((s - threshold) / temperature)``, differentiable everywhere."""
    return jax.nn.sigmoid((states - threshold) / temperature)


def fates_of(states: jax.Array, thresholds: jax.Array) -> jax.Array:
    """The number of ``thresholds`` (increasing, last axis) at or below each state: fates 0 ... Z - 1."""
    return jnp.sum(states[..., None] >= thresholds, axis=-1).astype(states.dtype)
