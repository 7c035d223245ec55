"""Progress lines of a training job: what it is about to do and its estimated cost as soon as it
starts (before any compiling), then generation 0 with the time left once the first compiled call
(``log_every`` generations) has run, then every ``log_every`` generations, and an in-place bar when
the output is a terminal. Output only: no number depends on it."""

from __future__ import annotations

import sys
import time


class Progress:
    """Progress lines every ``every`` generations; an in-place bar only on a terminal."""

    def __init__(self, total: int, every: int, stream=None, enabled: bool | None = None):
        self.total, self.every = total, every
        self.stream = stream or sys.stdout
        self.enabled = True if enabled is None else enabled
        self.tty = self.enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last = time.perf_counter()
        self.first = True

    def note(self, text: str) -> None:
        """A line about what the job does next (its start, the screen, compiling)."""
        if self.enabled:
            self.stream.write(f"fatenet: {text}\n")
            self.stream.flush()

    def update(self, gen: int, record: dict, per_gen: float) -> None:
        """Report generation ``gen`` (``per_gen``: seconds per generation of its block)."""
        if not self.enabled:
            return
        done = gen + 1
        if self.tty:
            filled = int(30 * done / self.total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} "
                              f"best-ever {float(record['best_ever_fitness']):+.4f}")
        if gen % self.every == 0 or done == self.total:
            prefix = "\r" if self.tty else ""
            self.stream.write(f"{prefix}gen {gen:4d}/{self.total}  best {float(record['best_fitness']):+.4f}  "
                              f"mean {float(record['mean_fitness']):+.4f}  "
                              f"best-ever {float(record['best_ever_fitness']):+.4f}  {per_gen:.3f} s/gen"
                              + (" (incl. compile)" if self.first else "")
                              + (f"; about {duration((self.total - done) * per_gen)} left" if done < self.total
                                 else "") + "\n")
            self.first = False
        self.stream.flush()

    def restart_clock(self) -> None:
        """Time the next block from now (after work that is not a generation: the focus)."""
        self.last = time.perf_counter()

    def block(self, first: int, records: list[dict]) -> None:
        """Report the generations ``first, first + 1, ...`` of one block, just run."""
        now = time.perf_counter()
        per_gen, self.last = (now - self.last) / max(len(records), 1), now
        for i, record in enumerate(records):
            self.update(first + i, record, per_gen)




def duration(seconds: float) -> str:
    """``42 s``, ``3.5 min`` or ``2.1 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"
