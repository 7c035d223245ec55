"""The optimisers, one file each, and ``make_trainer``, which picks one by its config name.

Ask/tell strategies (``base.Strategy``): the seed notebook's ``mu_plus_lambda`` and evosax's
``cma_es``, ``snes`` and ``open_es`` (``evosax_adapter``), all trained by
``ask_tell.ask_tell_trainer``, as is ``none`` (no training: the architecture's start is scored
and kept). The score-function ``gradient`` trainer (``gradient``) is a ``base.Trainer`` of its own.
"""

from __future__ import annotations

from ..config import STRATEGIES, Config
from . import evosax_adapter, gradient, mu_plus_lambda, none
from .ask_tell import ASK_TELL_STRATEGIES, TrainState, ask_tell_trainer, make_strategy
from .base import Strategy, Trainer
from .evosax_adapter import EVOSAX_STRATEGIES, EvosaxStrategy
from .gradient import gradient_trainer
from .mu_plus_lambda import MuPlusLambda, MuPlusLambdaParams, MuPlusLambdaState

TRAINERS = {name: gradient_trainer if name == "gradient" else ask_tell_trainer for name in STRATEGIES}
"""``evolution.strategy`` -> the function that builds its ``Trainer`` from a config."""


_CHECKS = {"mu_plus_lambda": mu_plus_lambda.check_settings,
           **{name: evosax_adapter.check_settings for name in EVOSAX_STRATEGIES},
           "gradient": gradient.check_settings, "none": none.check_settings}
SETTINGS_CHECKS = {name: _CHECKS[name] for name in STRATEGIES}
"""``evolution.strategy`` -> its file's check of the settings it reads (``config.Config`` calls it)."""


def check_settings(config: Config) -> None:
    """Raise ConfigError where ``config``'s strategy cannot run with its settings."""
    SETTINGS_CHECKS[config.evolution.strategy](config)


def make_trainer(config: Config) -> Trainer:
    """The ``Trainer`` of ``config.evolution.strategy``."""
    return TRAINERS[config.evolution.strategy](config)


assert set(TRAINERS) == {*ASK_TELL_STRATEGIES, "gradient"}

__all__ = ["ASK_TELL_STRATEGIES", "EVOSAX_STRATEGIES", "SETTINGS_CHECKS", "TRAINERS", "EvosaxStrategy", "MuPlusLambda",
           "MuPlusLambdaParams", "MuPlusLambdaState", "Strategy", "TrainState", "Trainer", "check_settings",
           "make_strategy", "make_trainer"]
