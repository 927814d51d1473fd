"""Ending a process whose parent is gone.

A parent killed outright (SIGKILL, the OOM killer) cannot stop its children, and a child left behind keeps
working beside whatever the next start brings (a second scheduler, an idle pool of sweep helpers). An orphan is
adopted by another process, so its parent pid changes: that is what the watch looks for, which also covers a
parent gone before the watch began.
"""

import os
import threading
import time
from collections.abc import Callable

POLL_SECONDS = 0.5


def on_parent_gone(parent_pid: int, gone: Callable[[], None], *, name: str) -> None:
    """Call `gone` once the process `parent_pid` that started this one is gone, from a daemon thread `name`."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_SECONDS)
        gone()

    threading.Thread(target=watch, name=name, daemon=True).start()
