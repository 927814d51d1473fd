"""Work after the ack, in processes of its own, so that acknowledging Slack never waits for it.

In HTTP mode the process answering Slack only acknowledges: Bolt hands each lazy listener to the runner here,
which queues the raw request (body and headers, with Bolt's lazy-only headers added) for a work process. There
a Bolt app built the same way dispatches it again and runs just that lazy listener: Bolt's own way of running
lazy listeners elsewhere (its AWS Lambda adapter re-invokes the function the same way). The request's signature is
verified again there, so a work process trusts nothing the queue did not get from Slack; its age was checked when
it arrived, so work that waited in the queue past Slack's five minutes is still done.

CPython threads share one interpreter lock, so work done in threads of the web process slows its acks down
under load (see bench/ack.py); in another process it does not. Each work process runs a few threads, since
most of its time is spent waiting on Slack and the database.
"""

import copy
import hmac
import itertools
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from slack_bolt import App, BoltRequest
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_sdk.signature import SignatureVerifier

from bot import logs
from bot.app import build_app
from bot.deps import Deps
from bot.settings import Settings
from storage.database import Database

log = logging.getLogger(__name__)
Work = tuple[str, dict[str, str | Sequence[str]]]  # a request's raw body and headers
Queued = tuple[int, Work]  # with the token its work process reports back when done
WATCH_SECONDS = 0.5  # how often finished work is noted, and a dead work process replaced
# Work yields the CPU to acknowledgements, which Slack wants within three seconds; the work itself can wait.
WORK_NICENESS = 10


class QueuedLazyRunner(LazyListenerRunner):
    """Bolt's hand-off point for lazy listeners: the request goes to a work process's queue."""

    def __init__(self, workers: "WorkProcesses") -> None:
        self.logger = log
        self._workers = workers

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        headers: dict[str, str | Sequence[str]] = {name: list(values) for name, values in request.headers.items()}
        headers["x-slack-bolt-lazy-only"] = "1"
        headers["x-slack-bolt-lazy-function-name"] = request.lazy_function_name or ""
        self._workers.put((request.raw_body, headers))


def _lazy_request(request: BoltRequest, function_name: str) -> BoltRequest:
    """What Bolt hands to QueuedLazyRunner: the request, marked for its lazy listener, sharing all the rest."""
    marked = copy.copy(request)
    marked.lazy_only = True
    marked.lazy_function_name = function_name
    return marked


@dataclass
class _Worker:
    process: BaseProcess
    requests: Connection  # batches of work (None: stop) go to the process through it
    done: Connection  # tokens of the work it has finished
    in_flight: dict[int, Work] = field(default_factory=dict)  # handed to it, not reported done yet
    pending: deque[Queued | None] = field(default_factory=deque)  # handed to it, not written to it yet
    wake: threading.Event = field(default_factory=threading.Event)

    def hand(self, item: Queued | None) -> None:
        self.pending.append(item)
        if not self.wake.is_set():  # else the writer is awake already and takes this with the rest
            self.wake.set()

    def write(self) -> None:
        """Write whatever has piled up as one message: under load one write, and one wake-up of the process, carry
        many requests, and the threads acknowledging Slack seldom have to wake this one."""
        while True:
            self.wake.wait()
            self.wake.clear()  # before taking the items: one handed after this sets it again
            batch = [self.pending.popleft() for _ in range(len(self.pending))]
            if not batch:
                continue
            try:
                self.requests.send(batch)
            except OSError:  # the process died: what it had not finished goes to its replacement
                return
            if batch[-1] is None:
                return


