# The study's report, results/report.html, built after a successful run (onsuccess in the Snakefile).
import json
import os
import subprocess
import tempfile

import yaml

REPORT = artifacts.REPORT


def build_report(workflow, config):
    """After a successful run, write REPORT for the whole study (snakemake --report).

    Runs only when every study output exists (not after a run of a single target); the
    report is built by a second Snakemake call on the same settings.
    """
    missing = [path for path in study_targets() if not os.path.exists(path)]
    if missing:
        print(
            f"fatenet: {REPORT} not rebuilt: {len(missing)} study outputs do not exist yet"
        )
        return
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        # the study's settings in their order (sweep and variant order name the run folders)
        yaml.safe_dump(json.loads(json.dumps(config)), handle, sort_keys=False)
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        workflow.main_snakefile,
        "--directory",
        os.getcwd(),
        "--configfile",
        handle.name,
        "--replace-workflow-config",
        "--nolock",
        "--report",
        REPORT,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        print(done.stdout[-3000:] + done.stderr[-3000:])
        raise RuntimeError(f"fatenet: building {REPORT} failed (see above)")
    print(f"fatenet: wrote {REPORT}")
