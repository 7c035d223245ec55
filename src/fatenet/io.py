"""Files: parameters (.npz + JSON sidecar), Parquet tables, JSON; atomic and byte-deterministic.

Every writer goes through ``atomic_path``: the bytes land in a temporary file in the target's
folder and are renamed into place only when complete, so a killed job never leaves a
half-written output. No writer embeds a time stamp, so the same content gives the same bytes.
Parameters are stored as plain arrays (``np.load(..., allow_pickle=False)`` reads them); no
pickle anywhere.
"""

from __future__ import annotations

import contextlib
import io as _io
import json
import os
import platform
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from importlib import metadata as _metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(data: bytes, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json(obj: Any, path: str | os.PathLike) -> None:
    """Pretty, key-sorted, strict JSON (numpy scalars and arrays converted; NaN and inf become null)."""
    text = json.dumps(_finite(obj), indent=2, sort_keys=True, default=_json_default, allow_nan=False)
    write_bytes((text + "\n").encode(), path)


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (also numpy's) replaced by None, recursively."""
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.ndarray):
        return _finite(value.tolist())
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_npz(arrays: Mapping[str, np.ndarray], path: str | os.PathLike) -> None:
    """An ``.npz`` archive with fixed member order and time stamps (np.savez stamps the clock)."""
    buffer = _io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            member = _io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[name], order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    write_bytes(buffer.getvalue(), path)


def sidecar_path(path: str | os.PathLike) -> Path:
    return Path(path).with_suffix(".json")


def save_params(path: str | os.PathLike, params: np.ndarray, metadata: Mapping[str, Any]) -> None:
    """Flat parameter vector to ``path`` (.npz, array ``params``) and ``metadata`` to the JSON sidecar."""
    flat = np.asarray(params, dtype=np.float32).reshape(-1)
    meta = dict(metadata)
    meta.setdefault("n_params", int(flat.size))
    write_npz({"params": flat}, path)
    write_json(meta, sidecar_path(path))


class DamagedFileError(ValueError):
    """A result file that cannot be read; the message names it and says how to rebuild it."""


def load_params(path: str | os.PathLike) -> tuple[np.ndarray, dict]:
    """(flat float32 vector, sidecar metadata) as written by ``save_params``.

    A file that cannot be read raises ``DamagedFileError`` naming it and how to rebuild it.
    """
    path = Path(path)
    rebuild = (f"delete it and rerun the study (snakemake rebuilds it), or run `snakemake --cores all "
               f"--forcerun train {path}`")
    try:
        with np.load(path, allow_pickle=False) as data:
            flat = np.array(data["params"], dtype=np.float32)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise DamagedFileError(f"cannot read the parameters in {path} ({type(error).__name__}: {error}); "
                               + rebuild) from None
    side = sidecar_path(path)
    try:
        meta = json.loads(side.read_text()) if side.exists() else {}
    except (OSError, ValueError) as error:
        raise DamagedFileError(f"cannot read the sidecar {side} ({type(error).__name__}: {error}); "
                               + rebuild) from None
    return flat, meta


def write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """A Parquet file without the index; same frame, same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def enable_compilation_cache(path: str | os.PathLike) -> Path:
    """Use JAX's persistent compilation cache at ``path``, caching every program, however quick."""
    import jax

    path = Path(path).resolve()
    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return path


NUMERICAL_PACKAGES = ("fatenet", "jax", "jaxlib", "flax", "evosax", "optax", "scipy", "numpy", "pandas", "pyarrow",
                      "matplotlib")
"""The distributions whose versions a run's sidecar records (scipy: the OpenBLAS behind jax's CPU eigh)."""


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that determine the numbers."""
    out = {"python": platform.python_version()}
    for name in NUMERICAL_PACKAGES:
        try:
            out[name] = _metadata.version(name)
        except _metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
