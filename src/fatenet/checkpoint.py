"""Training checkpoints: the whole training state in one ``.npz``, written atomically.

A checkpoint holds every leaf of the training state (random key, strategy state, best-ever
params and fitness), the history rows so far, and the JSON of what it belongs to: the
settings that determine training (``Config.training_dict``), the seed, and the versions of
the packages that compute the numbers. Resuming from it continues the exact random stream,
so an interrupted and resumed run ends byte-identical to an uninterrupted one. Plain arrays
only (no pickle).

A checkpoint that cannot be used (damaged, from another run or another package version, of
another shape) is never fatal: ``load`` moves it aside (``checkpoint.npz.rejected``, then
``.rejected-2``, ...), says why, and training starts from scratch.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

import jax
import numpy as np

from . import portability
from .io import package_versions, write_npz

_IDENTITY = "identity_json"
_GENERATION = "generation"


def identity(config_dict: dict, seed: int) -> str:
    """What a checkpoint must match to be resumed: the training settings, seed, the versions of the
    packages that compute the numbers (``io.package_versions``) and the instruction-set pin."""
    return json.dumps({"config": config_dict, "seed": int(seed), "versions": package_versions(),
                       "platform": portability.describe()}, sort_keys=True)


def save(path: str | os.PathLike, state: Any, history: dict[str, np.ndarray], generation: int,
         ident: str) -> None:
    """Write ``state`` (any pytree), ``history`` columns and the next ``generation`` to ``path``."""
    arrays = {f"state_{i:03d}": np.asarray(leaf) for i, leaf in enumerate(jax.tree_util.tree_leaves(state))}
    arrays.update({f"history_{name}": np.asarray(col) for name, col in history.items()})
    arrays[_GENERATION] = np.asarray(generation, dtype=np.int64)
    arrays[_IDENTITY] = np.frombuffer(ident.encode(), dtype=np.uint8)
    write_npz(arrays, path)


class _Unusable(Exception):
    pass


def _read(path: Path, template: Any, ident: str):
    try:
        with np.load(path, allow_pickle=False) as data:
            if _IDENTITY not in data.files or bytes(data[_IDENTITY]).decode() != ident:
                raise _Unusable("it belongs to other settings, another seed or other package versions")
            generation = int(data[_GENERATION])
            if callable(template):
                template = template(generation)
            leaves, treedef = jax.tree_util.tree_flatten(template)
            restored = []
            for i, leaf in enumerate(leaves):
                saved = data[f"state_{i:03d}"]
                if saved.shape != np.shape(leaf):
                    raise _Unusable(f"state array {i} has shape {saved.shape}, not {np.shape(leaf)}")
                restored.append(np.array(saved, dtype=np.asarray(leaf).dtype))
            history = {key[len("history_"):]: np.array(data[key]) for key in data.files if key.startswith("history_")}
    except _Unusable:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as error:
        raise _Unusable(f"it cannot be read ({type(error).__name__}: {error})") from None
    return jax.tree_util.tree_unflatten(treedef, restored), history, generation


def set_aside(path: Path) -> Path:
    """Rename ``path`` to the first free ``<name>.rejected[-n]`` beside it; return the new path."""
    for n in range(1, 10_000):
        target = path.with_name(path.name + (".rejected" if n == 1 else f".rejected-{n}"))
        if not target.exists():
            os.replace(path, target)
            return target
    raise RuntimeError(f"too many rejected checkpoints beside {path}")


def load(path: str | os.PathLike, template: Any, ident: str, stream=None):
    """``(state, history, generation)`` from ``path``, or None when there is none to resume.

    ``template`` is a state of the right structure (e.g. a fresh initial state), or a function
    of the checkpoint's generation that returns one (a state's shape may change during a run:
    ``training.focus``). An unusable
    checkpoint is moved aside with a message on ``stream`` (default stderr), and None returned.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        return _read(path, template, ident)
    except _Unusable as reason:
        moved = set_aside(path)
        print(f"warning: not resuming from {path}: {reason}; moved it to {moved.name} and training from scratch",
              file=stream or sys.stderr, flush=True)
        return None
