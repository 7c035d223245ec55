"""The regulatory function f(sbar), a scalar map from a cell's neighbour average to ds/dt.

Two architectures share one flat-parameter interface (``n_params``, ``init``, ``apply``,
``unflatten``, ``apply_flat``, ``init_flat``, ``init_population``), so every optimiser,
checkpoint, evaluation and figure works with either; ``make_network`` picks one from the
config:

* ``RegulatoryNetwork`` (``architecture: mlp``, the seed's): a small Flax MLP. Parameters
  live in Flax's nested dicts or, for evolution, as flat vectors (``flatten`` /
  ``unflatten``, leaf order of ``ravel_pytree``).
* ``PiecewiseLinear`` (``architecture: piecewise_linear``): the values of f at ``n_knots``
  evenly spaced points of [0, 1], linear in between; the flat vector is the values.

Both multiply their output by ``output_scale`` (default 1) and clip it to
[-max_rate, max_rate] when ``max_rate`` > 0 (default 0: unbounded). Each is a hashable, frozen
description registered as a pytree without leaves, so it can be passed to
``jax.jit``-compiled functions as an ordinary argument (the seed notebook does this).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from .config import ACTIVATIONS, ConfigError, NetworkConfig

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


class _FlatParameters:
    """The flat-vector half of the interface, from ``init``, ``apply`` and ``unflatten``."""

    def _output(self, raw: jax.Array) -> jax.Array:
        """``raw`` times ``output_scale``, clipped to [-max_rate, max_rate] when max_rate > 0."""
        out = raw if self.output_scale == 1.0 else raw * jnp.float32(self.output_scale)
        return jnp.clip(out, -self.max_rate, self.max_rate) if self.max_rate else out

    def apply_flat(self, flat: jax.Array, sbar: jax.Array) -> jax.Array:
        """f(sbar) from a flat parameter vector."""
        return self.apply(self.unflatten(flat), sbar)

    def init_flat(self, key: jax.Array) -> jax.Array:
        """One random initialisation as a flat vector (n_params,)."""
        return flatten(self.init(key))

    def init_population(self, key: jax.Array, population_size: int) -> jax.Array:
        """(population_size, n_params) independent initialisations, one key each."""
        return jax.vmap(self.init_flat)(jax.random.split(key, population_size))


@jax.tree_util.register_static
@dataclass(frozen=True)
class RegulatoryNetwork(_FlatParameters):
    """The MLP f: hashable and static, a valid argument of jitted functions."""

    hidden_dims: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    output_scale: float = 1.0
    max_rate: float = 0.0

    def __post_init__(self) -> None:
        # Validate through the config's rules (clear errors), keep the normalised tuple.
        cfg = NetworkConfig(hidden_dims=self.hidden_dims, activation=self.activation, output_scale=self.output_scale,
                            max_rate=self.max_rate)
        object.__setattr__(self, "hidden_dims", cfg.hidden_dims)

    @classmethod
    def from_config(cls, config: NetworkConfig) -> RegulatoryNetwork:
        return cls(hidden_dims=config.hidden_dims, activation=config.activation, output_scale=config.output_scale,
                   max_rate=config.max_rate)

    @cached_property
    def module(self) -> MLP:
        return MLP(hidden_dims=self.hidden_dims, activation=self.activation)

    @property
    def n_params(self) -> int:
        return NetworkConfig(hidden_dims=self.hidden_dims).n_params

    def init(self, key: jax.Array, input_shape: tuple[int, ...] = (1,)) -> Params:
        """Flax default initialisation (LeCun-normal kernels, zero biases)."""
        return self.module.init(key, jnp.ones(input_shape, jnp.float32))

    def apply(self, params: Params, sbar: jax.Array) -> jax.Array:
        """f(sbar) elementwise: the output has the shape of ``sbar``."""
        sbar = jnp.asarray(sbar, jnp.float32)
        return self._output(self.module.apply(params, sbar[..., None])[..., 0])

    @cached_property
    def _unravel(self) -> Callable[[jax.Array], Params]:
        return ravel_pytree(self.init(jax.random.PRNGKey(0)))[1]

    def unflatten(self, flat: jax.Array) -> Params:
        """Flat vector (n_params,) -> Flax parameter tree."""
        return self._unravel(jnp.asarray(flat))


SELECT_MAX_POINTS = 33
"""Tables up to this size are read by a chain of selects instead of a gather: the same values,
several times faster on CPUs (the default 17-knot f); larger tables (``f_table_points``) gather."""


def interpolate(table: jax.Array, sbar: jax.Array) -> jax.Array:
    """Linear interpolation of ``table`` (values at ``len(table)`` evenly spaced points of [0, 1]).

    Exact at the points; sbar outside [0, 1] is clipped (states never leave it).
    """
    n = table.shape[-1]
    scale = n - 1
    x = jnp.clip(sbar, 0.0, 1.0) * scale
    i = jnp.clip(jnp.floor(x).astype(jnp.int32), 0, scale - 1)
    if n <= SELECT_MAX_POINTS:
        lo, hi = table[0], table[1]
        for k in range(1, scale):
            above = i >= k
            lo, hi = jnp.where(above, table[k], lo), jnp.where(above, table[k + 1], hi)
    else:
        lo, hi = table[i], table[i + 1]
    return lo + (x - i) * (hi - lo)


INIT_KNOT_STD = 1.0
"""Random piecewise-linear f: i.i.d. N(0, 1) values at the knots (|f| ~ 1, as the MLP starts)."""


@jax.tree_util.register_static
@dataclass(frozen=True)
class PiecewiseLinear(_FlatParameters):
    """f given by its values at ``n_knots`` evenly spaced points of [0, 1], linear in between."""

    n_knots: int = 17
    output_scale: float = 1.0
    max_rate: float = 0.0

    def __post_init__(self) -> None:
        NetworkConfig(architecture="piecewise_linear", n_knots=self.n_knots, output_scale=self.output_scale,
                      max_rate=self.max_rate)

    @property
    def n_params(self) -> int:
        return self.n_knots

    @property
    def knots(self) -> np.ndarray:
        """The sbar positions of the values, 0 to 1."""
        return np.linspace(0.0, 1.0, self.n_knots)

    def init(self, key: jax.Array) -> jax.Array:
        """Random values at the knots, i.i.d. N(0, INIT_KNOT_STD^2)."""
        return INIT_KNOT_STD * jax.random.normal(key, (self.n_knots,), jnp.float32)

    def apply(self, params: jax.Array, sbar: jax.Array) -> jax.Array:
        """f(sbar) elementwise: the output has the shape of ``sbar``."""
        return self._output(interpolate(jnp.asarray(params, jnp.float32), jnp.asarray(sbar, jnp.float32)))

    def unflatten(self, flat: jax.Array) -> jax.Array:
        return jnp.asarray(flat)


Network = RegulatoryNetwork | PiecewiseLinear
"""Either architecture of f (the flat-parameter interface above)."""


def make_network(config: NetworkConfig) -> Network:
    """The regulatory function named by ``config.architecture``."""
    if config.architecture == "mlp":
        return RegulatoryNetwork.from_config(config)
    if config.architecture == "piecewise_linear":
        return PiecewiseLinear(n_knots=config.n_knots, output_scale=config.output_scale, max_rate=config.max_rate)
    raise ConfigError(f"invalid setting network.architecture = {config.architecture!r}")


def flatten(params: Params) -> jax.Array:
    """Flax parameter tree -> flat vector, in ``jax.tree_util.tree_leaves`` order."""
    return ravel_pytree(params)[0]


def init_params(model: RegulatoryNetwork, key: jax.Array, input_shape: tuple[int, ...] = (1,)) -> Params:
    """The seed notebook's ``init_params(model, key, (1,))``."""
    return model.init(key, tuple(input_shape))


def get_regulatory_function(model: RegulatoryNetwork, params: Params) -> Callable[[jax.Array], jax.Array]:
    """The seed notebook's ``f = get_regulatory_function(model, params)``; f maps arrays elementwise."""
    return lambda sbar: model.apply(params, sbar)


def population_apply(model: Network, population: jax.Array, sbar: jax.Array) -> jax.Array:
    """f of every individual at once: ``population`` (P, n_params), ``sbar`` (P, ...) -> (P, ...)."""
    return jax.vmap(model.apply_flat)(population, sbar)


def lateral_inhibition_target(sbar: jax.Array | np.ndarray, strength: float = 5.0):
    """The reference f = -tanh(strength * (sbar - 0.5)) drawn beside learned functions."""
    return -np.tanh(strength * (np.asarray(sbar, dtype=np.float64) - 0.5))
