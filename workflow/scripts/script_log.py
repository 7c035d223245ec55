"""Shared start of every rule script: output to the rule's log, and no life after Snakemake.

``start(log_path)`` sends all output of this process to the log and starts a watchdog: a
job whose Snakemake was killed (its parent process is gone, so it was re-parented) stops
itself instead of running on and writing files that a later run would find. A job started
by a cluster executor has the executor's job step as its parent, so there it never fires.
"""

import os
import sys
import threading
import time

WATCH_SECONDS = 2.0


def redirect_output(log_path):
    """Point stdout and stderr (Python's and the OS-level ones that XLA writes to) at ``log_path``."""
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    log = open(log_path, "w", buffering=1)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    return log


def exit_with_parent(interval=WATCH_SECONDS):
    """Exit (status 1) as soon as the process that started this one has died."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                print(f"fatenet: the process that started this job (pid {parent}) has ended; stopping",
                      flush=True)
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def start(log_path):
    """The first call of every rule script."""
    log = redirect_output(log_path)
    exit_with_parent()
    return log
