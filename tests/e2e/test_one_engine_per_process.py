"""Each `accord` process opens its database once, however many parts use it, and `--help` opens none at all."""

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bot.runtime.cli import cli
from bot.sandbox.driver import Driver, OverHttp
from bot.sandbox.harness import OfflineSlack, Sandbox
from bot.sandbox.socket_mode import SocketModeServer, SocketModeTransport
from tests.e2e.helpers import ACME, ALICE, create_relationship, free_port, shown, wait_for
from tests.e2e.test_http_mode import healthy

ROOT = Path(__file__).resolve().parent.parent.parent


def accord(tmp_path: Path, args: list[str], stdout: int = subprocess.PIPE, **env: str) -> "subprocess.Popen[str]":
    """`accord ARGS` in `tmp_path`, noting in `tmp_path/engines` each database engine it creates."""
    command = [sys.executable, "-m", "tests.e2e.counted_engines", str(tmp_path / "engines"), *args]
    environment = os.environ | {"PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"} | env
    return subprocess.Popen(command, env=environment, cwd=tmp_path, stdin=subprocess.PIPE, stdout=stdout, text=True)


def engines(tmp_path: Path) -> list[str]:
    return (tmp_path / "engines").read_text(encoding="utf-8").splitlines()


@contextmanager
def running(tmp_path: Path, args: list[str], **env: str) -> Iterator[None]:
    process = accord(tmp_path, args, subprocess.DEVNULL, **env)  # a server: its output is not read
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def slack_env(slack: OfflineSlack, url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_APP_TOKEN": slack.workspace.app_token,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
    }


def answers_list(slack: OfflineSlack, driver: Driver) -> None:
    """`/accord list`, whose answer is work done after the ack, from the inbox."""
    driver.command(ALICE, ACME, "list")
    wait_for(lambda: bool(slack.workspace.ephemerals_for(ALICE)), timeout=30)
    assert "No relationships yet" in shown(slack.workspace.ephemerals_for(ALICE)[-1])


def test_the_console_opens_its_database_once(tmp_path: Path) -> None:
    state = tmp_path / "state"
    console = accord(tmp_path, ["console", "--state-dir", str(state)])
    out, _ = console.communicate((ROOT / "examples/demo.txt").read_text(), timeout=120)
    assert console.returncode == 0
    assert "🤝 *Acme Alliance* with *Acme Ltd* is now managed with Accord." in out
    assert engines(tmp_path) == [f"sqlite:///{state / 'console.db'}"]


def test_socket_mode_opens_its_database_once(slack: OfflineSlack, tmp_path: Path) -> None:
    """The migration, the nudge job beside it, the app and its work threads share one engine."""
    sockets = SocketModeServer(slack.workspace.app_id)
    slack.emulator.socket_url = lambda: sockets.url
    url = f"sqlite:///{tmp_path / 'socket.db'}"
    try:
        with running(tmp_path, ["run"], **slack_env(slack, url)):
            assert sockets.connected.wait(timeout=30), "the app did not connect"
            answers_list(slack, slack.driver(SocketModeTransport(sockets)))
    finally:
        sockets.stop()
    assert engines(tmp_path) == [url]


def test_http_mode_opens_its_database_once_for_its_workers_too(slack: OfflineSlack, tmp_path: Path) -> None:
    """The web process migrates the database; the worker it forks answers on the engine it inherits."""
    port, url = free_port(), f"sqlite:///{tmp_path / 'http.db'}"
    flags = ["--http", "--no-scheduler", "--host", "127.0.0.1", "--port", str(port)]
    with running(tmp_path, ["run", *flags], **slack_env(slack, url), WORK_PROCESSES="0"):
        wait_for(lambda: healthy(f"http://127.0.0.1:{port}/healthz"), timeout=30)
        answers_list(slack, slack.driver(OverHttp(f"http://127.0.0.1:{port}/slack/events")))
    assert engines(tmp_path) == [url]


@pytest.mark.parametrize("args", [["nudges", "--dry-run"], ["nudges"], ["db", "upgrade"]], ids=" ".join)
def test_a_command_opens_its_database_once(slack: OfflineSlack, tmp_path: Path, args: list[str]) -> None:
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    with Sandbox(url) as used:  # a database in use: a command that reads one refuses to create it
        create_relationship(used)
    command = accord(tmp_path, args, **slack_env(slack, url))
    command.communicate(timeout=60)
    assert command.returncode == 0
    assert engines(tmp_path) == [url]


def every_command(command: Any, path: list[str]) -> Iterator[list[str]]:
    """`accord`, then each of its commands, those of its groups (`accord db`) included."""
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from every_command(sub, [*path, name])


@pytest.fixture
def root_logging() -> Iterator[None]:
    """The command line sets the process's logging up; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


@pytest.mark.usefixtures("root_logging")
@pytest.mark.parametrize("args", list(every_command(typer.main.get_command(cli), [])), ids=lambda a: " ".join(a) or "-")
def test_help_creates_no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///accord.db")
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert list(tmp_path.iterdir()) == []
