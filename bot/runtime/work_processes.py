"""Work after the ack, taken from the durable inbox by work processes (or threads), so that acknowledging Slack
never waits for it and no crash or restart loses it.

The web process writes each request to the inbox before the ack (bot/inbox_hand_off.py) and rings its work
processes. A work process claims rows, dispatches each to a Bolt app built the same way (but without request
verification: the inbox holds only requests the web process verified, and work that waited past Slack's five
minutes must still be done), running just that lazy listener, as Bolt's AWS Lambda adapter runs lazy listeners
elsewhere, and marks the row done. A process that dies has its claims given back at once by the process that
started it; a process on another machine (`accord work`, with PostgreSQL) finds waiting rows by looking every
second, and takes over rows whose claim lapsed.

CPython threads share one interpreter lock, so work done in threads of the web process slows its acks down
under load (see bench/ack.py); in another process it does not. Each work process runs a few threads, since
most of its time is spent waiting on Slack and the database.
"""

import json
import logging
import multiprocessing
import os
import queue
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import Enum
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import assert_never

from slack_bolt import App, BoltRequest

from bot.clock import SystemClock
from bot.runtime import logs
from bot.runtime.bootstrap import Bootstrap
from bot.runtime.inbox_hand_off import MODE_HEADER, SOCKET_MODE
from bot.settings import Settings
from storage.database import Database
from storage.inbox import Claimed, ClaimLost, Inbox, Taker, WorkInterrupted, working_on

log = logging.getLogger(__name__)
WATCH_SECONDS = 0.5  # how often a dead work process is noticed and replaced
LOOK_SECONDS = 1.0  # how often an idle worker looks for work nobody rang about (another machine's, a lapsed claim)
PURGE_SECONDS = 300.0  # how often done rows are forgotten...
KEEP_DONE = timedelta(hours=1)  # ...once older than this: longer than Slack's five minutes, for replays
# Work yields the CPU to acknowledgements, which Slack wants within three seconds; the work itself can wait.
WORK_NICENESS = 10
# A process that dies this soon after starting (Slack or the database unreachable, say) is replaced only after a
# pause that doubles each time, up to a minute, instead of in a tight loop.
EARLY_DEATH_SECONDS = 5.0
MAX_PAUSE_SECONDS = 60.0


def worker_name(pid: int | None = None) -> str:
    """How a process signs its claims: its host and pid, so its parent (or a restart) can give them back."""
    return f"{socket.gethostname()[:40]}:{pid or os.getpid()}"


# A work process holds up to this many rounds of its threads' rows, so that a burst of requests is handed over as
# it is written rather than claimed later; few enough that the last waits far less than a claim's lease.
HOLD_ROUNDS = 32
FLUSH_SECONDS = 0.5  # how long finished rows wait for a write to mark them done before a claim of their own
REPORT_SECONDS = 0.05  # a work process tells its parent what it finished at most this often
LAST = 2  # in a work process's queue, after urgent (0) and other (1) rows


def inbox_of(settings: Settings, database: Database) -> Inbox:
    return Inbox(database.engine, timedelta(seconds=settings.work_claim_lease_seconds))


