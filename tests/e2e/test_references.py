"""What comes back from Slack in a button's value, a menu, or a modal's private_metadata is one of Accord's
references, or it is stale: forged, truncated, out of range or another workspace's, it is refused in words, to
the person alone, and nothing changes."""

from dataclasses import replace
from typing import Any

import pytest

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message, ViewRecord
from bot.slack import ids
from stages import checkin_service, dispute_service, exit_service, relationship_service, review_service
from stages.catalogue import default_catalogue
from stages.relationships import RelationshipDraft
from tests.conftest import START
from tests.e2e.helpers import (
    ACME,
    ALICE,
    BOB,
    CAROL,
    PARTNERSHIPS,
    create_relationship,
    fresh,
    last_ephemeral,
    relationship,
    shown,
)
from tests.e2e.test_checkins import answer_with_evidence, start_checkin

CHECKIN_GONE = "That button belongs to a check-in that has changed or gone. Nothing was changed"
DISPUTE_GONE = "That dispute has moved on since that message was shown. Nothing was changed"
RELATIONSHIP_GONE = "That button or form belongs to a relationship that has changed or gone. Nothing was changed"
NUDGE_GONE = "That button belongs to a reminder that has changed or gone. Nothing was changed."
SOURCE_UNREADABLE = "That form does not say which message it was raised from in a way Accord can read."
OTHER_TEAM = "T0OTHER"

# None of these is a reference of any kind: empty, not a number, signed, spaced, not ASCII, beyond what the
# database holds, or cut short.
HOSTILE = [
    "", "x", "-1", "+1", " 1", "1.0", "\u0661", "0", "2147483648", "9" * 40, "1:", "1@", "@1", ":S1.1",
    "1:S1.1:", "1:S1.1x", "1@1@1", '{"relationship": 1}',
]  # fmt: skip

BUTTONS = {
    ids.ACTION_ITEM_DONE: CHECKIN_GONE,
    ids.ACTION_ITEM_IN_PROGRESS: CHECKIN_GONE,
    ids.ACTION_ITEM_NOT_APPLICABLE: CHECKIN_GONE,
    ids.ACTION_ITEM_EVIDENCE: CHECKIN_GONE,
    ids.ACTION_SIGN_OFF: CHECKIN_GONE,
    ids.ACTION_REOPEN: CHECKIN_GONE,
    ids.ACTION_DISPUTE_ACKNOWLEDGE: DISPUTE_GONE,
    ids.ACTION_DISPUTE_UPDATE: DISPUTE_GONE,
    ids.ACTION_DISPUTE_ESCALATE: DISPUTE_GONE,
    ids.ACTION_DISPUTE_RESOLVE: DISPUTE_GONE,
    ids.ACTION_OPEN_REVIEW: RELATIONSHIP_GONE,
    ids.ACTION_OPEN_EXIT: RELATIONSHIP_GONE,
    ids.ACTION_NUDGE_OPEN: NUDGE_GONE,
}

# The same buttons, valid in form, naming what exists only in another workspace (ids 2; this one's are 1).
ELSEWHERE = {
    ids.ACTION_ITEM_DONE: "2:S1.1",
    ids.ACTION_ITEM_EVIDENCE: "2:S1.1",
    ids.ACTION_SIGN_OFF: "2@0",
    ids.ACTION_DISPUTE_ACKNOWLEDGE: "2",
    ids.ACTION_DISPUTE_ESCALATE: "2@1",
    ids.ACTION_DISPUTE_RESOLVE: "2",
    ids.ACTION_OPEN_REVIEW: "2",
    ids.ACTION_OPEN_EXIT: "2",
    ids.ACTION_NUDGE_OPEN: "2",
}


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    """A relationship with a check-in thread and a dispute, and another workspace with the same, ids 2."""
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, cadence="30")
    start_checkin(sandbox)
    sandbox.driver.command(CAROL, PARTNERSHIPS, "dispute Acme Alliance deliveries late three weeks running")
    other = sandbox.database.uow(OTHER_TEAM)
    draft = RelationshipDraft("Their Alliance", "Them Ltd", "U0THEM", "U0THEIRS", "C0THEIRS", 30)
    theirs = relationship_service.create_relationship(other, draft, created_by="U0THEM", now=START).relationship
    stage = default_catalogue().stage(1)
    checkin_service.claim(sandbox.database.uow(OTHER_TEAM), theirs, stage, by="U0THEM", now=START)
    dispute_service.raise_dispute(sandbox.database.uow(OTHER_TEAM), theirs.id or 0, by="U0THEM", now=START, text="late")
    return sandbox


