"""One nudge sender, many tenants: a tenant that Slack rate-limits, or whose token it refuses, holds up only itself."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.nudges.delivery import Nudger, nudger_for
from bot.sandbox.demo import seed
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Workspace
from stages.nudges import DueReview, Nudge, NudgeStatus, Reminders
from tests.e2e.helpers import ACME, ALICE, BOB, PARTNERSHIPS, create_relationship
from tests.e2e.test_nudges import dms, outbox

OTHER_TEAM = "T0ACCORD2"


@pytest.fixture
def database_url(any_database_url: str) -> str:
    return any_database_url


def other_workspace(workspace: Workspace) -> None:
    """The same people and channels, in a second workspace that installed Accord too."""
    workspace.team_id = OTHER_TEAM
    seed(workspace)


@pytest.fixture
def other(database_url: str, sandbox: Sandbox) -> Iterator[Sandbox]:
    """A second tenant on the same database and clock as `sandbox`, with a Slack of its own."""
    with Sandbox(database_url, clock=sandbox.clock, populate=other_workspace) as box:
        yield box
        assert box.workspace.violations == [], "the app broke Slack's contract"


def client(box: Sandbox, token: str | None = None) -> WebClient:
    return WebClient(token=token or box.workspace.bot_token, base_url=box.slack.api_url, retry_handlers=[])


def two_reviews_due(box: Sandbox) -> None:
    """Alice's and Bob's reviews due a week on (Wednesday 10:00 UTC: working hours in London)."""
    create_relationship(box, "Acme Alliance", sponsor=BOB, channel=ACME, cadence="7")
    create_relationship(box, "Globex Supply", owner=BOB, sponsor=ALICE, channel=PARTNERSHIPS, cadence="7")


def calls_since(box: Sandbox, moment: datetime, method: str | None = None) -> int:
    """Calls the app made (to `method`, or any) in this tenant's Slack since `moment`, whatever their answer."""
    return sum(1 for call in box.workspace.calls if method in (None, call.method) and call.at >= moment)


def sender(sandbox: Sandbox, clients: dict[str, WebClient]) -> Nudger:
    return nudger_for(sandbox.settings, sandbox.deps, sandbox.database.team_ids, sandbox.database.sweeping, clients.get)


@pytest.fixture
def both_due(sandbox: Sandbox, other: Sandbox) -> tuple[Sandbox, Sandbox]:
    """Two tenants, each with two reviews due now; what their creation told the sponsors is sent already."""
    two_reviews_due(sandbox)
    two_reviews_due(other)
    sender(sandbox, {sandbox.workspace.team_id: client(sandbox), OTHER_TEAM: client(other)}).run()
    sandbox.clock.advance(timedelta(days=7))
    return sandbox, other


def test_a_rate_limited_tenant_waits_for_retry_after_while_the_other_is_sent_to(
    both_due: tuple[Sandbox, Sandbox],
) -> None:
    limited, other = both_due
    clients = {limited.workspace.team_id: client(limited), OTHER_TEAM: client(other)}
    job = sender(limited, clients)
    limited.emulator.fail("chat.postMessage", status=429, retry_after=30)
    first = limited.clock.now()

    job.run()
    other.driver.settle()
    assert len(dms(other, ALICE)) == 1 and len(dms(other, BOB)) == 1  # in the same run
    assert dms(limited, ALICE) == [] and dms(limited, BOB) == []
    assert calls_since(limited, first, "chat.postMessage") == 1  # the second DM was not sent into the 429's window

    limited.clock.advance(timedelta(seconds=29))
    job.run()
    assert calls_since(limited, first, "chat.postMessage") == 1 and dms(limited, ALICE) == []

    limited.clock.advance(timedelta(seconds=1))  # Retry-After has passed
    job.run()
    limited.clock.advance(timedelta(minutes=5))
    job.run()
    limited.driver.settle()
    assert len(dms(limited, ALICE)) == 1 and len(dms(limited, BOB)) == 1
    assert len(dms(other, ALICE)) == 1 and len(dms(other, BOB)) == 1
    assert {row[3] for row in outbox(limited)} == {NudgeStatus.SENT.value}


