"""The GPU check: speed per backend side by side, many seeds at once, and byte-identical rebuilds.

    python benchmarks/gpu_check.py [--quick] [--out DIR] [--backends xla kernel]

Run it on a GPU node inside the fatenet environment (``pip install "jax[cuda12]"``, or the wheels
of ``../shared/gpu-node/``). It sets the determinism flags itself
(``XLA_FLAGS=--xla_gpu_deterministic_ops=true``, ``JAX_DEFAULT_MATMUL_PRECISION=highest``,
``XLA_PYTHON_CLIENT_PREALLOCATE=false``) and measures, on whatever device JAX finds, for each
backend (``simulation.backend``: ``xla``, the reference, and ``kernel``, the fused time loop):

1. seconds per generation at the seed configuration (20 x 50 x 7 cells x 2000 steps, exact
   MLP) and at the default study's configuration, median of 5 after a compiling warm-up, with
   the cell-steps per second they make;
2. cell-steps per second at saturation (one generation of 16 x 4096 tissues, the piecewise-
   linear f and the MLP);
3. the wall time of one vmapped run of 20 seeds of the default study's configuration
   (``fatenet.training.train_seeds``, what ``train_seeds_together`` does);
4. the default study's wall time (with the compilation cache warm: its second build), and two
   builds compared file by file (Snakemake, in scratch folders).

``--quick`` shrinks every part (a few generations, 2 seeds, one run of the tiny preset built up to
its tables, without figures and report) so that the script can be checked on a CPU in a minute
or two (the test suite does; the kernel is interpreted there). The last stdout line is one JSON
object, ``{"backends": {name: {...}}, ...}``; the study builds' logs go to ``--out`` (default: a
temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DETERMINISM = {
    "XLA_FLAGS": "--xla_gpu_deterministic_ops=true",
    "JAX_DEFAULT_MATMUL_PRECISION": "highest",
    "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
}
QUICK_STUDY = """\
# the tiny preset's run noise_strength~0.1/seed~1 (layered over workflow/presets/tiny.yaml), so a
# compilation cache that holds the tiny study's programs serves it
seeds: [1]
sweep: {simulation.noise_strength: [0.1]}
"""
QUICK_PRESET = "workflow/presets/tiny.yaml"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_study(folder: Path, studies: tuple[str | Path, ...], cache: Path,
                targets: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Build ``studies`` (config files layered in order) in ``folder`` (a copy of the workflow): everything,
    or ``targets``."""
    folder.mkdir(parents=True)
    for name in ("Snakefile", "config.yaml"):
        shutil.copy2(REPO / name, folder / name)
    shutil.copytree(REPO / "workflow", folder / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-m", "snakemake", *targets, "--cores", "all", "--configfile", *map(str, studies),
               "--config", f"cache_dir={cache}"]
    return subprocess.run(command, cwd=folder, env=dict(os.environ, **DETERMINISM), capture_output=True, text=True)


def compare_builds(a: Path, b: Path) -> list[str]:
    files = sorted(p.relative_to(a) for p in (a / "results").rglob("*")
                   if p.is_file() and p.suffix in {".npz", ".json", ".parquet", ".png", ".csv"})
    return [str(f) for f in files if (a / f).read_bytes() != (b / f).read_bytes()]


