"""Training checkpoints: the whole training state in one ``.npz``, written atomically.

A checkpoint holds every leaf of the training state (random key, strategy state, best-ever
params and fitness), the history rows so far, and the JSON of the config and seed it belongs
to. Resuming from it continues the exact random stream, so an interrupted and resumed run
ends byte-identical to an uninterrupted one. Plain arrays only (no pickle).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jax
import numpy as np

from .io import write_npz

_IDENTITY = "identity_json"
_GENERATION = "generation"


def identity(config_dict: dict, seed: int) -> str:
    """What a checkpoint must match to be resumed: the run's config and seed."""
    return json.dumps({"config": config_dict, "seed": int(seed)}, sort_keys=True)


def save(path: str | os.PathLike, state: Any, history: dict[str, np.ndarray], generation: int,
         ident: str) -> None:
    """Write ``state`` (any pytree), ``history`` columns and the next ``generation`` to ``path``."""
    arrays = {f"state_{i:03d}": np.asarray(leaf) for i, leaf in enumerate(jax.tree_util.tree_leaves(state))}
    arrays.update({f"history_{name}": np.asarray(col) for name, col in history.items()})
    arrays[_GENERATION] = np.asarray(generation, dtype=np.int64)
    arrays[_IDENTITY] = np.frombuffer(ident.encode(), dtype=np.uint8)
    write_npz(arrays, path)


def load(path: str | os.PathLike, template: Any, ident: str):
    """``(state, history, generation)`` from ``path``, or None when it is absent or for another run.

    ``template`` is a state of the right structure (e.g. a fresh initial state).
    """
    path = Path(path)
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        if bytes(data[_IDENTITY]).decode() != ident:
            return None
        leaves, treedef = jax.tree_util.tree_flatten(template)
        restored = [np.array(data[f"state_{i:03d}"], dtype=np.asarray(leaf).dtype) for i, leaf in enumerate(leaves)]
        history = {key[len("history_"):]: np.array(data[key]) for key in data.files if key.startswith("history_")}
        generation = int(data[_GENERATION])
    return jax.tree_util.tree_unflatten(treedef, restored), history, generation
