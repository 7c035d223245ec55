"""Shared helpers for the workflow tests: a scratch copy of the study and a Snakemake runner.

One JAX compilation cache serves the whole test session: this process, every subprocess it
starts (the command line, the notebook, two-device runs) and every Snakemake study it builds
compile each program once. It is set here, before any test imports jax, through the
environment, so subprocesses inherit it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

SESSION_CACHE = Path(os.environ.get("FATENET_TEST_JAX_CACHE") or tempfile.mkdtemp(prefix="fatenet-test-jax-cache-"))
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(SESSION_CACHE))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")

REPO = Path(__file__).resolve().parents[1]
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
