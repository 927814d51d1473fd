"""The actions register, end to end through signed Slack requests: listed with the person's own first and the
overdue marked, added through its form (every wrong field told under it, a due date in the past refused, the same
form sent twice adding one action), kept internal from the partner, completed with a note by the owner or who
leads the owner's side (others refused), audited, and refused to a third organisation."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.sandbox.harness import Sandbox
from bot.slack import ids
from stages import action_service
from stages.action_service import Owner
from stages.actions import action_draft
from stages.errors import OutsideTheRelationship
from stages.relationships import Side
from tests.conftest import START
from tests.e2e.helpers import ALICE, BOB, last_ephemeral, relationship, shown
from tests.e2e.test_joint_relationships import GLOBEX, INITECH, IRENE, JOINT, PAT, QUINN, RAY, joint_at_any_hour


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    """Acme Alliance in #acme-globex with Globex's people named, and Initech's Irene in the channel too."""
    with joint_at_any_hour(tmp_path / "accord.db") as box:
        yield box


def listed(sandbox: Sandbox, user: str = ALICE, which: str = "Acme Alliance") -> str:
    sandbox.driver.command(user, JOINT, f"actions {which}".strip())
    return shown(last_ephemeral(sandbox, user))


def action_form(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "title": "Send the forecast <!channel>",
        "action_owner": PAT,
        "due": (START.date() + timedelta(days=7)).isoformat(),
    }
    return answers | changes


def add(sandbox: Sandbox, answers: dict[str, object], user: str = ALICE) -> dict[str, str]:
    sandbox.driver.command(user, JOINT, "actions Acme Alliance")
    sandbox.driver.click(user, last_ephemeral(sandbox, user), ids.ACTION_ACTION_ADD)
    return sandbox.driver.submit(user, answers).errors


def complete(sandbox: Sandbox, user: str, note: str = "Sent on Friday", *, title: str | None = None) -> str:
    """`user` presses Complete on the register Alice sees (on the action titled `title`, else the first)."""
    sandbox.driver.command(ALICE, JOINT, "actions Acme Alliance")
    register = last_ephemeral(sandbox, ALICE)
    found = [
        b for b in register.blocks if b.get("block_id", "").startswith("action:") and (title or "") in shown_block(b)
    ]
    sandbox.driver.click(user, register, ids.ACTION_ACTION_COMPLETE, block_id=found[0]["block_id"])
    if sandbox.workspace.current_modal(user) is None:
        return shown(last_ephemeral(sandbox, user))
    sandbox.driver.submit(user, {"note": note})
    return shown(sandbox.workspace.current_modal(user))


def shown_block(block: dict[str, object]) -> str:
    text = block.get("text")
    return str(text.get("text", "")) if isinstance(text, dict) else ""


def test_actions_are_added_through_the_form_and_listed_the_persons_own_first(joint: Sandbox) -> None:
    assert "no open actions" in listed(joint)
    assert add(joint, action_form()) == {}
    assert "Added *Send the forecast &lt;!channel&gt;*" in shown(joint.workspace.current_modal(ALICE))
    later = (START.date() + timedelta(days=20)).isoformat()
    assert add(joint, action_form(title="Book the joint workshop", action_owner=ALICE, due=later)) == {}
    text = listed(joint)
    assert "2 open actions" in text
    assert text.index("Book the joint workshop") < text.index("Send the forecast")  # Alice's own first
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert f"owner <@{PAT}>" in text
    bobs = listed(joint, BOB)
    assert bobs.index("Send the forecast") < bobs.index("Book the joint workshop")  # then the soonest due
    mine = listed(joint, ALICE, "")
    assert "Your actions" in mine and "Book the joint workshop" in mine and "Send the forecast" not in mine


def test_every_wrong_field_is_told_under_it_and_a_due_date_in_the_past_is_refused(joint: Sandbox) -> None:
    yesterday = (START.date() - timedelta(days=1)).isoformat()
    errors = add(joint, action_form(title="  ", due=yesterday))
    assert set(errors) == {"title", "due"}
    assert "in the past" in errors["due"]
    assert "no open actions" in listed(joint)


def test_an_owner_of_a_third_organisation_is_refused(joint: Sandbox) -> None:
    assert add(joint, action_form(action_owner=IRENE)) == {}
    assert "belongs to neither" in shown(joint.workspace.current_modal(ALICE))
    assert "no open actions" in listed(joint)


def test_the_same_form_sent_again_adds_one_action(joint: Sandbox) -> None:
    r = relationship(joint)
    draft = action_draft(title="Send it", owner_id=PAT, due="2026-12-01", internal=False, today=START.date())
    uow = joint.database.uow(joint.workspace.team_id)
    kept = [
        action_service.add_action(
            uow, r.id or 0, draft, owner=Owner(Side.PARTNER, ""), by=ALICE, organisation=r.team_id, now=START,
            form_key="V1",
        ).first
        for _ in range(2)
    ]  # fmt: skip
    assert kept == [True, False]
    assert "1 open action," in listed(joint)


def test_an_internal_action_is_never_shown_to_the_partner_and_a_third_organisation_sees_nothing(
    joint: Sandbox,
) -> None:
    assert add(joint, action_form(title="Check Globex's figures", internal=["internal"], action_owner=BOB)) == {}
    assert add(joint, action_form(title="Shared action")) == {}
    assert add(joint, action_form(title="Ours but Pat's", internal=["internal"])) == {}
    assert "your own organisation" in shown(joint.workspace.current_modal(ALICE))  # an internal action stays ours
    assert "*Check Globex's figures* :lock: internal" in listed(joint)
    uow = joint.database.uow(joint.workspace.team_id)
    theirs = action_service.register(uow, "Acme Alliance", GLOBEX, PAT)
    assert [a.title for a in theirs.actions] == ["Shared action"]
    assert [a.title for _, a in action_service.mine(uow, BOB, GLOBEX)] == []
    with pytest.raises(OutsideTheRelationship):
        action_service.register(uow, "Acme Alliance", INITECH, IRENE)


def test_an_action_is_completed_with_a_note_once_by_who_may_and_audited(joint: Sandbox) -> None:
    assert add(joint, action_form()) == {}  # Pat's, of Globex
    assert "Only the action's owner" in complete(joint, BOB)  # Acme's sponsor does not lead Globex's side
    assert "Only the action's owner" in complete(joint, RAY)  # nor does Globex's Ray
    assert "only the two organisations' people can take part" in complete(joint, IRENE)  # Initech's Irene
    assert joint.workspace.current_modal(IRENE) is None
    assert "1 open action," in listed(joint)
    joint.driver.command(ALICE, JOINT, "actions Acme Alliance")
    register = last_ephemeral(joint, ALICE)
    joint.driver.click(QUINN, register, ids.ACTION_ACTION_COMPLETE)  # Globex's relationship manager may
    assert joint.driver.submit(QUINN, {"note": "  "}).errors.keys() == {"note"}
    assert joint.driver.submit(QUINN, {"note": "Sent on Friday"}).errors == {}
    assert "Completed *Send the forecast" in shown(joint.workspace.current_modal(QUINN))
    joint.driver.click(PAT, register, ids.ACTION_ACTION_COMPLETE)  # the old list's button, after it was completed
    joint.driver.submit(PAT, {"note": "Again"})
    assert "was completed already" in shown(joint.workspace.current_modal(PAT))
    assert "no open actions" in listed(joint)
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    history = shown(last_ephemeral(joint, ALICE))
    assert "added action #1 to the actions register" in history
    assert "completed action #1: “Sent on Friday”" in history
