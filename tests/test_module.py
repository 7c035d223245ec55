"""fatenet as a Snakemake module: a user's study in a folder of its own imports fatenet's rules.

The user's Snakefile holds only ``module fatenet: snakefile: <checkout>/Snakefile, config: config``,
``use rule * from fatenet`` and the report hook (a module's ``onsuccess`` is not run by Snakemake,
so the user's calls fatenet's); the results and the report land in the user's folder, and the runs
equal the same runs built directly (the shared tiny study) byte for byte.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from conftest import shared_tiny_study, snakemake
from fatenet import artifacts
from fatenet.study import study_config
from helpers import REPO

pytestmark = pytest.mark.slow

RUN = "noise_strength~0.05/seed~1"

USER_SNAKEFILE = """\
configfile: "config.yaml"


module fatenet:
    snakefile: "{snakefile}"
    config: config


use rule * from fatenet


onsuccess:
    fatenet.build_report(workflow, config)
"""


def user_config(cache) -> dict:
    """config.yaml with tiny.yaml over it (the shared tiny study's settings), cut to one run."""
    config = study_config(REPO / "workflow" / "presets" / "tiny.yaml", base=REPO / "config.yaml")
    config.update(seeds=[1], sweep={"simulation.noise_strength": [0.05]}, cache_dir=str(cache))
    return config


def test_a_study_in_its_own_folder_uses_fatenet_as_a_module(tmp_path, jax_cache):
    direct = shared_tiny_study(jax_cache)
    user = tmp_path / "my_study"
    user.mkdir()
    (user / "config.yaml").write_text(yaml.safe_dump(user_config(jax_cache), sort_keys=False))
    (user / "Snakefile").write_text(USER_SNAKEFILE.format(snakefile=REPO / "Snakefile"))
    result = snakemake(user, "--cores", "2")
    assert result.returncode == 0, result.stdout[-6000:]

    assert not (user / "workflow").exists()  # nothing of fatenet's copied in: the rules come from the checkout
    for name in artifacts.RUN_FILES:
        assert (user / artifacts.run_file(RUN, name)).is_file(), name
    for name in (artifacts.PARAMS, artifacts.HISTORY, artifacts.METRICS, artifacts.PATTERNS):
        path = artifacts.run_file(RUN, name)
        assert (user / path).read_bytes() == (direct / path).read_bytes(), path
    mine = pd.read_parquet(user / artifacts.SUMMARY)
    theirs = pd.read_parquet(direct / artifacts.SUMMARY)
    pd.testing.assert_frame_equal(mine, theirs[theirs["run"] == RUN].reset_index(drop=True))
    assert (user / artifacts.REPORT).is_file(), result.stdout[-3000:]
