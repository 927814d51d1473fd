"""Every kind of nudge reaches Slack and leads somewhere, and one that cannot be shown fails alone."""

from collections.abc import Callable
from copy import deepcopy
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from stages.health import HealthRound
from stages.ideas import Idea, IdeaStatus
from stages.meetings import Meeting
from stages.nudges import Nudge, NudgeKind, NudgeStatus, due_subject
from stages.relationships import Side
from tests.conftest import START
from tests.e2e.helpers import (
    ACME,
    ALICE,
    BOB,
    CAROL,
    PARTNERSHIPS,
    last_ephemeral,
    relationship,
    shown,
)
from tests.e2e.test_nudges import dms, outbox, set_due, started

FORMS = {
    ids.VIEW_REVIEW,
    ids.VIEW_EXIT,
    ids.VIEW_DISPUTE_RESOLVE,
    ids.VIEW_HEALTH_ANSWER,
    ids.VIEW_HEALTH_START,
    ids.VIEW_RISK_REVIEW,
    ids.VIEW_ACTION_COMPLETE,
    ids.VIEW_IDEA_KEEP,
    ids.VIEW_MEETING,
}


def every_kind_due(sandbox: Sandbox) -> list[tuple[str, Message]]:
    """A review and an exit review due, a health check asking Alice and Bob, another relationship's next health
    check due and its team's meeting due, a risk of each whose review passes, an idea of each that turns stale, and a
    dispute that outstays tier 1, climbs to tier 2 (still Alice's) and then to tier 3 (now Bob's); the DMs as they
    were delivered, with whom to (the climb brings the tier 1 one up to date)."""
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.driver.command(ALICE, ACME, "health Acme Alliance")
    assert sandbox.driver.submit(ALICE, {"closes": (START.date() + timedelta(days=30)).isoformat()}).errors == {}
    started(sandbox, "Globex Supply", partner="Globex", sponsor=BOB, channel=PARTNERSHIPS)
    supply = relationship(sandbox, "Globex Supply")
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:  # its last health check closed 83 days ago
        opened = START - timedelta(days=93)
        first = HealthRound(uow.team_id, supply.id or 0, 1, ("Trust", "Value"), (), ALICE, opened, opened, True)
        saved = uow.health.add(first)
        assert saved is not None and uow.health.close(replace(saved, closed_at=START - timedelta(days=83)))
        held = START.date() - timedelta(days=23)  # its team last met 23 days ago: a meeting is due in a week
        uow.meetings.add(
            Meeting(uow.team_id, supply.id or 0, held, (ALICE,), (), "m", (), False, Side.HOME, "", ALICE, START), "V1"
        )
        uow.commit()
    set_due(sandbox, "Acme Alliance", exit_review=START.date() + timedelta(days=7))
    for owner in (ALICE, BOB):
        sandbox.driver.command(ALICE, ACME, "risks Acme Alliance")
        sandbox.driver.click(ALICE, last_ephemeral(sandbox, ALICE), ids.ACTION_RISK_ADD)
        risk = {"title": "Key engineer leaves", "category": "operational", "breakdown_effect": "Deliveries stop"}
        answers = risk | {
            "likelihood": "3",
            "impact": "4",
            "risk_owner": owner,
            "next_review": START.date().isoformat(),
        }
        assert sandbox.driver.submit(ALICE, answers).errors == {}
        sandbox.driver.command(ALICE, ACME, "actions Acme Alliance")
        sandbox.driver.click(ALICE, last_ephemeral(sandbox, ALICE), ids.ACTION_ACTION_ADD)
        action = {"title": "Send the forecast", "action_owner": owner, "due": START.date().isoformat()}
        assert sandbox.driver.submit(ALICE, action).errors == {}
    acme = relationship(sandbox)
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:  # unmoved for 55 days: stale in 5 more
        for owner in (ALICE, BOB):
            unmoved = (START - timedelta(days=55)).date()
            idea = Idea(
                uow.team_id, acme.id or 0, "Share the warehouse", ALICE, owner, "Costs", "Speed", Decimal(1), "GBP",
                "Rent", IdeaStatus.PROPOSED, START.date(), False, Side.HOME, ALICE, START, unmoved,
            )  # fmt: skip
            assert uow.ideas.add(idea, f"idea-{owner}") is not None
        uow.commit()
    sandbox.driver.command(CAROL, ACME, "dispute Acme Alliance deliveries late")
    sandbox.advance(timedelta(days=7))  # the review, the exit review, the dispute past its limit
    delivered = deepcopy(dms(sandbox, ALICE))
    sandbox.advance(timedelta(days=1))  # the dispute climbs: its thread hears of it
    delivered += deepcopy(dms(sandbox, ALICE)[len(delivered) :])
    sandbox.advance(timedelta(days=8))  # it climbs again: Bob, its new owner, hears of it
    return [(ALICE, dm) for dm in delivered] + [(BOB, dm) for dm in deepcopy(dms(sandbox, BOB))]


