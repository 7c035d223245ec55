"""Settings of a fatenet run: the one home of defaults and of the rules for valid values.

Five frozen sections mirror the study's ``config.yaml`` (the model they describe is in
docs/model.md)::

    simulation: tissue and stochastic dynamics
    network:    the regulatory function f(s, sbar)
    fates:      how final states become fates
    evolution:  the optimiser and its fitness
    evaluation: fresh-replicate scoring of a trained network

``Config.from_dict`` accepts a nested mapping (missing keys take the defaults below)
and raises :class:`ConfigError` naming the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .grid import Grid, grid

BOUNDARIES = ("open", "fixed", "periodic")
BACKENDS = ("auto", "xla", "kernel")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "softplus", "silu", "gelu", "elu")
ARCHITECTURES = ("mlp", "piecewise_linear", "lateral_inhibition", "hill")
STRATEGIES = ("mu_plus_lambda", "cma_es", "snes", "open_es", "gradient", "none")
COUPLINGS = ("nearest", "next_nearest", "global")
COUPLING_WEIGHTS = ("mean", "sender")
STATE_BOUNDS = ("clip", "reflect")
INITIAL_CONDITIONS = ("uniform", "half_normal", "exponential")
MODELS = ("cells", "reaction_diffusion")
PRODUCTION_NOISES = ("multiplicative", "additive")
INPUT_SETS = (("sbar",), ("s", "sbar"))
"""The allowed ``network.inputs``: f of the neighbours' mean alone (the seed's) or of the cell's own state too."""
FITNESSES = ("soft", "hard")
FINAL_CHOICES = ("robust", "flat", "rescored", "best_ever")
STARTS = ("fittest", "pattern_classes")
DT_RULES = ("worst", "extrapolated", "flat")


class ConfigError(ValueError):
    """An invalid setting: the message names the key, the value and what is allowed."""


def fail(key: str, value: Any, allowed: str) -> None:
    """Raise the ConfigError of setting ``key`` = ``value``, saying what is ``allowed``."""
    raise ConfigError(f"invalid setting {key} = {value!r}: {allowed}")


STRATEGY_CHECKS: dict[str, Callable[[Config], None]] = {}
"""``evolution.strategy`` -> the check of the settings that strategy reads, registered by the
strategies (``strategy_check``; ``fatenet.strategies.requirements``); ``Config`` runs it."""


def strategy_check(*names: str):
    """Register the decorated ``check(config)`` as the settings check of the strategies ``names``."""
    def register(check: Callable[[Config], None]) -> Callable[[Config], None]:
        for name in names:
            if name not in STRATEGIES:
                raise ValueError(f"no strategy {name!r} to register a check for; strategies: " + ", ".join(STRATEGIES))
            STRATEGY_CHECKS[name] = check
        return check
    return register


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def setting(default: Any, description: str, *, minimum: float | None = None, above: float | None = None,
            maximum: float | None = None, choices: tuple[str, ...] | None = None, item_minimum: int | None = None,
            item_maximum: int | None = None, unique: bool = False, allowed: str | None = None,
            neutral: bool = False) -> Any:
    """A field of a settings section with everything the schema and the checks need, written once.

    ``minimum`` / ``maximum``: inclusive bounds; ``above``: an exclusive lower bound; ``choices``:
    the allowed strings (a string without choices must not be empty); for a list
    (``tuple[int, ...]``) ``item_minimum`` and ``item_maximum`` bound its items and ``unique``
    forbids repeats. ``allowed`` replaces the generated "what is allowed" text of the error.
    ``neutral``: the setting changes how a run reports progress or where it computes, never a
    result (at most last bits, as another machine would), so it is neither swept nor part of the
    settings a trained network depends on.
    ``fatenet.schema`` turns these fields into the study's JSON schema.
    """
    meta = {"description": " ".join(description.split()), "minimum": minimum, "above": above, "maximum": maximum,
            "choices": choices, "item_minimum": item_minimum, "item_maximum": item_maximum, "unique": unique,
            "allowed": allowed, "neutral": neutral}
    return field(default=default, metadata={k: v for k, v in meta.items() if v is not None and v is not False})


