"""A worker's claims and priorities; and when a work process keeps dying at boot, it is replaced after pauses
that grow, not in a tight loop."""

import multiprocessing
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from bot.runtime.work_processes import (
    EARLY_DEATH_SECONDS,
    MAX_PAUSE_SECONDS,
    WORK_NICENESS,
    Worker,
    _Parent,
    _Process,
    pause_before_replacing,
)
from storage.database import Database
from storage.inbox import Claimed, Inbox


def test_a_process_that_lived_a_normal_life_is_replaced_at_once() -> None:
    assert pause_before_replacing(EARLY_DEATH_SECONDS + 1, last_pause=8.0) == 0.0


def test_early_deaths_are_replaced_after_pauses_that_double_up_to_a_minute() -> None:
    pauses = [0.0]
    for _ in range(9):
        pauses.append(pause_before_replacing(0.2, pauses[-1]))
    assert pauses[1:6] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert max(pauses) == MAX_PAUSE_SECONDS == pauses[-1]


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    database = Database(f"sqlite:///{tmp_path / 'accord.db'}")
    database.upgrade()
    inbox = Inbox(database.engine, timedelta(minutes=5))
    for number in range(10):
        inbox.put(f"request {number}", "{}", {}, urgent=False, now=datetime.now(UTC))
    return inbox


def test_a_stopped_worker_finishes_what_runs_and_gives_back_what_it_had_not_started(inbox: Inbox) -> None:
    running, release = threading.Semaphore(0), threading.Event()

    def slow(_item: Claimed) -> None:
        running.release()
        release.wait(timeout=10)

    worker = Worker(inbox, slow, threads=2, name="host:1")
    loop = threading.Thread(target=worker.run)
    loop.start()
    assert running.acquire(timeout=10) and running.acquire(timeout=10)
    assert inbox.counts()["claimed"] > 2  # it claimed ahead of its threads...
    worker.stop()
    release.set()
    loop.join(timeout=10)
    assert inbox.counts() == {"waiting": 8, "claimed": 0, "done": 2}  # ...and gave back what it had not started


def test_work_threads_run_at_a_lower_priority_than_the_thread_claiming_work(inbox: Inbox) -> None:
    priorities: list[int] = []

    def note(_item: Claimed) -> None:
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    worker = Worker(inbox, note, threads=2, name="host:1")
    loop = threading.Thread(target=worker.run)
    loop.start()
    deadline = time.monotonic() + 10
    while len(priorities) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.stop()
    loop.join(timeout=10)
    claiming = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert len(priorities) == 10 and set(priorities) == {min(claiming + WORK_NICENESS, 19)}


def test_a_work_process_asks_its_parent_to_claim_and_to_mark_done(inbox: Inbox) -> None:
    here, there = multiprocessing.Pipe(duplex=True)
    process = cast(BaseProcess, SimpleNamespace(pid=os.getpid()))  # only its pid is read
    child = _Process(process, there, time.monotonic(), inbox, lambda: False)
    threading.Thread(target=child.serve_claims, daemon=True).start()
    parent = _Parent(here)
    worker = Worker(inbox, lambda _item: None, threads=2, name=child.name, claim=parent.claim)
    threading.Thread(target=parent.listen, args=(worker,), daemon=True).start()

    claimed = parent.claim(child.name, 4, datetime.now(UTC), [])
    assert len(claimed) == 4 and claimed[0].body == "{}"
    assert inbox.claimants(child.name) == [child.name]  # claimed in the process's name, by its parent
    assert parent.claim(child.name, 0, datetime.now(UTC), claimed) == []
    assert inbox.counts() == {"waiting": 6, "claimed": 0, "done": 4}
    there.close()
    with pytest.raises(ConnectionError):
        parent.claim(child.name, 4, datetime.now(UTC), [])
