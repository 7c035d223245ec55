"""Shared start of every rule script: send all output of this process to the rule's log."""

import os
import sys


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
