"""A sender that stalls past its lease stops, so each DM goes out once; a 429 of any Retry-After waits and delivers."""

from collections.abc import Callable
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.app import web_client
from bot.nudges.delivery import Nudger, nudger_for
from bot.sandbox.harness import Sandbox
from stages.nudges import NudgeStatus
from tests.conftest import START
from tests.e2e.helpers import ACME, ALICE, BOB, PARTNERSHIPS
from tests.e2e.test_nudges import dms, outbox, started

LEASE = timedelta(seconds=600)  # NUDGE_CLAIM_LEASE_SECONDS, as configured in the sandbox
HALF_A_MINUTE_ON = format_datetime(START + timedelta(days=7, seconds=30), usegmt=True)  # from when the 429 comes


@pytest.fixture
def database_url(any_database_url: str) -> str:
    return any_database_url


@pytest.fixture
def two_due(sandbox: Sandbox) -> Sandbox:
    """Two reviews due today, for two people (London, in working hours): one sender's batch holds both DMs."""
    started(sandbox, "Acme Alliance", sponsor=BOB, channel=ACME, cadence="7")
    started(sandbox, "Globex Supply", owner=BOB, sponsor=ALICE, channel=PARTNERSHIPS, cadence="7")
    sandbox.clock.advance(timedelta(days=7))
    return sandbox


def stall(sender: Nudger, method: str, meanwhile: Callable[[], None], *, after_call: bool) -> None:
    """Make `sender`'s first call to the Web API `method` take longer than its lease: `meanwhile` happens during it."""
    stalled: list[bool] = []
    clients = sender.clients

    def stalling(team_id: str) -> WebClient | None:
        client = clients(team_id)
        if client is None:
            return None
        real = client.api_call

        def slow(api_method: str, **kwargs: Any) -> Any:
            if api_method == method and not stalled and not after_call:
                stalled.append(True)
                meanwhile()
            answer = real(api_method, **kwargs)
            if api_method == method and not stalled:
                stalled.append(True)
                meanwhile()
            return answer

        client.api_call = slow  # type: ignore[method-assign]
        return client

    sender.clients = stalling


def another_sender_takes_over(sandbox: Sandbox) -> Callable[[], None]:
    def take_over() -> None:
        sandbox.clock.advance(LEASE + timedelta(minutes=1))  # the stalled sender's claim has lapsed
        report = nudger_for(sandbox.settings, sandbox.deps, sandbox.database.team_ids, sandbox.database.sweeping).run()
        assert report.sent == 2  # it finds the DM already posted, if any, and posts the rest

    return take_over


@pytest.mark.parametrize(
    ("method", "after_call"),
    [("chat.postMessage", True), ("users.info", False)],
    ids=["stalled once its first DM was posted", "stalled before posting"],
)
def test_a_sender_that_outlives_its_lease_posts_nothing_more(two_due: Sandbox, method: str, after_call: bool) -> None:
    stalled = nudger_for(two_due.settings, two_due.deps, two_due.database.team_ids, two_due.database.sweeping)
    stall(stalled, method, another_sender_takes_over(two_due), after_call=after_call)
    stalled.run()
    two_due.driver.settle()

    assert len(dms(two_due, ALICE)) == 1 and len(dms(two_due, BOB)) == 1
    assert [row[3] for row in outbox(two_due)] == [NudgeStatus.SENT.value] * 2
    two_due.advance(timedelta(hours=1))
    assert len(dms(two_due, ALICE)) == 1 and len(dms(two_due, BOB)) == 1


@pytest.mark.parametrize(
    ("retry_after", "too_soon", "in_time"),
    [
        ("1.5", timedelta(seconds=1), timedelta(seconds=2)),
        (HALF_A_MINUTE_ON, timedelta(seconds=20), timedelta(seconds=30)),
        ("soon", timedelta(seconds=50), timedelta(seconds=60)),
        ("nan", timedelta(seconds=50), timedelta(seconds=60)),
    ],
    ids=["fraction", "HTTP date", "garbage", "not a number"],
)
def test_a_rate_limit_with_a_non_integer_retry_after_waits_then_delivers(
    sandbox: Sandbox, retry_after: str, too_soon: timedelta, in_time: timedelta
) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.emulator.fail("chat.postMessage", status=429, retry_after=retry_after)
    report = sandbox.advance(timedelta(days=7))
    assert report.deferred == 1 and dms(sandbox, ALICE) == []
    sandbox.advance(too_soon)
    assert dms(sandbox, ALICE) == []
    sandbox.advance(in_time - too_soon)
    assert len(dms(sandbox, ALICE)) == 1
    sandbox.advance(timedelta(minutes=5))
    assert len(dms(sandbox, ALICE)) == 1


@pytest.mark.parametrize("retry_after", ["0.2", "soon", "Thu, 01 Jan 1970 00:00:00 GMT"])
def test_the_apps_web_client_retries_a_rate_limit_with_a_non_integer_retry_after(
    sandbox: Sandbox, retry_after: str
) -> None:
    sandbox.emulator.fail("chat.postMessage", status=429, retry_after=retry_after)
    answer = web_client(sandbox.settings).chat_postMessage(channel=ACME, text="Stand-up moved to 10:00")
    assert answer["ok"]
    assert [m.text for m in sandbox.workspace.top_level(ACME)].count("Stand-up moved to 10:00") == 1


def test_a_sender_slow_to_reach_its_post_keeps_its_claim_for_a_whole_lease_from_its_last_check(
    two_due: Sandbox,
) -> None:
    """Slow before its check (its claim nearly lapsed) and slow again between its check and its post: another
    sender in the meantime finds the nudges being posted still claimed (it may take over others, whose claim
    lapsed unchecked), so each DM goes out once."""
    slow = nudger_for(two_due.settings, two_due.deps, two_due.database.team_ids, two_due.database.sweeping)
    clients = slow.clients
    other: list[int] = []

    def slowing(team_id: str) -> WebClient | None:
        client = clients(team_id)
        if client is None:
            return None
        real = client.api_call

        def call(api_method: str, **kwargs: Any) -> Any:
            if api_method == "users.info":  # before the claim is checked: most of the lease goes by
                two_due.clock.advance(LEASE * 0.9)
            if api_method == "chat.postMessage" and not other:  # checked, then slow again before posting
                two_due.clock.advance(LEASE * 0.5)
                sender = nudger_for(
                    two_due.settings, two_due.deps, two_due.database.team_ids, two_due.database.sweeping
                )
                other.append(sender.run().sent)
            return real(api_method, **kwargs)

        client.api_call = call  # type: ignore[method-assign]
        return client

    slow.clients = slowing
    slow.run()
    two_due.driver.settle()
    assert other == [1]  # it took over the other DM, not the one being posted
    assert len(dms(two_due, ALICE)) == 1 and len(dms(two_due, BOB)) == 1
    assert [row[3] for row in outbox(two_due)] == [NudgeStatus.SENT.value] * 2
