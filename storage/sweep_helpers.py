"""Helper processes for the nudge sweep of a large database.

A sweep's parts each read what is due, work out the nudges in Python and write them. In one process they share
one interpreter lock, so however many connections they use, only one part computes at a time (threads reading
rows even slowed each other down). Helper processes let the parts compute side by side on as many cores, while
the database's writer (SQLite's one at a time, or PostgreSQL's server) stores what the others worked out.

The pool is started on the first sweep that needs it and kept for the life of its owner: a helper starts by
importing the app (about a second), which a sweep of a few rows would not pay back, so small databases are swept
in their own process. A helper left behind by an owner killed outright ends on its own.
"""

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from storage.parent_watch import on_parent_gone

Result = TypeVar("Result")
# Relationships (the highest id) from which a database's sweep goes to the helpers. A sweep of 100,000 with their
# registers took 1.2 to 1.5 s with two helpers against 1.8 to 2.1 s in one process; at a few thousand, what the
# helpers save is less than what handing parts over costs.
LARGE = 20_000


# A part of a sweep, run with a unit of work of the sweep (`stages.ports.SweepUnitOfWork`).
Part = Callable[[Any], Result]
# Runs a part in a helper: given the database's URL, the batch's workspaces and the part, builds the unit of work
# on that process's own engine. A module-level function, so the pool can name it to the helper.
RunPart = Callable[[str, tuple[str, ...], Part[Result]], Result]


class SweepHelpers:
    """A pool of helper processes, shared by the databases of one process (the same URL or copies of it)."""

    def __init__(self, processes: int, *, large: int = LARGE) -> None:
        self.processes = processes
        self.large = large
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def run(
        self, url: str, team_ids: tuple[str, ...], parts: Sequence[Part[Result]], here: object, run: RunPart[Result]
    ) -> list[Result]:
        """The first part here with `here`, the others in the helpers; the results in the order of the parts."""
        pool = self._started()
        try:
            elsewhere = [pool.submit(run, url, team_ids, part) for part in parts[1:]]
        except BrokenProcessPool:  # a helper died since the last sweep (killed, out of memory): start afresh
            self._discard(pool)
            pool = self._started()
            elsewhere = [pool.submit(run, url, team_ids, part) for part in parts[1:]]
        try:
            first = parts[0](here)
        finally:
            try:
                done = [future.result() for future in elsewhere]  # a part's failure is raised once all have ended
            except BrokenProcessPool:  # one died during this sweep: the next starts afresh
                self._discard(pool)
                raise
        return [first, *done]

    def start(self) -> None:
        """Start every helper now rather than with the first large sweep (each started process imports the app)."""
        pool = self._started()
        for future in [pool.submit(os.getpid) for _ in range(self.processes)]:
            future.result()

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn: the owner may run threads (a scheduler, web threads), which a fork would copy mid-step
                self._pool = ProcessPoolExecutor(
                    self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_helper_started,
                    initargs=(os.getpid(),),
                )
            return self._pool


@dataclass(frozen=True)
class PartsElsewhere:
    """How one database's large sweeps hand their parts to the helpers: the pool, the database's URL for each
    helper to open (its password included), and the function a helper runs a part with."""

    helpers: SweepHelpers
    url: str
    run_part: RunPart[Any]

    def run(self, team_ids: tuple[str, ...], parts: Sequence[Part[Result]], here: object) -> list[Result]:
        return self.helpers.run(self.url, team_ids, parts, here, self.run_part)


def _helper_started(parent_pid: int) -> None:
    """In each helper: an end once the process that started the pool is gone, which a pool whose owner was killed
    outright cannot bring about itself. Nothing of a helper's needs a clean exit: a part it was running rolls back."""
    on_parent_gone(parent_pid, lambda: os._exit(0), name="accord-sweep-parent-watch")
