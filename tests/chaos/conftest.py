"""Chaos trials: Accord's real processes, killed and restarted under load, against the offline Slack.

They run on PostgreSQL when ACCORD_TEST_POSTGRES_URL is set (CI sets it), else on an SQLite file. Each test
writes its counts to the terminal, so they show in a normal run and in CI's log, not only when a test fails.
ACCORD_CHAOS_SEED replays a run's random choices (each test prints the seed it used).
"""

import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.sandbox.clock import MovableClock
from bot.sandbox.harness import OfflineSlack
from storage.database import Database
from tests.chaos.deployment import Deployment
from tests.conftest import POSTGRES_URL, empty

Report = Callable[[str], None]


@pytest.fixture
def slack() -> Iterator[OfflineSlack]:
    """Slack's side on the real clock (the processes read it); every call must have kept Slack's contract."""
    offline = OfflineSlack(MovableClock())
    yield offline
    offline.close()
    assert offline.workspace.violations == []


@pytest.fixture
def chaos_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if not POSTGRES_URL:
        return f"sqlite:///{tmp_path / 'chaos.db'}"
    url: str = request.getfixturevalue("postgres_url")
    empty(url)
    return url


@pytest.fixture
def report(pytestconfig: pytest.Config) -> Report:
    """Write a line where the run's output goes, captured or not."""
    terminal = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        if terminal is None or capture is None:
            print(line)
            return
        with capture.global_and_fixture_disabled():
            terminal.write_line(line)

    return write


@pytest.fixture
def rng(request: pytest.FixtureRequest, report: Report) -> random.Random:
    seed = int(os.environ.get("ACCORD_CHAOS_SEED") or random.SystemRandom().randrange(2**32))
    report(f"chaos: {request.node.name}: ACCORD_CHAOS_SEED={seed}")
    return random.Random(seed)


@pytest.fixture
def deployment(slack: OfflineSlack, chaos_url: str, tmp_path: Path, rng: random.Random) -> Iterator[Deployment]:
    if chaos_url.startswith("sqlite"):  # PostgreSQL is migrated once per session
        migrated = Database(chaos_url)
        migrated.upgrade()
        migrated.dispose()
    running = Deployment(slack, chaos_url, tmp_path, rng)
    yield running
    running.close()
