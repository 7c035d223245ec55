"""The instruction-set pin (fatenet.portability): where it applies, what it leaves alone, its switch."""

import os
import subprocess
import sys

import pytest

from fatenet import portability

AVX2_CPU = {"sse4_2", "avx", "avx2", "fma"}


def test_pin_sets_the_isa_and_openblas_core_on_an_avx2_machine():
    env = {}
    changed = portability.pin(env, machine="x86_64", flags=AVX2_CPU)
    assert env == changed == {"XLA_FLAGS": "--xla_cpu_max_isa=AVX2", "OPENBLAS_CORETYPE": "Haswell"}


def test_pin_keeps_the_users_flags_and_choices():
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    portability.pin(env, machine="x86_64", flags=AVX2_CPU)
    assert env["XLA_FLAGS"] == "--xla_force_host_platform_device_count=2 --xla_cpu_max_isa=AVX2"
    env = {"XLA_FLAGS": "--xla_cpu_max_isa=AVX512", "OPENBLAS_CORETYPE": "SkylakeX"}
    assert portability.pin(env, machine="x86_64", flags=AVX2_CPU) == {}
    assert env == {"XLA_FLAGS": "--xla_cpu_max_isa=AVX512", "OPENBLAS_CORETYPE": "SkylakeX"}


def test_no_openblas_core_without_avx2_and_fma_and_nothing_off_x86_or_when_switched_off():
    env = {}
    portability.pin(env, machine="x86_64", flags={"sse4_2", "avx"})  # Sandy Bridge: no Haswell kernels
    assert env == {"XLA_FLAGS": "--xla_cpu_max_isa=AVX2"}
    assert portability.pin({}, machine="aarch64", flags=set()) == {}
    for off in ("0", "false", "OFF"):
        env = {portability.SWITCH: off}
        assert portability.pin(env, machine="x86_64", flags=AVX2_CPU) == {} and len(env) == 1


def test_describe_reads_the_pin_back():
    assert portability.describe({"XLA_FLAGS": "--a=1 --xla_cpu_max_isa=AVX2", "OPENBLAS_CORETYPE": "Haswell"}) | {
        "machine": "m"} == {"machine": "m", "xla_cpu_max_isa": "AVX2", "openblas_coretype": "Haswell"}
    assert portability.describe({})["xla_cpu_max_isa"] == "any"


def _child_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "OPENBLAS_CORETYPE", portability.SWITCH)}
    return env | extra


@pytest.mark.skipif(portability.platform.machine().lower() not in ("x86_64", "amd64"), reason="x86-64 only")
def test_importing_fatenet_pins_the_process_before_jax_starts_and_warns_when_too_late():
    code = ("import os, fatenet, jax.numpy as jnp; jnp.ones(1).block_until_ready(); "
            "print(os.environ['XLA_FLAGS']); print(fatenet.portability.describe()['xla_cpu_max_isa'])")
    out = subprocess.run([sys.executable, "-c", code], env=_child_env(), capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["--xla_cpu_max_isa=AVX2", "AVX2"] and "Warning" not in out.stderr
    late = "import jax.numpy as jnp; jnp.ones(1).block_until_ready(); import fatenet"
    out = subprocess.run([sys.executable, "-c", late], env=_child_env(), capture_output=True, text=True, check=True)
    assert "does not apply in this process" in out.stderr
    off = subprocess.run([sys.executable, "-c", "import os, fatenet; print(os.environ.get('XLA_FLAGS'))"],
                         env=_child_env(FATENET_PORTABLE="0"), capture_output=True, text=True, check=True)
    assert off.stdout.strip() == "None"
