"""The offline Slack's rate limits, when enforced: a burst past a method's tier, or past chat.postMessage's pace in
one channel, is answered 429 with Retry-After; a call back inside the window it announced is held against the
app; a workspace forced to refuse everything refuses only its own calls."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.harness import OfflineSlack
from bot.sandbox.rate_limits import RateLimits
from bot.sandbox.workspace import Workspace
from tests.e2e.helpers import ACME, ALICE, BOB

TIER_3 = 50  # conversations.info: 50 calls a minute


def client(slack: OfflineSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token or slack.workspace.bot_token, base_url=slack.api_url, retry_handlers=[])


def refused(call: Callable[[], object]) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


@pytest.fixture
def limits(slack: OfflineSlack) -> RateLimits:
    return slack.emulator.enforce_rate_limits()


def test_a_burst_past_the_methods_tier_is_answered_429_with_retry_after(
    slack: OfflineSlack, limits: RateLimits
) -> None:
    web = client(slack)
    for _ in range(TIER_3):
        assert web.conversations_info(channel=ACME)["ok"]

    error = refused(lambda: web.conversations_info(channel=ACME))

    assert error.response.status_code == 429
    assert error.response["error"] == "ratelimited"
    assert error.response.headers["Retry-After"] == "2"  # one call in 1.2 s, in whole seconds
    assert web.users_info(user=ALICE)["ok"]  # another method has a limit of its own
    [window] = limits.of(slack.workspace.team_id).windows
    assert (window.method, window.until - window.start) == ("conversations.info", timedelta(seconds=2))
    slack.clock.advance(timedelta(seconds=2))
    assert web.conversations_info(channel=ACME)["ok"]
    assert limits.of(slack.workspace.team_id).early == []


def test_posting_is_paced_per_channel_after_a_short_burst(slack: OfflineSlack, limits: RateLimits) -> None:
    web = client(slack)
    for n in range(3):
        web.chat_postMessage(channel=ALICE, text=f"burst {n}")

    error = refused(lambda: web.chat_postMessage(channel=ALICE, text="one too many"))

    assert (error.response.status_code, error.response.headers["Retry-After"]) == (429, "1")
    assert web.chat_postMessage(channel=BOB, text="another channel")["ok"]
    slack.clock.advance(timedelta(seconds=1))
    assert web.chat_postMessage(channel=ALICE, text="a second later")["ok"]
    texts = [m.text for m in slack.workspace.messages[slack.workspace.im_with(ALICE).id]]
    assert texts == ["burst 0", "burst 1", "burst 2", "a second later"]


def test_a_call_inside_an_announced_window_is_recorded_against_the_app(slack: OfflineSlack, limits: RateLimits) -> None:
    web = client(slack)
    for _ in range(TIER_3):
        web.conversations_info(channel=ACME)
    announced = refused(lambda: web.conversations_info(channel=ACME))
    slack.clock.advance(timedelta(seconds=1))

    again = refused(lambda: web.conversations_info(channel=ACME))

    assert (again.response.status_code, again.response.headers["Retry-After"]) == (429, "1")
    record = limits.of(slack.workspace.team_id)
    [window] = record.windows
    [early] = record.early
    assert (early.method, early.window, early.at - window.start) == ("conversations.info", window, timedelta(seconds=1))
    assert announced.response.headers["Retry-After"] == "2"
    assert slack.workspace.violations == ["conversations.info: called inside the 1 s a 429 had asked to wait"]
    slack.workspace.violations.clear()  # seen: the fixture fails on any left


def test_a_workspace_forced_to_refuse_answers_429_to_everything_and_the_others_answer(
    slack: OfflineSlack, limits: RateLimits
) -> None:
    other = slack.emulator.add_workspace(Workspace(slack.clock, team_id="T0OTHER", domain="other"))
    other.add_user("U0OTHERONE", "one", "One Person")
    limits.force(slack.workspace.team_id, retry_after=60)

    error = refused(lambda: client(slack).users_info(user=ALICE))

    assert (error.response.status_code, error.response.headers["Retry-After"]) == (429, "60")
    assert client(slack, other.bot_token).users_info(user="U0OTHERONE")["ok"]
    slack.clock.advance(timedelta(seconds=60))
    assert refused(lambda: client(slack).users_info(user=ALICE)).response.status_code == 429
    assert len(limits.of(slack.workspace.team_id).windows) == 2
    assert limits.of(slack.workspace.team_id).early == []
    assert limits.of(other.team_id).windows == []
