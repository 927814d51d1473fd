"""Shared fixtures: a sandboxed workspace around the real app, on a fresh SQLite file, at a fixed instant."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox.clock import MovableClock
from bot.sandbox.harness import Sandbox

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday morning


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'accord.db'}"


@pytest.fixture
def sandbox(database_url: str) -> Iterator[Sandbox]:
    """The app in an emulated workspace. Any call Slack would refuse fails the test at teardown."""
    with Sandbox(database_url, clock=MovableClock(START)) as box:
        yield box
        assert box.workspace.violations == [], "the app broke Slack's contract"
