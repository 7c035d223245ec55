"""One run of the tiny study on a real SLURM scheduler, through workflow/profiles/slurm, against
the local build of the whole tiny study (its run and its summary row, byte for byte).

Runs only where a SLURM cluster answers: the one-node cluster of ``.ci/slurm_cluster.sh start``
(cluster name ``fatenet-ci``) is used whenever it is up; any other cluster only with
``FATENET_SLURM=1`` (partition from ``FATENET_SLURM_PARTITION``, else the cluster's default).
With ``FATENET_SLURM=1`` (as ``.ci/run`` sets) an unreachable cluster is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from conftest import SNAKEMAKE, copy_study, shared_tiny_study
from fatenet import artifacts
from helpers import TINY_RUNS

pytestmark = pytest.mark.slow

REQUIRED = os.environ.get("FATENET_SLURM") == "1"
CI_CLUSTER = "fatenet-ci"
TIMEOUT = 600  # seconds for one SLURM build; `timeout -k 10` kills snakemake after it
# the tiny study cut to its first run (a --configfile replaces lists: seeds, the swept values);
# every rule still runs as a SLURM job, and the run must equal the local tiny study's
ONE_RUN = "seeds: [1]\nsweep: {simulation.noise_strength: [0.05]}\n"
RUN = TINY_RUNS[0]
TINY = ("--configfile", "workflow/presets/tiny.yaml", "one_run.yaml")
COMPARED = [artifacts.run_file(RUN, name) for name in artifacts.RUN_FILES]
# only the plugin's defaults differ from a real cluster: no accounting here, so poll squeue, and soon
TEST_OVERRIDES = ("--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "1")


def _query(*command: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None


def _cluster() -> tuple[str | None, str]:
    """(the cluster's name, its default partition), or (None, why it does not answer)."""
    if shutil.which("sinfo") is None:
        return None, "sinfo is not on PATH"
    answer = _query("sinfo", "--noheader", "--format=%P %a")
    if answer is None or answer.returncode != 0 or not answer.stdout.strip():
        why = "no answer" if answer is None else (answer.stderr.strip() or "no partitions").splitlines()[-1]
        return None, f"the SLURM cluster does not answer: {why}"
    partitions = [line.split()[0] for line in answer.stdout.splitlines() if line.split()]
    default = next((p for p in partitions if p.endswith("*")), partitions[0]).rstrip("*")
    config = _query("scontrol", "show", "config")
    name = re.search(r"^ClusterName\s*=\s*(\S+)", config.stdout if config else "", re.MULTILINE)
    return (name.group(1) if name else "unknown"), default


def _partition_or_stop() -> str:
    """The partition to use; fails under FATENET_SLURM=1 when no cluster answers, else skips."""
    name, default = _cluster()
    if name is None:
        if REQUIRED:
            pytest.fail(f"FATENET_SLURM=1 but {default} (start one with `bash .ci/slurm_cluster.sh start`)")
        pytest.skip(default)
    if name != CI_CLUSTER and not REQUIRED:
        pytest.skip(f"SLURM cluster {name!r} is not the CI cluster; set FATENET_SLURM=1 to run the study on it")
    return os.environ.get("FATENET_SLURM_PARTITION") or default


@pytest.fixture(scope="module")
def partition() -> str:
    return _partition_or_stop()


def test_the_cluster_answers():
    assert _partition_or_stop()


def _cancel_leftovers(folder: Path) -> None:
    """Cancel this user's SLURM jobs whose working directory is inside ``folder``."""
    queue = _query("squeue", "--me", "--noheader", "--format=%i %Z")
    if queue is None or queue.returncode != 0:
        return
    mine = [line.split()[0] for line in queue.stdout.splitlines()
            if len(line.split()) == 2 and Path(line.split()[1]).is_relative_to(folder)]
    if mine:
        _query("scancel", *mine)


def _slurm_command(profile: Path, *args: str) -> list[str]:
    return ["timeout", "-k", "10", str(TIMEOUT), str(SNAKEMAKE), "--workflow-profile", str(profile),
            *TEST_OVERRIDES, *args]


def _slurm_environment(partition: str, **extra: str) -> dict[str, str]:
    # an empty account submits without -A (the CI cluster has no accounts); a set one is kept
    return dict(os.environ, PYTHONUNBUFFERED="1", FATENET_SLURM_PARTITION=partition,
                FATENET_SLURM_ACCOUNT=os.environ.get("FATENET_SLURM_ACCOUNT", ""), **extra)


def slurm_snakemake(folder: Path, profile: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """snakemake through ``profile`` in ``folder``, under ``timeout -k 10 600``; leftovers cancelled."""
    try:
        return subprocess.run(_slurm_command(profile, *args), cwd=folder, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT + 60)
    finally:
        _cancel_leftovers(folder)


@pytest.fixture(scope="module")
def builds(tmp_path_factory, jax_cache, partition) -> tuple[Path, Path, str]:
    """(SLURM build, local build, SLURM log). The local build (the tiny study every test run
    builds once, ``conftest.shared_tiny_study``) is made or waited for while SLURM's jobs queue
    and run: the SLURM run is mostly the plugin waiting between status checks."""
    cache = ("--config", f"cache_dir={jax_cache}")
    cluster = copy_study(tmp_path_factory.mktemp("slurm_cluster"))
    (cluster / "one_run.yaml").write_text(ONE_RUN)
    log_path = cluster / "snakemake_slurm.log"
    with open(log_path, "w") as log:
        # --verbose: the plugin then logs each sbatch call (what the jobs asked for)
        process = subprocess.Popen(_slurm_command(cluster / "workflow" / "profiles" / "slurm", *TINY, *cache,
                                                  "--verbose"),
                                   cwd=cluster, env=_slurm_environment(partition), stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            try:
                local = shared_tiny_study(jax_cache)
            except AssertionError:
                process.terminate()  # timeout passes SIGTERM on; snakemake then cancels its jobs
                raise
            process.wait(timeout=TIMEOUT + 60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            _cancel_leftovers(cluster)
    slurm_log = log_path.read_text()
    assert process.returncode == 0, f"SLURM build: exit {process.returncode}:\n{slurm_log[-8000:]}"
    return cluster, local, slurm_log


def test_every_rule_ran_as_a_slurm_job(builds):
    _, _, log = builds
    submitted = re.findall(r"has been submitted with SLURM jobid \d+ \(log: .*?/slurm_logs/rule_(\w+)/", log)
    assert sorted(set(submitted)) == ["aggregate", "evaluate", "figure", "figure_utility", "train"], log[-6000:]
    assert submitted.count("train") >= 1 and submitted.count("evaluate") >= 1


def test_train_and_evaluate_jobs_ask_for_their_estimated_memory_and_time(builds):
    """The sbatch calls carry the cost model's mem_mb and runtime of the run (not a flat value)."""
    from snakemake.utils import validate

    from fatenet.study import Study, study_config

    folder, _, log = builds
    config = study_config(folder / "workflow/presets/tiny.yaml", folder / "one_run.yaml", base=folder / "config.yaml")
    validate(config, str(folder / "workflow" / "schemas" / "config.schema.yaml"))
    costs = Study(config).costs[RUN]
    calls = re.findall(r"sbatch call: (.*)", log)
    assert calls, log[-4000:]
    requests = {job: costs.request(job) for job in ("train", "evaluate")}
    assert requests["train"][0] != requests["evaluate"][0]  # each job its own estimate, not one flat request
    for job, (mem_mb, minutes) in requests.items():
        asked = [call for call in calls if f"rule_{job}/" in call]
        assert asked, calls
        assert any(re.search(rf"--mem '?{mem_mb}'?( |$)", call) and re.search(rf" -t '?{minutes}'?( |$)", call)
                   for call in asked), (mem_mb, minutes, asked)


def test_slurm_tables_match_the_local_run_byte_for_byte(builds):
    folder, local_build, _ = builds
    missing = [name for name in COMPARED if not (folder / name).is_file() or not (local_build / name).is_file()]
    assert not missing
    differ = [name for name in COMPARED if (folder / name).read_bytes() != (local_build / name).read_bytes()]
    assert not differ, f"SLURM and local builds differ: {differ}"
    mine, theirs = (pd.read_parquet(build / artifacts.SUMMARY) for build in (folder, local_build))
    pd.testing.assert_frame_equal(mine, theirs[theirs["run"] == RUN].reset_index(drop=True), check_exact=True)
    assert (folder / artifacts.REPORT).is_file()


GPU_PROBE = textwrap.dedent("""\
    # what each job was granted and which variables it sees
    PROBE = "(scontrol show job $SLURM_JOB_ID; env | grep -E '^(XLA|JAX)_' | sort) > {output}"


    rule all:
        input:
            "train.txt",
            "train_seeds.txt",
            "evaluate.txt",


    rule train:
        output:
            "train.txt",
        shell:
            PROBE


    rule train_seeds:
        output:
            "train_seeds.txt",
        shell:
            PROBE


    rule evaluate:
        output:
            "evaluate.txt",
        shell:
            PROBE
    """)


def test_gpu_profile_gets_a_gpu_and_the_determinism_settings(tmp_path, partition):
    gpu_partition = os.environ.get("FATENET_SLURM_GPU_PARTITION")
    if gpu_partition is None and _cluster()[0] != CI_CLUSTER:
        pytest.skip("set FATENET_SLURM_GPU_PARTITION to try the GPU profile on this cluster")
    (tmp_path / "Snakefile").write_text(GPU_PROBE)
    profile = Path(__file__).resolve().parents[1] / "workflow" / "profiles" / "slurm-gpu"
    env = _slurm_environment(partition, FATENET_SLURM_GPU_PARTITION=gpu_partition or partition)
    result = slurm_snakemake(tmp_path, profile, env)
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout[-6000:]}"
    for rule in ("train", "train_seeds", "evaluate"):
        job = (tmp_path / f"{rule}.txt").read_text()
        assert re.search(r"gres[:/]gpu[:=]1\b", job), job
        assert "XLA_FLAGS=--xla_gpu_deterministic_ops=true" in job
        assert "JAX_DEFAULT_MATMUL_PRECISION=highest" in job
        assert "XLA_PYTHON_CLIENT_PREALLOCATE=false" in job