def _allowed(kind: str, meta: Mapping[str, Any]) -> str:
    """The "what is allowed" text of a field's error message."""
    if "allowed" in meta:
        return meta["allowed"]
    if kind == "int":
        return f"must be an integer >= {meta.get('minimum', 0)}"
    if kind == "float":
        low = (f"> {float(meta['above'])}" if "above" in meta else
               f">= {float(meta['minimum'])}" if "minimum" in meta else "")
        high = f"<= {float(meta['maximum'])}" if "maximum" in meta else ""
        return "must be a finite number" + (f" {low}" if low else "") + (" and" if low and high else "") + (
            f" {high}" if high else "")
    if kind == "str":
        return "must be one of " + ", ".join(meta["choices"]) if "choices" in meta else "must be a non-empty string"
    if kind == "bool":
        return "must be true or false"
    if kind == "tuple[float, ...]":
        return "must be a non-empty list of finite numbers"
    if kind == "tuple[str, ...]":
        return "must be a non-empty list of " + ", ".join(meta.get("choices", ("strings",)))
    top = f" and <= {meta['item_maximum']}" if "item_maximum" in meta else ""
    return f"must be a non-empty list of {'distinct ' if meta.get('unique') else ''}integers >= " \
           f"{meta.get('item_minimum', 0)}{top}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_field(section: str, spec: dataclasses.Field, value: Any) -> Any:
    """``value`` checked against the field's type and metadata (a list comes back as a tuple)."""
    key, meta, kind = f"{section}.{spec.name}", spec.metadata, spec.type
    allowed = _allowed(kind, meta)
    if kind == "int":
        ok = _is_int(value) and value >= meta.get("minimum", -math.inf) and value <= meta.get("maximum", math.inf)
    elif kind == "float":
        ok = (_is_number(value) and math.isfinite(value) and value >= meta.get("minimum", -math.inf)
              and value > meta.get("above", -math.inf) and value <= meta.get("maximum", math.inf))
    elif kind == "str":
        ok = value in meta["choices"] if "choices" in meta else isinstance(value, str) and bool(value)
    elif kind == "bool":
        ok = isinstance(value, bool)
    else:  # a list: tuple[int, ...], tuple[float, ...] or tuple[str, ...]
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            fail(key, value, allowed)
        value = tuple(value)
        if kind == "tuple[float, ...]":
            if not value or not all(_is_number(v) and math.isfinite(v) for v in value):
                fail(key, list(value), allowed)
            return tuple(float(v) for v in value)
        if kind == "tuple[str, ...]":
            if not value or not all(v in meta.get("choices", ()) for v in value):
                fail(key, list(value), allowed)
            return value
        ok = (bool(value) and all(_is_int(v) and meta.get("item_minimum", 0) <= v <= meta.get("item_maximum", math.inf)
                                  for v in value)
              and (not meta.get("unique") or len(set(value)) == len(value)))
        if not ok:
            fail(key, list(value), allowed)
    if not ok:
        fail(key, value, allowed)
    return value


class _Section:
    """A settings section: every field checked by its metadata, then the section's own rules (``_check``)."""

    SECTION = ""

    def __post_init__(self) -> None:
        for spec in fields(self):
            object.__setattr__(self, spec.name, _check_field(self.SECTION, spec, getattr(self, spec.name)))
        self._check()

    def _check(self) -> None:
        """Rules that tie settings together (or are not a range): raise ConfigError."""


@dataclass(frozen=True)
class SimulationConfig(_Section):
    """A row of ``n_cells`` cells integrated by Euler-Maruyama (docs/model.md)."""

    SECTION = "simulation"
    DESCRIPTION = "tissue and stochastic dynamics"

    n_cells: int = setting(7, "cells on the line", minimum=2)
    n_replicates: int = setting(50, "replicates per fitness evaluation during training", minimum=2)
    dt: float = setting(0.01, "Euler-Maruyama time step", above=0)
    t_final: float = setting(20.0, "simulated time (must be >= dt; checked by the engine at start-up)", above=0)
    noise_strength: float = setting(0.1, "amplitude of the Wiener increments", minimum=0)
    boundary: str = setting("open", "how edge cells see their neighbours", choices=BOUNDARIES)
    ic_mean: float = setting(0.5, "centre of the uniform initial states", minimum=0, maximum=1)
    ic_spread: float = setting(0.1, """half-width of the uniform initial states; with initial_condition
        half_normal, the standard deviation of the normal whose absolute value is the state""", minimum=0)
    coupling: str = setting("nearest", """which cells a cell's sbar averages: nearest (i - 1, i + 1; the seed's),
        next_nearest (i - 2 ... i + 2) or global (every other cell); always the coupled cells that exist""",
                            choices=COUPLINGS)
    coupling_weights: str = setting("mean", """mean (sbar is the mean of the coupled cells; the seed's and the paper's
        text) or sender (each coupled cell j adds s_j / n_j, n_j the number of cells coupled to j: what the authors'
        published code computes; differs from mean only at open or fixed ends)""", choices=COUPLING_WEIGHTS)
    state_bounds: str = setting("clip", """clip (states clipped to [0, 1] after every step; the seed's) or reflect
        (s <- |s| after every step, no upper bound; the paper's)""", choices=STATE_BOUNDS)
    initial_condition: str = setting("uniform", """uniform (ic_mean +- ic_spread; the seed's) or half_normal
        (|N(0, ic_spread^2)|, the paper's; ic_spread 0 starts every cell at 0)""", choices=INITIAL_CONDITIONS)
    backend: str = setting("auto", """how tissues are integrated: xla (one XLA program per time step loop; the
        reference), kernel (the whole time loop in one fused kernel, fatenet.kernels; interpreted, slowly, off a
        GPU) or auto (the kernel on a GPU, xla elsewhere); a model the kernel does not cover uses xla, said once.
        Changes where the numbers are computed, not the numbers (at most their last bits), so it is not swept""",
                           choices=BACKENDS, neutral=True)

    model: str = setting("cells", """cells (one state per cell, f of the coupled cells' mean; the seed's) or
        reaction_diffusion (the paper's third model: species A and B on a grid of nodes_per_cell nodes per cell,
        diffusing with no-flux (open) or periodic ends, produced at the rate alpha P with P = f(A / (A + B)),
        degraded at kappa; fates read from A at the cells at t_final; docs/reaction-diffusion.md)""",
                        choices=MODELS)
    nodes_per_cell: int = setting(0, """reaction_diffusion: grid nodes per cell (0: the authors' rule,
        max(1, floor(1 / (0.2 min(l_A, l_B)))))""", minimum=0)
    substeps: int = setting(0, """reaction_diffusion: Euler-Maruyama sub-steps per dt (0: the authors' stable rule,
        floor(dt / (0.2 * 2 dx^2 / (4 D_B + kappa_B dx^2))))""", minimum=0)
    production_noise: str = setting("multiplicative", """reaction_diffusion: multiplicative (noise_strength
        sqrt(alpha P) per node and species; the paper's) or additive (noise_strength)""",
                                    choices=PRODUCTION_NOISES)
    flip: bool = setting(True, """reaction_diffusion: turn each tissue so that its end with more A is cell 0
        before reading fates (the paper's readout)""")

    def _check(self) -> None:
        if self.t_final < self.dt:
            fail("simulation.t_final", self.t_final, f"must be >= simulation.dt ({self.dt})")
        if self.model == "reaction_diffusion":
            if self.state_bounds != "reflect":
                fail("simulation.state_bounds", self.state_bounds, "must be reflect with model reaction_diffusion "
                     "(concentrations are reflected at 0: A <- |A|)")
            if self.boundary == "fixed":
                fail("simulation.boundary", self.boundary,
                     "must be open (no-flux ends) or periodic with model reaction_diffusion")
            if self.initial_condition == "half_normal":
                fail("simulation.initial_condition", self.initial_condition, "must be uniform (A, B i.i.d. on "
                     "ic_mean +- ic_spread at every node) or exponential with model reaction_diffusion")
        elif self.initial_condition == "exponential":
            fail("simulation.initial_condition", self.initial_condition,
                 "must be uniform or half_normal with model cells (exponential starts the reaction_diffusion model)")

    @property
    def n_steps(self) -> int:
        """round(t_final / dt): 2000 at the defaults."""
        return int(round(self.t_final / self.dt))


