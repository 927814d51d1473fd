"""A nudge DM's open button stays true: pressed after what it is about was settled by someone else while the DM
could not be brought up to date (Slack failed to answer then), it says what happened and the DM is brought up to
date at once, with no form to fill in for nothing; while it is still due, it opens the form as before."""

from dataclasses import replace
from datetime import timedelta

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from tests.e2e.helpers import ACME, ALICE, BOB, CAROL, create_relationship, fresh, last_ephemeral, shown
from tests.e2e.test_nudge_updates import RATINGS, buttons
from tests.e2e.test_nudges import dms

RESOLVED = "Dispute #1 was resolved by <@U0BOB> on 2 Dec 2026."
REVIEWED = "The review of *Acme Alliance* was recorded by <@U0BOB> on 2 Dec 2026. Nothing more is needed."


def alices_dispute_dm(sandbox: Sandbox) -> tuple[Message, Message]:
    """A dispute raised by Carol on Acme Alliance (Alice owns it, Bob sponsors it) that outstayed tier 1: Alice's
    nudge DM about it, and the dispute's message in its channel."""
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.workspace.close_modal(ALICE, all_views=True)
    sandbox.driver.command(CAROL, ACME, "dispute Acme Alliance deliveries late")
    parent = sandbox.workspace.top_level(ACME)[-1]
    sandbox.advance(timedelta(days=7))  # Wed 2 Dec: past tier 1's limit
    [dm] = dms(sandbox, ALICE)
    return dm, parent


def test_a_dispute_resolved_by_someone_else_is_told_at_the_press_and_the_dm_loses_its_buttons(
    sandbox: Sandbox,
) -> None:
    dm, parent = alices_dispute_dm(sandbox)
    sandbox.driver.click(BOB, fresh(sandbox, parent), ids.ACTION_DISPUTE_RESOLVE)
    sandbox.emulator.fail("conversations.history", error="internal_error")  # the DM cannot be read, so not edited
    sandbox.driver.submit(BOB, {"resolution": "Agreed a recovery plan", "root_cause": "Forecasts were not shared"})
    assert ids.ACTION_NUDGE_OPEN in buttons(fresh(sandbox, dm))  # no nudge run since: the DM still offers it
    opened = len(sandbox.workspace.calls_to("views.open"))

    sandbox.driver.click(ALICE, fresh(sandbox, dm), ids.ACTION_NUDGE_OPEN)

    told = last_ephemeral(sandbox, ALICE)
    assert told.channel == dm.channel and RESOLVED in told.text
    assert RESOLVED in shown(fresh(sandbox, dm)) and buttons(fresh(sandbox, dm)) == []
    assert sandbox.workspace.current_modal(ALICE) is None
    assert len(sandbox.workspace.calls_to("views.open")) == opened
    updates = len(sandbox.workspace.calls_to("chat.update"))
    sandbox.advance(timedelta(minutes=5))  # the next nudge run finds the DM up to date already
    assert len(sandbox.workspace.calls_to("chat.update")) == updates


def test_a_review_recorded_by_someone_else_is_told_at_the_press_and_the_dm_loses_its_buttons(
    sandbox: Sandbox,
) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.workspace.close_modal(ALICE, all_views=True)
    sandbox.advance(timedelta(days=7))  # Wed 2 Dec: due, Alice is nudged
    [dm] = dms(sandbox, ALICE)
    sandbox.driver.command(BOB, ACME, "review Acme Alliance")
    sandbox.emulator.fail("conversations.history", error="internal_error")  # the DM cannot be read, so not edited
    sandbox.driver.submit(BOB, {"summary": "On track", **RATINGS})

    sandbox.driver.click(ALICE, fresh(sandbox, dm), ids.ACTION_NUDGE_OPEN)

    assert REVIEWED in last_ephemeral(sandbox, ALICE).text
    assert REVIEWED in shown(fresh(sandbox, dm)) and buttons(fresh(sandbox, dm)) == []
    assert sandbox.workspace.current_modal(ALICE) is None


def test_a_dispute_moved_up_since_the_dm_is_told_at_the_press(sandbox: Sandbox) -> None:
    dm, parent = alices_dispute_dm(sandbox)
    sandbox.driver.click(BOB, fresh(sandbox, parent), ids.ACTION_DISPUTE_ESCALATE)
    sandbox.emulator.fail("conversations.history", error="internal_error")  # the DM cannot be read, so not edited
    sandbox.driver.submit(BOB, {"reason": "No agreement at this tier"})

    sandbox.driver.click(ALICE, fresh(sandbox, dm), ids.ACTION_NUDGE_OPEN)

    moved = "Dispute #1 has moved to tier 2 since 2 Dec 2026: this is no longer asked of you here."
    assert moved in last_ephemeral(sandbox, ALICE).text and moved in shown(fresh(sandbox, dm))
    assert sandbox.workspace.current_modal(ALICE) is None


def test_a_button_still_due_opens_its_form_and_leaves_the_dm_as_it_was(sandbox: Sandbox) -> None:
    dm, _ = alices_dispute_dm(sandbox)

    sandbox.driver.click(ALICE, dm, ids.ACTION_NUDGE_OPEN)

    modal = sandbox.workspace.current_modal(ALICE)
    assert modal is not None and modal.view["callback_id"] == ids.VIEW_DISPUTE_RESOLVE
    assert fresh(sandbox, dm).blocks == dm.blocks
    assert sandbox.workspace.ephemerals_for(ALICE) == []


def test_a_button_naming_someone_elses_nudge_is_stale(sandbox: Sandbox) -> None:
    dm, _ = alices_dispute_dm(sandbox)
    sandbox.driver.click(BOB, replace(dm, channel=ACME), ids.ACTION_NUDGE_OPEN)  # a real nudge, but Alice's

    assert "That button belongs to a reminder that has changed or gone" in last_ephemeral(sandbox, BOB).text
    assert sandbox.workspace.current_modal(BOB) is None and fresh(sandbox, dm).blocks == dm.blocks
