"""`accord run` in Socket Mode: the app opens a WebSocket with its app-level token and answers envelopes."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.driver import Driver
from bot.sandbox.harness import OfflineSlack
from bot.sandbox.socket_mode import SocketModeServer, SocketModeTransport
from tests.e2e.helpers import ACME, ALICE, BOB, shown, wait_for


@pytest.fixture
def driver(slack: OfflineSlack, tmp_path: Path) -> Iterator[Driver]:
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


def test_commands_modals_and_events_arrive_over_the_socket(slack: OfflineSlack, driver: Driver) -> None:
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
