"""Shared helpers for the workflow tests: a scratch copy of the study and a Snakemake runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
def jax_cache(tmp_path_factory) -> Path:
    """One JAX compilation cache for every study a test session builds, so it compiles once."""
    return tmp_path_factory.mktemp("jax_cache")
