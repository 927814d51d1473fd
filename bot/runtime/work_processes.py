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
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from slack_bolt import App, BoltRequest

from bot.clock import SystemClock
from bot.runtime import logs
from bot.runtime.ack_bursts import AckBursts
from bot.runtime.bootstrap import Bootstrap
from bot.runtime.inbox_hand_off import MODE_HEADER, SOCKET_MODE
from bot.settings import Settings
from storage.database import Database
from storage.inbox import Claimed, ClaimLost, Inbox, WorkInterrupted, working_on

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


# Mark `finished` done and claim up to `limit` rows for `worker`, as `Inbox.claim` does.
Claim = Callable[[str, int, datetime, Sequence[Claimed]], list[Claimed]]
RING = "ring"  # what a parent sends down the pipe to say there is new work
BURST_RING_SECONDS = 0.02  # the least time between two rings during a burst, but for work that may open a modal


def inbox_of(settings: Settings, database: Database) -> Inbox:
    return Inbox(database.engine, timedelta(seconds=settings.work_claim_lease_seconds))


class Worker:
    """Claims rows from the inbox and runs each through `dispatch`, `threads` at a time.

    It claims in batches, up to two rounds of its threads, and again once no more than one round is left: on
    SQLite every claim takes the database's one writer away from the acknowledgements, so one claim per row
    would make acks queue behind work. An urgent row (a modal to open) waits at most for one round to finish.
    During a burst of acknowledgements, finished rows are marked done with the next claim for more rows rather than
    on their own, for the same reason.
    """

    def __init__(
        self,
        inbox: Inbox,
        dispatch: Callable[[Claimed], None],
        threads: int,
        name: str,
        claim: Claim | None = None,
        bursts: AckBursts | None = None,
    ) -> None:
        """`bursts`: the web process's acknowledgements, which non-urgent work waits for (see AckBursts)."""
        self._bursts = bursts
        self._inbox = inbox
        self._claims = claim or inbox.claim
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
                    if wanted or not self._in_burst():
                        finished, self._finished = self._finished, []
                    else:  # marked done with the next claim for more: the writer is the acknowledgements' now
                        finished = []
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

    def _in_burst(self) -> bool:
        return self._bursts is not None and self._bursts.in_burst()

    def _claim(self, limit: int, finished: list[Claimed]) -> list[Claimed]:
        """Mark `finished` done and claim up to `limit` rows, in one transaction."""
        if not limit and not finished:
            return []
        try:
            return self._claims(self.name, limit, self._clock.now(), finished)
        except Exception:  # the database is away: look again later, do not die
            log.exception("could not claim work from the inbox")
            with self._lock:
                self._finished += finished  # to be marked done with the next round
            self._wake.wait(LOOK_SECONDS)
            return []

    def _run(self, item: Claimed) -> None:
        done = True
        try:
            if self._stopping.is_set():  # not started before the stop: given back with the rest
                done = False
            elif item.committed:
                log.warning("inbox row %s saved its work before its process died; not doing it twice", item.id)
            else:
                if self._bursts is not None and not item.urgent:
                    self._bursts.wait_for_lull()
                with working_on(item):
                    self._dispatch(item)
        except ClaimLost:
            log.warning("inbox row %s was taken over by another process; its work here saved nothing", item.id)
            done = False
        except WorkInterrupted:
            log.warning("inbox row %s: the database went away mid-work; it runs again once its claim lapses", item.id)
            done = False
        except Exception:  # Bolt reports listener errors itself; this is anything around them
            log.exception("queued work failed (inbox row %s)", item.id)
        finally:
            with self._lock:
                self._held -= 1
                if done:
                    self._finished.append(item)  # marked done with the next claim
                room = self._held <= self._threads
            if room:
                self._wake.set()


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
        if item.headers.get(MODE_HEADER) == [SOCKET_MODE]:
            request = BoltRequest(body=json.loads(item.body), headers=item.headers, mode=SOCKET_MODE)
        else:
            request = BoltRequest(body=item.body, headers=item.headers)
        response = app.dispatch(request)
        if response.status != 200:
            log.warning("queued work refused with %s (inbox row %s)", response.status, item.id)

    return dispatch


