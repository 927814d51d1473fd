"""Scheduler processes. Three `accord scheduler` processes on one PostgreSQL database: every due nudge is
delivered exactly once, even when one of them is killed mid-run and replaced: once its claims lapse, what it had
posted is found in Slack and what it had not is posted. The one `accord run --http` starts ends with it, even
when the server is killed outright."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.sandbox.clock import MovableClock
from bot.sandbox.harness import OfflineSlack
from stages import dispute_service, relationship_service
from stages.disputes import DisputeEventKind
from stages.relationships import RelationshipDraft
from storage.database import Database
from storage.tables import NudgeRow
from tests.conftest import empty
from tests.e2e.helpers import free_port, wait_for

OWNERS = ["U0ALICE", "U0CAROL", "U0DAVE", "U0ERIN"]
SPONSOR = "U0BOB"


@pytest.fixture
def slack() -> Iterator[OfflineSlack]:
    offline = OfflineSlack(MovableClock())  # the real time: the scheduler processes read the wall clock
    yield offline
    offline.close()


def seed(database: Database, slack: OfflineSlack) -> list[int]:
    team = slack.workspace.team_id
    long_ago = datetime.now(UTC) - timedelta(days=30)
    for n in range(40):
        draft = RelationshipDraft(f"Partner {n:02}", "Org", OWNERS[n % len(OWNERS)], SPONSOR, "C0ACME", 7)
        relationship_service.create_relationship(database.uow(team), draft, created_by=SPONSOR, now=long_ago)
    dispute_ids = []
    for n in range(6):
        relationship = relationship_service.find_relationship(database.uow(team), f"Partner {n:02}")
        raised = dispute_service.raise_dispute(
            database.uow(team),
            relationship.id or 0,
            by=SPONSOR,
            now=datetime.now(UTC) - timedelta(days=9),
            text=f"Issue {n}",
        )
        parent = slack.workspace.post("C0ACME", f"Dispute {n}")
        dispute_service.posted(database.uow(team), raised.case.dispute, "C0ACME", parent.ts, now=datetime.now(UTC))
        dispute_ids.append(raised.case.dispute.id or 0)
    return dispute_ids


def scheduler(env: dict[str, str]) -> "subprocess.Popen[bytes]":
    return subprocess.Popen([sys.executable, "-m", "bot", "scheduler", "--every", "1"], env=env)


def outbox(database: Database) -> list[NudgeRow]:
    with database.sessions() as session:
        return list(session.exec(select(NudgeRow)))


def test_three_scheduler_processes_deliver_each_nudge_once(postgres_url: str, slack: OfflineSlack) -> None:
    empty(postgres_url)
    database = Database(postgres_url)
    dispute_ids = seed(database, slack)
    env = os.environ | {
        "DATABASE_URL": postgres_url,
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_API_URL": slack.api_url,
        "WORKING_DAYS": "mon-sun",
        "WORKING_HOURS": "00:00-00:00",
        "NUDGE_BATCH": "3",
        "NUDGE_CLAIM_LEASE_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
        "MEETING_CADENCE_DAYS": "3650",  # the seeded relationships' teams are not yet due to meet: reviews are asked
    }
    processes = [scheduler(env) for _ in range(3)]
    try:
        time.sleep(1.5)
        processes[0].send_signal(signal.SIGKILL)  # dies mid-run, whatever it had claimed stays claimed
        processes[0].wait()
        processes.append(scheduler(env))  # and is replaced
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = outbox(database)
            if rows and all(row.status in ("sent", "cancelled") for row in rows):
                break
            time.sleep(0.5)
        time.sleep(1.5)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)

    rows = outbox(database)
    sent = [row for row in rows if row.status == "sent"]
    cancelled = [row for row in rows if row.status == "cancelled"]
    # Owner and sponsor for each overdue review; the lingering disputes' owner nudges were overtaken by their
    # escalation (cancelled, not sent), and their thread was told instead (at tier 2 they stay with their owner,
    # who is not told again that they are now theirs). Each owner was also told once that the sponsor, who created
    # the relationship, named them its owner.
    expected = {"review": 80, "dispute": 6, "dispute_thread": 6, "owner_named": 40}
    assert Counter(row.kind for row in rows) == expected
    assert {row.kind for row in cancelled} <= {"dispute"}
    assert len(sent) + len(cancelled) == len(rows)  # the killed process's claims too, once they lapsed

    # Every nudge that was sent appears in exactly one DM line of its recipient: nothing twice, nothing missing.
    delivered: Counter[tuple[str, str]] = Counter()
    for user in [*OWNERS, SPONSOR]:
        for message in slack.workspace.top_level(slack.workspace.im_with(user).id):
            for block in message.blocks:
                if block["type"] == "section":
                    delivered[(user, block["text"]["text"])] += 1
    assert delivered and max(delivered.values()) == 1
    assert sum(delivered.values()) == len([row for row in sent if row.kind != "dispute_thread"])
    assert len({(row.kind, row.subject, row.tier, row.period, row.recipient_id) for row in rows}) == len(rows)

    # Each lingering dispute climbed one tier, once, and its thread says so once.
    team = slack.workspace.team_id
    for dispute_id in dispute_ids:
        case = dispute_service.case(database.uow(team), dispute_id)
        assert case.dispute.tier == 2
        events = dispute_service.history(database.uow(team), dispute_id)
        assert [e.kind for e in events].count(DisputeEventKind.ESCALATED) == 1
        thread = slack.workspace.replies("C0ACME", case.dispute.thread_ts or "")
        assert len([m for m in thread if "moved to *tier 2" in m.text]) == 1
    assert slack.workspace.violations == []
    database.dispose()


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if (entry / "stat").read_text().rpartition(")")[2].split()[1] == str(pid):
                    found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    return found


def running(pid: int) -> bool:
    """Still running: neither gone nor a zombie waiting for whoever adopted it to collect it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_scheduler_of_a_killed_server_stops_with_it(slack: OfflineSlack, tmp_path: Path) -> None:
    env = os.environ | {
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'http.db'}",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(free_port())]
    server = subprocess.Popen(command, env=env, cwd=tmp_path, start_new_session=True)
    try:
        wait_for(lambda: any(" scheduler" in line for line in children(server.pid).values()), timeout=30)
        [job] = [pid for pid, line in children(server.pid).items() if " scheduler" in line]
        time.sleep(1)  # it is past its start and running its job

        server.send_signal(signal.SIGKILL)  # no chance to stop what it started
        server.wait()

        wait_for(lambda: not running(job), timeout=10)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # whatever it left behind, when the test fails
