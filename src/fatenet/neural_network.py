"""The regulatory function f(s, sbar): a cell's state change from its coupled cells' mean (and its own state).

Four architectures share one flat-parameter interface (``n_params``, ``init``, ``apply``,
``unflatten``, ``apply_flat``, ``init_flat``, ``init_population``, ``fates``), so every
optimiser, checkpoint, evaluation and figure works with each; ``make_network`` picks one from
the config:

* ``RegulatoryNetwork`` (``architecture: mlp``, the seed's): a small Flax MLP. Parameters
  live in Flax's nested dicts or, for evolution, as flat vectors (``flatten`` /
  ``unflatten``, leaf order of ``ravel_pytree``).
* ``PiecewiseLinear`` (``architecture: piecewise_linear``): the values of f at ``n_knots``
  evenly spaced points of [0, 1], linear in between (with two inputs an ``n_knots`` x
  ``n_knots`` grid, bilinear); the flat vector is the values.
* ``LateralInhibition`` (``architecture: lateral_inhibition``): the paper's
  sigmoid(2 (h_g s - h_s sbar)) - s; the flat vector is ``[h_s, h_g]``.
* ``Hill`` (``architecture: hill``): the reaction-diffusion model's production
  P = r^h / (r^h + (1 - r)^h) of the local fraction r = A / (A + B), with the model's rates; the
  flat vector is their logarithms (``HILL_RATES``).

Each architecture holds the two settings sections that describe it, ``settings``
(``config.NetworkConfig``) and ``fate_settings`` (``config.FatesConfig``), and reads its settings
from them: the settings are declared and checked once, in ``fatenet.config``.
``RegulatoryNetwork(hidden_dims=(8, 8))`` (the seed notebook's call) sets settings by name.
``network.inputs`` is ``[sbar]`` (the seed's; ``apply(params, sbar)``) or ``[s, sbar]``
(``apply(params, sbar, s)``). With ``fates.learn_thresholds`` the flat vector ends with the
Z - 1 fate thresholds (``fate_thresholds``, ``fates``; with ``fates.threshold_scale: log``,
their logarithms). Outputs are multiplied by
``output_scale`` (default 1) and clipped to [-max_rate, max_rate] when ``max_rate`` > 0
(default 0: unbounded). Each is a hashable, frozen description registered as a pytree
without leaves, so it can be passed to ``jax.jit``-compiled functions as an ordinary argument
(the seed notebook does this).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from .config import ACTIVATIONS, ARCHITECTURES, ConfigError, FatesConfig, NetworkConfig
from .fates import apply_threshold, fates_of

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


FATE_KEYS = ("thresholds", "learn_thresholds")
"""The settings of the fates section an architecture also takes by name."""


@dataclass(frozen=True, init=False)
class _FlatParameters:
    """The flat-vector half of the interface, from ``init``, ``apply`` and ``unflatten_f``.

    A flat vector is f's parameters (``n_f_params``) followed, with ``learn_thresholds``, by the
    ``Z - 1`` fate thresholds (``fate_thresholds``); ``unflatten`` reads f's part.
    """

    settings: NetworkConfig
    fate_settings: FatesConfig
    ARCHITECTURE = ""
    DEFAULT_INPUTS = ("sbar",)

    def __init__(self, network: NetworkConfig | None = None, fates: FatesConfig | None = None, **settings):
        """From the settings sections, with any of their keys set by name (checked by
        ``fatenet.config``, so an invalid value raises ConfigError naming it)."""
        fate_settings = {key: settings.pop(key) for key in FATE_KEYS if key in settings}
        if network is None:
            settings.setdefault("inputs", self.DEFAULT_INPUTS)
            network = NetworkConfig(architecture=self.ARCHITECTURE, **settings)
        elif settings or network.architecture != self.ARCHITECTURE:
            network = dataclasses.replace(network, architecture=self.ARCHITECTURE, **settings)
        fates = fates or FatesConfig()
        if fate_settings:
            fates = dataclasses.replace(fates, **fate_settings)
        object.__setattr__(self, "settings", network)
        object.__setattr__(self, "fate_settings", fates)

    inputs = property(lambda self: self.settings.inputs, doc="What f reads: ('sbar',) or ('s', 'sbar').")
    output_scale = property(lambda self: self.settings.output_scale)
    max_rate = property(lambda self: self.settings.max_rate)
    thresholds = property(lambda self: self.fate_settings.thresholds)
    learn_thresholds = property(lambda self: self.fate_settings.learn_thresholds)

    def _output(self, raw: jax.Array) -> jax.Array:
        """``raw`` times ``output_scale``, clipped to [-max_rate, max_rate] when max_rate > 0."""
        out = raw if self.output_scale == 1.0 else raw * jnp.float32(self.output_scale)
        return jnp.clip(out, -self.max_rate, self.max_rate) if self.max_rate else out

    @property
    def n_f_params(self) -> int:
        """Length of f's part of the flat vector (``NetworkConfig.n_params``)."""
        return self.settings.n_params

    @property
    def n_params(self) -> int:
        """Length of the flat vector: f's parameters, then the learned thresholds (if any)."""
        return self.n_f_params + (len(self.thresholds) if self.learn_thresholds else 0)

    @property
    def n_fates(self) -> int:
        return self.fate_settings.n_fates

    def _f_part(self, flat: jax.Array) -> jax.Array:
        flat = jnp.asarray(flat)
        return flat[..., :self.n_f_params] if self.learn_thresholds else flat

    def unflatten(self, flat: jax.Array) -> Params:
        """Flat vector (n_params,) -> f's parameters (the thresholds, if learned, are left out)."""
        return self.unflatten_f(self._f_part(flat))

    def inputs_of(self, sbar: jax.Array, s: jax.Array | None) -> jax.Array:
        """The network's input array (..., n_inputs): sbar, or (s, sbar) with two inputs."""
        sbar = jnp.asarray(sbar, jnp.float32)
        if self.inputs == ("sbar",):
            return sbar[..., None]
        if s is None:
            raise ValueError("this f reads the cell's own state (network.inputs [s, sbar]): pass s")
        return jnp.stack(jnp.broadcast_arrays(jnp.asarray(s, jnp.float32), sbar), axis=-1)

    def apply_flat(self, flat: jax.Array, sbar: jax.Array, s: jax.Array | None = None) -> jax.Array:
        """f(s, sbar) from a flat parameter vector (``s`` is not read with inputs [sbar])."""
        return self.apply(self.unflatten(flat), sbar, s)

    def fate_thresholds(self, flat: jax.Array) -> jax.Array:
        """The Z - 1 thresholds of the fates: the learned ones (sorted) or ``thresholds``."""
        if self.learn_thresholds:
            held = jnp.asarray(flat)[..., self.n_f_params:]
            return jnp.sort(jnp.exp(held) if self.fate_settings.threshold_scale == "log" else held)
        return jnp.asarray(self.thresholds, jnp.float32)

    def fates(self, flat: jax.Array, states: jax.Array) -> jax.Array:
        """Fates of final ``states``: the number of thresholds at or below each state (0 ... Z - 1)."""
        if not self.learn_thresholds and len(self.thresholds) == 1:
            return apply_threshold(states, self.thresholds[0])
        return fates_of(states, self.fate_thresholds(flat))

    def init_flat(self, key: jax.Array) -> jax.Array:
        """One random initialisation as a flat vector (n_params,); learned thresholds start at ``thresholds``."""
        flat = flatten(self.init(key))
        if self.learn_thresholds:
            held = np.log(np.asarray(self.thresholds, np.float64)) if self.fate_settings.threshold_scale == "log" \
                else np.asarray(self.thresholds)
            flat = jnp.concatenate([flat, jnp.asarray(held, flat.dtype)])
        return flat

    def init_population(self, key: jax.Array, population_size: int) -> jax.Array:
        """(population_size, n_params) independent initialisations, one key each."""
        return jax.vmap(self.init_flat)(jax.random.split(key, population_size))


