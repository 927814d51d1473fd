"""The offline Slack that the end-to-end tests of real processes (HTTP, Socket Mode) talk to."""

from collections.abc import Iterator

import pytest

from bot.sandbox.clock import MovableClock
from bot.sandbox.harness import OfflineSlack
from tests.conftest import START


@pytest.fixture
def slack() -> Iterator[OfflineSlack]:
    """Slack's side, at a fixed instant; every call the app made must have kept Slack's contract."""
    offline = OfflineSlack(MovableClock(START))
    yield offline
    offline.close()
    assert offline.workspace.violations == []
