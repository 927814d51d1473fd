"""A relationship card pinned before Accord's card offered what it offers now (an older layout) is drawn again by
the nudge job, a few a run, once: its partner's people then find the register buttons on it without waiting for
the relationship's next change. A 429 leaves it for a later run; a card Slack refuses for good is left as it is."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from tests.e2e.helpers import CAROL
from tests.e2e.test_card_registers import card, from_card
from tests.e2e.test_joint_relationships import PAT, joint_at_any_hour

OLD_BUTTONS = ("Start a health check", "Record meeting")  # what the card offered before the registers


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    with joint_at_any_hour(tmp_path / "accord.db", {CAROL}) as box:
        yield box


def labels(message: Message) -> list[str]:
    return [e["text"]["text"] for b in message.blocks if b["type"] == "actions" for e in b["elements"] if "value" in e]


def made_old(sandbox: Sandbox) -> None:
    """The card as an earlier Accord drew it: no register buttons, and its layout stored as older than any."""
    pinned = card(sandbox)
    for block in pinned.blocks:
        if block["type"] == "actions":
            block["elements"] = [e for e in block["elements"] if e.get("text", {}).get("text") in OLD_BUTTONS]
    with sandbox.database.engine.begin() as connection:
        connection.execute(text("UPDATE relationship SET card_layout = 0"))


def card_updates(sandbox: Sandbox) -> int:
    return len(sandbox.workspace.calls_to("chat.update"))


def test_an_old_card_is_drawn_again_once_and_the_partner_finds_the_registers_on_it(joint: Sandbox) -> None:
    made_old(joint)
    assert labels(card(joint)) == list(OLD_BUTTONS)
    joint.run_nudges()
    assert labels(card(joint)) == [
        "Start a health check",
        "Record meeting",
        "Risks",
        "Ideas",
        "Actions",
        "Knowledge map",
    ]
    assert "Risk register of Acme Alliance" in str(from_card(joint, PAT, ids.ACTION_RISKS_SHOW).blocks)
    updates = card_updates(joint)
    joint.run_nudges()
    assert card_updates(joint) == updates  # drawn in today's layout: not again


def test_a_card_drawn_today_is_not_drawn_again_by_the_nudge_job(joint: Sandbox) -> None:
    before = card_updates(joint)
    joint.run_nudges()
    assert card_updates(joint) == before


def layout(sandbox: Sandbox) -> int:
    with sandbox.database.engine.connect() as connection:
        return int(connection.execute(text("SELECT card_layout FROM relationship")).scalar_one())


def test_a_card_slack_cannot_take_now_is_drawn_at_a_later_run(joint: Sandbox) -> None:
    made_old(joint)
    joint.emulator.fail("chat.update", status=429, retry_after=30)
    joint.run_nudges()
    assert labels(card(joint)) == list(OLD_BUTTONS) and layout(joint) == 0
    joint.advance(timedelta(minutes=1))  # past Slack's window: the next run draws it
    assert "Knowledge map" in labels(card(joint)) and layout(joint) > 0


def test_a_card_slack_refuses_for_good_is_not_tried_at_every_run(joint: Sandbox) -> None:
    made_old(joint)
    joint.emulator.fail("chat.update", error="is_archived")
    joint.run_nudges()
    assert labels(card(joint)) == list(OLD_BUTTONS) and layout(joint) > 0
    tried = len(joint.workspace.calls)
    joint.run_nudges()
    assert not [c for c in joint.workspace.calls[tried:] if c.method == "chat.update"]
