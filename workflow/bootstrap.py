#!/usr/bin/env python3
"""Set up fatenet on a fresh machine and run the study or the tests (standard library only).

    python3 workflow/bootstrap.py study [snakemake args]   # build the study and results/report.html
    python3 workflow/bootstrap.py test  [pytest args]      # run the test suite

Both first make sure ``.venv`` (in the repository root) exists and holds fatenet with its
test and workflow tools (``pip install -e ".[test]"``). The install is skipped when a stamp
file in ``.venv`` records the same ``pyproject.toml`` (by hash) and fatenet still imports.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".fatenet-install-stamp"
EXTRAS = "test"


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def run(command: list[str | Path]) -> int:
    say(" ".join(str(part) for part in command))
    return subprocess.call([str(part) for part in command], cwd=ROOT)


def install_key() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(f"extras={EXTRAS};python={sys.version_info[:2]}".encode())
    return digest.hexdigest()


def ensure_environment() -> None:
    """Create .venv if missing and install fatenet into it unless the stamp says it is current."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this script may run on an older Python and must say so)
        sys.exit(f"fatenet needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        say(f"creating {VENV.relative_to(ROOT)}")
        if run([sys.executable, "-m", "venv", VENV]) != 0:
            sys.exit("could not create the virtual environment (on Debian/Ubuntu: apt install python3-venv)")
    key = install_key()
    current = STAMP.exists() and STAMP.read_text().strip() == key
    if current and subprocess.call([str(PYTHON), "-c", "import fatenet"], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
        return
    if run([PYTHON, "-m", "pip", "install", "-e", f".[{EXTRAS}]"]) != 0:
        sys.exit("pip install failed; see the messages above")
    STAMP.write_text(key + "\n")


def study(args: list[str]) -> int:
    """``snakemake --cores all`` in the venv; the workflow itself writes results/report.html at the end."""
    return run([BIN / "snakemake", "--cores", "all", *args])


def test(args: list[str]) -> int:
    code = run([PYTHON, "-m", "pytest", *args])
    if code == 5:
        say("pytest collected no tests; treating that as a failure")
        return 1
    return code


def main(argv: list[str]) -> int:
    commands = {"study": study, "test": test}
    if not argv or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_environment()
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