class Worker:
    """Claims rows from the inbox and runs each through `dispatch`, `threads` at a time.

    It claims in batches, up to two rounds of its threads, and again once no more than one round is left: on
    SQLite every claim takes the database's one writer away from the acknowledgements, so one claim per row
    would make acks queue behind work. An urgent row (a modal to open) waits at most for one round to finish.
    """

    def __init__(
        self,
        inbox: Inbox,
        dispatch: Callable[[Claimed], None],
        threads: int,
        name: str,
    ) -> None:
        self._inbox = inbox
        self._dispatch = dispatch
        self._threads = threads
        self.name = name
        self._clock = SystemClock()
        self._held = 0  # claimed and not finished yet: running, or waiting for a thread
        self._finished: list[Claimed] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def ring(self) -> None:
        """There is new work: look now rather than at the next look."""
        self._wake.set()

    def stop(self) -> None:
        """Take nothing more; what is running finishes, what waits for a thread is given back."""
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        """Until stopped: claim, run, and wait for a ring, a finished round or the next look."""
        purged = 0.0
        pool = ThreadPoolExecutor(self._threads, thread_name_prefix="accord-work", initializer=_yield_the_cpu)
        try:
            while not self._stopping.is_set():
                self._wake.clear()  # before claiming: a ring after this is not missed
                with self._lock:
                    wanted = 2 * self._threads - self._held if self._held <= self._threads else 0
                    self._held += wanted
                    finished, self._finished = self._finished, []
                items = self._claim(wanted, finished)
                with self._lock:
                    self._held -= wanted - len(items)
                for item in items:
                    pool.submit(self._run, item)
                if time.monotonic() - purged > PURGE_SECONDS:
                    purged = time.monotonic()
                    self._inbox.purge(self._clock.now() - KEEP_DONE)
                if len(items) < wanted or not wanted:
                    self._wake.wait(LOOK_SECONDS)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        try:  # what finished while stopping, marked done here: the parent may be gone already
            self._inbox.claim(self.name, 0, self._clock.now(), self._finished)
        except Exception:
            log.exception(
                "could not mark finished work done; once its claim lapses it is, or run again if it saved nothing"
            )
        if self._inbox.release(self.name):  # claimed, never started: others may take it now
            log.info("gave back the work this worker had claimed and not started")

    def _claim(self, limit: int, finished: list[Claimed]) -> list[Claimed]:
        """Mark `finished` done and claim up to `limit` rows, in one transaction."""
        if not limit and not finished:
            return []
        try:
            return self._inbox.claim(self.name, limit, self._clock.now(), finished)
        except Exception:  # the database is away: look again later, do not die
            log.exception("could not claim work from the inbox")
            with self._lock:
                self._finished += finished  # to be marked done with the next round
            self._wake.wait(LOOK_SECONDS)
            return []

    def _run(self, item: Claimed) -> None:
        done = run_claimed(item, self._dispatch, self._stopping) is Ran.DONE  # the rest is given back by name
        with self._lock:
            self._held -= 1
            if done:
                self._finished.append(item)  # marked done with the next claim
            room = self._held <= self._threads
        if room:
            self._wake.set()


class Ran(Enum):
    """What became of a claimed row handed to a thread."""

    DONE = "done"  # its work ran (or had run before): to be marked done
    UNSTARTED = "unstarted"  # the worker was stopping: to be given back for others to take now
    LEFT = "left"  # its claim was lost or the database went away: it runs again once its claim lapses


def run_claimed(item: Claimed, dispatch: Callable[[Claimed], None], stopping: threading.Event) -> Ran:
    """Do a claimed row's work, unless the worker is stopping."""
    if stopping.is_set():
        return Ran.UNSTARTED
    try:
        if item.committed:
            log.warning("inbox row %s saved its work before its process died; not doing it twice", item.id)
        else:
            with working_on(item):
                dispatch(item)
    except ClaimLost:
        log.warning("inbox row %s was taken over by another process; its work here saved nothing", item.id)
        return Ran.LEFT
    except WorkInterrupted:
        log.warning("inbox row %s: the database went away mid-work; it runs again once its claim lapses", item.id)
        return Ran.LEFT
    except Exception:  # Bolt reports listener errors itself; this is anything around them
        log.exception("queued work failed (inbox row %s)", item.id)
    return Ran.DONE


def _yield_the_cpu() -> None:
    """Lower this work thread's priority: acknowledgements come first, the work itself can wait.

    Per thread, not per process: the thread claiming from the inbox keeps its priority, since while it claims it
    holds SQLite's one writer, which acknowledgements wait for. (Linux takes a thread id here; elsewhere the call
    fails and the thread keeps its priority.)
    """
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(os.getpriority(os.PRIO_PROCESS, thread) + WORK_NICENESS, 19))
    except OSError:
        log.debug("this system does not lower the priority of single threads")