def first_item(sandbox: Sandbox) -> Message:
    """The first item's message in the check-in's thread (the channel's second message)."""
    return sandbox.workspace.replies(ACME, sandbox.workspace.top_level(ACME)[1].ts)[0]


def forged(message: Message, action_id: str, value: str) -> Message:
    """The message as a forged client shows it: with a button carrying `value`."""
    button = {"type": "button", "action_id": action_id, "value": value, "text": {"type": "plain_text", "text": "x"}}
    return replace(message, blocks=[*message.blocks, {"type": "actions", "block_id": "forged", "elements": [button]}])


SHOWN = ("views.open", "views.update", "chat.postMessage", "chat.update")


def effects(sandbox: Sandbox, methods: tuple[str, ...] = SHOWN) -> tuple[int, ...]:
    """What anyone could see change: the Web API calls made of `methods`, and the records kept in either
    workspace (their audit trails, answers and dispute events)."""
    ws = sandbox.workspace
    calls = [len(ws.calls_to(method)) for method in methods]
    with sandbox.database.uow(ws.team_id) as uow:
        ours = (len(uow.audit.all(1)), len(uow.checklist.states(1)), len(uow.disputes.events(1)))
    with sandbox.database.uow(OTHER_TEAM) as uow:
        theirs = (len(uow.audit.all(2)), len(uow.checklist.states(2)), len(uow.disputes.events(2)))
    return (*calls, *ours, *theirs)


@pytest.mark.parametrize("action_id", list(BUTTONS))
def test_a_button_carrying_anything_but_a_reference_is_stale(acme: Sandbox, action_id: str) -> None:
    intro = acme.workspace.top_level(ACME)[0]
    before = effects(acme)
    for value in HOSTILE:
        acme.driver.click(BOB, forged(intro, action_id, value), action_id)
        told = last_ephemeral(acme, BOB)
        assert BUTTONS[action_id] in told.text, (value, told.text)
        assert effects(acme) == before, value


@pytest.mark.parametrize("action_id", list(ELSEWHERE))
def test_a_button_naming_another_workspaces_record_is_stale(acme: Sandbox, action_id: str) -> None:
    before = effects(acme)
    acme.driver.click(BOB, forged(acme.workspace.top_level(ACME)[0], action_id, ELSEWHERE[action_id]), action_id)
    assert BUTTONS[action_id] in last_ephemeral(acme, BOB).text
    assert effects(acme) == before


@pytest.mark.parametrize("block_id", ["answer:", "answer:x:S1.1", "answer:1:", "answer:9999999999:S1.1", "gate"])
def test_an_assignee_menu_in_a_block_that_is_not_an_items_is_stale(acme: Sandbox, block_id: str) -> None:
    menu = {"type": "users_select", "action_id": ids.ACTION_ITEM_ASSIGN}
    message = replace(first_item(acme), blocks=[{"type": "actions", "block_id": block_id, "elements": [menu]}])
    before = effects(acme)
    acme.driver.click(BOB, message, ids.ACTION_ITEM_ASSIGN, selected=CAROL)
    assert CHECKIN_GONE in last_ephemeral(acme, BOB).text
    assert effects(acme) == before


# ----- forms: what a modal carries to its submission


def tampered(sandbox: Sandbox, user: str, metadata: str) -> ViewRecord:
    record = sandbox.workspace.current_modal(user)
    assert record is not None
    record.view["private_metadata"] = metadata
    return record


def open_review(sandbox: Sandbox) -> dict[str, Any]:
    sandbox.driver.command(ALICE, ACME, "review Acme Alliance")
    return {"summary": "Steady", "delivery": "4", "trust": "4", "value": "3", "governance": "4"}


def open_exit(sandbox: Sandbox) -> dict[str, Any]:
    sandbox.driver.command(ALICE, ACME, "exit Acme Alliance")
    return {"triggers": "Insolvency", "plan": "Hand over in 90 days", "reviewed_with": [BOB]}


def open_edit(sandbox: Sandbox) -> dict[str, Any]:
    sandbox.driver.command(ALICE, ACME, "edit Acme Alliance")
    return {"name": "Acme Renamed"}


def open_not_applicable(sandbox: Sandbox) -> dict[str, Any]:
    sandbox.driver.click(ALICE, fresh(sandbox, first_item(sandbox)), ids.ACTION_ITEM_NOT_APPLICABLE)
    return {"reason": "Not for this partner"}


