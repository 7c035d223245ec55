"""Settings of a fatenet run: the one home of defaults and of the rules for valid values.

Four frozen sections mirror the study's ``config.yaml`` (the model they describe is in the
README, "The model")::

    simulation: tissue and stochastic dynamics
    network:    the regulatory function f(sbar)
    evolution:  the optimiser and its fitness
    evaluation: fresh-replicate scoring of a trained network

``Config.from_dict`` accepts a nested mapping (missing keys take the defaults below)
and raises :class:`ConfigError` naming the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

BOUNDARIES = ("open", "fixed", "periodic")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "softplus", "silu", "gelu", "elu")
ARCHITECTURES = ("mlp", "piecewise_linear")
STRATEGIES = ("mu_plus_lambda", "cma_es", "snes", "open_es", "gradient")
FITNESSES = ("soft", "hard")
FINAL_CHOICES = ("robust", "flat", "rescored", "best_ever")
STARTS = ("fittest", "pattern_classes")
DT_RULES = ("worst", "extrapolated")


class ConfigError(ValueError):
    """An invalid setting: the message names the key, the value and what is allowed."""


def _fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"invalid setting {key} = {value!r}: {allowed}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_int(key: str, value: Any, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(key, value, f"must be an integer >= {minimum}")
    if value < minimum:
        _fail(key, value, f"must be an integer >= {minimum}")


def _check_real(key: str, value: Any, *, low: float | None = None, low_open: bool = False,
                high: float | None = None, high_open: bool = False) -> None:
    lo = "" if low is None else (f"> {low}" if low_open else f">= {low}")
    hi = "" if high is None else (f"< {high}" if high_open else f"<= {high}")
    allowed = "must be a finite number" + (f" {lo}" if lo else "") + (" and" if lo and hi else "") + (
        f" {hi}" if hi else "")
    if not _is_number(value) or not math.isfinite(value):
        _fail(key, value, allowed)
    if low is not None and (value <= low if low_open else value < low):
        _fail(key, value, allowed)
    if high is not None and (value >= high if high_open else value > high):
        _fail(key, value, allowed)


def _check_choice(key: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        _fail(key, value, "must be one of " + ", ".join(choices))


@dataclass(frozen=True)
class SimulationConfig:
    """A row of ``n_cells`` cells integrated by Euler-Maruyama (README, "The model")."""

    n_cells: int = 7
    n_replicates: int = 50
    dt: float = 0.01
    t_final: float = 20.0
    noise_strength: float = 0.1
    boundary: str = "open"
    ic_mean: float = 0.5
    ic_spread: float = 0.1

    def __post_init__(self) -> None:
        _check_int("simulation.n_cells", self.n_cells, 2)
        _check_int("simulation.n_replicates", self.n_replicates, 2)
        _check_real("simulation.dt", self.dt, low=0.0, low_open=True)
        _check_real("simulation.t_final", self.t_final, low=0.0, low_open=True)
        if self.t_final < self.dt:
            _fail("simulation.t_final", self.t_final, f"must be >= simulation.dt ({self.dt})")
        _check_real("simulation.noise_strength", self.noise_strength, low=0.0)
        _check_choice("simulation.boundary", self.boundary, BOUNDARIES)
        _check_real("simulation.ic_mean", self.ic_mean, low=0.0, high=1.0)
        _check_real("simulation.ic_spread", self.ic_spread, low=0.0)

    @property
    def n_steps(self) -> int:
        """round(t_final / dt): 2000 at the defaults."""
        return int(round(self.t_final / self.dt))


@dataclass(frozen=True)
class NetworkConfig:
    """The regulatory function f: scalar sbar -> scalar ds/dt (README, "The model").

    ``architecture: mlp`` (the seed's) is a Flax MLP with ``hidden_dims`` and ``activation``;
    ``piecewise_linear`` holds the values of f at ``n_knots`` evenly spaced points of [0, 1]
    and is linear in between. Either output is multiplied by ``output_scale`` and, with
    ``max_rate`` > 0, clipped to [-max_rate, max_rate]: the fastest a cell's state may change
    (0, the default, sets no bound).
    """

    architecture: str = "mlp"
    hidden_dims: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    n_knots: int = 17
    output_scale: float = 1.0
    max_rate: float = 0.0

    def __post_init__(self) -> None:
        _check_choice("network.architecture", self.architecture, ARCHITECTURES)
        dims = self.hidden_dims
        if isinstance(dims, (str, bytes)) or not hasattr(dims, "__iter__"):
            _fail("network.hidden_dims", dims, "must be a non-empty list of integers >= 1")
        dims = tuple(dims)
        if not dims or any(not isinstance(d, int) or isinstance(d, bool) or d < 1 for d in dims):
            _fail("network.hidden_dims", list(dims), "must be a non-empty list of integers >= 1")
        object.__setattr__(self, "hidden_dims", dims)
        _check_choice("network.activation", self.activation, ACTIVATIONS)
        _check_int("network.n_knots", self.n_knots, 2)
        _check_real("network.output_scale", self.output_scale, low=0.0, low_open=True)
        _check_real("network.max_rate", self.max_rate, low=0.0)

    @property
    def n_params(self) -> int:
        """Length of the flat parameter vector: 97 for the (8, 8) MLP, n_knots for piecewise_linear."""
        if self.architecture == "piecewise_linear":
            return self.n_knots
        widths = (1, *self.hidden_dims, 1)
        return sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=True))


@dataclass(frozen=True)
class EvolutionConfig:
    """The optimiser and the fitness it maximises (README, "The model").

    ``strategy: gradient`` takes one Adam step of size ``learning_rate`` per generation on a
    score-function gradient estimated from ``population_size`` batches of replicates (see
    ``fatenet.strategies.gradient``); ``mutation_std`` and ``elite_fraction`` do not apply to it, and
    ``learning_rate`` applies to it only. ``initial_std`` is the starting search width of
    ``cma_es`` and ``snes`` (which adapt it); ``open_es`` samples with a constant width of
    ``mutation_std``, ``mu_plus_lambda`` mutates with it.

    ``f_table_points`` (opt-in approximation, default 0 = exact): during training only, f is
    evaluated once per individual and generation at that many points of [0, 1] and linearly
    interpolated inside the simulation. Evaluation always uses the exact network.

    ``final_choice`` (``fatenet.selection``): ``rescored`` re-scores the best network ever seen,
    the optimiser's mean and the ``rescore_candidates`` fittest of the last generation on
    ``rescore_replicates`` fresh tissues and keeps the best; ``robust`` (the default) also
    re-scores them with the time step divided by 4 and 16 and keeps the best worst score;
    ``best_ever`` keeps the notebook's rule (the network with the best training score).

    ``restarts`` > 1 runs that many independent optimisations side by side (one vmapped
    program; restart 0 starts as the single run of the same seed) and pools their final candidates:
    the landscape has several basins (lateral inhibition, collective all-or-none decisions),
    and one start finds one of them. ``initial_screen`` = M > 0 starts each run (restart) from
    the ``population_size`` fittest of M random networks (CMA-ES and SNES from the fittest one)
    instead of from ``population_size`` random ones.

    ``start_from`` (``fatenet.screening``): ``fittest`` starts each restart from the fittest of
    its own ``initial_screen`` random networks; ``pattern_classes`` pools them into an archive
    by the fate pattern each makes (up to symmetry) and starts restart k from the elite of the
    k-th best class, so the restarts begin in different basins.

    ``explore_generations`` = E > 0 (successive halving): the first E generations of every
    restart use the fitness at dt alone (cheap exploration); then every restart's best network
    and mean are scored on ``focus_replicates`` (0: ``rescore_replicates``) fresh tissues (at dt, and by the final
    choice's score, ``training.focus``), and ``keep_restarts`` restarts, the best by either
    in turn, continue with the full fitness (``fitness_dt_factors``)
    for the remaining generations. 0 (default): every restart, full fitness, throughout.

    ``fitness_dt_factors`` (default [1]): the fitness is the worst U of each individual's
    tissues integrated with dt divided by each factor, on the same initial states and the same
    Brownian path (``dynamics.simulate_time_steps``); [1, 4] keeps an optimiser from tuning f to the
    time step, at about 4.3 times the cost of a generation. ``fitness_dt_rule: extrapolated``
    (two factors) scores the worse of U at the coarser step and U extrapolated to dt -> 0
    (``fitness.extrapolate_to_zero_dt``; for [1, 4]: 2 U(dt / 4) - U(dt)).
    """

    strategy: str = "mu_plus_lambda"
    population_size: int = 20
    n_generations: int = 100
    mutation_std: float = 0.1
    elite_fraction: float = 0.2
    fitness: str = "soft"
    bandwidth: float = 0.1
    common_random_numbers: bool = False
    f_table_points: int = 0
    log_every: int = 10
    learning_rate: float = 0.003
    initial_std: float = 0.5
    final_choice: str = "robust"
    rescore_replicates: int = 1000
    rescore_candidates: int = 4
    restarts: int = 1
    initial_screen: int = 0
    start_from: str = "fittest"
    fitness_dt_factors: tuple[int, ...] = (1,)
    fitness_dt_rule: str = "worst"
    explore_generations: int = 0
    keep_restarts: int = 1
    focus_replicates: int = 0

    def __post_init__(self) -> None:
        _check_choice("evolution.strategy", self.strategy, STRATEGIES)
        factors = self.fitness_dt_factors
        allowed = "must be a non-empty list of distinct integers >= 1, each dividing the largest (e.g. [1, 4])"
        if isinstance(factors, (str, bytes)) or not hasattr(factors, "__iter__"):
            _fail("evolution.fitness_dt_factors", factors, allowed)
        factors = tuple(factors)
        if (not factors or any(not isinstance(k, int) or isinstance(k, bool) or k < 1 for k in factors)
                or len(set(factors)) != len(factors) or any(max(factors) % k for k in factors)):
            _fail("evolution.fitness_dt_factors", list(factors), allowed)
        object.__setattr__(self, "fitness_dt_factors", tuple(sorted(factors)))
        _check_choice("evolution.fitness_dt_rule", self.fitness_dt_rule, DT_RULES)
        if self.fitness_dt_rule == "extrapolated" and len(factors) != 2:
            _fail("evolution.fitness_dt_rule", self.fitness_dt_rule,
                  f"extrapolated needs exactly two fitness_dt_factors (e.g. [1, 4]), not {list(factors)}")
        _check_int("evolution.population_size", self.population_size, 2)
        _check_int("evolution.n_generations", self.n_generations, 1)
        _check_real("evolution.mutation_std", self.mutation_std, low=0.0)
        _check_real("evolution.elite_fraction", self.elite_fraction, low=0.0, low_open=True, high=1.0)
        _check_choice("evolution.fitness", self.fitness, FITNESSES)
        _check_real("evolution.bandwidth", self.bandwidth, low=0.0, low_open=True)
        if not isinstance(self.common_random_numbers, bool):
            _fail("evolution.common_random_numbers", self.common_random_numbers, "must be true or false")
        points = self.f_table_points
        if not isinstance(points, int) or isinstance(points, bool) or points < 0 or points == 1:
            _fail("evolution.f_table_points", points, "must be 0 (exact f, the default) or an integer >= 2")
        _check_int("evolution.log_every", self.log_every, 1)
        _check_real("evolution.learning_rate", self.learning_rate, low=0.0, low_open=True)
        _check_real("evolution.initial_std", self.initial_std, low=0.0, low_open=True)
        _check_choice("evolution.final_choice", self.final_choice, FINAL_CHOICES)
        _check_int("evolution.rescore_replicates", self.rescore_replicates, 2)
        _check_int("evolution.rescore_candidates", self.rescore_candidates, 1)
        _check_int("evolution.focus_replicates", self.focus_replicates, 0)
        if self.focus_replicates == 1:
            _fail("evolution.focus_replicates", self.focus_replicates,
                  "must be 0 (as many as rescore_replicates) or >= 2")
        _check_int("evolution.restarts", self.restarts, 1)
        _check_int("evolution.initial_screen", self.initial_screen, 0)
        if self.initial_screen and self.initial_screen < self.population_size:
            _fail("evolution.initial_screen", self.initial_screen,
                  f"must be 0 (no screening) or at least population_size ({self.population_size})")
        _check_choice("evolution.start_from", self.start_from, STARTS)
        if self.start_from == "pattern_classes" and not self.initial_screen:
            _fail("evolution.initial_screen", self.initial_screen,
                  "must be > 0 with start_from pattern_classes (the classes come from the screened networks)")
        _check_int("evolution.explore_generations", self.explore_generations, 0)
        if self.explore_generations >= self.n_generations:
            _fail("evolution.explore_generations", self.explore_generations,
                  f"must be less than n_generations ({self.n_generations}): 0 (no exploration phase) "
                  "or the generations before the best restarts are kept")
        if self.explore_generations and self.restarts < 2:
            _fail("evolution.explore_generations", self.explore_generations,
                  "must be 0 with a single restart (exploration keeps the best of several restarts)")
        _check_int("evolution.keep_restarts", self.keep_restarts, 1)
        if self.explore_generations and self.keep_restarts > self.restarts:
            _fail("evolution.keep_restarts", self.keep_restarts,
                  f"must be at most restarts ({self.restarts}): the restarts kept after exploration")
        if self.strategy == "gradient" and self.fitness_dt_factors != (1,):
            _fail("evolution.fitness_dt_factors", list(self.fitness_dt_factors),
                  "must be [1] with strategy gradient (its estimate follows the paths at dt only)")
        if self.strategy == "gradient" and self.f_table_points:
            _fail("evolution.f_table_points", points,
                  "must be 0 with strategy gradient (it differentiates the exact f)")
        if self.strategy == "open_es" and self.population_size % 2:
            _fail("evolution.population_size", self.population_size,
                  "must be even with strategy open_es (it samples antithetic pairs)")
        if self.n_parents >= self.population_size:
            _fail("evolution.population_size", self.population_size,
                  f"must exceed the number of parents max(2, int(population_size * elite_fraction)) "
                  f"= {self.n_parents}, so that children are made")

    @property
    def n_parents(self) -> int:
        """max(2, int(population_size * elite_fraction)): 4 at the defaults."""
        return max(2, int(self.population_size * self.elite_fraction))


@dataclass(frozen=True)
class EvaluationConfig:
    """Scoring a trained network on fresh replicates."""

    n_replicates: int = 1000
    n_shown: int = 30

    def __post_init__(self) -> None:
        _check_int("evaluation.n_replicates", self.n_replicates, 2)
        _check_int("evaluation.n_shown", self.n_shown, 1)


OUTPUT_NEUTRAL = {"evolution": ("log_every",)}
"""Settings that change how a run reports progress, never its numbers."""
TRAINING_SECTIONS = ("simulation", "network", "evolution")
"""The sections that determine a trained network (the evaluation section does not)."""

_SECTIONS = {
    "simulation": SimulationConfig,
    "network": NetworkConfig,
    "evolution": EvolutionConfig,
    "evaluation": EvaluationConfig,
}


@dataclass(frozen=True)
class Config:
    """A complete run configuration; every field has the seed notebook's default."""

    simulation: SimulationConfig = field(default_factory=SimulationConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    evolution: EvolutionConfig = field(default_factory=EvolutionConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)

    def __post_init__(self) -> None:
        if self.evolution.strategy == "gradient" and self.simulation.noise_strength <= 0:
            _fail("simulation.noise_strength", self.simulation.noise_strength,
                  "must be > 0 with evolution.strategy gradient (its gradient comes from the noise's density)")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None = None, *, ignore: tuple[str, ...] = ()) -> Config:
        """Build from a nested mapping. Keys in ``ignore`` (e.g. a study's ``seeds``) are skipped."""
        data = dict(data or {})
        sections = {}
        for key, value in data.items():
            if key in ignore:
                continue
            if key not in _SECTIONS:
                _fail(key, value, "unknown section; allowed: " + ", ".join(_SECTIONS))
            if value is None:
                value = {}
            if not isinstance(value, Mapping):
                _fail(key, value, "must be a mapping of settings")
            section_cls = _SECTIONS[key]
            names = {f.name for f in fields(section_cls)}
            for name in value:
                if name not in names:
                    _fail(f"{key}.{name}", value[name],
                          f"unknown key; allowed keys in {key}: " + ", ".join(sorted(names)))
            sections[key] = section_cls(**value)
        return cls(**sections)

    def to_dict(self, sections: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
        """Plain nested dict (tuples as lists) that ``from_dict`` reads back to an equal Config.

        With ``sections``, only those sections, and without the OUTPUT_NEUTRAL settings.
        """
        out = {}
        for name in sections or _SECTIONS:
            section = dataclasses.asdict(getattr(self, name))
            if sections is not None:
                section = {k: v for k, v in section.items() if k not in OUTPUT_NEUTRAL.get(name, ())}
            out[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}
        return out

    def training_dict(self) -> dict[str, dict[str, Any]]:
        """The settings that determine a trained network: ``to_dict`` without the evaluation
        section and without OUTPUT_NEUTRAL settings. Training depends on exactly these."""
        return self.to_dict(sections=TRAINING_SECTIONS)

    def evaluation_dict(self) -> dict[str, dict[str, Any]]:
        """The settings that determine an evaluation: ``to_dict`` without OUTPUT_NEUTRAL settings."""
        return self.to_dict(sections=tuple(_SECTIONS))

    def replace(self, dotted: Mapping[str, Any]) -> Config:
        """A copy with settings changed by dotted name, e.g. ``{"simulation.noise_strength": 0.05}``."""
        data = self.to_dict()
        for key, value in dotted.items():
            section, _, name = key.partition(".")
            if section not in data or name not in data[section]:
                _fail(key, value, "unknown parameter; use section.key, e.g. simulation.noise_strength")
            data[section][name] = value
        return Config.from_dict(data)