def test_every_kind_of_nudge_is_delivered_and_its_button_opens_what_it_is_about(sandbox: Sandbox) -> None:
    delivered = every_kind_due(sandbox)
    sent = {kind for kind, _, _, status in outbox(sandbox) if status == NudgeStatus.SENT.value}
    # Notices, told of what someone did, are delivered in test_notices.
    reminders = {kind.value for kind in NudgeKind if not kind.notice}
    assert sent == reminders, "a kind of reminder has no way to reach anyone"
    sandbox.workspace.close_modal(ALICE, all_views=True)  # the form that created the relationship
    opened, told = set(), []
    for person, dm in delivered:
        for block in dm.blocks:
            for button in block.get("elements", []):
                if button["action_id"] == ids.ACTION_NUDGE_OPEN:
                    sandbox.driver.click(person, dm, button["action_id"], block_id=block["block_id"])
                    modal = sandbox.workspace.current_modal(person)
                    if modal is None:
                        told.append((person, last_ephemeral(sandbox, person).text))
                    else:
                        opened.add((person, modal.view["callback_id"]))
                        sandbox.workspace.close_modal(person, all_views=True)
    # Bob's dispute button is the escalation's: the top tier has no time limit to outstay. A meeting due is asked of
    # the relationship's managers (Alice), not of its sponsor.
    not_theirs = {(ALICE, ids.VIEW_DISPUTE_RESOLVE), (BOB, ids.VIEW_MEETING)}
    assert opened == {(person, form) for person in (ALICE, BOB) for form in FORMS} - not_theirs
    # Alice's is tier 1's, as delivered: the dispute has climbed since, which the button says.
    assert told == [
        (ALICE, ":arrow_up: Dispute #1 has moved to tier 3 since 11 Dec 2026: this is no longer asked of you here.")
    ]


def unshowable_review(sandbox: Sandbox) -> Nudge:
    """A review nudge for Alice, still due, whose due date cannot be read (as an older release might have left)."""
    acme = relationship(sandbox)
    subject = due_subject(acme, acme.next_review_due)
    return Nudge(NudgeKind.REVIEW, subject, 0, "x", ALICE, acme.id or 0, {"name": "Acme Alliance", "due": "soon"})


def unresolvable_dispute(sandbox: Sandbox) -> Nudge:
    """A dispute nudge for Alice whose subject names no dispute."""
    return Nudge(NudgeKind.DISPUTE, "gone", 1, "0", ALICE, relationship(sandbox).id or 0, {"name": "Acme Alliance"})


@pytest.mark.parametrize("broken", [unshowable_review, unresolvable_dispute])
def test_a_nudge_that_cannot_be_shown_fails_alone_and_the_rest_of_its_batch_goes_out_once(
    sandbox: Sandbox, broken: Callable[[Sandbox], Nudge]
) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    started(sandbox, "Globex Supply", partner="Globex", sponsor=BOB, channel=PARTNERSHIPS, cadence="7")
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:  # first in the outbox, so first in the batch
        uow.nudges.enqueue([broken(sandbox)], sandbox.clock.now())
        uow.commit()
    report = sandbox.advance(timedelta(days=7))
    assert report.failed == 1 and report.sent == 2
    [dm] = dms(sandbox, ALICE)
    assert "The review of *Acme Alliance* is due today." in shown(dm)
    assert "The review of *Globex Supply* is due today." in shown(dm)
    for _ in range(3):
        sandbox.advance(timedelta(minutes=15))  # past the claim's lease: nothing was left claimed
    assert len(dms(sandbox, ALICE)) == 1
    statuses = [status for _, recipient, _, status in outbox(sandbox) if recipient == ALICE]
    assert sorted(statuses) == ["failed", "sent", "sent"]
    assert "I couldn't message <@U0ALICE> about *Acme Alliance*: `cannot be shown:" in shown(
        sandbox.driver.open_home(ALICE)
    )
