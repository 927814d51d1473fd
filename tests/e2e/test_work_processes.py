"""Work after the ack in processes of its own: the ack is answered here, the reply comes from a work process."""

import logging
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.app import build_app
from bot.deps import Deps
from bot.sandbox.driver import Driver, InProcess, signed_headers
from bot.sandbox.harness import OfflineSlack
from bot.sandbox.workspace import ResponseTarget
from bot.settings import Settings
from bot.work_processes import WorkProcesses
from stages import services
from stages.relationships import RelationshipDraft
from storage.database import Database
from tests.e2e.helpers import ACME, ALICE, BOB, wait_for

FORM = "application/x-www-form-urlencoded"
LAZY = {"x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": "run"}  # the /accord command's work


@pytest.fixture
def workers(slack: OfflineSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WorkProcesses]:
    url = f"sqlite:///{tmp_path / 'work.db'}"
    database = Database(url)
    database.upgrade()
    draft = RelationshipDraft("Acme Alliance", "Acme Ltd", ALICE, BOB, ACME, 90)
    services.create_relationship(database.uow(slack.workspace.team_id), draft, created_by=ALICE, now=slack.clock.now())
    # A work process reads its settings from the environment, as `accord run --http` passes them on.
    for name, value in {
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    processes = WorkProcesses(count=1, threads=1)  # one at a time: queued work runs in order
    yield processes
    processes.close()


@pytest.fixture
def driver(slack: OfflineSlack, workers: WorkProcesses) -> Driver:
    """The acknowledging side, in this process, handing its work to the work processes."""
    settings = Settings(_env_file=None)
    app = build_app(settings, Deps(uow=Database(settings.database_url).uow))
    workers.take_work_of(app)
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
            "response_url": ws.issue_response_url(slack.emulator.response_url_base, ResponseTarget(ACME, ALICE)),
        }
    )


def replies(slack: OfflineSlack) -> list[str]:
    return [e.text for e in slack.workspace.ephemerals_for(ALICE)]


def test_the_ack_is_answered_here_and_the_work_is_done_in_a_work_process(slack: OfflineSlack, driver: Driver) -> None:
    reply = driver.command(ALICE, ACME, "status Acme Alliance")
    assert (reply.status, reply.body) == (200, b"")
    wait_for(lambda: any("Acme Alliance" in text for text in replies(slack)))
    assert [c.method for c in slack.workspace.calls if c.method == "response_url"] == ["response_url"]


def test_the_installed_bolt_hands_requests_over_without_copying_them_deeply(
    workers: WorkProcesses, caplog: pytest.LogCaptureFixture
) -> None:
    app = build_app(Settings(_env_file=None), Deps(uow=Database("sqlite://").uow))
    workers.take_work_of(app)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # else acks are slower: see the README


def test_requests_that_pile_up_are_each_done_once(slack: OfflineSlack, driver: Driver, workers: WorkProcesses) -> None:
    requests = 200  # a few hundred kB: more than a pipe holds
    [pid] = workers.pids()
    os.kill(pid, signal.SIGSTOP)  # busy elsewhere: its pipe fills up, and the rest are handed over together
    for _ in range(requests):
        assert driver.command(ALICE, ACME, "status Acme Alliance").status == 200
    os.kill(pid, signal.SIGCONT)
    wait_for(lambda: len(replies(slack)) == requests, timeout=60)
    time.sleep(0.5)  # time enough for any request to be done a second time
    assert slack.emulator.wait_idle()
    assert len([c for c in slack.workspace.calls if c.method == "response_url"]) == requests


def test_work_that_waited_past_slacks_five_minutes_is_still_done(
    slack: OfflineSlack, driver: Driver, workers: WorkProcesses
) -> None:
    body = command_body(slack, "status Acme Alliance")
    # Accepted by the web process six minutes ago, and only now taken by a work process (heavy load, say).
    signed = signed_headers(driver.signer, body, FORM, timestamp=int(time.time()) - 360)
    workers.put((body, {name.lower(): value for name, value in signed.items()} | LAZY))  # as Bolt hands them over
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
    os.kill(first, signal.SIGKILL)  # ...and dies with it queued
    wait_for(lambda: any("Acme Alliance" in text for text in replies(slack)), timeout=30)
    assert workers.pids() != [first]


def test_queued_work_is_verified_again_and_a_forgery_does_nothing(
    slack: OfflineSlack, driver: Driver, workers: WorkProcesses
) -> None:
    forged = command_body(slack, "list")
    workers.put(
        (
            forged,
            {"content-type": FORM, "x-slack-request-timestamp": "1", "x-slack-signature": "v0=forged"} | LAZY,
        )
    )
    driver.command(ALICE, ACME, "status Acme Alliance")  # queued after the forgery, so run after it
    wait_for(lambda: any("Acme Alliance" in text for text in replies(slack)))
    assert not any("1 relationship" in text for text in replies(slack))
