"""The sweep of a batch of workspaces as the nudge job runs it: with Python's cyclic garbage collector paused.

A sweep of a large workspace builds millions of short-lived objects (rows read, what is due, nudges, rows to
insert), none of them in a reference cycle: reference counting frees each when it is done with. The cyclic
collector cannot know that, so it walks them again and again as they pile up (a third of a sweep of 1,000,000
relationships on SQLite). It is paused for the sweep and resumed after: what other threads of the process leave
in cycles meanwhile is collected then.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from stages import nudge_service
from stages.catalogue import Cadences
from stages.nudges import NudgePolicy
from stages.ports import SweepUnitOfWork


def sweep_batch(
    uow: SweepUnitOfWork, cadences: Cadences, policy: NudgePolicy, now: datetime
) -> dict[str, nudge_service.SweepResult]:
    """`nudge_service.sweep_many`, with the collector paused while it runs."""
    with _collector_paused():
        return nudge_service.sweep_many(uow, cadences, policy, now)


class _Pauses:
    """Sweeps running at once in one process (tests, a job beside a command) each pause the one collector: it
    resumes when the last ends, and only if it was running when the first began."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.resume = False


_pauses = _Pauses()


@contextmanager
def _collector_paused() -> Iterator[None]:
    with _pauses.lock:
        if _pauses.running == 0:
            _pauses.resume = gc.isenabled()
            gc.disable()
        _pauses.running += 1
    try:
        yield
    finally:
        with _pauses.lock:
            _pauses.running -= 1
            if _pauses.running == 0 and _pauses.resume:
                gc.enable()
