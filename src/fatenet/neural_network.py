"""The regulatory network f(sbar): a small Flax MLP from a scalar to a scalar (SPEC section 2).

``RegulatoryNetwork`` is a hashable, frozen description of the architecture registered as a
pytree without leaves, so it can be passed to ``jax.jit``-compiled functions as an ordinary
argument (the seed notebook does this). Parameters live in Flax's nested dicts or, for
evolution, as flat vectors (``flatten`` / ``unflatten``, leaf order of ``ravel_pytree``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from .config import ACTIVATIONS, NetworkConfig

Params = Any

_ACTIVATION_FUNCTIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "tanh": jnp.tanh,
    "relu": nn.relu,
    "sigmoid": nn.sigmoid,
    "softplus": nn.softplus,
    "silu": nn.silu,
    "gelu": nn.gelu,
    "elu": nn.elu,
}
assert set(_ACTIVATION_FUNCTIONS) == set(ACTIVATIONS)


class MLP(nn.Module):
    """Dense layers of widths ``hidden_dims`` with ``activation``, then a linear output of width 1."""

    hidden_dims: Sequence[int]
    activation: str = "tanh"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        act = _ACTIVATION_FUNCTIONS[self.activation]
        for width in self.hidden_dims:
            x = act(nn.Dense(width)(x))
        return nn.Dense(1)(x)


@jax.tree_util.register_static
@dataclass(frozen=True)
class RegulatoryNetwork:
    """Architecture of f: hashable and static, a valid argument of jitted functions."""

    hidden_dims: tuple[int, ...] = (8, 8)
    activation: str = "tanh"

    def __post_init__(self) -> None:
        # Validate through the config's rules (clear errors), keep the normalised tuple.
        cfg = NetworkConfig(hidden_dims=self.hidden_dims, activation=self.activation)
        object.__setattr__(self, "hidden_dims", cfg.hidden_dims)

    @classmethod
    def from_config(cls, config: NetworkConfig) -> "RegulatoryNetwork":
        return cls(hidden_dims=config.hidden_dims, activation=config.activation)

    @cached_property
    def module(self) -> MLP:
        return MLP(hidden_dims=self.hidden_dims, activation=self.activation)

    @property
    def n_params(self) -> int:
        return NetworkConfig(self.hidden_dims, self.activation).n_params

    def init(self, key: jax.Array, input_shape: tuple[int, ...] = (1,)) -> Params:
        """Flax default initialisation (LeCun-normal kernels, zero biases)."""
        return self.module.init(key, jnp.ones(input_shape, jnp.float32))

    def apply(self, params: Params, sbar: jax.Array) -> jax.Array:
        """f(sbar) elementwise: the output has the shape of ``sbar``."""
        sbar = jnp.asarray(sbar, jnp.float32)
        return self.module.apply(params, sbar[..., None])[..., 0]

    @cached_property
    def _unravel(self) -> Callable[[jax.Array], Params]:
        return ravel_pytree(self.init(jax.random.PRNGKey(0)))[1]

    def unflatten(self, flat: jax.Array) -> Params:
        """Flat vector (n_params,) -> Flax parameter tree."""
        return self._unravel(jnp.asarray(flat))

    def apply_flat(self, flat: jax.Array, sbar: jax.Array) -> jax.Array:
        """f(sbar) from a flat parameter vector."""
        return self.apply(self.unflatten(flat), sbar)

    def init_population(self, key: jax.Array, population_size: int) -> jax.Array:
        """(population_size, n_params) independent initialisations, one key each."""
        keys = jax.random.split(key, population_size)
        return jax.vmap(lambda k: flatten(self.init(k)))(keys)


def flatten(params: Params) -> jax.Array:
    """Flax parameter tree -> flat vector, in ``jax.tree_util.tree_leaves`` order."""
    return ravel_pytree(params)[0]


def init_params(model: RegulatoryNetwork, key: jax.Array, input_shape: tuple[int, ...] = (1,)) -> Params:
    """The seed notebook's ``init_params(model, key, (1,))``."""
    return model.init(key, tuple(input_shape))


def get_regulatory_function(model: RegulatoryNetwork, params: Params) -> Callable[[jax.Array], jax.Array]:
    """The seed notebook's ``f = get_regulatory_function(model, params)``; f maps arrays elementwise."""
    return lambda sbar: model.apply(params, sbar)


def population_apply(model: RegulatoryNetwork, population: jax.Array, sbar: jax.Array) -> jax.Array:
    """f of every individual at once: ``population`` (P, n_params), ``sbar`` (P, ...) -> (P, ...)."""
    return jax.vmap(model.apply_flat)(population, sbar)


def lateral_inhibition_target(sbar: jax.Array | np.ndarray, strength: float = 5.0):
    """The reference f = -tanh(strength * (sbar - 0.5)) drawn beside learned functions."""
    return -np.tanh(strength * (np.asarray(sbar, dtype=np.float64) - 0.5))