@jax.tree_util.register_static
@dataclass(frozen=True, init=False)
class RegulatoryNetwork(_FlatParameters):
    """The MLP f: hashable and static, a valid argument of jitted functions."""

    ARCHITECTURE = "mlp"
    hidden_dims = property(lambda self: self.settings.hidden_dims)
    activation = property(lambda self: self.settings.activation)

    @cached_property
    def module(self) -> MLP:
        return MLP(hidden_dims=self.hidden_dims, activation=self.activation)

    def init(self, key: jax.Array, input_shape: tuple[int, ...] | None = None) -> Params:
        """Flax default initialisation (LeCun-normal kernels, zero biases)."""
        shape = (len(self.inputs),) if input_shape is None else tuple(input_shape)
        return self.module.init(key, jnp.ones(shape, jnp.float32))

    def apply(self, params: Params, sbar: jax.Array, s: jax.Array | None = None) -> jax.Array:
        """f(s, sbar) elementwise: the output has the shape of ``sbar``."""
        return self._output(self.module.apply(params, self.inputs_of(sbar, s))[..., 0])

    @cached_property
    def _unravel(self) -> Callable[[jax.Array], Params]:
        return ravel_pytree(self.init(jax.random.PRNGKey(0)))[1]

    @cached_property
    def _layer_positions(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(kernel (in, out), bias (out,))]`` per layer: positions in f's flat vector, which holds
        the layers in the order of their names (``Dense_0``, ``Dense_1``, ...; as text, as
        ``ravel_pytree`` sorts them), each its bias then its kernel (row-major)."""
        widths = (len(self.inputs), *self.hidden_dims, 1)
        names = [f"Dense_{i}" for i in range(len(widths) - 1)]
        positions, start = {}, 0
        for name in sorted(names):
            n_in, n_out = widths[int(name.split("_")[1])], widths[int(name.split("_")[1]) + 1]
            bias = np.arange(start, start + n_out)
            kernel = np.arange(start + n_out, start + n_out + n_in * n_out).reshape(n_in, n_out)
            positions[name], start = (kernel, bias), start + n_out + n_in * n_out
        return [positions[name] for name in names]

    def apply_scalars(self, p: Sequence[jax.Array], sbar: jax.Array, s: jax.Array) -> jax.Array:
        """The same f as ``apply``, each unit a chain of scalar multiply-adds (the fused kernel's
        form); equal to ``apply`` up to the order of each unit's sum."""
        act = _ACTIVATION_FUNCTIONS[self.activation]
        units = [s, sbar] if self.inputs == ("s", "sbar") else [sbar]
        layers = self._layer_positions
        for depth, (kernel, bias) in enumerate(layers):
            out = []
            for j in range(kernel.shape[1]):
                total = units[0] * p[kernel[0, j]]
                for i in range(1, kernel.shape[0]):
                    total = total + units[i] * p[kernel[i, j]]
                total = total + p[bias[j]]
                out.append(total if depth == len(layers) - 1 else act(total))
            units = out
        return self._output(units[0])

    def unflatten_f(self, flat: jax.Array) -> Params:
        """f's flat parameters -> Flax parameter tree."""
        return self._unravel(jnp.asarray(flat))


