"""Work after the ack in processes of its own, through the durable inbox: the ack is answered here, the reply comes
from a work process, and nothing acknowledged is lost or done twice."""

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.app import build_app, subcommands
from bot.clock import SystemClock
from bot.deps import Deps
from bot.runtime.inbox_hand_off import InboxRunner
from bot.runtime.work_processes import WorkProcesses, inbox_of
from bot.sandbox.driver import Driver, InProcess, signed_headers
from bot.sandbox.harness import OfflineSlack
from bot.sandbox.workspace import ResponseTarget
from bot.settings import Settings
from stages import dispute_service, relationship_service
from stages.relationships import RelationshipDraft
from storage.database import Database
from tests.e2e.helpers import ACME, ALICE, BOB, wait_for

FORM = "application/x-www-form-urlencoded"
LAZY = {"x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": "run"}  # the /accord command's work


@pytest.fixture
def database(slack: OfflineSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'work.db'}"
    database = Database(url)
    database.upgrade()
    draft = RelationshipDraft("Acme Alliance", "Acme Ltd", ALICE, BOB, ACME, 90)
    relationship_service.create_relationship(
        database.uow(slack.workspace.team_id), draft, created_by=ALICE, now=slack.clock.now()
    )
    # A work process reads its settings from the environment, as `accord run --http` passes them on.
    for name, value in {
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        "WORK_PROCESSES": "1",
        "WORK_THREADS": "1",  # one at a time: queued work runs in order
    }.items():
        monkeypatch.setenv(name, value)
    yield database
    database.dispose()


@pytest.fixture
def workers(database: Database, request: pytest.FixtureRequest) -> Iterator[WorkProcesses]:
    """One work process; a test may ask for its number of threads (`indirect` parametrisation)."""
    threads = getattr(request, "param", None)
    settings = Settings(_env_file=None) if threads is None else Settings(_env_file=None, work_threads=threads)
    processes = WorkProcesses(settings, database)
    yield processes
    processes.close()


@pytest.fixture
def driver(slack: OfflineSlack, database: Database, workers: WorkProcesses) -> Driver:
    """The acknowledging side, in this process, writing its work to the inbox and ringing the work processes."""
    settings = Settings(_env_file=None)
    app = build_app(settings, Deps(uow=database.uow))
    InboxRunner(inbox_of(settings, database), workers.ring, subcommands()).install(app)
    return slack.driver(InProcess(app))


def command_body(slack: OfflineSlack, text: str) -> str:
    """The form Slack posts when Alice types `/accord <text>` in #acme-alliance."""
    ws = slack.workspace
    return urlencode(
        {
            "command": "/accord",
            "text": text,
            "user_id": ALICE,
            "channel_id": ACME,
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "trigger_id": ws.issue_trigger(ALICE, ACME),
            "response_url": ws.issue_response_url(slack.emulator.response_url_base, ResponseTarget(ACME, ALICE)),
        }
    )


def replies(slack: OfflineSlack) -> list[str]:
    return [e.text for e in slack.workspace.ephemerals_for(ALICE)]


def disputes(slack: OfflineSlack, database: Database) -> int:
    return len(dispute_service.open_cases(database.uow(slack.workspace.team_id)))


def test_the_ack_is_answered_here_and_the_work_is_done_in_a_work_process(slack: OfflineSlack, driver: Driver) -> None:
    reply = driver.command(ALICE, ACME, "status Acme Alliance")
    assert (reply.status, reply.body) == (200, b"")
    wait_for(lambda: any("Acme Alliance" in text for text in replies(slack)))
    assert [c.method for c in slack.workspace.calls if c.method == "response_url"] == ["response_url"]


def test_the_installed_bolt_hands_requests_over_without_copying_them_deeply(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(_env_file=None)
    app = build_app(settings, Deps(uow=database.uow))
    InboxRunner(inbox_of(settings, database), lambda _urgent: None, subcommands()).install(app)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # else acks are slower: see the README


def test_requests_that_pile_up_are_each_done_once(slack: OfflineSlack, driver: Driver, workers: WorkProcesses) -> None:
    requests = 200
    [pid] = workers.pids()
    os.kill(pid, signal.SIGSTOP)  # busy elsewhere: the requests wait in the inbox
    for _ in range(requests):
        assert driver.command(ALICE, ACME, "status Acme Alliance").status == 200
    os.kill(pid, signal.SIGCONT)
    wait_for(lambda: len(replies(slack)) == requests, timeout=60)
    time.sleep(0.5)  # time enough for any request to be done a second time
    assert slack.emulator.wait_idle()
    assert len([c for c in slack.workspace.calls if c.method == "response_url"]) == requests


@pytest.mark.parametrize("workers", [1], indirect=True)  # one thread: what is claimed first is done first
def test_a_modal_opens_ahead_of_the_work_queued_before_it(
    slack: OfflineSlack, driver: Driver, workers: WorkProcesses
) -> None:
    [pid] = workers.pids()
    os.kill(pid, signal.SIGSTOP)
    for _ in range(30):
        driver.command(ALICE, ACME, "status Acme Alliance")
    driver.command(ALICE, ACME, "new Beta Partnership")  # its trigger is good for three seconds only
    os.kill(pid, signal.SIGCONT)
    wait_for(lambda: len(replies(slack)) == 30, timeout=60)
    # The modal's work was claimed first, and so done first (on a loaded machine its three seconds may still have
    # run out).
    done = [c.method for c in slack.workspace.calls if c.method in ("views.open", "response_url")]
    assert done[0] == "views.open"


def test_work_that_waited_past_slacks_five_minutes_is_still_done(
    slack: OfflineSlack, database: Database, driver: Driver, workers: WorkProcesses
) -> None:
    body = command_body(slack, "status Acme Alliance")
    # Accepted by the web process six minutes ago, and only now taken by a work process (heavy load, say).
    signed = signed_headers(driver.signer, body, FORM, timestamp=int(time.time()) - 360)
    headers = {name.lower(): [value] for name, value in signed.items()} | {k: [v] for k, v in LAZY.items()}
    inbox_of(Settings(_env_file=None), database).put("stale", body, headers, urgent=False, now=SystemClock().now())
    workers.ring(urgent=False)
    wait_for(lambda: any("Acme Alliance" in text for text in replies(slack)))


def test_a_work_process_that_dies_is_replaced(slack: OfflineSlack, driver: Driver, workers: WorkProcesses) -> None:
    [first] = workers.pids()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: len(workers.pids()) == 1 and workers.pids() != [first])
    driver.command(ALICE, ACME, "status Acme Alliance")
    wait_for(lambda: any("Acme Alliance" in text for text in replies(slack)))