@dataclass(frozen=True)
class NetworkConfig(_Section):
    """The regulatory function f: (s,) sbar -> ds/dt (docs/model.md).

    ``inputs``: ``[sbar]`` (the seed's: the neighbours' mean alone) or ``[s, sbar]`` (the cell's
    own state too). ``architecture: mlp`` (the seed's) is a Flax MLP with ``hidden_dims`` and
    ``activation``; ``piecewise_linear`` holds the values of f at ``n_knots`` evenly spaced
    points of [0, 1] (an ``n_knots`` x ``n_knots`` grid over [0, 1]^2 with two inputs) and is
    (bi)linear in between; ``lateral_inhibition`` is the paper's
    f(s, sbar) = sigmoid(2 (h_g s - h_s sbar)) - s with parameters ``[h_s, h_g]`` (it needs
    ``inputs: [s, sbar]``; ``h_s``, ``h_g`` are where it starts). The mlp and piecewise_linear
    outputs are multiplied by ``output_scale`` and, with ``max_rate`` > 0, clipped to
    [-max_rate, max_rate]: the fastest a cell's state may change (0, the default, sets no bound).
    """

    SECTION = "network"
    DESCRIPTION = "the regulatory function f(s, sbar)"

    architecture: str = setting("mlp", """mlp (the seed's Flax MLP), piecewise_linear (values of f at n_knots
        evenly spaced points of [0, 1], or an n_knots x n_knots grid with two inputs, (bi)linear in between) or
        lateral_inhibition (the paper's sigmoid(2 (h_g s - h_s sbar)) - s; parameters [h_s, h_g]; needs inputs
        [s, sbar]) or hill (the reaction_diffusion model's production P = r^h / (r^h + (1 - r)^h) of
        r = A / (A + B), with its rates; parameters the logarithms of [alpha_a, alpha_b, kappa_a, kappa_b, hill,
        ratio_a, ratio_b])""", choices=ARCHITECTURES)
    inputs: tuple[str, ...] = setting(("sbar",), """what f reads: [sbar] (the neighbours' mean; the seed's) or [s,
        sbar] (the cell's own state too)""", choices=("s", "sbar"), allowed="must be [sbar] or [s, sbar]")
    hidden_dims: tuple[int, ...] = setting((8, 8), "widths of the hidden layers", item_minimum=1)
    activation: str = setting("tanh", "hidden-layer nonlinearity", choices=ACTIVATIONS)
    n_knots: int = setting(17, "knots of the piecewise_linear f (its number of parameters)", minimum=2)
    output_scale: float = setting(1.0, "f is the architecture's output times this factor", above=0)
    max_rate: float = setting(0.0, """f is clipped to [-max_rate, max_rate], the fastest a cell's state may change
        per unit time; 0 sets no bound""", minimum=0)
    max_slope: float = setting(0.0, """piecewise_linear of [sbar]: f's slope is at most this per unit of sbar
        (a Lipschitz bound: each step between neighbouring knots is limited to max_slope / (n_knots - 1), so
        f' dt <= max_slope dt and the Euler-Maruyama step stays accurate); 0 sets no bound""", minimum=0)
    h_s: float = setting(4.0, """lateral_inhibition: the strength of inhibition by the neighbours' mean (its
        starting value; the value itself with strategy none)""")
    h_g: float = setting(2.0, """lateral_inhibition: the strength of self-activation (its starting value; the value
        itself with strategy none)""")
    alpha_a: float = setting(1.0, """reaction_diffusion: A's production rate alpha_A (hill: its starting value;
        piecewise_linear: the value)""", above=0)
    alpha_b: float = setting(4.0, "reaction_diffusion: B's production rate alpha_B (as alpha_a)", above=0)
    kappa_a: float = setting(1.0, "reaction_diffusion: A's degradation rate kappa_A (as alpha_a)", above=0)
    kappa_b: float = setting(2.0, "reaction_diffusion: B's degradation rate kappa_B (as alpha_a)", above=0)
    hill: float = setting(5.0, """hill: the Hill exponent h of P = A^h / (A^h + B^h) (its starting value; the value
        itself with strategy none)""", above=0)
    ratio_a: float = setting(4.0, """reaction_diffusion: the tissue's length over A's length scale, N / l_A (so
        l_A = N / ratio_a cell spacings and D_A = kappa_A l_A^2; as alpha_a)""", above=0)
    ratio_b: float = setting(2.0, "reaction_diffusion: N / l_B (as ratio_a)", above=0)

    def _check(self) -> None:
        if self.inputs not in INPUT_SETS:
            fail("network.inputs", list(self.inputs), "must be [sbar] or [s, sbar]")
        if self.max_slope and (self.architecture != "piecewise_linear" or self.inputs != ("sbar",)):
            fail("network.max_slope", self.max_slope, "must be 0 unless network.architecture is piecewise_linear "
                 f"with inputs [sbar] (here {self.architecture} of {list(self.inputs)})")
        if self.architecture == "hill" and self.inputs != ("sbar",):
            fail("network.inputs", list(self.inputs),
                 "must be [sbar] with architecture hill (f reads the local fraction A / (A + B))")
        if self.architecture == "lateral_inhibition" and self.inputs != ("s", "sbar"):
            fail("network.inputs", list(self.inputs),
                 "must be [s, sbar] with architecture lateral_inhibition (f reads the cell's own state)")

    @property
    def n_params(self) -> int:
        """Length of f's flat parameter vector: 97 for the (8, 8) MLP of sbar (105 of [s, sbar]),
        n_knots (n_knots^2 with two inputs) for piecewise_linear, 2 for lateral_inhibition."""
        if self.architecture == "lateral_inhibition":
            return 2
        if self.architecture == "hill":
            return 7
        if self.architecture == "piecewise_linear":
            return self.n_knots ** len(self.inputs)
        widths = (len(self.inputs), *self.hidden_dims, 1)
        return sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=True))


