"""Files: atomic writes leave nothing half-written; params and tables round-trip with stable bytes."""

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from fatenet import io


def test_params_round_trip_with_sidecar_and_stable_bytes(tmp_path):
    flat = np.linspace(-1, 1, 97, dtype=np.float32)
    path = tmp_path / "run" / "params.npz"
    io.save_params(path, flat, {"seed": 3, "hidden_dims": (8, 8)})
    first = path.read_bytes()
    io.save_params(path, flat, {"seed": 3, "hidden_dims": (8, 8)})
    assert path.read_bytes() == first
    loaded, meta = io.load_params(path)
    assert loaded.dtype == np.float32 and np.array_equal(loaded, flat)
    assert meta == {"seed": 3, "hidden_dims": [8, 8], "n_params": 97}
    assert json.loads(path.with_suffix(".json").read_text())["n_params"] == 97
    with zipfile.ZipFile(path) as archive:  # a plain npz: no pickled objects inside
        assert archive.namelist() == ["params.npy"]
    assert np.array_equal(np.load(path, allow_pickle=False)["params"], flat)
    assert sorted(p.name for p in path.parent.iterdir()) == ["params.json", "params.npz"]


def test_failed_write_leaves_neither_file_nor_temp(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(RuntimeError):
        with io.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    io.write_bytes(b"whole", target)
    assert target.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [target]


def test_parquet_is_deterministic_and_round_trips(tmp_path):
    df = pd.DataFrame({"generation": np.arange(3), "best_fitness": [0.1, 0.2, 0.3], "pattern": ["01", "10", "11"]})
    io.write_parquet(df, tmp_path / "a.parquet")
    io.write_parquet(df.copy(), tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a.parquet"), df)


def test_package_versions_record_the_installed_optimiser_libraries():
    from importlib import metadata

    versions = io.package_versions()
    # the libraries that produce a CMA-ES or Adam run's numbers, as the installer reports them
    for name in ("evosax", "optax", "scipy", "jax", "jaxlib"):
        assert versions[name] == metadata.version(name), name