def dispatcher(app: App) -> Callable[[Claimed], None]:
    """Dispatch a claimed request to `app`, which runs only the lazy listener the request is marked for."""

    def dispatch(item: Claimed) -> None:
        headers = item.headers
        if headers.get(MODE_HEADER) == [SOCKET_MODE]:
            request = BoltRequest(body=json.loads(item.body), headers=headers, mode=SOCKET_MODE)
        else:
            request = BoltRequest(body=item.body, headers=headers)
        response = app.dispatch(request)
        if response.status != 200:
            log.warning("queued work refused with %s (inbox row %s)", response.status, item.id)

    return dispatch


class WorkThreads:
    """The work after the ack in threads of this process (WORK_PROCESSES=0, and Socket Mode)."""

    def __init__(self, process: Bootstrap, threads: int) -> None:
        app = process.app(verify_requests=False)
        self.inbox = inbox_of(process.settings, process.database)
        self._worker = Worker(self.inbox, dispatcher(app), threads, worker_name())
        self._thread = threading.Thread(target=self._worker.run, name="accord-work-claims", daemon=True)
        self._thread.start()

    def ring(self) -> None:
        self._worker.ring()

    def close(self, timeout: float = 10.0) -> None:
        self._worker.stop()
        self._thread.join(timeout)


@dataclass
class _Process:
    """A work process as its parent sees it: the pipe to it, and how much of its room the rows it holds take.

    The parent hands a work process its rows, up to two rounds of its threads: rows written by this web
    process go to it in the transaction that writes them (see `Hand`), and the parent claims the others for it
    (waiting since before it started, left when it had no room, or whose claim lapsed). A claim made in a work
    process would hold SQLite's one writer while waiting for that process's interpreter lock, held by work
    threads at low priority, and acknowledgements would wait for the writer (priority inversion).
    """

    process: BaseProcess
    pipe: Connection  # rows go down, finished rows come up; closing it tells the process to stop
    started: float
    capacity: int  # how many rows it may hold, running or waiting for a thread
    room: int = 0  # how many more it may take now
    gone: bool = False  # its pipe broke: it is dead, and about to be replaced
    outgoing: list[Claimed] = field(default_factory=list)  # handed, not sent yet
    sending: threading.Condition = field(default_factory=threading.Condition)

    @property
    def name(self) -> str:
        return worker_name(self.process.pid)

    def send(self, items: Sequence[Claimed]) -> None:
        """Send rows to the process (by its sender thread: the caller may be acknowledging Slack)."""
        with self.sending:
            self.outgoing += items
            self.sending.notify()

    def sender(self) -> None:
        """Send what is handed whenever there is some: one write, and one wake-up of the process, for many rows."""
        while True:
            with self.sending:
                self.sending.wait_for(lambda: bool(self.outgoing))
                items, self.outgoing = self.outgoing, []
            try:
                self.pipe.send(items)
            except (OSError, ValueError):  # the process is gone, or its pipe closed: its rows are given back
                self.gone = True
                return


