"""The optimisers, one file each (modelled on evosax; fatenet *maximises*).

Ask/tell strategies (``base.Strategy``): the seed notebook's ``mu_plus_lambda`` and evosax's
``cma_es``, ``snes`` and ``open_es`` (``evosax_adapter``), all trained by
``ask_tell.ask_tell_trainer``, as is ``none`` (no training: the architecture's start is scored
and kept). The score-function ``gradient`` trainer (``gradient``) is a ``base.Trainer`` of its
own; ``training.make_trainer`` picks one by ``evolution.strategy``. What each requires of the
other settings is in ``requirements`` (no JAX: this package's import stays light, so the
workflow's parse checks the settings without starting the engine).
"""
