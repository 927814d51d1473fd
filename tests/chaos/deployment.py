"""Accord as a deployment runs it, against the offline Slack, for chaos trials.

One `accord run --http` master (gunicorn, two web workers, each with its work process) and two `accord
scheduler` processes share one database. A trial sends `/accord dispute` requests from a thread while a process
is killed, seeds relationships whose reviews are due, waits until the inbox and the outbox are drained, and
counts what Slack and the database show: each request's dispute, each due nudge's line in a direct message.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from random import Random
from typing import assert_never
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select, update

from bot.runtime.work_processes import EARLY_DEATH_SECONDS, inbox_of
from bot.sandbox.driver import OverHttp, signed_headers
from bot.sandbox.harness import OfflineSlack
from bot.sandbox.workspace import ResponseTarget
from bot.settings import Settings
from stages import relationship_service
from stages.relationships import RelationshipDraft
from storage.database import Database
from storage.mapping import table
from storage.tables import DisputeRow, NudgeRow
from tests.e2e.helpers import ACME, ALICE, BOB, free_port

OWNERS = ["U0ALICE", "U0CAROL", "U0DAVE", "U0ERIN"]
SPONSOR = BOB
WEB_WORKERS = 2
SCHEDULERS = 2
SETTLED = ("sent", "cancelled", "failed")  # outbox statuses nobody works on any more
REVIEW_LINE = re.compile(r"The review of \*(.+?)\* is")
FORM = "application/x-www-form-urlencoded"
_DISPUTE = table(DisputeRow)
_NUDGE = table(NudgeRow)


class Kind(StrEnum):
    """The processes a trial kills."""

    WEB = "web"  # a gunicorn web worker, or the whole `accord run --http` (its gunicorn master)
    WORK = "work"  # a work process beside a web worker
    SCHEDULER = "scheduler"  # an `accord scheduler` process


@dataclass
class Tally:
    """What a run of trials did and found, in the words of the report."""

    trials: int = 0
    sent: int = 0
    acked: int = 0
    effects: int = 0  # acknowledged requests whose dispute exists
    unacked_done: int = 0  # requests that got no ack and were done all the same (allowed, once)
    duplicates: int = 0  # requests, acked or not, done more than once
    lost: int = 0  # acknowledged requests never done
    nudges_due: int = 0
    nudges_delivered: int = 0
    nudges_duplicated: int = 0
    nudges_lost: int = 0
    killed: dict[str, int] = field(default_factory=dict)  # processes killed, by role

    def line(self, label: str) -> str:
        killed = ", ".join(f"{count} {role}" for role, count in sorted(self.killed.items())) or "none"
        return (
            f"chaos: {label}: {self.trials} trials (killed: {killed}), {self.sent} requests sent, {self.acked} acked, "
            f"{self.effects} acked effects found, {self.unacked_done} unacked done anyway, "
            f"{self.duplicates} duplicates, {self.lost} lost; nudges {self.nudges_due} due, "
            f"{self.nudges_delivered} delivered, {self.nudges_duplicated} duplicated, {self.nudges_lost} lost"
        )


@dataclass
class Load:
    """`/accord dispute Acme Alliance chaos <n>` requests sent one after another, and which were acknowledged."""

    transport: OverHttp
    slack: OfflineSlack
    numbers: range
    rng: Random
    pause: float = 0.05  # the most it waits between two requests
    target: ResponseTarget = field(default_factory=lambda: ResponseTarget(ACME, ALICE))
    acked: set[int] = field(default_factory=set)
    thread: threading.Thread | None = None

    def start(self) -> "Load":
        self.thread = threading.Thread(target=self._send_all, name="chaos-load", daemon=True)
        self.thread.start()
        return self

    def join(self) -> None:
        assert self.thread is not None
        self.thread.join(60)

    def _send_all(self) -> None:
        for n in self.numbers:
            if self._send(n):
                self.acked.add(n)
            time.sleep(self.rng.uniform(0, self.pause))

    def _send(self, n: int) -> bool:
        ws = self.slack.workspace
        body = urlencode(
            {
                "command": "/accord",
                "text": f"dispute Acme Alliance chaos {n}",
                "user_id": ALICE,
                "channel_id": ACME,
                "team_id": ws.team_id,
                "api_app_id": ws.app_id,
                "trigger_id": ws.issue_trigger(ALICE, ACME),
                "response_url": ws.issue_response_url(self.slack.emulator.response_url_base, self.target),
            }
        )
        try:
            signer = SignatureVerifier(self.slack.signing_secret)
            return self.transport.send(body, signed_headers(signer, body, FORM)).status == 200
        except OSError:  # the process serving it died mid-request, or none was listening
            return False


class Deployment:
    """Accord's processes on one database and one port; they are replaced as a supervisor would replace them."""

    def __init__(self, slack: OfflineSlack, url: str, workdir: Path, rng: Random) -> None:
        self.slack = slack
        self.database = Database(url)
        self.rng = rng
        self.port = free_port()
        self.env = os.environ | {
            "SLACK_BOT_TOKEN": slack.workspace.bot_token,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "WORK_PROCESSES": "1",
            "WORK_THREADS": "4",
            "WORK_CLAIM_LEASE_SECONDS": "3",
            "NUDGE_INTERVAL_SECONDS": "1",
            "NUDGE_CLAIM_LEASE_SECONDS": "2",
            "NUDGE_BATCH": "3",
            "WORKING_DAYS": "mon-sun",
            "WORKING_HOURS": "00:00-00:00",
        }
        self.workdir = workdir
        self.log = (workdir / "processes.log").open("ab")
        # Requests go straight to the port: no Driver, whose delivery of Slack's events to a process being killed
        # would fail, and be reported as the app breaking Slack's contract.
        self.transport = OverHttp(f"http://127.0.0.1:{self.port}/slack/events")
        self.groups: list[int] = []  # every process group started, to leave nothing behind
        self.sent: set[int] = set()
        self.acked: set[int] = set()
        self.due: set[tuple[str, str]] = set()  # (recipient, relationship name) of every review nudge due
        self.next_number = 0
        self.killed: Counter[str] = Counter()  # processes killed, by role
        self.signalled: set[int] = set()
        self.seeded = 0
        team = slack.workspace.team_id
        draft = RelationshipDraft("Acme Alliance", "Acme Ltd", ALICE, SPONSOR, ACME, 90)
        relationship_service.create_relationship(
            self.database.uow(team), draft, created_by=ALICE, now=datetime.now(UTC)
        )
        self.master = self._serve()
        self.schedulers = [self._start(["scheduler"]) for _ in range(SCHEDULERS)]
        self.wait_ready()

    # ----- processes

    def _start(self, args: list[str]) -> "subprocess.Popen[bytes]":
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            env=self.env,
            cwd=self.workdir,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,  # a group of its own: its orphans can be found and stopped at the end
        )
        self.groups.append(process.pid)
        return process

    def _serve(self) -> "subprocess.Popen[bytes]":
        return self._start(
            [
                *("run", "--http", "--no-scheduler", "--host", "127.0.0.1", "--port", str(self.port)),
                *("--workers", str(WEB_WORKERS), "--threads", "4"),
            ]
        )

    def web_workers(self) -> list[int]:
        return children(self.master.pid)

    def work_processes(self) -> list[int]:
        return [pid for web in self.web_workers() for pid in children(web) if b"spawn_main" in _cmdline(pid)]

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def ready(self, kind: Kind) -> bool:
        """The port answers, and every process that may be killed next is there to be."""
        if not self.healthy() or len(self.web_workers()) < WEB_WORKERS:
            return False
        match kind:
            case Kind.WORK:
                return bool(self._grown(self.work_processes()))
            case Kind.WEB | Kind.SCHEDULER:
                return True
            case _:
                assert_never(kind)

    def wait_ready(self, kind: Kind = Kind.WORK) -> None:
        _until(lambda: self.ready(kind), "ready")

    def kill(self, kind: Kind, sig: signal.Signals) -> None:
        """Send `sig` to a random process of `kind`, and replace it where no Accord process would."""
        match kind:
            case Kind.WEB:
                victim = self.rng.choice([self.master.pid, *self._spared(self.web_workers())])
                if victim == self.master.pid:
                    self.killed["master"] += 1
                    self.master.send_signal(sig)
                    self.master.wait(30)
                    self.master = self._serve()  # on the same port and database
                else:
                    self.killed["web worker"] += 1
                    self._signal(victim, sig)  # gunicorn starts another
            case Kind.WORK:
                self.killed["work process"] += 1
                self._signal(self.rng.choice(self._grown(self.work_processes())), sig)  # its web worker starts another
            case Kind.SCHEDULER:
                self.killed["scheduler"] += 1
                victim = self.schedulers.pop(self.rng.randrange(len(self.schedulers)))
                victim.send_signal(sig)
                victim.wait(30)
                self.schedulers.append(self._start(["scheduler"]))
            case _:
                assert_never(kind)

    def _signal(self, pid: int, sig: signal.Signals) -> None:
        os.kill(pid, sig)
        self.signalled.add(pid)

    def _spared(self, pids: list[int]) -> list[int]:
        """Processes not signalled yet (after SIGTERM, one lives on while it finishes its work)."""
        return [pid for pid in pids if pid not in self.signalled]

    def _grown(self, pids: list[int]) -> list[int]:
        """Spared processes past their early-death window. Killing newborns is a crash loop, which their web worker
        (rightly) answers with a growing pause before the next start: the trials would only slow down."""
        return [pid for pid in self._spared(pids) if _age(pid) > EARLY_DEATH_SECONDS]

    def close(self) -> None:
        for process in [self.master, *self.schedulers]:
            process.terminate()
        for process in [self.master, *self.schedulers]:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        for group in self.groups:  # orphans of masters killed along the way
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        self.log.close()
        self.database.dispose()

    # ----- what is due

    def seed_due_reviews(self, count: int) -> None:
        """Relationships whose review is long overdue: their owner and sponsor each get one nudge."""
        team = self.slack.workspace.team_id
        long_ago = datetime.now(UTC) - timedelta(days=30)
        for _ in range(count):
            name = f"Due {self.seeded:03}"
            owner = OWNERS[self.seeded % len(OWNERS)]
            self.seeded += 1
            draft = RelationshipDraft(name, "Org", owner, SPONSOR, ACME, 7)
            relationship_service.create_relationship(self.database.uow(team), draft, created_by=SPONSOR, now=long_ago)
            self.due |= {(owner, name), (SPONSOR, name)}

    def load(self, count: int, pause: float = 0.05) -> Load:
        """Start sending `count` requests, waiting up to `pause` seconds between two."""
        numbers = range(self.next_number, self.next_number + count)
        self.next_number += count
        self.sent.update(numbers)
        return Load(self.transport, self.slack, numbers, Random(self.rng.random()), pause).start()

    def collect(self, load: Load) -> None:
        load.join()
        self.acked |= load.acked

    # ----- what was done

    def drained(self) -> bool:
        counts = inbox_of(Settings(_env_file=None), self.database).counts()
        if counts["waiting"] or counts["claimed"]:
            return False
        with self.database.engine.connect() as connection:
            unsettled = connection.execute(
                select(func.count()).select_from(_NUDGE).where(_NUDGE.c.status.not_in(SETTLED))
            ).scalar_one()
        return unsettled == 0 and self.due <= set(self.delivered())

    def wait_drained(self, *, skip_backoff: bool = False) -> None:
        """Until everything is done; `skip_backoff` makes nudges waiting to be retried due at once (the outbox
        backs off for a minute after a server error), as if that minute had passed."""

        def drained() -> bool:
            if skip_backoff:
                with self.database.engine.begin() as connection:
                    now = datetime.now(UTC)
                    waiting = _NUDGE.c.status == "pending", _NUDGE.c.not_before > now
                    connection.execute(update(_NUDGE).where(*waiting).values(not_before=now))
            return self.drained()

        _until(drained, "drained")

    def disputes(self) -> Counter[int]:
        """How many disputes each request number raised."""
        with self.database.engine.connect() as connection:
            summaries = connection.execute(select(_DISPUTE.c.summary).where(_DISPUTE.c.summary.startswith("chaos ")))
            return Counter(int(summary.removeprefix("chaos ")) for summary in summaries.scalars())

    def delivered(self) -> Counter[tuple[str, str]]:
        """How many times each (recipient, relationship) review nudge appears in the recipient's direct messages."""
        ws = self.slack.workspace
        lines: Counter[tuple[str, str]] = Counter()
        for user in [*OWNERS, SPONSOR]:
            for message in ws.top_level(ws.im_with(user).id):
                sections = [block["text"]["text"] for block in message.blocks if block["type"] == "section"]
                for found in filter(None, map(REVIEW_LINE.search, sections)):
                    lines[(user, found.group(1))] += 1
        return lines

    def tally(self, trials: int) -> Tally:
        done = self.disputes()
        lines = self.delivered()
        return Tally(
            trials=trials,
            sent=len(self.sent),
            acked=len(self.acked),
            effects=len([n for n in self.acked if done[n] >= 1]),
            unacked_done=len([n for n in self.sent - self.acked if done[n] >= 1]),
            duplicates=len([n for n in self.sent if done[n] > 1]),
            lost=len([n for n in self.acked if done[n] == 0]),
            nudges_due=len(self.due),
            nudges_delivered=len([key for key in self.due if lines[key] >= 1]),
            nudges_duplicated=len([key for key in lines if lines[key] > 1]),
            nudges_lost=len([key for key in self.due if lines[key] == 0]),
            killed=dict(self.killed),
        )


def _until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll gently: the processes under test share the machine's few cores with this one."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not {what} after {timeout:.0f} s"
        time.sleep(0.1)


def children(parent: int) -> list[int]:
    """Live (not zombie) processes whose parent is `parent`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if fields[0] != "Z" and int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def _age(pid: int) -> float:
    """Seconds since the process started (/proc's start time is in clock ticks since boot)."""
    try:
        started = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[19])
    except OSError:
        return 0.0
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - started / os.sysconf("SC_CLK_TCK")
