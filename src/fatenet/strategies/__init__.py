"""The optimisers, one file each, and ``make_trainer``, which picks one by its config name.

Ask/tell strategies (``base.Strategy``): the seed notebook's ``mu_plus_lambda`` and evosax's
``cma_es``, ``snes`` and ``open_es`` (``evosax_adapter``), all trained by
``ask_tell.ask_tell_trainer``. The score-function ``gradient`` trainer (``gradient``) is a
``base.Trainer`` of its own.
"""

from __future__ import annotations

from ..config import Config
from .ask_tell import ASK_TELL_STRATEGIES, TrainState, ask_tell_trainer, make_strategy
from .base import Strategy, Trainer
from .evosax_adapter import EVOSAX_STRATEGIES, EvosaxStrategy
from .gradient import gradient_trainer
from .mu_plus_lambda import MuPlusLambda, MuPlusLambdaParams, MuPlusLambdaState

TRAINERS = {**{name: ask_tell_trainer for name in ASK_TELL_STRATEGIES}, "gradient": gradient_trainer}
"""``evolution.strategy`` -> the function that builds its ``Trainer`` from a config."""


def make_trainer(config: Config) -> Trainer:
    """The ``Trainer`` of ``config.evolution.strategy``."""
    return TRAINERS[config.evolution.strategy](config)


__all__ = ["ASK_TELL_STRATEGIES", "EVOSAX_STRATEGIES", "TRAINERS", "EvosaxStrategy", "MuPlusLambda",
           "MuPlusLambdaParams", "MuPlusLambdaState", "Strategy", "TrainState", "Trainer", "make_strategy",
           "make_trainer"]
