"""A dispute has one owner, shown the same in its thread, on its card and in the record; escalating asks why."""

import csv
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from stages import dispute_service
from stages.disputes import DisputeEventKind
from stages.nudges import NudgeKind
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
    shown,
)
from tests.e2e.test_plan import export


@pytest.fixture
def dispute(sandbox: Sandbox) -> Message:
    """A dispute on Acme Alliance (owner Alice, sponsor Bob), raised by Carol."""
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB)
    sandbox.driver.command(CAROL, PARTNERSHIPS, "dispute Acme Alliance deliveries late three weeks running")
    return sandbox.workspace.top_level(ACME)[-1]


def queued_escalations(sandbox: Sandbox) -> list[tuple[str, int]]:
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        queued = uow.nudges.claim("test", "peek", START + timedelta(days=1), 10, timedelta(minutes=10))
    return [(n.recipient_id, n.tier) for n in queued if n.kind is NudgeKind.DISPUTE_ESCALATED]


def test_the_owner_a_dispute_is_handed_to_is_the_one_shown_everywhere(
    sandbox: Sandbox, dispute: Message, tmp_path: Path
) -> None:
    stays = escalate(sandbox, ALICE, fresh(sandbox, dispute), "Their lead has not answered in a week")
    assert "Dispute #1 is now at *tier 2 · Joint management team*, owned by <@U0ALICE>." in stays
    told = sandbox.workspace.replies(ACME, dispute.ts)[-1].text
    assert "to *tier 2 · Joint management team*: it stays with its owner, <@U0ALICE>." in told
    assert "is now yours" not in told and queued_escalations(sandbox) == []

    sandbox.driver.click(ALICE, fresh(sandbox, dispute), ids.ACTION_DISPUTE_ESCALATE)
    form = shown(sandbox.workspace.current_modal(ALICE))
    assert "where <@U0BOB> owns it instead of <@U0ALICE>" in form
    sandbox.driver.submit(ALICE, {"reason": "The joint team is deadlocked on the penalty clause"})
    assert "owned by <@U0BOB>" in shown(sandbox.workspace.current_modal(ALICE))

    told = sandbox.workspace.replies(ACME, dispute.ts)[-1].text
    assert (
        "escalated the dispute to *tier 3 · Executive sponsors*: <@U0BOB>, it is now yours (it was <@U0ALICE>'s)."
        in (told)
    )
    assert "*Why:* The joint team is deadlocked on the penalty clause" in told
    card = shown(fresh(sandbox, dispute))
    assert "owner <@U0BOB>" in card and "<@U0ALICE>" not in card
    assert queued_escalations(sandbox) == [(BOB, 3)]

    history = dispute_service.history(sandbox.database.uow(sandbox.workspace.team_id), 1)
    assert [(e.kind, e.text) for e in history if e.kind is DisputeEventKind.ESCALATED] == [
        (DisputeEventKind.ESCALATED, "Their lead has not answered in a week"),
        (DisputeEventKind.ESCALATED, "The joint team is deadlocked on the penalty clause"),
    ]

    pack_path = tmp_path / "pack.zip"
    result = export(sandbox, "Acme Alliance", "--evidence-pack", str(pack_path))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(pack_path) as pack:
        [row] = csv.DictReader(io.StringIO(pack.read("disputes.csv").decode()))
        events = list(csv.DictReader(io.StringIO(pack.read("dispute_events.csv").decode())))
    assert (row["owner"], row["owner id"]) == ("Bob Okafor", BOB)
    assert [e["text"] for e in events if e["what"] == "escalated"][-1].startswith("The joint team is deadlocked")


def test_escalating_asks_for_a_reason_and_changes_nothing_without_one(sandbox: Sandbox, dispute: Message) -> None:
    sandbox.driver.click(ALICE, fresh(sandbox, dispute), ids.ACTION_DISPUTE_ESCALATE)
    assert sandbox.driver.submit(ALICE, {"reason": "  "}, client_checks=False).errors == {
        "reason": "Say why the dispute should go up a tier."
    }
    sandbox.driver.close_modal(ALICE)
    case = dispute_service.case(sandbox.database.uow(sandbox.workspace.team_id), 1)
    assert (case.dispute.tier, case.dispute.owner_id) == (1, ALICE)
    assert "Tier 1 · Working level" in shown(fresh(sandbox, dispute))


def test_someone_who_may_not_escalate_is_told_so_before_any_form(sandbox: Sandbox, dispute: Message) -> None:
    opened = len(sandbox.workspace.calls_to("views.open"))
    sandbox.driver.click(CAROL, fresh(sandbox, dispute), ids.ACTION_DISPUTE_ESCALATE)
    assert "can escalate the dispute" in last_ephemeral(sandbox, CAROL).text
    assert len(sandbox.workspace.calls_to("views.open")) == opened
