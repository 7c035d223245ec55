#!/usr/bin/env bash
# The GPU check on a lent GPU machine (one NVIDIA H200 with its own CUDA jax, no network), in one command.
#
# Here, first (in the repository root, with PyPI): bash ../shared/gpu-node/wheelhouse.sh builds .whl/
# (fatenet's wheel and the few wheels the node lacks; keep it out of git: .git/info/exclude). Then the
# device tool runs, with carry [".whl"] and a timeout of 600 s:
#   bash benchmarks/gpu_session.sh
# It installs the wheels, runs benchmarks/gpu_check.py for both backends (the XLA study built once:
# its byte identity on the H200 is known; the kernel's built twice) and leaves the log and the JSON in $OUT.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site || exit 1
export PYTHONUNBUFFERED=1
out=${OUT:-/tmp/gpu-check-out}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
timeout 560 python3 benchmarks/gpu_check.py --out /tmp/gpu-check --xla-builds 1 2>&1 | tee "$out/gpu_check.log"
tail -n 1 "$out/gpu_check.log" > "$out/gpu_check.json"
