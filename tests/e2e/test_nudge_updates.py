"""A nudge DM stays true: once its person acts, or what it is about is done elsewhere, it says so and its
buttons go."""

from datetime import timedelta

from bot.nudges.blocks import snooze_action
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from tests.e2e.helpers import ACME, ALICE, BOB, CAROL, PARTNERSHIPS, create_relationship, fresh, shown
from tests.e2e.test_nudges import dms

RATINGS = {"delivery": "3", "trust": "3", "value": "3", "governance": "3"}


def buttons(message: Message) -> list[str]:
    return [e["action_id"] for block in message.blocks if block["type"] == "actions" for e in block["elements"]]


def test_snoozing_says_so_in_the_dm_at_once_and_takes_only_that_items_buttons(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    create_relationship(sandbox, "Globex Supply", partner="Globex", sponsor=BOB, channel=PARTNERSHIPS, cadence="7")
    sandbox.advance(timedelta(days=7))  # Wed 2 Dec
    [dm] = dms(sandbox, ALICE)
    acme = next(b["block_id"] for b in dm.blocks if b["type"] == "actions")
    sandbox.driver.click(ALICE, dm, snooze_action(1), block_id=acme)

    now = fresh(sandbox, dm)
    assert ":zzz: Snoozed until 3 Dec 2026." in shown(now)
    assert "The review of *Acme Alliance* is due today." in shown(now)  # the item still reads as it did
    assert len(buttons(now)) == 3 and acme not in {b.get("block_id") for b in now.blocks if b["type"] == "actions"}
    assert len(dms(sandbox, ALICE)) == 1


def test_a_review_recorded_elsewhere_is_told_in_the_dm_at_once(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.advance(timedelta(days=7))
    [dm] = dms(sandbox, ALICE)
    sandbox.driver.command(ALICE, ACME, "review Acme Alliance")
    sandbox.driver.submit(ALICE, {"summary": "On track", **RATINGS})

    now = fresh(sandbox, dm)  # before any nudge run
    assert "The review of *Acme Alliance* was recorded by <@U0ALICE> on 2 Dec 2026." in shown(now)
    assert buttons(now) == [] and len(dms(sandbox, ALICE)) == 1
    updates = len(sandbox.workspace.calls_to("chat.update"))
    sandbox.advance(timedelta(minutes=5))
    assert len(sandbox.workspace.calls_to("chat.update")) == updates  # told once


def test_a_dispute_resolved_in_its_thread_is_told_in_the_nudge_dm(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.driver.command(CAROL, ACME, "dispute Acme Alliance deliveries late")
    parent = sandbox.workspace.top_level(ACME)[-1]
    sandbox.advance(timedelta(days=7))  # Wed 2 Dec: past tier 1's limit
    [dm] = dms(sandbox, ALICE)
    assert ids.ACTION_NUDGE_OPEN in buttons(dm)
    sandbox.advance(timedelta(hours=2))
    sandbox.driver.click(ALICE, fresh(sandbox, parent), ids.ACTION_DISPUTE_RESOLVE)
    sandbox.driver.submit(ALICE, {"resolution": "Agreed a recovery plan", "root_cause": "Forecasts were not shared"})

    now = fresh(sandbox, dm)  # before any nudge run
    assert "Dispute #1 was resolved by <@U0ALICE> on 2 Dec 2026." in shown(now)
    assert buttons(now) == []
