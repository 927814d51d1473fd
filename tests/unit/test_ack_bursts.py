"""Work yields to a burst of acknowledgements: it waits for a lull (at most a second a piece), never for single
requests, never when it may open a modal; and the web process's marks reach its work processes."""

import multiprocessing
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import cast

import pytest

from bot.runtime import work_processes
from bot.runtime.ack_bursts import BURST_GAP_SECONDS, LULL_SECONDS, MAX_YIELD_SECONDS, AckBursts
from bot.runtime.work_processes import Worker, _Process
from storage.database import Database
from storage.inbox import Claimed, Inbox

SPAWN = multiprocessing.get_context("spawn")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_acknowledgements_far_apart_are_no_burst_and_nothing_waits() -> None:
    clock = Clock()
    bursts = AckBursts(SPAWN, clock)
    for _ in range(5):
        bursts.acknowledged()
        clock.now += BURST_GAP_SECONDS * 2  # Slack's usual pace is far slower still
        assert not bursts.in_burst()
    bursts.acknowledged()
    assert bursts.wait_for_lull(clock.sleep) == 0.0


def test_a_burst_lasts_until_acknowledgements_pause_and_work_waits_for_that() -> None:
    clock = Clock()
    bursts = AckBursts(SPAWN, clock)
    bursts.acknowledged()
    clock.now += BURST_GAP_SECONDS / 2
    bursts.acknowledged()
    assert bursts.in_burst()
    waited = bursts.wait_for_lull(clock.sleep)
    assert LULL_SECONDS <= waited < MAX_YIELD_SECONDS
    assert not bursts.in_burst()


def test_a_pause_of_a_few_milliseconds_inside_a_burst_does_not_end_it() -> None:
    clock = Clock()
    bursts = AckBursts(SPAWN, clock)
    bursts.acknowledged()
    clock.now += BURST_GAP_SECONDS / 2
    bursts.acknowledged()
    clock.now += 0.02  # the inbox's writes held up a moment (a checkpoint of SQLite's log): work still waits
    assert bursts.in_burst()


def test_a_burst_that_does_not_end_delays_work_by_at_most_a_second_a_piece() -> None:
    clock = Clock()
    bursts = AckBursts(SPAWN, clock)

    def sleep_while_acknowledging(seconds: float) -> None:
        for _ in range(max(1, int(seconds / (BURST_GAP_SECONDS / 2)))):
            clock.now += BURST_GAP_SECONDS / 2
            bursts.acknowledged()

    bursts.acknowledged()
    clock.now += BURST_GAP_SECONDS / 2
    bursts.acknowledged()
    waited = bursts.wait_for_lull(sleep_while_acknowledging)
    assert bursts.in_burst()
    assert MAX_YIELD_SECONDS <= waited < MAX_YIELD_SECONDS + 0.05


def _frozen() -> float:
    return 100.0


def _report_burst(bursts: AckBursts, marked: EventType, answers: "Queue[bool]") -> None:
    answers.put(bursts.in_burst())
    marked.wait(timeout=30)
    answers.put(bursts.in_burst())


def test_a_work_process_sees_the_bursts_its_parent_marks_after_it_started() -> None:
    bursts = AckBursts(SPAWN, _frozen)
    marked = SPAWN.Event()
    answers: Queue[bool] = SPAWN.Queue()
    child = SPAWN.Process(target=_report_burst, args=(bursts, marked, answers))
    child.start()
    try:
        assert answers.get(timeout=30) is False
        bursts.acknowledged()
        bursts.acknowledged()  # at the same moment: a burst
        marked.set()
        assert answers.get(timeout=30) is True  # shared memory, not a copy made when the process started
    finally:
        child.join(timeout=30)


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    database = Database(f"sqlite:///{tmp_path / 'accord.db'}")
    database.upgrade()
    return Inbox(database.engine, timedelta(minutes=5))


class HeldBurst(AckBursts):
    """A burst that lasts until the test ends it."""

    def __init__(self) -> None:
        super().__init__(SPAWN)
        self.on = True

    def in_burst(self) -> bool:
        return self.on


