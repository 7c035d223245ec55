"""A training job killed with SIGKILL resumes from its checkpoint and ends byte-identical.

One run of a small study is built twice: once uninterrupted, once killed (the whole
Snakemake process group, SIGKILL) as soon as its first checkpoint lands, then resumed with
``--rerun-incomplete``. Parameters and history must match byte for byte.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import SNAKEMAKE, copy_study, snakemake
from fatenet import artifacts

pytestmark = pytest.mark.slow

RUN = artifacts.run_dir("noise_strength~0.1/seed~1")
STUDY = """\
seeds: [1]
simulation: {n_replicates: 16, t_final: 2.0}
evolution: {population_size: 6, n_generations: 40, restarts: 2, keep_restarts: 2, initial_screen: 12,
           rescore_replicates: 32}
evaluation: {n_replicates: 64}
checkpoint_every: 2
"""


def prepare(folder: Path) -> list[str]:
    copy_study(folder)
    (folder / "resume.yaml").write_text(STUDY)
    return [f"{RUN}/{artifacts.PARAMS}", "--cores", "1", "--configfile", "resume.yaml"]  # target first: options take lists


def test_killed_training_resumes_byte_identical(tmp_path, jax_cache):
    args = prepare(tmp_path / "whole")
    cache = ["--config", f"cache_dir={jax_cache}"]
    done = snakemake(tmp_path / "whole", *args, *cache)
    assert done.returncode == 0, done.stdout[-4000:]

    killed = tmp_path / "killed"
    args = prepare(killed)
    checkpoint = killed / RUN / artifacts.CHECKPOINT
    proc = subprocess.Popen([str(SNAKEMAKE), *args, *cache], cwd=killed, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert checkpoint.exists(), "the job ended before its first checkpoint; make the run longer"
    assert not (killed / RUN / artifacts.PARAMS).exists()

    assert snakemake(killed, "--unlock", *args).returncode == 0
    resumed = snakemake(killed, "--rerun-incomplete", *args, *cache)
    assert resumed.returncode == 0, resumed.stdout[-4000:]
    log = (killed / "results/logs/train/noise_strength~0.1/seed~1.log").read_text()
    assert "resuming from" in log
    assert not checkpoint.exists()
    for name in (artifacts.PARAMS, artifacts.HISTORY):
        assert (killed / RUN / name).read_bytes() == (tmp_path / "whole" / RUN / name).read_bytes(), name