class WorkThreads:
    """The work after the ack in threads of this process (WORK_PROCESSES=0, and Socket Mode)."""

    def __init__(self, process: Bootstrap, threads: int) -> None:
        app = process.app(verify_requests=False)
        self._worker = Worker(inbox_of(process.settings, process.database), dispatcher(app), threads, worker_name())
        self._thread = threading.Thread(target=self._worker.run, name="accord-work-claims", daemon=True)
        self._thread.start()

    def ring(self, _urgent: bool) -> None:
        self._worker.ring()

    def close(self, timeout: float = 10.0) -> None:
        self._worker.stop()
        self._thread.join(timeout)


@dataclass
class _Process:
    """A work process as its parent sees it: the pipe to it, and the claims made on its behalf.

    The parent claims from the inbox for its work processes, which ask down the pipe. A claim holds SQLite's one
    writer; made in a work process, it waited for that process's interpreter lock, held by work threads running
    at low priority, while acknowledgements waited for the writer (priority inversion). The parent runs at normal
    priority with no work threads.
    """

    process: BaseProcess
    pipe: Connection  # rings and claimed rows go down, claims come up; closing it tells the process to stop
    started: float
    inbox: Inbox
    in_burst: Callable[[], bool]
    ringing: threading.Event = field(default_factory=threading.Event)
    urgent: threading.Event = field(default_factory=threading.Event)
    sending: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        return worker_name(self.process.pid)

    def ring(self, urgent: bool) -> None:
        if urgent and not self.urgent.is_set():
            self.urgent.set()
        if not self.ringing.is_set():  # else its bell thread is awake already and rings once for all
            self.ringing.set()

    def bell(self) -> None:
        """Ring the process whenever asked: one write, and one wake-up of the process, for many requests.

        During a burst of acknowledgements it rings at most once a BURST_RING_SECONDS, unless for work that may
        open a modal: the work rung about waits for the burst to end anyway (AckBursts), and each ring takes the
        interpreter lock from the acknowledging threads and wakes two threads of the work process.
        """
        while True:
            self.ringing.wait()
            self.urgent.clear()  # before the ring's own flag: an urgent ring from here on cuts the next wait short
            self.ringing.clear()
            if not self._send(RING):
                return
            if self.in_burst():
                self.urgent.wait(BURST_RING_SECONDS)

    def serve_claims(self) -> None:
        """Claim what the process asks for, in its name, until it is gone."""
        clock = SystemClock()
        while True:
            try:
                limit, finished = self.pipe.recv()
            except (EOFError, OSError, TypeError):  # gone; TypeError: this side was closed while reading
                return
            try:
                answer: list[Claimed] | str = self.inbox.claim(self.name, limit, clock.now(), finished=finished)
            except Exception as error:  # the database is away: the process keeps its finished rows and asks later
                log.warning("could not claim work for %s: %r", self.name, error)
                answer = repr(error)
            if not self._send(answer):
                return

    def _send(self, message: object) -> bool:
        with self.sending:
            try:
                self.pipe.send(message)
            except (OSError, ValueError):  # the process is gone, or its pipe closed
                return False
        return True