def test_a_tenant_whose_token_slack_refuses_keeps_its_nudges_pending(both_due: tuple[Sandbox, Sandbox]) -> None:
    refused, other = both_due
    stale = {refused.workspace.team_id: client(refused, "xoxb-rotated-away"), OTHER_TEAM: client(other)}
    first = refused.clock.now()

    report = sender(refused, stale).run()
    other.driver.settle()
    assert len(dms(other, ALICE)) == 1 and len(dms(other, BOB)) == 1
    assert report.stopped == [refused.workspace.team_id]
    assert calls_since(refused, first) == 1  # nothing more was asked of Slack with that token in the run
    due = [(kind, status) for kind, _, _, status in outbox(refused)]
    assert due.count(("review", NudgeStatus.PENDING.value)) == 2  # waiting, not failed

    renewed = {refused.workspace.team_id: client(refused), OTHER_TEAM: client(other)}
    sender(refused, renewed).run()  # the token was refreshed
    refused.driver.settle()
    assert len(dms(refused, ALICE)) == 1 and len(dms(refused, BOB)) == 1
    assert len(dms(other, ALICE)) == 1 and len(dms(other, BOB)) == 1


def test_a_tenant_without_a_usable_installation_is_skipped_and_sent_to_later(
    both_due: tuple[Sandbox, Sandbox],
) -> None:
    missing, other = both_due
    report = sender(missing, {OTHER_TEAM: client(other)}).run()
    other.driver.settle()
    assert len(dms(other, ALICE)) == 1 and dms(missing, ALICE) == []
    assert report.stopped == [missing.workspace.team_id]

    sender(missing, {missing.workspace.team_id: client(missing), OTHER_TEAM: client(other)}).run()
    missing.driver.settle()
    assert len(dms(missing, ALICE)) == 1 and len(dms(missing, BOB)) == 1


def test_under_slacks_limits_a_tenant_refusing_everything_is_not_called_again_inside_its_window(
    both_due: tuple[Sandbox, Sandbox],
) -> None:
    limited, other = both_due
    limits = limited.emulator.enforce_rate_limits()
    limits.force(limited.workspace.team_id, retry_after=60)
    other.emulator.enforce_rate_limits()
    job = sender(limited, {limited.workspace.team_id: client(limited), OTHER_TEAM: client(other)})

    job.run()
    limited.clock.advance(timedelta(seconds=30))
    job.run()
    other.driver.settle()

    assert len(dms(other, ALICE)) == 1 and len(dms(other, BOB)) == 1
    assert dms(limited, ALICE) == [] and dms(limited, BOB) == []
    assert len(limits.of(limited.workspace.team_id).windows) == 1  # one 429, then the sender waited it out
    assert limits.of(limited.workspace.team_id).early == []


def test_a_tenant_whose_sweep_fails_does_not_keep_the_others_swept_with_it_from_their_nudges(
    both_due: tuple[Sandbox, Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    working, broken = both_due
    rules = Reminders.__call__

    def failing_for_one_tenant(reminders: Reminders, review: DueReview) -> list[Nudge]:
        if review.team_id == OTHER_TEAM:
            raise ValueError("a relationship the rules cannot read")
        return rules(reminders, review)

    monkeypatch.setattr(Reminders, "__call__", failing_for_one_tenant)
    report = sender(working, {working.workspace.team_id: client(working), OTHER_TEAM: client(broken)}).run()
    working.driver.settle()
    broken.driver.settle()
    assert len(dms(working, ALICE)) == 1 and len(dms(working, BOB)) == 1
    assert dms(broken, ALICE) == [] and dms(broken, BOB) == []
    assert report.enqueued == 2
