"""A button acts on the state the person saw: pressed twice, or on an old message, it changes nothing more."""

from copy import deepcopy
from datetime import timedelta

import pytest

from bot import ids
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from stages import dispute_service
from stages.disputes import DisputeEventKind
from stages.nudges import NudgeKind
from storage.repositories.nudges import SqlNudgeRepository
from tests.conftest import START
from tests.e2e.helpers import ACME, ALICE, BOB, CAROL, PARTNERSHIPS, create_relationship, fresh, last_ephemeral, shown

MOVED_ON = "That dispute has moved on since that message was shown. Nothing was changed"


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, cadence="30")
    return sandbox


# ----- disputes


def raise_dispute(sandbox: Sandbox) -> Message:
    sandbox.driver.command(CAROL, PARTNERSHIPS, "dispute Acme Alliance deliveries late three weeks running")
    return sandbox.workspace.top_level(ACME)[-1]


def escalations(sandbox: Sandbox, parent: Message) -> list[str]:
    return [m.text for m in sandbox.workspace.replies(ACME, parent.ts) if "escalated the dispute" in m.text]


def tier_of(sandbox: Sandbox) -> int:
    return dispute_service.case(sandbox.database.uow(sandbox.workspace.team_id), 1).dispute.tier


def escalation_nudges(sandbox: Sandbox) -> list[tuple[NudgeKind, str, int]]:
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        queued = uow.nudges.claim("test", START + timedelta(days=1), 10, timedelta(minutes=10))
    return [(n.kind, n.recipient_id, n.tier) for n in queued]


def test_escalate_pressed_twice_moves_the_dispute_up_one_tier(acme: Sandbox) -> None:
    parent = raise_dispute(acme)
    seen = deepcopy(fresh(acme, parent))  # tier 1, as the person saw it
    acme.driver.click(ALICE, seen, ids.ACTION_DISPUTE_ESCALATE)
    acme.driver.click(ALICE, seen, ids.ACTION_DISPUTE_ESCALATE)  # a double click

    assert tier_of(acme) == 2
    assert "Tier 2 · Joint management team" in shown(fresh(acme, parent))
    [told] = escalations(acme, parent)
    assert "to *tier 2 · Joint management team*" in told
    assert MOVED_ON in last_ephemeral(acme, ALICE).text
    kinds = [e.kind for e in dispute_service.history(acme.database.uow(acme.workspace.team_id), 1)]
    assert kinds == [DisputeEventKind.RAISED, DisputeEventKind.ESCALATED]
    assert escalation_nudges(acme) == [(NudgeKind.DISPUTE_ESCALATED, ALICE, 2)]


def test_escalate_on_an_old_message_does_not_skip_a_tier(acme: Sandbox) -> None:
    parent = raise_dispute(acme)
    old = deepcopy(fresh(acme, parent))  # Bob's screen, still at tier 1
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_DISPUTE_ESCALATE)
    acme.driver.click(BOB, old, ids.ACTION_DISPUTE_ESCALATE)

    assert tier_of(acme) == 2
    assert len(escalations(acme, parent)) == 1
    assert MOVED_ON in last_ephemeral(acme, BOB).text
    acme.driver.click(BOB, fresh(acme, parent), ids.ACTION_DISPUTE_ESCALATE)  # what Bob sees now: tier 2
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

    def broken(*args: object) -> int:
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(SqlNudgeRepository, "enqueue", broken)
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_DISPUTE_ESCALATE)
    monkeypatch.undo()
    assert "something went wrong on my side and nothing was changed" in last_ephemeral(acme, ALICE).text
    assert tier_of(acme) == 1 and escalations(acme, parent) == []
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_DISPUTE_ESCALATE)  # the button still works
    assert tier_of(acme) == 2 and escalation_nudges(acme) == [(NudgeKind.DISPUTE_ESCALATED, ALICE, 2)]