SELECT_MAX_POINTS = 33
"""Tables up to this size are read by a chain of selects instead of a gather: the same values,
several times faster on CPUs (the default 17-knot f); larger tables (``f_table_points``) gather."""


def interpolate(table: jax.Array, sbar: jax.Array) -> jax.Array:
    """Linear interpolation of ``table`` (values at ``len(table)`` evenly spaced points of [0, 1]).

    Exact at the points; sbar outside [0, 1] is clamped to it. ``table`` may also be a sequence
    of scalars (at most ``SELECT_MAX_POINTS``: the fused kernel's form), with the same numbers.
    """
    n = len(table) if isinstance(table, (list, tuple)) else table.shape[-1]
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


def interpolate_2d(table: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
    """Bilinear interpolation of ``table`` (n, n): values at the grid points (x_i, y_j) of [0, 1]^2.

    Exact at the grid points and linear along each grid line; x and y outside [0, 1] (states
    above 1 with ``state_bounds: reflect``) are clamped to it for the look-up. Every row is
    interpolated along y (``interpolate``), then the row values along x: the textbook formula's
    numbers, with the selects that make small tables fast on CPUs (measured, a 9 x 9 grid in a
    2000-step scan: 3 times faster than four gathers, 10 times faster than hat-function
    products); a table larger than ``SELECT_MAX_POINTS`` a side gathers its four corners. ``table``
    may also be a sequence of rows of scalars (the fused kernel's form), with the same numbers.
    """
    n = len(table) if isinstance(table, (list, tuple)) else table.shape[-1]
    scale = n - 1
    u = jnp.clip(x, 0.0, 1.0) * scale
    i = jnp.clip(jnp.floor(u).astype(jnp.int32), 0, scale - 1)
    if n > SELECT_MAX_POINTS:
        v = jnp.clip(y, 0.0, 1.0) * scale
        j = jnp.clip(jnp.floor(v).astype(jnp.int32), 0, scale - 1)
        flat = table.reshape(-1)
        corner = lambda a, b: flat[(i + a) * n + (j + b)]  # noqa: E731
        low = corner(0, 0) + (v - j) * (corner(0, 1) - corner(0, 0))
        high = corner(1, 0) + (v - j) * (corner(1, 1) - corner(1, 0))
        return low + (u - i) * (high - low)
    rows = [interpolate(table[k], y) for k in range(n)]  # f at (x_k, y) for every row k
    lo, hi = rows[0], rows[1]
    for k in range(1, scale):
        above = i >= k
        lo, hi = jnp.where(above, rows[k], lo), jnp.where(above, rows[k + 1], hi)
    return lo + (u - i) * (hi - lo)


INIT_KNOT_STD = 1.0
"""Random piecewise-linear f: i.i.d. N(0, 1) values at the knots (|f| ~ 1, as the MLP starts)."""

ROW_SWITCH = {"middle": 0.3, "rise": 0.8}
"""The row switch's shape (``PiecewiseLinear.row_switch``): f in units of max_rate is -1 below sbar 1/2,
``middle`` from 1/2 up to ``rise``, +1 beyond. On the default chain (7 cells, open, noise 0.05 and 0.1)
it makes the row deciding together, U 0.82-0.84 at dt, dt / 4 and dt / 16 (docs/findings/time-step.md)."""


@jax.tree_util.register_static
@dataclass(frozen=True, init=False)
class PiecewiseLinear(_FlatParameters):
    """f given by its values at ``n_knots`` evenly spaced points of [0, 1], linear in between;
    with inputs [s, sbar], on an ``n_knots`` x ``n_knots`` grid (rows s, columns sbar), bilinear."""

    ARCHITECTURE = "piecewise_linear"
    n_knots = property(lambda self: self.settings.n_knots)

    @property
    def knots(self) -> np.ndarray:
        """The positions of the values along each input, 0 to 1."""
        return np.linspace(0.0, 1.0, self.n_knots)

    def init(self, key: jax.Array) -> jax.Array:
        """Random values at the knots, i.i.d. N(0, INIT_KNOT_STD^2)."""
        return INIT_KNOT_STD * jax.random.normal(key, (self.n_f_params,), jnp.float32)

    max_slope = property(lambda self: self.settings.max_slope)

    def knot_values(self, params):
        """The values f takes at the knots (before ``output_scale`` and ``max_rate``): the parameters,
        or with ``max_slope`` > 0 the parameters' first value followed by each step to the next
        parameter limited to +-max_slope / ((n_knots - 1) output_scale), added one at a time (a list of
        the knots' values). ``params`` is an array (n_knots,) or a sequence of scalars (the kernel's
        form), with the same numbers."""
        if not self.max_slope:
            return params
        step = self.max_slope / ((self.n_knots - 1) * self.output_scale)
        values = [params[0]]
        for k in range(1, self.n_knots):
            values.append(values[-1] + jnp.clip(params[k] - params[k - 1], -step, step))
        return values

    def apply(self, params: jax.Array, sbar: jax.Array, s: jax.Array | None = None) -> jax.Array:
        """f(s, sbar) elementwise: the output has the shape of ``sbar``."""
        params, sbar = jnp.asarray(params, jnp.float32), jnp.asarray(sbar, jnp.float32)
        if self.inputs == ("sbar",):
            values = self.knot_values(params)
            if self.n_knots > SELECT_MAX_POINTS and isinstance(values, list):
                values = jnp.stack(values)
            return self._output(interpolate(values, sbar))
        x = self.inputs_of(sbar, s)
        table = params.reshape(self.n_knots, self.n_knots)
        return self._output(interpolate_2d(table, x[..., 0], x[..., 1]))

    def apply_scalars(self, p: Sequence[jax.Array], sbar: jax.Array, s: jax.Array) -> jax.Array:
        """The same f as ``apply``, bit for bit, read from the knots' values as scalars (selects:
        ``interpolate`` and ``interpolate_2d`` take a sequence as well as an array)."""
        if self.n_knots > SELECT_MAX_POINTS:
            raise ValueError(f"a table of {self.n_knots} knots is read by gathers, not from scalars")
        if self.inputs == ("sbar",):
            return self._output(interpolate(self.knot_values(p), sbar))
        n = self.n_knots
        return self._output(interpolate_2d([p[k * n:(k + 1) * n] for k in range(n)], s, sbar))

    def unflatten_f(self, flat: jax.Array) -> jax.Array:
        return jnp.asarray(flat)

    def _knot_array(self, params: jax.Array) -> jax.Array:
        """``knot_values`` as one array (n_knots,) (with ``max_slope`` they come as a list)."""
        values = self.knot_values(params)
        return jnp.stack(values) if isinstance(values, list) else values

    def shifted(self, flat: jax.Array, d: float) -> jax.Array:
        """The flat vector of f moved along sbar by ``d``, f(sbar - d): its knot values read off f at
        the knots less d (``interpolate``: the end values held beyond the ends), learned thresholds
        kept. Exact where d is a whole number of knot intervals (inside the ends); in between, the
        resampled f is f moved with its kinks smoothed to the knots. f of [sbar] only."""
        if self.inputs != ("sbar",):
            raise ValueError("only an f of [sbar] can be moved along sbar (network.inputs [sbar])")
        flat = jnp.asarray(flat, jnp.float32)
        moved = interpolate(self._knot_array(self._f_part(flat)), jnp.asarray(self.knots - d, jnp.float32))
        return jnp.concatenate([moved, flat[self.n_f_params:]]) if self.learn_thresholds else moved

    def mirrored(self, flat: jax.Array) -> jax.Array:
        """The flat vector of f's mirror image under s -> 1 - s, -f(1 - sbar) (with inputs [s, sbar],
        -f(1 - s, 1 - sbar)): the knots' values reversed (along both inputs) and negated. The knots lie
        evenly on [0, 1], so the mirror image of the piecewise-linear f is piecewise linear on them,
        and ``output_scale`` and the clip at ``max_rate`` are odd: exact. With ``max_slope`` the
        parameters are the knots' values themselves (their steps are within the bound already, so
        the bound leaves them as they are, up to rounding). f only (no learned thresholds)."""
        if self.learn_thresholds:
            raise ValueError("the mirror image of an f with learned thresholds is not defined (fates.learn_thresholds)")
        flat = jnp.asarray(flat, jnp.float32)
        if self.inputs == ("sbar",):
            return -self._knot_array(flat)[::-1]
        return -flat.reshape(self.n_knots, self.n_knots)[::-1, ::-1].reshape(-1)

    def row_switch(self) -> jax.Array:
        """The flat vector of the row switch (``ROW_SWITCH``): f = -max_rate where sbar is below 1/2,
        ``ROW_SWITCH["middle"]`` max_rate from 1/2 up to ``ROW_SWITCH["rise"]``, +max_rate beyond, at the
        knots (in the parameters' units: divided by ``output_scale``; max_rate 0, no clip, counts as 1).
        A cell whose neighbours fall below the middle falls fast and one above it rises slowly, so a
        falling region takes its neighbours with it and the tissue ends in one of the two uniform
        patterns, the row deciding together (docs/findings/time-step.md). f of [sbar] only."""
        if self.inputs != ("sbar",):
            raise ValueError("the row switch is an f of [sbar] (network.inputs [sbar])")
        x, rate = self.knots, (self.max_rate or 1.0) / self.output_scale
        values = np.where(x < 0.5, -1.0, np.where(x < ROW_SWITCH["rise"], ROW_SWITCH["middle"], 1.0)) * rate
        return jnp.asarray(values, jnp.float32)


LATERAL_INHIBITION_INIT_STD = 1.0
"""Random lateral_inhibition f: [h_s, h_g] the configured start plus i.i.d. N(0, 1) (the first
individual of a population is the start itself)."""


@jax.tree_util.register_static
@dataclass(frozen=True, init=False)
class LateralInhibition(_FlatParameters):
    """The paper's f(s, sbar) = sigmoid(2 (h_g s - h_s sbar)) - s, parameters ``[h_s, h_g]``.

    Self-activation of strength h_g, inhibition by the coupled cells' mean of strength h_s
    (Brückner & Tkačik 2024, their lateral-inhibition and proportioning examples). It reads the
    cell's own state (``network.inputs`` [s, sbar], checked by ``config.NetworkConfig``).
    """

    ARCHITECTURE = "lateral_inhibition"
    DEFAULT_INPUTS = ("s", "sbar")
    h_s = property(lambda self: self.settings.h_s)
    h_g = property(lambda self: self.settings.h_g)

    @property
    def start(self) -> np.ndarray:
        """[h_s, h_g] as configured: where a search starts, the network itself with strategy none."""
        return np.array([self.h_s, self.h_g], np.float32)

    def init(self, key: jax.Array) -> jax.Array:
        """The start plus i.i.d. N(0, LATERAL_INHIBITION_INIT_STD^2)."""
        return jnp.asarray(self.start) + LATERAL_INHIBITION_INIT_STD * jax.random.normal(key, (2,), jnp.float32)

    def init_population(self, key: jax.Array, population_size: int) -> jax.Array:
        """Random initialisations, the first replaced by the start [h_s, h_g] itself."""
        population = super().init_population(key, population_size)
        return population.at[0, :2].set(jnp.asarray(self.start))

    def apply(self, params: jax.Array, sbar: jax.Array, s: jax.Array | None = None) -> jax.Array:
        """f(s, sbar) elementwise: the output has the shape of ``sbar``."""
        x = self.inputs_of(sbar, s)
        return self.apply_scalars(jnp.asarray(params, jnp.float32), x[..., 1], x[..., 0])

    def apply_scalars(self, p: Sequence[jax.Array], sbar: jax.Array, s: jax.Array) -> jax.Array:
        """sigmoid(2 (h_g s - h_s sbar)) - s with ``p = [h_s, h_g]`` (an array or scalars)."""
        return self._output(jax.nn.sigmoid(2.0 * (p[1] * s - p[0] * sbar)) - s)

    def unflatten_f(self, flat: jax.Array) -> jax.Array:
        return jnp.asarray(flat)


HILL_RATES = ("alpha_a", "alpha_b", "kappa_a", "kappa_b", "hill", "ratio_a", "ratio_b")
"""The hill architecture's parameters, in the order of its flat vector (each as its logarithm)."""


@jax.tree_util.register_static
@dataclass(frozen=True, init=False)
class Hill(_FlatParameters):
    """The reaction-diffusion model's production of the paper: P = A^h / (A^h + B^h), read as a
    function of the local fraction r = A / (A + B), P = r^h / (r^h + (1 - r)^h) (the same number,
    0 where A = B = 0), with the model's rates. The flat vector holds the logarithms of
    ``HILL_RATES`` (so every rate stays positive and a search moves them by factors); ``apply``
    is P, ``rates`` the rates (``fatenet.reaction_diffusion`` reads both).
    """

    ARCHITECTURE = "hill"

    @property
    def start(self) -> np.ndarray:
        """The logarithms of the configured rates: where a search starts, the model itself with strategy none."""
        return np.log(np.array([getattr(self.settings, name) for name in HILL_RATES], np.float64)).astype(np.float32)

    def init(self, key: jax.Array) -> jax.Array:
        """The start plus i.i.d. N(0, HILL_INIT_STD^2) (factors of about e^0.5 around the configured rates)."""
        return jnp.asarray(self.start) + HILL_INIT_STD * jax.random.normal(key, (7,), jnp.float32)

    def init_population(self, key: jax.Array, population_size: int) -> jax.Array:
        """Random initialisations, the first replaced by the configured rates themselves."""
        population = super().init_population(key, population_size)
        return population.at[0, :7].set(jnp.asarray(self.start))

    def rates(self, params: jax.Array) -> dict[str, jax.Array]:
        """``HILL_RATES`` -> value (float32 scalars) of f's parameters."""
        values = jnp.exp(jnp.asarray(params, jnp.float32))
        return {name: values[..., k] for k, name in enumerate(HILL_RATES)}

    def apply(self, params: jax.Array, sbar: jax.Array, s: jax.Array | None = None) -> jax.Array:
        """P(r) elementwise for r = ``sbar`` in [0, 1]: the output has the shape of ``sbar``."""
        r = jnp.asarray(sbar, jnp.float32)
        h = jnp.exp(jnp.asarray(params, jnp.float32)[..., 4])
        # r^h / (r^h + (1 - r)^h) = sigmoid(h log(r / (1 - r))): one logarithm and one exponential
        inside = (r > 0) & (r < 1)
        odds = jnp.where(inside, r, 0.5) / jnp.where(inside, 1.0 - r, 0.5)
        return jnp.where(inside, jax.nn.sigmoid(h * jnp.log(odds)), jnp.where(r >= 1, 1.0, 0.0))

    def unflatten_f(self, flat: jax.Array) -> jax.Array:
        return jnp.asarray(flat)


HILL_INIT_STD = 0.5
"""Random hill parameters: the logarithms of the configured rates plus i.i.d. N(0, 0.5^2)."""


Network = RegulatoryNetwork | PiecewiseLinear | LateralInhibition | Hill
"""Any architecture of f (the flat-parameter interface above)."""


ARCHITECTURE_CLASSES = {cls.ARCHITECTURE: cls for cls in (RegulatoryNetwork, PiecewiseLinear, LateralInhibition,
                                                          Hill)}
"""``network.architecture`` -> its class."""
assert set(ARCHITECTURE_CLASSES) == set(ARCHITECTURES)


def make_network(config: NetworkConfig, fates: FatesConfig | None = None) -> Network:
    """The regulatory function named by ``config.architecture``, with the fates of ``fates``
    (default: the one threshold 0.5)."""
    if config.architecture not in ARCHITECTURE_CLASSES:
        raise ConfigError(f"invalid setting network.architecture = {config.architecture!r}")
    return ARCHITECTURE_CLASSES[config.architecture](config, fates)


def flatten(params: Params) -> jax.Array:
    """Flax parameter tree -> flat vector, in ``jax.tree_util.tree_leaves`` order."""
    return ravel_pytree(params)[0]


def init_params(model: RegulatoryNetwork, key: jax.Array, input_shape: tuple[int, ...] = (1,)) -> Params:
    """The seed notebook's ``init_params(model, key, (1,))``."""
    return model.init(key, tuple(input_shape))


def get_regulatory_function(model: RegulatoryNetwork, params: Params) -> Callable[[jax.Array], jax.Array]:
    """The seed notebook's ``f = get_regulatory_function(model, params)``: ``f(sbar, s=None)``, elementwise."""
    return lambda sbar, s=None: model.apply(params, sbar, s)


def population_apply(model: Network, population: jax.Array, sbar: jax.Array, s: jax.Array | None = None) -> jax.Array:
    """f of every individual at once: ``population`` (P, n_params), ``sbar`` (and ``s``) (P, ...) -> (P, ...)."""
    if s is None:
        return jax.vmap(lambda flat, x: model.apply_flat(flat, x))(population, sbar)
    return jax.vmap(model.apply_flat)(population, sbar, s)


def lateral_inhibition_target(sbar: jax.Array | np.ndarray, strength: float = 5.0):
    """The reference f = -tanh(strength * (sbar - 0.5)) drawn beside learned functions."""
    return -np.tanh(strength * (np.asarray(sbar, dtype=np.float64) - 0.5))