class WorkProcesses:
    """`count` work processes doing the inbox's rows; one that dies is replaced and its claims given back.

    It is the inbox's `Hand`: rows written in this process go straight to a work process with room.
    """

    def __init__(self, settings: Settings, database: Database) -> None:
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no locks copied mid-use
        self._threads = settings.work_threads
        self.inbox = Inbox(database.engine, timedelta(seconds=settings.work_claim_lease_seconds), hand=self)
        self._clock = SystemClock()
        self._closing = threading.Event()
        self._lock = threading.Lock()  # the processes, their room, and the finished rows
        self._finished: list[Claimed] = []  # to be marked done with the next write or claim
        self._flushed = time.monotonic()
        self._shared = False  # whether rows are written here at all (not in `accord work`)
        self._left = True  # rows may be waiting that nobody was handed: claim them when there is room
        self._pause = 0.0
        self._give_back_claims_of_dead_processes()
        self._processes = [self._start() for _ in range(settings.work_processes)]
        threading.Thread(target=self._watch, name="accord-work-watch", daemon=True).start()

    def share(self, count: int) -> tuple[list[Taker | None], list[Claimed]]:
        takers: list[Taker | None] = []
        with self._lock:
            self._shared = True
            signed: dict[str, Taker] = {}
            for _ in range(count):
                roomiest = max((p for p in self._processes if not p.gone), key=lambda p: p.room, default=None)
                if roomiest is None or roomiest.room <= 0:
                    self._left = True
                    takers.append(None)
                    continue
                roomiest.room -= 1
                takers.append(signed.setdefault(roomiest.name, Taker(roomiest.name, secrets.randbits(62))))
            finished, self._finished = self._finished, []
            if finished:
                self._flushed = time.monotonic()
        return takers, finished

    def handed(self, taken: list[tuple[Taker, Claimed]], replays: list[Taker]) -> None:
        by_name: dict[str, list[Claimed]] = {}
        for taker, item in taken:
            by_name.setdefault(taker.name, []).append(item)
        with self._lock:
            processes = {p.name: p for p in self._processes if not p.gone}
            for taker in replays:
                if taker.name in processes:
                    processes[taker.name].room += 1
        for name, items in by_name.items():
            if name in processes:
                processes[name].send(items)
            else:  # it died while they were written: whoever has room takes them now
                self.inbox.release(name)
                self._left = True

    def not_handed(self, takers: list[Taker | None], finished: list[Claimed]) -> None:
        with self._lock:
            processes = {p.name: p for p in self._processes}
            for taker in takers:
                if taker is not None and taker.name in processes:
                    processes[taker.name].room += 1
            self._finished = finished + self._finished

    def pids(self) -> list[int]:
        with self._lock:
            return [p.process.pid for p in self._processes if p.process.pid is not None and p.process.is_alive()]

    def close(self, timeout: float = 10.0) -> None:
        """Let the work running finish, then stop: what is still waiting stays in the inbox for the next start."""
        self._closing.set()
        for process in self._processes:
            process.pipe.close()
        for process in self._processes:
            process.process.join(timeout)
            if process.process.is_alive():
                process.process.terminate()
        self._mark_done(0)  # what they told of, before what is left of their claims is given back
        for process in self._processes:
            self.inbox.release(process.name)  # sent down the pipe as it closed, never received

    def _start(self) -> _Process:
        to_process, pipe = self._context.Pipe(duplex=True)
        process = self._context.Process(target=work, args=(to_process, self._threads), name="accord-work", daemon=True)
        process.start()
        to_process.close()  # the process holds the only other end: its death breaks the pipe
        capacity = HOLD_ROUNDS * self._threads
        started = _Process(process, pipe, time.monotonic(), capacity, room=capacity)
        threading.Thread(target=started.sender, name="accord-work-sender", daemon=True).start()
        threading.Thread(target=self._serve, args=(started,), name="accord-work-claims", daemon=True).start()
        return started

    def _serve(self, process: _Process) -> None:
        """Take in what the process finished, and claim for it what waits in the inbox, until it is gone."""
        wait = 0.0  # at once: whatever waits from before it started
        while True:
            try:
                reported = process.pipe.poll(wait)
                finished, dropped = process.pipe.recv() if reported else ([], 0)
            except (EOFError, OSError, TypeError):  # gone; TypeError: this side was closed while reading
                process.gone = True
                return
            with self._lock:
                process.room += len(finished) + dropped
                self._finished += finished
                # Rows nobody was handed, in batches of half its capacity or more; and at every look, whatever
                # other processes left or wrote.
                batch = process.room >= process.capacity // 2 and (self._left or not self._shared)
                wanted = process.room if batch or not reported else 0
                # Finished rows go with the next write, or with a claim of their own if none comes soon.
                flush_in = FLUSH_SECONDS - (time.monotonic() - self._flushed) if self._finished else LOOK_SECONDS
            if wanted or flush_in <= 0:
                process.send(self._claim(process, wanted))
                flush_in = LOOK_SECONDS
            wait = min(LOOK_SECONDS, flush_in)

    def _claim(self, process: _Process, wanted: int) -> list[Claimed]:
        with self._lock:
            process.room -= wanted
            finished, self._finished = self._finished, []
            self._flushed = time.monotonic()
            self._left = False  # a write from now on that cannot hand a row says so again
        try:
            items = self.inbox.claim(process.name, wanted, self._clock.now(), finished)
        except Exception as error:  # the database is away: keep the finished rows, look again later
            log.warning("could not claim work for %s: %r", process.name, error)
            items = []
            with self._lock:
                self._finished = finished + self._finished
        with self._lock:
            process.room += wanted - len(items)
            if len(items) == wanted and wanted:
                self._left = True  # there may be more
        return items

    def _mark_done(self, limit: int) -> None:
        with self._lock:
            finished, self._finished = self._finished, []
        if finished:
            self.inbox.claim(worker_name(), limit, self._clock.now(), finished)

    def _watch(self) -> None:
        purged = time.monotonic()
        while not self._closing.wait(WATCH_SECONDS):
            if time.monotonic() - purged > PURGE_SECONDS:
                purged = time.monotonic()
                self.inbox.purge(self._clock.now() - KEEP_DONE)
            with self._lock:
                dead = [p for p in self._processes if not p.process.is_alive()]
            for process in dead:
                if not self._closing.is_set():
                    self._replace(process)

    def _replace(self, dead: _Process) -> None:
        log.error("work process %s exited with %s; starting another", dead.process.pid, dead.process.exitcode)
        self._mark_done(0)  # what it finished is not given back to be done again
        given_back = self.inbox.release(dead.name)
        if given_back:
            log.warning("gave back %d requests the dead work process had not finished", given_back)
            self._left = True
        dead.pipe.close()
        self._pause = pause_before_replacing(time.monotonic() - dead.started, self._pause)
        if self._closing.wait(self._pause):
            return
        replacement = self._start()
        with self._lock:
            self._processes[self._processes.index(dead)] = replacement

    def _give_back_claims_of_dead_processes(self) -> None:
        """Claims that processes of this machine held when they were killed (kill -9 of everything, say)."""
        for name in self.inbox.claimants(worker_name(0).rsplit(":", 1)[0] + ":"):
            pid = int(name.rsplit(":", 1)[1])
            if not _alive(pid):
                self.inbox.release(name)


