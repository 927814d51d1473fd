"""A snooze button names its nudge and its choice: pressed twice it snoozes once; a value not ours is stale."""

from copy import deepcopy
from datetime import timedelta

import pytest

from bot.nudges.blocks import snooze_action
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from stages.audit import AuditEvent
from tests.e2e.helpers import ALICE, BOB, create_relationship, last_ephemeral, relationship
from tests.e2e.test_nudges import dms

STALE = "Nothing was changed"


@pytest.fixture
def nudged(sandbox: Sandbox) -> Message:
    """Alice's DM about the review of Acme Alliance, due today, as her screen shows it before she presses anything
    (a double click lands before Slack shows the message updated)."""
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.advance(timedelta(days=7))
    [dm] = dms(sandbox, ALICE)
    return deepcopy(dm)


def snoozes(sandbox: Sandbox) -> list[AuditEvent]:
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        return [e for e in uow.audit.all(relationship(sandbox).id or 0) if e.action == "nudge.snoozed"]


def test_a_double_click_on_a_snooze_button_snoozes_once(sandbox: Sandbox, nudged: Message) -> None:
    sandbox.driver.click(ALICE, nudged, snooze_action(1))
    assert "Snoozed for a day." in last_ephemeral(sandbox, ALICE).text
    sandbox.driver.click(ALICE, nudged, snooze_action(1))
    assert "You had already snoozed this for a day. Nothing was changed." in last_ephemeral(sandbox, ALICE).text
    assert len(snoozes(sandbox)) == 1


def test_another_choice_on_the_same_nudge_is_a_real_change(sandbox: Sandbox, nudged: Message) -> None:
    sandbox.driver.click(ALICE, nudged, snooze_action(1))
    sandbox.driver.click(ALICE, nudged, snooze_action(7))
    assert "Snoozed for a week." in last_ephemeral(sandbox, ALICE).text
    assert [e.after["days"] for e in snoozes(sandbox)] == [1, 7]  # type: ignore[index]
    sandbox.advance(timedelta(days=1))  # the day is over, the week is not
    assert len(dms(sandbox, ALICE)) == 1


def forged(dm: Message, value: str) -> Message:
    copy = deepcopy(dm)
    for block in copy.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == snooze_action(1):
                element["value"] = value
    return copy


@pytest.mark.parametrize("value", ["", "1", "x:1", "1:x", ":1", "1:", "1:1:1", "1:30", "999999:1", "\uff11:1", "-1:1"])
def test_a_snooze_button_whose_value_is_not_ours_changes_nothing(sandbox: Sandbox, nudged: Message, value: str) -> None:
    sandbox.driver.click(ALICE, forged(nudged, value), snooze_action(1))
    assert STALE in last_ephemeral(sandbox, ALICE).text
    assert snoozes(sandbox) == []
    sandbox.advance(timedelta(days=5))  # Monday: the next reminder comes as if nothing was pressed
    assert len(dms(sandbox, ALICE)) == 2