def cell_steps(config) -> float:
    """Cell-steps of one training generation of ``config`` (every time-step factor counted)."""
    sim, evo = config.simulation, config.evolution
    return (evo.restarts * evo.population_size * sim.n_replicates * sim.n_cells * sim.n_steps
            * sum(evo.fitness_dt_factors))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a minute-long dry check (CPU is fine)")
    parser.add_argument("--out", help="folder for the study builds (default: a temporary one)")
    parser.add_argument("--cache", help="the study builds' JAX compilation cache (default: OUT/jax_cache)")
    parser.add_argument("--backends", nargs="+", default=["xla", "kernel"], choices=["xla", "kernel"],
                        help="the integrators to measure (default: both)")
    parser.add_argument("--xla-builds", type=int, default=2, choices=[0, 1, 2],
                        help="study builds with the xla backend (default 2: wall time and byte identity)")
    args = parser.parse_args(argv)
    os.environ.update(DETERMINISM)

    import jax

    from fatenet import artifacts
    from fatenet.config import Config
    from fatenet.training import train_seeds
    from seed_settings import seconds_per_generation
    from seed_settings import seed_config as seed_preset

    result = {"devices": [str(d) for d in jax.devices()], "backend": jax.default_backend(),
              "jax_version": jax.__version__, "quick": args.quick, "backends": {}}
    log(f"devices: {result['devices']}")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="fatenet-gpu-check-"))
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(args.cache) if args.cache else out / "jax_cache"

    for backend in args.backends:
        row = result["backends"][backend] = {}
        on = {"simulation.backend": backend}
        seed_config = seed_preset().replace(on)
        study_config = Config.from_dict(_study_settings()).replace(on)
        if args.quick:
            shrink = {"simulation.t_final": 0.5, "evolution.population_size": 6, "simulation.n_replicates": 8,
                      "evolution.restarts": 1, "evolution.initial_screen": 0,
                      "evolution.start_from": "fittest", "evolution.explore_generations": 0,
                      "evolution.rescore_replicates": 16}
            seed_config, study_config = seed_config.replace(shrink), study_config.replace(shrink)
        n_timed = 2 if args.quick else 5
        for name, config in (("seed", seed_config), ("default", study_config)):
            seconds = seconds_per_generation(config, n_timed)
            row[f"{name}_config_s_per_gen"] = round(seconds, 5)
            row[f"{name}_config_cell_steps_per_s"] = float(f"{cell_steps(config) / seconds:.3g}")
        if not args.quick:
            for architecture in ("piecewise_linear", "mlp"):
                big = study_config.replace({"network.architecture": architecture, "evolution.restarts": 1,
                                            "evolution.population_size": 16, "simulation.n_replicates": 4096,
                                            "evolution.fitness_dt_factors": [1]})
                row[f"saturated_{architecture}_cell_steps_per_s"] = float(
                    f"{cell_steps(big) / seconds_per_generation(big, 3):.3g}")
        log(f"{backend}: {row}")

        seeds = [1, 2] if args.quick else list(range(1, 21))
        many = study_config.replace({"evolution.n_generations": 2}) if args.quick else study_config
        t0 = time.perf_counter()
        train_seeds(many, seeds, progress=False)
        row["vmapped_seeds"] = len(seeds)
        row["vmapped_wall_s"] = round(time.perf_counter() - t0, 2)
        log(f"{backend}: {len(seeds)} seeds in one vmapped run: {row['vmapped_wall_s']} s")

        study = out / f"study_{backend}.yaml"
        # (a --configfile is merged key by key: an empty sweep would keep config.yaml's)
        study.write_text((QUICK_STUDY if args.quick else "") + f"simulation: {{backend: {backend}}}\n")
        studies = (QUICK_PRESET, study) if args.quick else (study,)
        builds, walls = [], []
        for name in ("build_a", "build_b")[:args.xla_builds if backend == "xla" else 2]:
            folder = out / f"{name}_{backend}"
            if folder.exists():
                shutil.rmtree(folder)
            # quick: the tables only (no figures, no report), which the byte comparison needs
            t0 = time.perf_counter()
            done = build_study(folder, studies, cache, (artifacts.SUMMARY,) if args.quick else ())
            walls.append(round(time.perf_counter() - t0, 1))
            (out / f"{name}_{backend}.log").write_text(done.stdout + done.stderr)
            builds.append(done.returncode)
        row["study_wall_s"] = walls  # the second with the compilation cache warm
        row["study_builds_ok"] = all(code == 0 for code in builds)
        if len(builds) == 2:
            differ = (compare_builds(out / f"build_a_{backend}", out / f"build_b_{backend}")
                      if row["study_builds_ok"] else ["(a build failed)"])
            row["byte_identical"] = not differ
            row["differing_files"] = differ[:20]
        log(f"{backend}: study builds {walls} s, byte-identical: {row.get('byte_identical')} (logs in {out})")
    if {"xla", "kernel"} <= set(result["backends"]):
        xla, kernel = result["backends"]["xla"], result["backends"]["kernel"]
        result["kernel_speedup"] = {key: round(xla[key] / kernel[key], 2) for key in
                                    ("seed_config_s_per_gen", "default_config_s_per_gen", "vmapped_wall_s")}
    print(json.dumps(result), flush=True)
    return result


def _study_settings() -> dict:
    """The default study's settings (config.yaml), without the workflow keys."""
    import yaml

    data = yaml.safe_load((REPO / "config.yaml").read_text())
    return {key: data[key] for key in ("simulation", "network", "evolution", "evaluation") if key in data}


if __name__ == "__main__":
    main()