def run_work_processes(process: Bootstrap, count: int) -> None:
    """`accord work`: `count` work processes with no web process beside them, until SIGTERM or SIGINT.

    Nobody rings them, so they look for work every second; the web processes may be on other machines.
    """
    processes = WorkProcesses(process.settings.model_copy(update={"work_processes": count}), process.database)
    stop = threading.Event()
    for stopping in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stopping, lambda *_: stop.set())
    stop.wait()
    processes.close()


def pause_before_replacing(lived: float, last_pause: float) -> float:
    """How long to wait before replacing a process that lived `lived` seconds: none after a normal life, else a
    pause that doubles with each early death (Slack or the database unreachable at boot), up to a minute."""
    if lived >= EARLY_DEATH_SECONDS:
        return 0.0
    return min(max(last_pause * 2, 1.0), MAX_PAUSE_SECONDS)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def work(pipe: Connection, threads: int) -> None:
    """A work process: do what its parent hands it until told to stop (SIGTERM) or its parent is gone."""
    process = Bootstrap(Settings())
    logs.configure(process.settings.log_level)
    app = process.app(verify_requests=False)
    handed = HandedWork(inbox_of(process.settings, process.database), dispatcher(app), threads, worker_name(), pipe)
    signal.signal(signal.SIGTERM, lambda *_: handed.stop())
    handed.run()
    process.close()


