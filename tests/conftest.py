"""Shared helpers for the workflow tests: a scratch copy of the study and a Snakemake runner.

One JAX compilation cache serves the whole test session: both pytest-xdist workers, every
subprocess they start (the command line, the notebook, two-device runs) and every Snakemake
study they build compile each program once. It is set here, before any test imports jax, through the
environment, so subprocesses inherit it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest


def _session_cache() -> Path:
    """FATENET_TEST_JAX_CACHE, else one folder per test run that both pytest-xdist workers share
    (keyed by the run's id), so a program one worker compiled is not compiled again by the other."""
    if os.environ.get("FATENET_TEST_JAX_CACHE"):
        return Path(os.environ["FATENET_TEST_JAX_CACHE"])
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run_id is None:
        return Path(tempfile.mkdtemp(prefix="fatenet-test-jax-cache-"))
    folder = Path(tempfile.gettempdir()) / f"fatenet-test-jax-cache-{run_id}"
    folder.mkdir(exist_ok=True)
    return folder


SESSION_CACHE = _session_cache()
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(SESSION_CACHE))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")

from helpers import REPO  # noqa: E402  (after the cache settings above)

SNAKEMAKE = Path(sys.executable).with_name("snakemake")
STUDY_FILES = ("Snakefile", "config.yaml", "workflow")


def copy_study(dest: Path) -> Path:
    """Copy the Snakefile, config.yaml and workflow/ into ``dest`` (a fresh working directory)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in STUDY_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def snakemake(workdir: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the venv's snakemake in ``workdir``; stdout and stderr together in ``.stdout``."""
    command = [str(SNAKEMAKE) if SNAKEMAKE.exists() else "snakemake", *args]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


@pytest.fixture(scope="session")
def jax_cache() -> Path:
    """The session's JAX compilation cache, for the studies a test builds (their cache_dir)."""
    return Path(os.environ["JAX_COMPILATION_CACHE_DIR"])


TINY_BUILD_ARGS = ("--cores", "2", "--configfile", "workflow/presets/tiny.yaml")


def shared_tiny_study(cache: Path) -> Path:
    """The tiny preset (``workflow/presets/tiny.yaml``) built once per test run, for every test
    that only reads it (the pipeline's checks, the SLURM build's local twin): the first caller
    builds it under a file lock, a caller in the other pytest-xdist worker waits and reuses it.
    Tests must not write into it."""
    base = Path(tempfile.gettempdir()) / f"fatenet-test-tiny-{os.environ.get('PYTEST_XDIST_TESTRUNUID', os.getpid())}"
    base.mkdir(exist_ok=True)
    folder, built = base / "study", base / "built"
    with open(base / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not built.exists():
                if folder.exists():
                    shutil.rmtree(folder)  # a build that failed earlier in this run
                copy_study(folder)
                result = snakemake(folder, *TINY_BUILD_ARGS, "--config", f"cache_dir={cache}")
                assert result.returncode == 0, f"the tiny study failed to build:\n{result.stdout[-6000:]}"
                built.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder
