"""`accord run` in Socket Mode: the app opens a WebSocket with its app-level token and answers envelopes."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime.inbox_hand_off import MODE_HEADER, SOCKET_MODE
from bot.runtime.work_processes import inbox_of
from bot.sandbox.driver import Driver
from bot.sandbox.harness import OfflineSlack
from bot.sandbox.socket_mode import SocketModeServer, SocketModeTransport
from bot.sandbox.workspace import ResponseTarget
from bot.settings import Settings
from storage.database import Database
from tests.e2e.helpers import ACME, ALICE, BOB, shown, wait_for


@pytest.fixture
def driver(slack: OfflineSlack, tmp_path: Path) -> Iterator[Driver]:
    yield from connected(slack, tmp_path)


def connected(slack: OfflineSlack, tmp_path: Path) -> Iterator[Driver]:
    sockets = SocketModeServer(slack.workspace.app_id)
    slack.emulator.socket_url = lambda: sockets.url
    env = os.environ | {
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_APP_TOKEN": slack.workspace.app_token,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'socket.db'}",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SLACK_SIGNING_SECRET", None)  # Socket Mode needs no signing secret
    app = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path)
    try:
        assert sockets.connected.wait(timeout=30), "the app did not connect"
        yield slack.driver(SocketModeTransport(sockets))
    finally:
        app.terminate()
        app.wait(timeout=30)
        sockets.stop()


def test_commands_modals_and_events_arrive_over_the_socket(slack: OfflineSlack, driver: Driver, tmp_path: Path) -> None:
    ws = slack.workspace
    assert [c.method for c in ws.calls if c.method == "apps.connections.open"] == ["apps.connections.open"]

    reply = driver.command(ALICE, ACME, "stauts")
    assert "Did you mean `/accord status`?" in reply.json()["text"]  # answered in the envelope's ack

    driver.command(ALICE, ACME, "new")
    wait_for(lambda: ws.current_modal(ALICE) is not None)
    driver.submit(ALICE, {"name": "Acme Alliance", "partner": "Acme Ltd", "sponsor": BOB})
    wait_for(lambda: bool(ws.top_level(ACME)))
    assert "*Acme Alliance* with *Acme Ltd* is now managed with Accord" in shown(ws.top_level(ACME)[0])

    driver.open_home(BOB)  # an events_api envelope
    wait_for(lambda: ws.home(BOB) is not None)
    assert "*Acme Alliance* · Acme Ltd · _executive sponsor_" in shown(ws.home(BOB))
    inbox = inbox_of(Settings(_env_file=None), Database(f"sqlite:///{tmp_path / 'socket.db'}"))
    wait_for(lambda: inbox.counts()["claimed"] == 0)
    counts = inbox.counts()  # the work went through the inbox: the modal, its submission, the Home tab, events
    assert counts["waiting"] == 0 and counts["done"] >= 3


def test_work_acknowledged_before_a_restart_is_done_after_it(slack: OfflineSlack, tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'socket.db'}")
    database.upgrade()
    ws = slack.workspace
    url = ws.issue_response_url(slack.emulator.response_url_base, ResponseTarget(ACME, ALICE))
    payload = {"command": "/accord", "text": "list", "user_id": ALICE, "channel_id": ACME, "team_id": ws.team_id}
    headers = {MODE_HEADER: [SOCKET_MODE], "x-slack-bolt-lazy-only": ["1"], "x-slack-bolt-lazy-function-name": ["run"]}
    # Acknowledged in Socket Mode, then the process stopped before doing it.
    inbox = inbox_of(Settings(_env_file=None), database)
    inbox.put("before", json.dumps(payload | {"response_url": url}), headers, urgent=False, now=slack.clock.now())
    for _ in connected(slack, tmp_path):
        wait_for(lambda: bool(ws.ephemerals_for(ALICE)), timeout=30)
        assert "No relationships yet" in shown(ws.ephemerals_for(ALICE)[-1])
        wait_for(lambda: inbox.counts()["done"] == 1, timeout=30)  # the reply went out before the work ended
