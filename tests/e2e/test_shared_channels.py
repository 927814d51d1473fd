"""The strategy phase stays inside one organisation: its check-ins are never posted in a channel shared with
another organisation (Slack Connect), nor in one whose sharing Slack does not confirm."""

import pytest

from bot.sandbox.harness import Sandbox
from bot.slack import ids
from tests.e2e.helpers import ACME, ALICE, BOB, PARTNERSHIPS, create_relationship, last_ephemeral, relationship, shown

JOINT = "C0ACMEGLOBEX"
GLOBEX = "T0GLOBEX1"


def history(sandbox: Sandbox) -> str:
    sandbox.driver.command(ALICE, ACME, "history Acme Alliance")
    return shown(last_ephemeral(sandbox, ALICE))


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB)
    sandbox.workspace.add_channel(JOINT, "acme-globex", [ALICE, BOB])
    return sandbox


def test_a_strategy_stage_is_not_started_in_a_channel_shared_with_another_organisation(acme: Sandbox) -> None:
    acme.workspace.share_channel(JOINT, GLOBEX)
    for stage in ("", " 1"):
        acme.driver.command(ALICE, JOINT, f"checkin Acme Alliance{stage}")
        told = shown(last_ephemeral(acme, ALICE))
        assert "shared with another organisation" in told
        assert f"in <#{ACME}>, the relationship's internal channel" in told
    assert acme.workspace.top_level(JOINT) == []
    # Nothing was left half-started: the same stage starts at once in the internal channel.
    acme.driver.command(ALICE, ACME, "checkin Acme Alliance")
    assert "Stage 1 · Operational awareness" in shown(acme.workspace.top_level(ACME)[-1])


def test_a_channel_invited_to_share_counts_as_shared(acme: Sandbox) -> None:
    acme.workspace.share_channel(JOINT, GLOBEX, pending=True)
    acme.driver.command(ALICE, JOINT, "checkin Acme Alliance")
    assert "shared with another organisation" in shown(last_ephemeral(acme, ALICE))
    assert acme.workspace.top_level(JOINT) == []


def test_when_slack_does_not_say_whether_a_channel_is_shared_it_is_treated_as_shared(acme: Sandbox) -> None:
    acme.emulator.fail("conversations.info", error="internal_error", times=10)
    acme.driver.command(ALICE, JOINT, "checkin Acme Alliance")
    told = shown(last_ephemeral(acme, ALICE))
    assert "Slack didn't confirm that this channel is internal" in told
    assert "a channel only your organisation's people are in" in told  # the internal one was not confirmed either
    assert acme.workspace.top_level(JOINT) == []


def test_an_internal_channel_takes_a_strategy_check_in(acme: Sandbox) -> None:
    acme.driver.command(ALICE, JOINT, "checkin Acme Alliance")
    assert "Stage 1 · Operational awareness" in shown(acme.workspace.top_level(JOINT)[-1])


def test_a_relationship_records_its_partners_workspace_when_its_channel_is_shared_and_the_owner_is_told(
    acme: Sandbox,
) -> None:
    acme.driver.share_channel(ACME, GLOBEX)
    assert relationship(acme).partner_team_id == GLOBEX
    told = shown(acme.workspace.top_level(acme.workspace.im_with(ALICE).id)[-1])
    assert f"<#{ACME}>, the channel of *Acme Alliance*, is now shared with another organisation" in told
    assert "I won't post anything of stages 1 to 3 there" in told
    # From then on the strategy phase stays out of it.
    before = len(acme.workspace.top_level(ACME))
    acme.driver.command(ALICE, ACME, "checkin Acme Alliance")
    assert "shared with another organisation" in shown(last_ephemeral(acme, ALICE))
    assert len(acme.workspace.top_level(ACME)) == before


def test_a_third_organisation_joining_does_not_take_the_partners_place_and_leaving_forgets_only_its_own(
    acme: Sandbox,
) -> None:
    acme.driver.share_channel(ACME, GLOBEX)
    acme.driver.share_channel(ACME, "T0INITECH")
    assert relationship(acme).partner_team_id == GLOBEX
    acme.driver.unshare_channel(ACME, "T0INITECH")
    assert relationship(acme).partner_team_id == GLOBEX
    acme.driver.unshare_channel(ACME, GLOBEX)
    assert relationship(acme).partner_team_id is None
    trail = history(acme)
    assert trail.count("the partner's Slack workspace") == 2
    assert GLOBEX not in trail  # a workspace's id means nothing to a person


def test_slacks_retry_of_a_channel_shared_event_records_the_partner_once(acme: Sandbox) -> None:
    acme.driver.share_channel(ACME, GLOBEX)
    envelope = next(e for e, _reply in acme.driver.delivered if e["event"]["type"] == "channel_shared")
    acme.driver.redeliver(envelope, times=2)
    dms = acme.workspace.top_level(acme.workspace.im_with(ALICE).id)
    assert len([m for m in dms if "is now shared with another organisation" in shown(m)]) == 1
    assert history(acme).count("the partner's Slack workspace") == 1


def test_events_from_a_shared_channel_carry_slacks_flag_for_it(acme: Sandbox) -> None:
    acme.driver.say(ALICE, JOINT, "before")
    acme.driver.share_channel(JOINT, GLOBEX)
    acme.driver.say(ALICE, JOINT, "after")
    flags = [e["is_ext_shared_channel"] for e, _reply in acme.driver.delivered if e["event"].get("channel") == JOINT]
    assert flags[0] is False and flags[-1] is True


def test_a_channel_that_comes_to_be_shared_loses_its_strategy_threads_and_they_carry_on_elsewhere(
    acme: Sandbox,
) -> None:
    acme.driver.command(ALICE, ACME, "checkin Acme Alliance")
    parent = acme.workspace.top_level(ACME)[-1]
    items = acme.workspace.replies(ACME, parent.ts)
    acme.driver.click(ALICE, items[0], ids.ACTION_ITEM_DONE)
    acme.driver.say(BOB, ACME, "2: finance should see the long list", thread_ts=parent.ts)
    acme.driver.share_channel(ACME, GLOBEX)
    # Every message of Accord's in the thread is gone; Bob's reply is his to delete.
    left = [m for m in acme.workspace.messages[ACME] if m.ts == parent.ts or m.thread_ts == parent.ts]
    assert [m.user for m in left] == [BOB]
    dms = [shown(m) for m in acme.workspace.top_level(acme.workspace.im_with(ALICE).id)]
    [told] = [dm for dm in dms if "took the check-in thread" in dm]
    assert f"<#{ACME}> is now shared with another organisation, so I took the check-in thread" in told
    assert "Stage 1 · Operational awareness" in told and "`/accord checkin Acme Alliance 1`" in told
    # Slack's retry of the event changes nothing more.
    envelope = next(e for e, _reply in acme.driver.delivered if e["event"]["type"] == "channel_shared")
    acme.driver.redeliver(envelope)
    assert len(acme.workspace.top_level(acme.workspace.im_with(ALICE).id)) == len(dms)
    # Started again in an internal channel, the check-in is posted there with what was answered and noted.
    acme.driver.command(ALICE, PARTNERSHIPS, "checkin Acme Alliance 1")
    again = acme.workspace.top_level(PARTNERSHIPS)[-1]
    assert "*0/7 complete* · 1 done" in shown(again)
    assert ":white_check_mark: *Done*" in shown(acme.workspace.replies(PARTNERSHIPS, again.ts)[0])
    assert "1 note" in shown(acme.workspace.replies(PARTNERSHIPS, again.ts)[1])
    assert "took the check-in thread of stage 1 out of" in history(acme)
