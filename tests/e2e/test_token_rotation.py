"""Tokens that expire every 12 hours are refreshed before use, once, whichever process needs one first."""

import multiprocessing
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.runtime.bootstrap import Bootstrap
from bot.sandbox.clock import MovableClock
from bot.sandbox.harness import Sandbox
from bot.settings import Settings
from tests.conftest import START
from tests.e2e.helpers import ACME, ALICE, create_relationship, last_ephemeral, shown


@pytest.fixture
def box(database_url: str) -> Iterator[Sandbox]:
    with Sandbox(database_url, clock=MovableClock(START), installs=True, token_rotation=True) as sandbox:
        yield sandbox
        assert sandbox.workspace.violations == [], "the app broke Slack's contract"


def refreshes(box: Sandbox) -> int:
    return sum(1 for call in box.workspace.calls_to("oauth.v2.access") if call.args.get("grant_type"))


def test_an_expiring_token_is_refreshed_before_a_request_uses_it(box: Sandbox) -> None:
    box.driver.install(ALICE)
    create_relationship(box)
    box.clock.advance(timedelta(hours=11, minutes=45))  # within the refresh margin, not yet expired

    box.driver.command(ALICE, ACME, "list")
    assert "Acme Alliance" in shown(last_ephemeral(box, ALICE))
    assert refreshes(box) == 1
    box.clock.advance(timedelta(hours=13))  # that one has expired too: refreshed again, and only once
    box.driver.command(ALICE, ACME, "status Acme Alliance")
    box.driver.command(ALICE, ACME, "list")
    assert "Acme Alliance" in shown(last_ephemeral(box, ALICE))
    assert refreshes(box) == 2


def _token_in_a_process(settings: Settings, tenant: str, now: datetime, channel: str) -> str:
    """Another process: its own engine on the same database, asking for the tenant's token and using it."""
    process = Bootstrap(settings)
    installs = process.installations
    assert installs is not None
    bot = installs.refresher.fresh_bot(tenant, now)
    assert bot is not None
    token = bot.bot_token.get_secret_value()
    WebClient(token=token, base_url=settings.slack_api_url).chat_postMessage(channel=channel, text="still here")
    process.close()
    return token


def test_three_processes_refreshing_at_once_end_with_one_valid_pair(box: Sandbox) -> None:
    box.driver.install(ALICE)
    box.clock.advance(timedelta(hours=12, minutes=1))  # expired
    now = box.clock.now()
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        tokens = pool.starmap(_token_in_a_process, [(box.settings, box.workspace.team_id, now, ACME)] * 3)

    assert len(set(tokens)) == 1, "each process got a different token: they refreshed side by side"
    assert refreshes(box) == 1
    posted = [m for m in box.workspace.top_level(ACME) if m.text == "still here"]
    assert len(posted) == 3  # no delivery failed
