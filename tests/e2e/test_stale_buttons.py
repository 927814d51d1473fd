"""A button acts on the state the person saw: pressed twice, or on an old message, it changes nothing more."""

from copy import deepcopy
from datetime import timedelta

import pytest

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from stages import dispute_service
from stages.checklist import ItemStatus
from stages.disputes import DisputeEventKind
from stages.nudges import NudgeKind
from storage.repositories.nudges import SqlNudgeRepository
from tests.conftest import START
from tests.e2e.helpers import (
    ACME,
    ALICE,
    BOB,
    CAROL,
    PARTNERSHIPS,
    create_relationship,
    escalate,
    fresh,
    last_ephemeral,
    relationship,
    shown,
)
from tests.e2e.test_checkins import answer_with_evidence, start_checkin

MOVED_ON = "That dispute has moved on since that message was shown. Nothing was changed"
CHANGED = "That button belongs to a check-in that has changed or gone. Nothing was changed"


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, cadence="30")
    return sandbox


# ----- the stage gate and the checklist


def ready_checkin(sandbox: Sandbox) -> tuple[Message, list[Message]]:
    parent, items = start_checkin(sandbox)
    for item in items:
        answer_with_evidence(sandbox, ALICE, item)
    return parent, items


def reopen(sandbox: Sandbox, where: Message, reason: str = "The partner changed its policy") -> None:
    sandbox.driver.click(BOB, where, ids.ACTION_REOPEN)
    sandbox.driver.submit(BOB, {"reason": reason})


def summaries(sandbox: Sandbox, parent: Message, what: str) -> list[str]:
    return [m.text for m in sandbox.workspace.replies(ACME, parent.ts) if what in m.text]


def test_a_sign_off_button_from_before_a_reopening_signs_nothing_off(acme: Sandbox) -> None:
    parent, _ = ready_checkin(acme)
    ready = deepcopy(fresh(acme, parent))  # Bob's screen: ready for sign-off
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_SIGN_OFF)
    reopen(acme, fresh(acme, parent))
    assert relationship(acme).stage == 1

    acme.driver.click(BOB, ready, ids.ACTION_SIGN_OFF)  # pressed after the reopening it never showed
    assert CHANGED in last_ephemeral(acme, BOB).text
    assert relationship(acme).stage == 1
    assert len(summaries(acme, parent, "signed off* by")) == 1
    acme.driver.click(BOB, fresh(acme, parent), ids.ACTION_SIGN_OFF)  # the button as it is now
    assert relationship(acme).stage == 2 and len(summaries(acme, parent, "signed off* by")) == 2


def test_a_reopen_button_from_before_a_later_sign_off_reopens_nothing(acme: Sandbox) -> None:
    parent, _ = ready_checkin(acme)
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_SIGN_OFF)
    first = deepcopy(fresh(acme, parent))  # signed off, with its Reopen button
    reopen(acme, first)
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_SIGN_OFF)  # signed off again

    acme.driver.click(BOB, first, ids.ACTION_REOPEN)
    assert CHANGED in last_ephemeral(acme, BOB).text
    assert relationship(acme).stage == 2 and len(summaries(acme, parent, "reopened* by")) == 1


def test_a_reopen_modal_from_before_a_later_sign_off_reopens_nothing(acme: Sandbox) -> None:
    parent, _ = ready_checkin(acme)
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_SIGN_OFF)
    acme.driver.click(BOB, fresh(acme, parent), ids.ACTION_REOPEN)  # Bob opens the modal, and waits
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_REOPEN)
    acme.driver.submit(ALICE, {"reason": "The partner changed its policy"})
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_SIGN_OFF)

    acme.driver.submit(BOB, {"reason": "Missing the risk register"})
    assert CHANGED in shown(acme.workspace.current_modal(BOB))
    assert relationship(acme).stage == 2 and len(summaries(acme, parent, "reopened* by")) == 1


@pytest.mark.parametrize("action_id", [ids.ACTION_ITEM_IN_PROGRESS, ids.ACTION_ITEM_NOT_APPLICABLE])
def test_an_item_button_from_before_the_sign_off_changes_nothing(acme: Sandbox, action_id: str) -> None:
    parent, items = ready_checkin(acme)
    old = deepcopy(fresh(acme, items[0]))  # still with its answer buttons
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_SIGN_OFF)

    acme.driver.click(CAROL, old, action_id)
    assert "Stage 1 is already signed off." in last_ephemeral(acme, CAROL).text
    assert acme.workspace.current_modal(CAROL) is None
    with acme.database.uow(acme.workspace.team_id) as uow:
        state = uow.checklist.states(relationship(acme).id or 0)["S1.1"]
    assert state.status is ItemStatus.DONE
    assert "*Done*" in shown(fresh(acme, items[0]))


# ----- disputes


def raise_dispute(sandbox: Sandbox) -> Message:
    sandbox.driver.command(CAROL, PARTNERSHIPS, "dispute Acme Alliance deliveries late three weeks running")
    return sandbox.workspace.top_level(ACME)[-1]


def escalations(sandbox: Sandbox, parent: Message) -> list[str]:
    return [m.text for m in sandbox.workspace.replies(ACME, parent.ts) if "escalated the dispute" in m.text]


def tier_of(sandbox: Sandbox) -> int:
    return dispute_service.case(sandbox.database.uow(sandbox.workspace.team_id), 1).dispute.tier