def test_work_a_dead_process_had_not_finished_is_done_by_its_replacement(
    slack: OfflineSlack, driver: Driver, workers: WorkProcesses
) -> None:
    [first] = workers.pids()
    os.kill(first, signal.SIGSTOP)  # it cannot take the request...
    reply = driver.command(ALICE, ACME, "status Acme Alliance")
    assert reply.status == 200 and replies(slack) == []
    os.kill(first, signal.SIGKILL)  # ...and dies with it waiting
    wait_for(lambda: any("Acme Alliance" in text for text in replies(slack)), timeout=30)
    assert workers.pids() != [first]


def test_work_waiting_when_the_processes_stop_is_done_after_the_next_start(
    slack: OfflineSlack, database: Database, driver: Driver, workers: WorkProcesses
) -> None:
    [pid] = workers.pids()
    os.kill(pid, signal.SIGSTOP)
    for _ in range(5):
        driver.command(ALICE, ACME, "status Acme Alliance")
    os.kill(pid, signal.SIGKILL)
    workers.close()
    assert replies(slack) == []
    again = WorkProcesses(Settings(_env_file=None), database)  # a restart
    try:
        wait_for(lambda: len(replies(slack)) == 5, timeout=30)
    finally:
        again.close()


def test_a_replayed_request_is_done_once(slack: OfflineSlack, database: Database, driver: Driver) -> None:
    body = command_body(slack, "dispute Acme Alliance Late deliveries")
    headers = driver.signed_headers(body, FORM)
    for _ in range(5):  # the same signed request, five times within Slack's five minutes
        assert driver.transport.send(body, headers).status == 200
    wait_for(lambda: disputes(slack, database) == 1)
    time.sleep(1)  # time enough for a second dispute, were there one
    assert disputes(slack, database) == 1
    assert inbox_of(Settings(_env_file=None), database).counts()["done"] == 1


def test_a_forged_request_never_reaches_the_inbox(slack: OfflineSlack, database: Database, driver: Driver) -> None:
    forged = command_body(slack, "dispute Acme Alliance Forged")
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=0"}
    assert driver.transport.send(forged, headers).status == 401
    assert sum(inbox_of(Settings(_env_file=None), database).counts().values()) == 0


def test_slacks_retries_of_an_event_are_done_once(slack: OfflineSlack, database: Database, driver: Driver) -> None:
    ws = slack.workspace
    event = {"type": "app_home_opened", "user": BOB, "channel": ws.im_with(BOB).id, "tab": "home", "event_ts": "1.2"}
    envelope = driver.envelope(event)
    assert driver.deliver(envelope).status == 200
    assert all(reply.status == 200 for reply in driver.redeliver(envelope, times=3))
    wait_for(lambda: ws.home(BOB) is not None)
    time.sleep(1)  # time enough for a retry's work, were it done
    assert len([c for c in ws.calls if c.method == "views.publish"]) == 1
    assert inbox_of(Settings(_env_file=None), database).counts()["done"] == 1


def test_accord_work_does_what_web_processes_elsewhere_acknowledged(
    slack: OfflineSlack, database: Database, tmp_path: Path
) -> None:
    # The web side of another machine: it acknowledged the request and wrote it to the shared inbox.
    settings = Settings(_env_file=None)
    app = build_app(settings, Deps(uow=database.uow))
    InboxRunner(inbox_of(settings, database), lambda _urgent: None, subcommands()).install(app)
    assert slack.driver(InProcess(app)).command(ALICE, ACME, "status Acme Alliance").status == 200
    worker = subprocess.Popen([sys.executable, "-m", "bot", "work"], cwd=tmp_path)
    try:
        wait_for(lambda: any("Acme Alliance" in text for text in replies(slack)), timeout=30)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    assert inbox_of(settings, database).counts()["done"] == 1