def open_evidence(sandbox: Sandbox) -> dict[str, Any]:
    sandbox.driver.click(ALICE, fresh(sandbox, first_item(sandbox)), ids.ACTION_ITEM_EVIDENCE)
    return {"note": "Signed at the board"}


def open_update(sandbox: Sandbox) -> dict[str, Any]:
    sandbox.driver.click(ALICE, sandbox.workspace.top_level(ACME)[-1], ids.ACTION_DISPUTE_UPDATE)
    return {"update": "Called them"}


def open_resolve(sandbox: Sandbox) -> dict[str, Any]:
    sandbox.driver.click(ALICE, sandbox.workspace.top_level(ACME)[-1], ids.ACTION_DISPUTE_RESOLVE)
    return {"resolution": "Agreed a plan", "root_cause": "No forecast"}


FORMS = {
    "review": (open_review, RELATIONSHIP_GONE),
    "exit": (open_exit, RELATIONSHIP_GONE),
    "edit": (open_edit, RELATIONSHIP_GONE),
    "not applicable": (open_not_applicable, CHECKIN_GONE),
    "evidence": (open_evidence, CHECKIN_GONE),
    "dispute update": (open_update, DISPUTE_GONE),
    "dispute resolution": (open_resolve, DISPUTE_GONE),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_a_form_carrying_anything_but_its_reference_saves_nothing(acme: Sandbox, form: str) -> None:
    open_form, words = FORMS[form]
    before = effects(acme, ("chat.postMessage", "chat.update"))
    for metadata in ("", "x", "1@x", "{}", '{"relationship": 1}', "2147483648", "2147483648@0"):
        answers = open_form(acme)
        tampered(acme, ALICE, metadata)
        submission = acme.driver.submit(ALICE, answers)
        assert submission.errors == {}
        assert words in shown(acme.workspace.current_modal(ALICE)), metadata
        assert effects(acme, ("chat.postMessage", "chat.update")) == before, metadata


def test_a_reopen_form_for_another_check_in_reopens_nothing(acme: Sandbox) -> None:
    parent = acme.workspace.top_level(ACME)[1]
    for item in acme.workspace.replies(ACME, parent.ts):
        acme.driver.click(ALICE, fresh(acme, item), ids.ACTION_ITEM_NOT_APPLICABLE)
        acme.driver.submit(ALICE, {"reason": "Not for this partner"})
    answer_with_evidence(acme, ALICE, acme.workspace.replies(ACME, parent.ts)[0])  # something must be done
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_SIGN_OFF)
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_REOPEN)
    for metadata in ("1@", "1", "2@1", "x@1"):
        tampered(acme, ALICE, metadata)
        acme.driver.submit(ALICE, {"reason": "The partner changed its policy"})
        assert CHECKIN_GONE in shown(acme.workspace.current_modal(ALICE))
        acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_REOPEN)
    assert relationship(acme).stage == 2


def test_a_dispute_form_with_a_forged_source_or_relationship_raises_nothing(acme: Sandbox) -> None:
    message = acme.workspace.top_level(ACME)[0]
    for metadata, option, words in [
        ("javascript:alert(1)", "1", SOURCE_UNREADABLE),
        ("https://", "1", SOURCE_UNREADABLE),
        ("", "x", RELATIONSHIP_GONE),
        ("", "2", RELATIONSHIP_GONE),  # another workspace's
    ]:
        acme.driver.message_shortcut(CAROL, message, ids.SHORTCUT_RAISE_DISPUTE)
        record = tampered(acme, CAROL, metadata)
        [menu] = [b["element"] for b in record.view["blocks"] if b.get("block_id") == ids.BLOCK_RELATIONSHIP]
        menu["options"][0]["value"] = option
        acme.driver.submit(CAROL, {"relationship": option})
        assert words in shown(acme.workspace.current_modal(CAROL)), metadata
    assert len(dispute_service.open_cases(acme.database.uow(acme.workspace.team_id))) == 1


def test_review_and_exit_forms_from_another_workspace_save_nothing_there(acme: Sandbox) -> None:
    for open_form, metadata in ((open_review, "2@"), (open_exit, "2@0")):
        answers = open_form(acme)
        tampered(acme, ALICE, metadata)
        acme.driver.submit(ALICE, answers)
        assert RELATIONSHIP_GONE in shown(acme.workspace.current_modal(ALICE))
    other = acme.database.uow(OTHER_TEAM)
    assert review_service.recent(other, 2) == [] and exit_service.latest(acme.database.uow(OTHER_TEAM), 2) is None
