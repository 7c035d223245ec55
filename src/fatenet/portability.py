"""Bits that do not depend on the x86-64 CPU where that can be done: the instruction set is pinned.

XLA compiles fatenet's programs for the CPU it runs on, and a wider vector unit or another
instruction set (AVX-512 on many servers, no FMA on old ones) changes the last bits of some
results; an evolution strategy turns a last-bit difference into another search path. jax's
CPU linear algebra (CMA-ES's eigendecomposition) runs in scipy's OpenBLAS, which also picks
its kernels by CPU. So, when ``fatenet`` is imported, before any computation:

* ``XLA_FLAGS`` gets ``--xla_cpu_max_isa=AVX2`` (unless it already names a maximum ISA);
* ``OPENBLAS_CORETYPE`` is set to ``Haswell`` (unless set), on CPUs that report avx2 and fma.

Measured (docs/reproducibility.md;
``benchmarks/portability.py --emulate``): training with the (mu + lambda)-ES or SNES, and so the
simulation and the utility, gives the same bits on a 2-core AMD EPYC VM (which has
AVX-512) and under qemu as an Intel Haswell or an AMD EPYC Rome; CMA-ES training does not (its
covariance update compiles to other last bits on the real CPU), and without the pin, or with
XLA limited to AVX or SSE4.2, the bits differ again. A machine without AVX2 or FMA (Intel before
2013, AMD before 2015) and every non-x86 machine compile for what they have.
``FATENET_PORTABLE=0`` turns the pin off (XLA then uses everything the CPU offers). It can
only act before XLA starts: if jax has computed anything before ``fatenet`` is imported,
a warning says the pin did not apply.
"""

from __future__ import annotations

import os
import platform
import sys
import warnings
from collections.abc import MutableMapping

PINNED_ISA = "AVX2"
"""The most XLA may use on x86-64 (``--xla_cpu_max_isa``): FMA and 256-bit vectors, never AVX-512."""
PINNED_OPENBLAS_CORE = "Haswell"
"""OpenBLAS's kernels for AVX2 + FMA CPUs (``OPENBLAS_CORETYPE``), used by jax's CPU eigh and friends."""
SWITCH = "FATENET_PORTABLE"
"""Environment variable: 0 (or false, no, off) turns the pin off."""
_X86 = {"x86_64", "amd64", "x64"}


def cpu_flags() -> set[str] | None:
    """The CPU's feature flags from ``/proc/cpuinfo`` (Linux), or None where they cannot be read."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        return None
    return None


def enabled(environ: MutableMapping[str, str] = os.environ) -> bool:
    """False when ``FATENET_PORTABLE`` is 0 / false / no / off."""
    return environ.get(SWITCH, "1").strip().lower() not in {"0", "false", "no", "off"}


def pin(environ: MutableMapping[str, str] = os.environ, machine: str | None = None,
        flags: set[str] | None = None) -> dict[str, str]:
    """Add the pin to ``environ`` where it applies (module doc); returns the variables set."""
    if not enabled(environ):
        return {}
    if (machine or platform.machine()).lower() not in _X86:
        return {}
    changed = {}
    xla_flags = environ.get("XLA_FLAGS", "")
    if "--xla_cpu_max_isa" not in xla_flags:
        environ["XLA_FLAGS"] = changed["XLA_FLAGS"] = f"{xla_flags} --xla_cpu_max_isa={PINNED_ISA}".strip()
    flags = cpu_flags() if flags is None else flags
    if "OPENBLAS_CORETYPE" not in environ and flags is not None and {"avx2", "fma"} <= flags:
        environ["OPENBLAS_CORETYPE"] = changed["OPENBLAS_CORETYPE"] = PINNED_OPENBLAS_CORE
    return changed


def xla_started() -> bool:
    """True when jax has already created its backends (then XLA_FLAGS no longer matter)."""
    bridge = sys.modules.get("jax._src.xla_bridge")
    return bool(getattr(bridge, "_backends", None))


def describe(environ: MutableMapping[str, str] = os.environ) -> dict[str, str]:
    """What decides the bits here, for a run's sidecar: machine, pinned ISA, OpenBLAS core."""
    isa = next((part.split("=", 1)[1] for part in environ.get("XLA_FLAGS", "").split()
                if part.startswith("--xla_cpu_max_isa=")), "any")
    return {"machine": platform.machine(), "xla_cpu_max_isa": isa,
            "openblas_coretype": environ.get("OPENBLAS_CORETYPE", "auto")}


def apply_at_import() -> None:
    """Called once by ``fatenet/__init__``: pin, and warn if XLA had already started."""
    changed = pin()
    if changed and xla_started():
        warnings.warn("fatenet: jax computed before fatenet was imported, so the instruction-set pin "
                      f"({', '.join(f'{k}={v}' for k, v in changed.items())}) does not apply in this process; "
                      "import fatenet first for bits that agree across machines", stacklevel=3)