def escalation_nudges(sandbox: Sandbox) -> list[tuple[NudgeKind, str, int]]:
    """The nudges queued to tell a dispute's new owner (not the notice the sponsor had on being named)."""
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        queued = uow.nudges.claim("test", "peek", START + timedelta(days=1), 10, timedelta(minutes=10))
    return [(n.kind, n.recipient_id, n.tier) for n in queued if n.kind is NudgeKind.DISPUTE_ESCALATED]


def test_escalate_pressed_twice_moves_the_dispute_up_one_tier(acme: Sandbox) -> None:
    parent = raise_dispute(acme)
    seen = deepcopy(fresh(acme, parent))  # tier 1, as the person saw it
    acme.driver.click(ALICE, seen, ids.ACTION_DISPUTE_ESCALATE)
    first_form = acme.workspace.current_modal(ALICE)
    assert first_form is not None
    other_tab = deepcopy(first_form.view)
    acme.driver.click(ALICE, seen, ids.ACTION_DISPUTE_ESCALATE)  # a double click: a second form
    acme.driver.submit(ALICE, {"reason": "No answer from their logistics lead"})
    acme.workspace.open_modal(ALICE, other_tab)  # the first form, still open
    acme.driver.submit(ALICE, {"reason": "No answer, again"})

    assert tier_of(acme) == 2
    assert "Tier 2 · Joint management team" in shown(fresh(acme, parent))
    [told] = escalations(acme, parent)
    assert "to *tier 2 · Joint management team*" in told
    assert MOVED_ON in shown(acme.workspace.current_modal(ALICE))
    kinds = [e.kind for e in dispute_service.history(acme.database.uow(acme.workspace.team_id), 1)]
    assert kinds == [DisputeEventKind.RAISED, DisputeEventKind.ESCALATED]
    assert escalation_nudges(acme) == []  # Alice owned it at tier 1 and still does


def test_escalate_on_an_old_message_does_not_skip_a_tier(acme: Sandbox) -> None:
    parent = raise_dispute(acme)
    old = deepcopy(fresh(acme, parent))  # Bob's screen, still at tier 1
    escalate(acme, ALICE, fresh(acme, parent))
    opened = len(acme.workspace.calls_to("views.open"))
    acme.driver.click(BOB, old, ids.ACTION_DISPUTE_ESCALATE)

    assert tier_of(acme) == 2
    assert len(escalations(acme, parent)) == 1
    assert MOVED_ON in last_ephemeral(acme, BOB).text
    assert len(acme.workspace.calls_to("views.open")) == opened  # no form to escalate it from a tier it left
    escalate(acme, BOB, fresh(acme, parent))  # what Bob sees now: tier 2
    assert tier_of(acme) == 3 and len(escalations(acme, parent)) == 2


@pytest.mark.parametrize("value", ["1", "1@x", "@1", "x@1", "", "1@1@1"])
def test_an_unreadable_escalate_button_changes_nothing(acme: Sandbox, value: str) -> None:
    parent = raise_dispute(acme)
    forged = deepcopy(fresh(acme, parent))
    for block in forged.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == ids.ACTION_DISPUTE_ESCALATE:
                element["value"] = value
    acme.driver.click(ALICE, forged, ids.ACTION_DISPUTE_ESCALATE)
    assert MOVED_ON in last_ephemeral(acme, ALICE).text
    assert tier_of(acme) == 1 and escalations(acme, parent) == []


def test_an_escalation_whose_nudges_cannot_be_queued_does_not_happen(
    acme: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = raise_dispute(acme)
    escalate(acme, ALICE, fresh(acme, parent))

    def broken(*args: object) -> int:
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(SqlNudgeRepository, "enqueue", broken)
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_DISPUTE_ESCALATE)
    acme.driver.submit(ALICE, {"reason": "The joint team is deadlocked"})
    monkeypatch.undo()
    assert "nothing was saved" in shown(acme.workspace.current_modal(ALICE)).lower()
    assert tier_of(acme) == 2 and len(escalations(acme, parent)) == 1
    acme.driver.submit(ALICE)  # the form, back with what was typed, saves now
    assert tier_of(acme) == 3 and escalation_nudges(acme) == [(NudgeKind.DISPUTE_ESCALATED, BOB, 3)]


def test_resolve_on_an_old_message_of_a_resolved_dispute_opens_nothing(acme: Sandbox) -> None:
    parent = raise_dispute(acme)
    old = deepcopy(fresh(acme, parent))
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_DISPUTE_RESOLVE)
    acme.driver.submit(ALICE, {"resolution": "Agreed a recovery plan", "root_cause": "Forecasts were not shared"})
    opened = len(acme.workspace.calls_to("views.open"))

    for action_id in (ids.ACTION_DISPUTE_RESOLVE, ids.ACTION_DISPUTE_UPDATE, ids.ACTION_DISPUTE_ESCALATE):
        acme.driver.click(BOB, old, action_id)
        assert last_ephemeral(acme, BOB).text == "That dispute is already resolved."
    assert len(acme.workspace.calls_to("views.open")) == opened
    kinds = [e.kind for e in dispute_service.history(acme.database.uow(acme.workspace.team_id), 1)]
    assert kinds == [DisputeEventKind.RAISED, DisputeEventKind.RESOLVED]
