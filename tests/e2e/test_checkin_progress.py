"""A check-in's progress as its thread shows it: done, not applicable and open apart, and what blocks sign-off."""

import pytest

from bot.sandbox.harness import Sandbox
from bot.slack import ids
from tests.e2e.helpers import ACME, ALICE, BOB, create_relationship, fresh, last_ephemeral, relationship, shown
from tests.e2e.test_checkins import answer_with_evidence, start_checkin, with_button


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB)
    return sandbox


def test_items_done_without_their_evidence_are_not_counted_complete_and_are_named(acme: Sandbox) -> None:
    parent, items = start_checkin(acme)
    for item in items:
        acme.driver.click(ALICE, fresh(acme, item), ids.ACTION_ITEM_DONE)

    progress = shown(fresh(acme, parent))
    assert "7/7" not in progress
    assert "*2/7 complete* · 7 done · 0 not applicable · 0 still open" in progress
    assert "*Blocking sign-off:*" in progress
    assert "Done without the evidence they need (add it with *Add evidence*): S1.1, S1.2, S1.3, S1.5, S1.7" in progress
    assert "Still open" not in progress and "Sign off" not in progress

    acme.driver.command(ALICE, ACME, "status Acme Alliance")
    assert "2/7 · current" in shown(last_ephemeral(acme, ALICE))


def test_not_applicable_is_counted_apart_from_done(acme: Sandbox) -> None:
    parent, items = start_checkin(acme)
    answer_with_evidence(acme, ALICE, items[0])
    acme.driver.click(ALICE, fresh(acme, items[5]), ids.ACTION_ITEM_NOT_APPLICABLE)
    acme.driver.submit(ALICE, {"reason": "One partner only"})
    acme.driver.click(ALICE, fresh(acme, items[6]), ids.ACTION_ITEM_IN_PROGRESS)

    progress = shown(fresh(acme, parent))
    assert "*2/7 complete* · 1 done · 1 not applicable · 5 still open" in progress
    assert "Still open (mark each Done, or Not applicable with a reason): S1.2, S1.3, S1.4, S1.5, S1.7" in progress


def test_a_stage_whose_every_item_is_not_applicable_cannot_be_signed_off(acme: Sandbox) -> None:
    parent, items = start_checkin(acme)
    for item in items:
        acme.driver.click(ALICE, fresh(acme, item), ids.ACTION_ITEM_NOT_APPLICABLE)
        acme.driver.submit(ALICE, {"reason": "Not for us"})

    progress = shown(fresh(acme, parent))
    assert "*7/7 complete* · 0 done · 7 not applicable · 0 still open" in progress
    assert "Every item is Not applicable: at least one must be Done before the stage can be signed off." in progress
    assert "Ready for sign-off" not in progress and "Sign off" not in progress

    # A sign-off button from a forged or outdated client is refused, and the relationship stays at stage 1.
    acme.driver.click(BOB, with_button(fresh(acme, parent), ids.ACTION_SIGN_OFF, "1@0"), ids.ACTION_SIGN_OFF)
    refusal = last_ephemeral(acme, BOB).text
    assert "Stage 1 is not ready for sign-off yet." in refusal and "Every item is Not applicable" in refusal
    assert relationship(acme).stage == 1

    answer_with_evidence(acme, ALICE, items[0])
    assert "*Ready for sign-off*" in shown(fresh(acme, parent))