class WorkProcesses:
    """`count` work processes claiming from the inbox; one that dies is replaced and its claims given back."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no locks copied mid-use
        self._threads = settings.work_threads
        self._inbox = inbox_of(settings, database)
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._pause = 0.0
        self._bursts = AckBursts(self._context)
        self._give_back_claims_of_dead_processes()
        self._processes = [self._start() for _ in range(settings.work_processes)]
        threading.Thread(target=self._watch, name="accord-work-watch", daemon=True).start()

    def ring(self, urgent: bool) -> None:
        """Wake the work processes: new work is in the inbox, just acknowledged (`urgent`: it may open a modal)."""
        self._bursts.acknowledged()
        for process in self._processes:
            process.ring(urgent)

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

    def _start(self) -> _Process:
        to_process, pipe = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=work, args=(to_process, self._threads, self._bursts), name="accord-work", daemon=True
        )
        process.start()
        to_process.close()  # the process holds the only other end: its death breaks the pipe
        started = _Process(process, pipe, time.monotonic(), self._inbox, self._bursts.in_burst)
        threading.Thread(target=started.bell, name="accord-work-bell", daemon=True).start()
        threading.Thread(target=started.serve_claims, name="accord-work-claims", daemon=True).start()
        started.ring(urgent=True)  # whatever waits from before
        return started

    def _watch(self) -> None:
        while not self._closing.wait(WATCH_SECONDS):
            with self._lock:
                dead = [p for p in self._processes if not p.process.is_alive()]
            for process in dead:
                if not self._closing.is_set():
                    self._replace(process)

    def _replace(self, dead: _Process) -> None:
        log.error("work process %s exited with %s; starting another", dead.process.pid, dead.process.exitcode)
        given_back = self._inbox.release(dead.name)
        if given_back:
            log.warning("gave back %d requests the dead work process had not finished", given_back)
        dead.pipe.close()
        self._pause = pause_before_replacing(time.monotonic() - dead.started, self._pause)
        if self._closing.wait(self._pause):
            return
        replacement = self._start()
        with self._lock:
            self._processes[self._processes.index(dead)] = replacement

    def _give_back_claims_of_dead_processes(self) -> None:
        """Claims that processes of this machine held when they were killed (kill -9 of everything, say)."""
        for name in self._inbox.claimants(worker_name(0).rsplit(":", 1)[0] + ":"):
            pid = int(name.rsplit(":", 1)[1])
            if not _alive(pid):
                self._inbox.release(name)


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


def work(pipe: Connection, threads: int, bursts: AckBursts) -> None:
    """A work process: work what its parent claims for it until told to stop (SIGTERM) or its parent is gone;
    outside a burst of its parent's acknowledgements (`bursts`), or once it has waited long enough for a lull."""
    process = Bootstrap(Settings())
    logs.configure(process.settings.log_level)
    app = process.app(verify_requests=False)
    parent = _Parent(pipe)
    worker = Worker(
        inbox_of(process.settings, process.database), dispatcher(app), threads, worker_name(), parent.claim, bursts
    )
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    threading.Thread(target=parent.listen, args=(worker,), name="accord-work-pipe", daemon=True).start()
    worker.run()
    process.close()


class _Parent:
    """The work process's side of the pipe: rings wake the worker, claims are asked of the parent."""

    def __init__(self, pipe: Connection) -> None:
        self._pipe = pipe
        self._answers: queue.SimpleQueue[list[Claimed] | str | None] = queue.SimpleQueue()

    def claim(self, _worker: str, limit: int, _now: datetime, finished: Sequence[Claimed]) -> list[Claimed]:
        """`Inbox.claim`, made by the parent (the rows' bodies stay here: only their claims go up)."""
        self._pipe.send((limit, [replace(item, body="", headers={}) for item in finished]))
        answer = self._answers.get()
        if answer is None:
            raise ConnectionError("the parent process is gone")
        if isinstance(answer, str):
            raise ConnectionError(f"the parent could not claim: {answer}")
        return answer

    def listen(self, worker: Worker) -> None:
        """Ring the worker when the parent rings; stop it when the parent is gone."""
        while True:
            try:
                message = self._pipe.recv()
            except (EOFError, OSError):
                self._answers.put(None)
                worker.stop()
                return
            if message == RING:
                worker.ring()
            else:
                self._answers.put(message)
