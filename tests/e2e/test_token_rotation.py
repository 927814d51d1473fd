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
from tests.e2e.test_nudges import dms


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


def test_a_token_slack_says_has_expired_before_its_time_is_refreshed_and_the_nudges_still_go(
    database_url: str,
) -> None:
    any_time = {"working_days": "mon-sun", "working_hours": "00:00-00:00"}
    with Sandbox(database_url, clock=MovableClock(START), installs=True, token_rotation=True, **any_time) as box:
        box.driver.install(ALICE)
        create_relationship(box, "Acme Alliance", cadence="7")
        box.clock.advance(timedelta(days=7))  # the review falls due
        box.driver.command(ALICE, ACME, "list")  # a fresh token, for 12 hours by this clock
        assert refreshes(box) == 1
        box.emulator.oauth.expire(box.workspace.team_id)  # Slack's clock is ahead: it has expired there already

        report = box.run_nudges()
        assert report.stopped == []
        assert refreshes(box) == 2
        review = [m for m in dms(box, ALICE) if "The review of *Acme Alliance* is due today." in shown(m)]
        assert len(review) == 1
        assert box.workspace.violations == []


def test_a_request_whose_token_slack_says_has_expired_early_is_still_answered(box: Sandbox) -> None:
    box.driver.install(ALICE)
    create_relationship(box)
    box.emulator.oauth.expire(box.workspace.team_id)  # 12 hours by this clock, none by Slack's

    box.driver.command(ALICE, ACME, "list")
    assert "Acme Alliance" in shown(last_ephemeral(box, ALICE))
    assert refreshes(box) == 1
    box.driver.command(ALICE, ACME, "status Acme Alliance")  # the refreshed token is kept: no second refresh
    assert "Acme Alliance" in shown(last_ephemeral(box, ALICE))
    assert refreshes(box) == 1


def test_an_early_expiry_told_of_a_token_already_replaced_changes_nothing(box: Sandbox) -> None:
    box.driver.install(ALICE)
    installs = box.process.installations
    assert installs is not None
    team, now = box.workspace.team_id, box.clock.now()
    old = installs.refresher.fresh_bot(team, now)
    assert old is not None
    box.emulator.oauth.expire(team)
    installs.refresher.expired(team, old.bot_token.get_secret_value(), now)
    new = installs.refresher.fresh_bot(team, now)  # refreshed: Slack said the old one had expired
    installs.refresher.expired(team, old.bot_token.get_secret_value(), now)  # another process, told late
    assert new is not None and installs.refresher.fresh_bot(team, now) == new
    assert refreshes(box) == 1