class WorkProcesses:
    """`count` work processes, each with a pipe of its own, taking turns; one that dies is replaced.

    A pipe per process because a process killed while reading a shared queue leaves its lock held for good.
    Each reports the work it has finished; what a dead one had not finished is handed to its replacement, so
    work is done at least once. The listeners are written to be run again safely: Slack itself retries events
    and people click twice.
    """

    def __init__(self, count: int, threads: int) -> None:
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no locks copied mid-use
        self._threads = threads
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._tokens = itertools.count()
        self._workers = [self._start() for _ in range(count)]
        self._turn = itertools.count()
        threading.Thread(target=self._watch, name="accord-work-watch", daemon=True).start()

    def take_work_of(self, app: App) -> None:
        """Make `app` hand its lazy listeners to these processes, copying each request only as far as needed.

        Before handing a request to a lazy listener runner, Bolt deep-copies it, context and Web API client
        included, so that a thread can use it later. A work process needs only the raw body and headers, which the
        runner queues at once, so a shallow copy will do: the deep copy was the largest cost of an acknowledgement
        (bench/ack.py: 0.55 of a bare app's throughput with it, 0.8 without). The copy is made by a method Bolt
        does not document; should a Bolt release drop it, the deep copy stays, which is slower but still right.
        """
        runner = app.listener_runner
        runner.lazy_listener_runner = QueuedLazyRunner(self)
        if callable(getattr(runner, "_build_lazy_request", None)):
            runner._build_lazy_request = _lazy_request  # type: ignore[method-assign,assignment]
        else:
            log.warning("this slack-bolt copies lazy requests another way; acks will be slower")

    def put(self, work: Work) -> None:
        with self._lock:
            self._hand(self._workers[next(self._turn) % len(self._workers)], next(self._tokens), work)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.pid is not None and w.process.is_alive()]

    def close(self, timeout: float = 10.0) -> None:
        """Let the work already queued finish, then stop."""
        self._closing.set()
        for worker in self._workers:
            worker.hand(None)
        for worker in self._workers:
            worker.process.join(timeout)
            if worker.process.is_alive():
                worker.process.terminate()

    def _hand(self, worker: _Worker, token: int, work: Work) -> None:
        worker.in_flight[token] = work
        worker.hand((token, work))

    def _start(self) -> _Worker:
        requests, to_process = self._context.Pipe(duplex=False)
        done, reports = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=work, args=(requests, reports, self._threads), name="accord-work", daemon=True
        )
        process.start()
        # The work process holds the only other ends: its death ends both pipes.
        requests.close()
        reports.close()
        worker = _Worker(process, to_process, done)
        threading.Thread(target=worker.write, name="accord-work-writer", daemon=True).start()
        return worker

    def _watch(self) -> None:
        """Note what each process has finished; replace one that died, handing it what it had not finished."""
        # Reports are read in batches, every so often: waking up for each one would take the interpreter lock
        # from the acknowledgements as often as they come.
        while not self._closing.wait(WATCH_SECONDS):
            with self._lock:
                workers = list(self._workers)
            for worker in workers:
                if self._finished(worker) and worker.process.is_alive():
                    continue
                if not self._closing.is_set():
                    self._replace(worker)

    def _finished(self, worker: _Worker) -> bool:
        """Read the tokens `worker` reported; False once it can report no more."""
        try:
            while worker.done.poll():
                token: int = worker.done.recv()
                with self._lock:
                    worker.in_flight.pop(token, None)
        except (EOFError, OSError):
            worker.process.join(WATCH_SECONDS)
            return False
        return True

    def _replace(self, dead: _Worker) -> None:
        if dead.process.is_alive():  # it can no longer report: stop it, so its work does not run in two places
            dead.process.kill()
            dead.process.join(WATCH_SECONDS)
        log.error("work process %s exited with %s; starting another", dead.process.pid, dead.process.exitcode)
        replacement = self._start()
        with self._lock:
            self._workers[self._workers.index(dead)] = replacement
            for token, item in sorted(dead.in_flight.items()):
                self._hand(replacement, token, item)
        dead.done.close()
        dead.hand(None)  # its writer finds the pipe broken and ends
        if dead.in_flight:
            log.warning("handed %d unfinished requests to the new work process", len(dead.in_flight))


def work(requests: Connection, reports: Connection, threads: int) -> None:
    """A work process: dispatch each request handed to it again, running only its lazy listener, and report it
    done."""
    os.nice(WORK_NICENESS)
    settings = Settings()
    logs.configure(settings.log_level)
    database = Database(settings.database_url)
    app = build_app(settings, Deps(uow=database.uow))
    secret = settings.slack_signing_secret
    signer = SignatureVerifier(secret.get_secret_value() if secret else "")
    reporting = threading.Lock()

    def run(token: int, item: Work) -> None:
        try:
            _dispatch(app, item, signer)
        except Exception:  # Bolt reports listener errors itself; this is anything around them
            log.exception("queued work failed")
        with reporting:
            reports.send(token)

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="accord-work") as pool:
        for queued in _handed(requests):
            pool.submit(run, *queued)
    database.dispose()


def _handed(requests: Connection) -> Iterator[Queued]:
    """The work handed to this process, batch by batch, until told to stop (or the web process is gone)."""
    while True:
        try:
            batch: list[Queued | None] = requests.recv()
        except EOFError:
            return
        for queued in batch:
            if queued is None:
                return
            yield queued


def _sign_again(request: BoltRequest, signer: SignatureVerifier) -> None:
    """Sign the request again as of now, if its signature is Slack's for its own timestamp.

    The web process accepted it within Slack's five minutes, but under heavy load work can wait longer than that
    in the queue, and Bolt's check here would then refuse it: the person who asked (a modal's answers, say) would
    lose it without a word. The signature itself is checked first, so a forgery stays as it came and is refused.
    """
    stamp = request.headers.get("x-slack-request-timestamp", [""])[0]
    signature = request.headers.get("x-slack-signature", [""])[0]
    expected = signer.generate_signature(timestamp=stamp, body=request.raw_body) or ""
    if not stamp.isdigit() or not hmac.compare_digest(expected, signature):
        return
    now = str(int(time.time()))
    request.headers["x-slack-request-timestamp"] = [now]
    request.headers["x-slack-signature"] = [signer.generate_signature(timestamp=now, body=request.raw_body) or ""]


def _dispatch(app: App, item: Work, signer: SignatureVerifier) -> None:
    body, headers = item
    request = BoltRequest(body=body, headers=headers)  # Bolt's own header names: lower case, values in lists
    _sign_again(request, signer)
    response = app.dispatch(request)
    if response.status != 200:
        log.warning("queued work refused with %s: %s", response.status, response.body)