@dataclass(frozen=True)
class EvolutionConfig(_Section):
    """The optimiser and the fitness it maximises (docs/model.md).

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
    ``choice_shifts`` = K > 0 then offers the chosen f moved along sbar, f(sbar - d), as one more
    candidate, with d the best of -K ... K ``choice_shift_step`` by the final choice's rule at dt
    and dt / 4 on ``choice_shift_replicates`` tissues of their own (``selection.offer_shift``; it
    acts on a piecewise-linear f of sbar only: ``Config.moves_choice``).
    ``choice_confirm`` = N > 0 then scores the N best candidates by the final choice's score and the
    move on ``choice_confirm_replicates`` tissues of their own and keeps the best of them there
    (``selection.confirm``; with a re-scoring final choice only: ``Config.confirms_choice``).

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

    SECTION = "evolution"
    DESCRIPTION = "the optimiser and the fitness it maximises"

    strategy: str = setting("mu_plus_lambda", """mu_plus_lambda (the seed's), evosax's cma_es, snes, open_es (open_es
        needs an even population_size), gradient (Adam on a score-function gradient; needs noise_strength > 0) or
        none (no training: the architecture's start, e.g. lateral_inhibition's [h_s, h_g], is scored and kept)""",
                            choices=STRATEGIES)
    population_size: int = setting(20, "individuals per generation (must exceed the number of parents)", minimum=2)
    n_generations: int = setting(100, "generations of the optimiser", minimum=1)
    mutation_std: float = setting(0.1, """mutation width of mu_plus_lambda, constant sampling width of open_es""",
                                  minimum=0)
    elite_fraction: float = setting(0.2, """share of the population kept as parents by mu_plus_lambda (at least
        2)""", above=0, maximum=1)
    fitness: str = setting("soft", "soft (kernel) or hard (plug-in) utility", choices=FITNESSES)
    bandwidth: float = setting(0.1, "kernel bandwidth h of the soft utility", above=0)
    common_random_numbers: bool = setting(False, "score every individual of a generation on the same replicates")
    f_table_points: int = setting(0, """0 = exact f (default); n >= 2 = during training only, tabulate f at n points
        and interpolate (1 is rejected by the engine at start-up)""", minimum=0,
                                  allowed="must be 0 (exact f, the default) or an integer >= 2")
    log_every: int = setting(10, """print a progress line every this many generations (changes no result; not
        sweepable)""", minimum=1, neutral=True)
    learning_rate: float = setting(0.003, "Adam step size of strategy gradient (used by it only)", above=0)
    initial_std: float = setting(0.5, "starting search width of cma_es and snes, which adapt it", above=0)
    final_choice: str = setting("robust", """robust (the final candidate with the best worst U at dt, dt / 4 and
        dt / 16 on fresh tissues), flat (that worst U less how far the three spread beyond 0.03), rescored (the best at
        dt on fresh tissues) or best_ever (the network with the best training score, the seed notebook's rule)""",
                                choices=FINAL_CHOICES)
    choice_tolerance: float = setting(0.03, """the spread of U over dt, dt / 4 and dt / 16 that final_choice flat
        forgives (the time-step check's own 0.03 by default; lower leaves room for the sampling error of a spread
        measured on rescore_replicates tissues)""", minimum=0)
    choice_penalty: float = setting(1.0, """what final_choice flat takes off per unit of spread beyond
        choice_tolerance (1: the excess once more)""", minimum=0)
    choice_shifts: int = setting(0, """0, or K: the final choice also offers its winner moved along sbar, f(sbar - d)
        (``PiecewiseLinear.shifted``), with d the best of -K ... K times choice_shift_step by the final choice's rule
        at dt and dt / 4 on choice_shift_replicates tissues of their own (at noise 0.05 it balances the row deciding
        together between its two uniform patterns; it acts on a piecewise_linear f of [sbar] with a final_choice
        other than best_ever only, so a study that sets another f need not switch it off)""", minimum=0)
    choice_shift_step: float = setting(0.001, "the step of the moves d along sbar that choice_shifts tries",
                                       above=0)
    choice_shift_replicates: int = setting(2000, """fresh tissues (a key stream of their own) on which choice_shifts
        chooses d""", minimum=2)
    choice_confirm: int = setting(0, """0, or N: the final choice is made again among its N best candidates and the
        move along sbar (choice_shifts), on choice_confirm_replicates fresh tissues of their own (a key stream of their
        own), by the same rule: a candidate that won on the first tissues by luck (a spread measured small, a U high
        by its sampling error) is judged on others""", minimum=0)
    choice_confirm_replicates: int = setting(8000, "fresh tissues on which choice_confirm re-scores its finalists",
                                             minimum=2)
    rescore_replicates: int = setting(1000, "fresh tissues on which every final candidate is re-scored", minimum=2)
    rescore_candidates: int = setting(4, "fittest networks of the last generation among the final candidates",
                                      minimum=1)
    restarts: int = setting(1, """independent optimisations per run, side by side in one program; their final
        candidates are pooled (restart 0 starts as the single run of the seed)""", minimum=1)
    initial_screen: int = setting(0, """0, or the random networks scored at the start of each run (restart), of
        which the fittest population_size start the search (at least population_size)""", minimum=0)
    start_from: str = setting("fittest", """fittest (each restart from the fittest of its own initial_screen
        networks) or pattern_classes (the screened networks pooled by the fate pattern each makes, up to symmetry;
        restart k from the elite of the k-th best class)""", choices=STARTS)
    fitness_dt_factors: tuple[int, ...] = setting((1,), """the fitness is the worst U of the same tissues (initial
        states and Brownian path) integrated with dt divided by each factor; [1] = at dt only, [1, 4] = an f tuned to
        the time step scores what it keeps at dt / 4 (each factor divides the largest)""", item_minimum=1,
                                                  unique=True, allowed="must be a non-empty list of distinct "
                                                  "integers >= 1, each dividing the largest (e.g. [1, 4])")
    fitness_dt_rule: str = setting("worst", """worst (the worst U over fitness_dt_factors), extrapolated (two
        factors: the worse of U at the coarser step and U extrapolated to dt -> 0, for an error like sqrt(dt)) or
        flat (the worst U less how far the spread of U over the factors exceeds 0.03: an f whose U moves with the
        time step loses the excess once more)""",
                                   choices=DT_RULES)
    explore_generations: int = setting(0, """0, or the first generations of every restart, with the fitness at dt
        alone; then the keep_restarts restarts continue with the full fitness (ranked on fresh tissues by U at dt
        and, with final_choice robust or flat, alternately by the final choice's score)""", minimum=0)
    keep_restarts: int = setting(1, "restarts kept after explore_generations (at most restarts)", minimum=1)
    focus_replicates: int = setting(0, """fresh tissues on which the restarts are ranked after explore_generations
        (0: as many as rescore_replicates)""", minimum=0)
    focus_uniform: bool = setting(False, """the restarts that started from a uniform pattern (every cell one fate:
        the row deciding together, whose U holds at every time step) are kept after exploration too, right after
        the best by each ranking (keep_restarts counts them); it acts only with explore_generations > 0 and
        start_from pattern_classes (no start classes otherwise), like keep_restarts, so a study that sets its own
        search on top of config.yaml need not switch it off""")
    antithetic: bool = setting(False, """the training fitness scores its simulation.n_replicates tissues as mirrored
        pairs: half are the tissues themselves, half their mirror images (every initial state s0 taken to 1 - s0 and
        every Brownian increment to its negative), simulated as 1 - the tissues of the mirrored f, -f(1 - sbar), so
        the share of a pattern and of its complement are measured on the same paths (the balance of the row deciding
        together between its two uniform patterns is seen on 64 tissues); it acts only where the model is the same
        under s -> 1 - s (model cells, state_bounds clip, initial_condition uniform with ic_mean 0.5, boundary open
        or periodic, coupling_weights mean, a piecewise_linear f, fates.thresholds [0.5] not learned, an evolution
        strategy), like focus_uniform, so a study that sets another model on top of config.yaml need not switch it
        off""")
    focus_candidates: int = setting(0, """0, or the networks of the focus (the restarts' best and means scored after
        explore_generations) best by the final choice's score that join the final candidates (focus_<restart>_best_ever,
        focus_<restart>_mean): a network that holds at every time step when exploration ends stays a candidate though
        its restart trains on to another; it acts only with explore_generations > 0 and final_choice robust or
        flat""", minimum=0)
    row_start: bool = setting(False, """the screen's last network is the row switch (PiecewiseLinear.row_switch: f
        falls fast below sbar 1/2 and rises slowly just above it, the row deciding together's form) in place of a
        random one, scored with the rest, so where it makes the best network of a uniform pattern a restart starts
        from it (kept after exploration with focus_uniform; focus_candidates keeps what it is then); it acts only
        with start_from pattern_classes, a piecewise_linear f of [sbar] and the cells model, like focus_uniform, so
        a study that sets another model on top of config.yaml need not switch it off""")

    def _check(self) -> None:
        factors = self.fitness_dt_factors
        if any(max(factors) % k for k in factors):
            fail("evolution.fitness_dt_factors", list(factors), _field("fitness_dt_factors").metadata["allowed"])
        object.__setattr__(self, "fitness_dt_factors", tuple(sorted(factors)))
        if self.fitness_dt_rule == "extrapolated" and len(factors) != 2:
            fail("evolution.fitness_dt_rule", self.fitness_dt_rule,
                  f"extrapolated needs exactly two fitness_dt_factors (e.g. [1, 4]), not {list(factors)}")
        if self.f_table_points == 1:
            fail("evolution.f_table_points", self.f_table_points, _field("f_table_points").metadata["allowed"])
        if self.focus_replicates == 1:
            fail("evolution.focus_replicates", self.focus_replicates,
                  "must be 0 (as many as rescore_replicates) or >= 2")
        if self.initial_screen and self.initial_screen < self.population_size:
            fail("evolution.initial_screen", self.initial_screen,
                  f"must be 0 (no screening) or at least population_size ({self.population_size})")
        if self.start_from == "pattern_classes" and not self.initial_screen:
            fail("evolution.initial_screen", self.initial_screen,
                  "must be > 0 with start_from pattern_classes (the classes come from the screened networks)")
        if self.choice_shifts * self.choice_shift_step > 0.5:
            fail("evolution.choice_shift_step", self.choice_shift_step,
                  f"times choice_shifts ({self.choice_shifts}) must be at most 0.5 (half of sbar's range)")
        if self.explore_generations >= self.n_generations:
            fail("evolution.explore_generations", self.explore_generations,
                  f"must be less than n_generations ({self.n_generations}): 0 (no exploration phase) "
                  "or the generations before the best restarts are kept")
        if self.explore_generations and self.restarts < 2:
            fail("evolution.explore_generations", self.explore_generations,
                  "must be 0 with a single restart (exploration keeps the best of several restarts)")
        if self.explore_generations and self.keep_restarts > self.restarts:
            fail("evolution.keep_restarts", self.keep_restarts,
                  f"must be at most restarts ({self.restarts}): the restarts kept after exploration")

    @property
    def n_parents(self) -> int:
        """max(2, int(population_size * elite_fraction)): 4 at the defaults."""
        return max(2, int(self.population_size * self.elite_fraction))


def _field(name: str) -> dataclasses.Field:
    return EvolutionConfig.__dataclass_fields__[name]


@dataclass(frozen=True)
class EvaluationConfig(_Section):
    """Scoring a trained network on fresh replicates."""

    SECTION = "evaluation"
    DESCRIPTION = "scoring a trained network on fresh replicates"

    n_replicates: int = setting(1000, "fresh replicates on which a trained network is scored", minimum=2)
    n_shown: int = setting(30, "replicates drawn in trained_patterns.png", minimum=1)


@dataclass(frozen=True)
class FatesConfig(_Section):
    """How a cell's final state becomes its fate (docs/model.md).

    ``thresholds`` t_1 < ... < t_{Z-1} give Z fates: a cell's fate is the number of thresholds at
    or below its state (one threshold, the default 0.5: fate 1 where s >= 0.5). U is in bits per
    cell, at most log2(Z) (the metrics give U / log2(Z) beside it). ``learn_thresholds``: the
    thresholds are trained with f, as the last Z - 1 entries of each individual's parameters
    (starting from ``thresholds``; applied sorted).
    """

    SECTION = "fates"
    DESCRIPTION = "how final states become fates"

    thresholds: tuple[float, ...] = setting((0.5,), """Z - 1 increasing state thresholds that make Z fates (fate k:
        k thresholds at or below the state); the seed's [0.5] makes two""",
                                            allowed="must be a non-empty list of increasing finite numbers")
    learn_thresholds: bool = setting(False, """train the thresholds with f (the last Z - 1 parameters of each
        individual), starting from thresholds""")
    threshold_scale: str = setting("linear", """how learned thresholds are held in the parameters: linear (the
        thresholds themselves) or log (their natural logarithms: a search moves them by factors, for states that
        span decades, such as the reaction_diffusion model's A; the thresholds must then be > 0)""",
                                   choices=("linear", "log"))

    def _check(self) -> None:
        if any(b <= a for a, b in zip(self.thresholds[:-1], self.thresholds[1:], strict=False)):
            fail("fates.thresholds", list(self.thresholds), "must be a non-empty list of increasing finite numbers")
        if self.threshold_scale == "log" and min(self.thresholds) <= 0:
            fail("fates.thresholds", list(self.thresholds), "must all be > 0 with fates.threshold_scale log")

    @property
    def n_fates(self) -> int:
        """Z = len(thresholds) + 1."""
        return len(self.thresholds) + 1



TRAINING_SECTIONS = ("simulation", "network", "fates", "evolution")
"""The sections that determine a trained network (the evaluation section does not)."""

SECTIONS = {cls.SECTION: cls for cls in (SimulationConfig, NetworkConfig, FatesConfig, EvolutionConfig,
                                         EvaluationConfig)}
"""The sections of a run's settings, in the order of config.yaml."""
OUTPUT_NEUTRAL = {name: tuple(f.name for f in fields(cls) if f.metadata.get("neutral"))
                  for name, cls in SECTIONS.items() if any(f.metadata.get("neutral") for f in fields(cls))}
"""Settings that change how a run reports progress, never its numbers (``setting(neutral=True)``)."""
SWEEPABLE = tuple(f"{name}.{f.name}" for name, cls in SECTIONS.items() for f in fields(cls)
                  if not f.metadata.get("neutral"))
"""Every setting a sweep or a variant may set, as section.key (all but the OUTPUT_NEUTRAL ones)."""


@dataclass(frozen=True)
class Config:
    """A complete run configuration; every field has the seed notebook's default."""

    simulation: SimulationConfig = field(default_factory=SimulationConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    fates: FatesConfig = field(default_factory=FatesConfig)
    evolution: EvolutionConfig = field(default_factory=EvolutionConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)

    def __post_init__(self) -> None:
        diffusing = self.simulation.model == "reaction_diffusion"
        if diffusing and self.network.architecture not in ("hill", "piecewise_linear"):
            fail("network.architecture", self.network.architecture,
                 "must be hill or piecewise_linear (of [sbar]) with simulation.model reaction_diffusion")
        if diffusing and self.network.inputs != ("sbar",):
            fail("network.inputs", list(self.network.inputs), "must be [sbar] with simulation.model "
                 "reaction_diffusion (f reads the local fraction A / (A + B))")
        if not diffusing and self.network.architecture == "hill":
            fail("network.architecture", "hill", "needs simulation.model reaction_diffusion")
        if diffusing and self.evolution.f_table_points:
            fail("evolution.f_table_points", self.evolution.f_table_points,
                 "must be 0 with simulation.model reaction_diffusion")
        if self.evolution.f_table_points and self.network.inputs != ("sbar",):
            fail("evolution.f_table_points", self.evolution.f_table_points,
                 "must be 0 with network.inputs [s, sbar] (the table is of f(sbar) alone)")
        if self.mirrors_tissues and self.simulation.n_replicates % 2:
            fail("simulation.n_replicates", self.simulation.n_replicates,
                 "must be even with evolution.antithetic (the training tissues are scored in mirrored pairs)")
        # each strategy's check of the settings it reads, registered by the strategies
        STRATEGY_CHECKS[self.evolution.strategy](self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None = None, *, ignore: tuple[str, ...] = ()) -> Config:
        """Build from a nested mapping. Keys in ``ignore`` (e.g. a study's ``seeds``) are skipped."""
        data = dict(data or {})
        sections = {}
        for key, value in data.items():
            if key in ignore:
                continue
            if key not in SECTIONS:
                fail(key, value, "unknown section; allowed: " + ", ".join(SECTIONS))
            if value is None:
                value = {}
            if not isinstance(value, Mapping):
                fail(key, value, "must be a mapping of settings")
            section_cls = SECTIONS[key]
            names = {f.name for f in fields(section_cls)}
            for name in value:
                if name not in names:
                    fail(f"{key}.{name}", value[name],
                          f"unknown key; allowed keys in {key}: " + ", ".join(sorted(names)))
            sections[key] = section_cls(**value)
        return cls(**sections)

    def to_dict(self, sections: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
        """Plain nested dict (tuples as lists) that ``from_dict`` reads back to an equal Config.

        With ``sections``, only those sections, and without the OUTPUT_NEUTRAL settings.
        """
        out = {}
        for name in sections or SECTIONS:
            section = dataclasses.asdict(getattr(self, name))
            if sections is not None:
                section = {k: v for k, v in section.items() if k not in OUTPUT_NEUTRAL.get(name, ())}
            out[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}
        return out

    @property
    def moves_choice(self) -> bool:
        """Whether the final choice offers its winner moved along sbar (``evolution.choice_shifts``): K > 0,
        a final choice that re-scores (not best_ever) and a piecewise_linear f of [sbar]. Elsewhere the
        setting does not act (like ``focus_uniform``), so a study that sets another f on top of
        config.yaml need not switch it off."""
        evo, net = self.evolution, self.network
        return bool(evo.choice_shifts) and evo.final_choice != "best_ever" \
            and net.architecture == "piecewise_linear" and net.inputs == ("sbar",)

    @property
    def mirrors_tissues(self) -> bool:
        """Whether the training fitness scores its tissues in mirrored pairs (``evolution.antithetic``): set, and a
        model that is the same under s -> 1 - s (``mirror_symmetric``). Elsewhere the setting does not act."""
        return self.evolution.antithetic and self.mirror_symmetric

    @property
    def focus_candidates(self) -> int:
        """How many of the focus's networks join the final candidates (``evolution.focus_candidates``): the
        setting where it acts (an exploration, ``explore_generations`` > 0, and a final choice that scores the
        time step, robust or flat), else 0."""
        evo = self.evolution
        return evo.focus_candidates if evo.explore_generations and evo.final_choice in ("robust", "flat") else 0

    @property
    def starts_row(self) -> bool:
        """Whether the screen offers the row switch (``evolution.row_start``): set, restarts from pattern
        classes (after a screen), the cells model and a piecewise_linear f of [sbar]. Elsewhere the setting
        does not act."""
        evo, net = self.evolution, self.network
        return (evo.row_start and evo.start_from == "pattern_classes"
                and self.simulation.model == "cells" and net.architecture == "piecewise_linear"
                and net.inputs == ("sbar",))

    @property
    def mirror_symmetric(self) -> bool:
        """Whether the tissue and its fates are the same under s -> 1 - s with f taken to -f(1 - sbar, 1 - s):
        the cells model with states clipped to [0, 1], uniform initial states centred on 0.5, open or
        periodic ends (a fixed end is pinned to 0), sbar the coupled cells' mean (``sender`` weights halve an
        edge cell's input), a piecewise-linear f (whose mirror image is its knots' values reversed and negated:
        ``PiecewiseLinear.mirrored``), the single fate threshold 0.5, not learned, and an evolution strategy
        (the gradient trainer follows paths of its own)."""
        sim, net, fates = self.simulation, self.network, self.fates
        return (sim.model == "cells" and sim.state_bounds == "clip" and sim.initial_condition == "uniform"
                and sim.ic_mean == 0.5 and sim.boundary in ("open", "periodic") and sim.coupling_weights == "mean"
                and net.architecture == "piecewise_linear" and tuple(fates.thresholds) == (0.5,)
                and not fates.learn_thresholds and self.evolution.strategy not in ("gradient", "none"))

    @property
    def confirms_choice(self) -> bool:
        """Whether the final choice is made again among its finalists on fresh tissues
        (``evolution.choice_confirm`` > 0 with a final choice that re-scores, not best_ever)."""
        return bool(self.evolution.choice_confirm) and self.evolution.final_choice != "best_ever"

    def grid(self) -> Grid:
        """The reaction-diffusion model's grid of these settings (``fatenet.grid``: nodes per cell,
        sub-steps, diffusion constants from the configured rates)."""
        sim, net = self.simulation, self.network
        return grid(sim.n_cells, sim.dt, net.ratio_a, net.ratio_b, net.kappa_a, net.kappa_b, sim.nodes_per_cell,
                    sim.substeps)

    def training_dict(self) -> dict[str, dict[str, Any]]:
        """The settings that determine a trained network: ``to_dict`` without the evaluation
        section and without OUTPUT_NEUTRAL settings. Training depends on exactly these."""
        return self.to_dict(sections=TRAINING_SECTIONS)

    def evaluation_dict(self) -> dict[str, dict[str, Any]]:
        """The settings that determine an evaluation: ``to_dict`` without OUTPUT_NEUTRAL settings."""
        return self.to_dict(sections=tuple(SECTIONS))

    def replace(self, dotted: Mapping[str, Any]) -> Config:
        """A copy with settings changed by dotted name, e.g. ``{"simulation.noise_strength": 0.05}``."""
        data = self.to_dict()
        for key, value in dotted.items():
            section, _, name = key.partition(".")
            if section not in data or name not in data[section]:
                fail(key, value, "unknown parameter; use section.key, e.g. simulation.noise_strength")
            data[section][name] = value
        return Config.from_dict(data)