class HandedWork:
    """A work process's side of its pipe: runs the rows its parent hands it, `threads` at a time, urgent ones
    first, and tells the parent which it finished (to be marked done there) and how many it dropped (its room).
    Rows sent down the pipe and never received (it stopped) the parent gives back."""

    def __init__(
        self, inbox: Inbox, dispatch: Callable[[Claimed], None], threads: int, name: str, pipe: Connection
    ) -> None:
        self._inbox = inbox
        self._dispatch = dispatch
        self._threads = threads
        self.name = name
        self._pipe = pipe
        self._clock = SystemClock()
        self._stopping = threading.Event()
        self._waiting: queue.PriorityQueue[tuple[int, int, Claimed | None]] = queue.PriorityQueue()
        self._report = threading.Condition()
        self._finished: list[Claimed] = []
        self._unstarted: list[Claimed] = []
        self._dropped = 0

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        """Until stopped or the parent is gone; then what runs finishes and what waits for a thread is given back."""
        workers = [threading.Thread(target=self._work, name="accord-work") for _ in range(self._threads)]
        for worker in workers:
            worker.start()
        threading.Thread(target=self._receive, name="accord-work-pipe", daemon=True).start()
        threading.Thread(target=self._tell, name="accord-work-report", daemon=True).start()
        self._stopping.wait()
        for _ in workers:
            self._waiting.put((LAST, 0, None))  # behind every row, which is skipped now that it is stopping
        for worker in workers:
            worker.join()
        try:  # what finished meanwhile, marked done here: the parent may be gone already
            with self._report:
                finished, self._finished = self._finished, []
            self._inbox.claim(self.name, 0, self._clock.now(), finished)
        except Exception:
            log.exception(
                "could not mark finished work done; once its claim lapses it is, or run again if it saved nothing"
            )
        # Handed, never started: others may take it now. Not all it was handed: what it told the parent it
        # finished is for the parent to mark done, and given back it would be done twice.
        if self._inbox.give_back(self._unstarted):
            log.info("gave back the work this process held and had not started")

    def _receive(self) -> None:
        while not self._stopping.is_set():
            try:
                items: list[Claimed] = self._pipe.recv()
            except (EOFError, OSError):
                break
            for item in items:
                self._waiting.put((0 if item.urgent else 1, item.id, item))
        self._stopping.set()

    def _work(self) -> None:
        _yield_the_cpu()
        while (item := self._waiting.get()[2]) is not None:
            ran = run_claimed(item, self._dispatch, self._stopping)
            with self._report:
                match ran:
                    case Ran.DONE:  # the parent needs only the claim
                        self._finished.append(replace(item, body="", headers_json="{}"))
                    case Ran.UNSTARTED:
                        self._unstarted.append(item)
                        self._dropped += 1
                    case Ran.LEFT:
                        self._dropped += 1
                    case unknown:
                        assert_never(unknown)
                self._report.notify()

    def _tell(self) -> None:
        while True:
            with self._report:
                self._report.wait_for(lambda: bool(self._finished or self._dropped))
                if self._stopping.is_set():
                    return  # what finished is marked done by `run` itself
                finished, self._finished = self._finished, []
                dropped, self._dropped = self._dropped, 0
            try:
                self._pipe.send((finished, dropped))
            except (OSError, ValueError):  # the parent is gone: `run` marks them done itself
                with self._report:
                    self._finished = finished + self._finished
                return
            self._stopping.wait(REPORT_SECONDS)  # what finishes meanwhile goes in the next report, together