def test_during_a_burst_a_modal_to_open_runs_at_once_and_other_work_after_the_lull(inbox: Inbox) -> None:
    now = datetime.now(UTC)
    inbox.put("status", "status", {}, urgent=False, now=now)
    inbox.put("open a form", "form", {}, urgent=True, now=now + timedelta(seconds=1))
    bursts = HeldBurst()
    ran: list[tuple[str, bool]] = []
    form_ran, both_ran = threading.Event(), threading.Event()

    def note(item: Claimed) -> None:
        ran.append((item.body, bursts.in_burst()))
        form_ran.set()
        if len(ran) == 2:
            both_ran.set()

    worker = Worker(inbox, note, threads=2, name="host:1", bursts=bursts)
    loop = threading.Thread(target=worker.run)
    loop.start()
    try:
        assert form_ran.wait(timeout=10)
        assert not both_ran.wait(timeout=MAX_YIELD_SECONDS / 4)  # two threads, yet the status waits...
        bursts.on = False
        assert both_ran.wait(timeout=10)  # ...until the burst is over
    finally:
        worker.stop()
        loop.join(timeout=10)
    assert ran == [("form", True), ("status", False)]
    assert inbox.counts()["done"] == 2


def test_urgent_rows_are_claimed_as_urgent(inbox: Inbox) -> None:
    now = datetime.now(UTC)
    inbox.put("later", "{}", {}, urgent=False, now=now)
    inbox.put("now", "{}", {}, urgent=True, now=now)
    claimed = inbox.claim("host:1", 5, now)
    assert [item.urgent for item in claimed] == [True, False]


def test_during_a_burst_finished_work_is_marked_done_with_the_next_claim_for_more_not_on_its_own(inbox: Inbox) -> None:
    """Each claim takes SQLite's one writer from the acknowledgements, so a burst gets none that only marks done."""
    now = datetime.now(UTC)
    for key, body in enumerate(("quick", "hold", "hold", "hold")):
        inbox.put(f"form {key}", body, {}, urgent=True, now=now)
    bursts = HeldBurst()
    claims: list[tuple[int, int]] = []
    gate, third_started = threading.Event(), threading.Event()
    holds = 0

    def claim(worker: str, limit: int, at: datetime, finished: Sequence[Claimed]) -> list[Claimed]:
        claims.append((limit, len(finished)))
        return inbox.claim(worker, limit, at, finished)

    def note(item: Claimed) -> None:
        nonlocal holds
        if item.body == "hold":
            holds += 1
            if holds == 2:  # the quick one's thread took the next: the quick one is finished
                third_started.set()
            gate.wait(timeout=10)

    worker = Worker(inbox, note, threads=2, name="host:1", claim=claim, bursts=bursts)
    loop = threading.Thread(target=worker.run)
    loop.start()
    try:
        assert third_started.wait(timeout=10)
        worker.ring()  # new work rang about while both threads are busy: nothing more to claim
        time.sleep(0.3)
        assert claims == [(4, 0)]
        assert inbox.counts()["done"] == 0
        bursts.on = False
        worker.ring()
        for _ in range(100):
            if inbox.counts()["done"]:
                break
            time.sleep(0.05)
        assert claims == [(4, 0), (0, 1)]
        assert inbox.counts()["done"] == 1
    finally:
        gate.set()
        worker.stop()
        loop.join(timeout=10)


def test_during_a_burst_a_work_process_is_rung_once_a_step_but_at_once_for_a_modal(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(work_processes, "BURST_RING_SECONDS", 5.0)  # a long step, so timing cannot blur the counts
    burst = HeldBurst()
    parent_end, process_end = SPAWN.Pipe(duplex=True)
    process = _Process(cast(BaseProcess, None), parent_end, 0.0, inbox, burst.in_burst)
    threading.Thread(target=process.bell, daemon=True).start()
    try:
        for _ in range(50):  # fifty acknowledgements of ordinary work in a quarter of a second
            process.ring(urgent=False)
            time.sleep(0.005)
        assert _rings(process_end, within=0.5) == 1
        process.ring(urgent=True)  # a modal to open: Slack allows three seconds from the click
        assert _rings(process_end, within=2.0) == 1
    finally:
        parent_end.close()
        process_end.close()


def _rings(pipe: Connection, within: float) -> int:
    """How many rings came down `pipe` until none came for `within` seconds."""
    rings = 0
    while pipe.poll(within):
        assert pipe.recv() == work_processes.RING
        rings += 1
        within = 0.2
    return rings
