"""Stage check-ins driven as Slack drives them: threads, buttons, modals, replies, retries and the Home tab."""

import threading
from copy import deepcopy
from dataclasses import replace

import pytest

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from stages import relationship_service
from stages.checkins import SignOff
from stages.checklist import AnswerKind, ItemStatus
from stages.relationships import RelationshipDraft, RelationshipStatus
from tests.conftest import START
from tests.e2e.helpers import (
    ACME,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    NEWCO,
    create_relationship,
    fresh,
    last_ephemeral,
    relationship,
    shown,
)

EVIDENCE = "https://intranet.example.com/accord/evidence"


def start_checkin(sandbox: Sandbox, text: str = "Acme Alliance", user: str = ALICE) -> tuple[Message, list[Message]]:
    sandbox.driver.command(user, ACME, f"checkin {text}")
    parent = sandbox.workspace.top_level(ACME)[-1]
    return parent, sandbox.workspace.replies(ACME, parent.ts)


def answer_with_evidence(sandbox: Sandbox, user: str, item_message: Message, link: str = EVIDENCE) -> None:
    sandbox.driver.click(user, fresh(sandbox, item_message), ids.ACTION_ITEM_DONE)
    sandbox.driver.click(user, fresh(sandbox, item_message), ids.ACTION_ITEM_EVIDENCE)
    submission = sandbox.driver.submit(user, {"link": link, "note": "Approved at the board"})
    assert submission.errors == {}


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB)
    return sandbox


def test_two_people_take_a_relationship_from_stage_one_to_stage_two(acme: Sandbox) -> None:
    driver, ws = acme.driver, acme.workspace
    parent, items = start_checkin(acme)
    assert len(items) == 7
    opening = shown(parent)
    assert "Stage 1 · Operational awareness" in opening
    assert "*Acme Alliance* with Acme Ltd · Strategy phase" in opening
    assert "*0/7 complete* · 0 done · 0 not applicable · 7 still open" in opening
    assert "Still open (mark each Done, or Not applicable with a reason): S1.1, S1.2" in opening
    assert "DO ensure you have strong support from the top" in opening
    assert "*1. S1.1* · An executive sponsor is named" in shown(items[0])

    # Alice and Carol work through the checklist; S1.6 does not apply.
    na_item = items[5]
    for position, item in enumerate(items):
        user = ALICE if position % 2 else CAROL
        if item is na_item:
            driver.click(user, fresh(acme, item), ids.ACTION_ITEM_NOT_APPLICABLE)
            driver.submit(user, {"reason": "One partner only: segmentation does not apply"})
        else:
            answer_with_evidence(acme, user, item)

    assert "*Not applicable:* One partner only: segmentation does not apply" in shown(fresh(acme, na_item))
    assert f"*Done* · <@{CAROL}>" in shown(fresh(acme, items[0]))
    assert "<https://intranet.example.com/accord/evidence|evidence>" in shown(fresh(acme, items[0]))
    ready = fresh(acme, parent)
    assert "*7/7 complete* · 6 done · 1 not applicable · 0 still open" in shown(ready)
    assert "*Ready for sign-off*" in shown(ready) and "Blocking sign-off" not in shown(ready)

    # Carol is neither owner nor sponsor: her sign-off is refused and changes nothing.
    driver.click(CAROL, ready, ids.ACTION_SIGN_OFF)
    assert "Only the relationship's owner (<@U0ALICE>) or executive sponsor (<@U0BOB>) can sign off a stage" in (
        last_ephemeral(acme, CAROL).text
    )
    assert relationship(acme).stage == 1

    # Bob, the sponsor, signs it off.
    driver.click(BOB, fresh(acme, parent), ids.ACTION_SIGN_OFF)
    moved = relationship(acme)
    assert (moved.stage, moved.status) == (2, RelationshipStatus.ACTIVE)
    summary = ws.replies(ACME, parent.ts)[-1]
    assert "*Stage 1 · Operational awareness signed off* by <@U0BOB>" in summary.text
    assert "7 items: 6 done, 1 not applicable." in summary.text
    assert "• S1.6 not applicable: One partner only" in summary.text
    assert "Next: *Stage 2 · Knowledge*" in summary.text
    closed = shown(fresh(acme, parent))
    assert "*Signed off* by <@U0BOB>" in closed
    assert "Reopen" in closed and "Sign off" not in closed
    assert not any(b["type"] == "actions" for b in fresh(acme, items[0]).blocks)  # answers close with the stage

    # Everything is stored, with history.
    uow = acme.database.uow(ws.team_id)
    with uow:
        states = uow.checklist.states(moved.id or 0)
        history = uow.checklist.history(moved.id or 0, "S1.1")
    assert {s.status for s in states.values()} == {ItemStatus.DONE, ItemStatus.NOT_APPLICABLE}
    assert [(a.kind, a.actor_id) for a in history] == [(AnswerKind.STATUS, CAROL), (AnswerKind.EVIDENCE, CAROL)]
    assert history[1].evidence_url == EVIDENCE and history[1].evidence_note == "Approved at the board"

    driver.command(ALICE, ACME, "status Acme Alliance")
    status = shown(last_ephemeral(acme, ALICE))
    assert "*1 Operational awareness*" in status and "7/7 · signed off" in status
    assert "Stage 2 · Knowledge · Strategy phase" in status

    _, next_items = start_checkin(acme)
    assert len(next_items) == 7 and "S2.1" in shown(next_items[0])


def with_button(message: Message, action_id: str, value: str) -> Message:
    """The message as a forged or outdated client might show it: with a button it does not (or no longer) has."""
    button = {"type": "button", "action_id": action_id, "value": value, "text": {"type": "plain_text", "text": "x"}}
    return replace(message, blocks=[*message.blocks, {"type": "actions", "block_id": "forged", "elements": [button]}])


def test_the_gate_refuses_a_stage_with_work_left_and_says_what(acme: Sandbox) -> None:
    parent, items = start_checkin(acme)
    acme.driver.click(ALICE, items[0], ids.ACTION_ITEM_DONE)  # S1.1 needs evidence too
    assert "Sign off" not in shown(fresh(acme, parent))
    acme.driver.click(ALICE, with_button(fresh(acme, parent), ids.ACTION_SIGN_OFF, "1@0"), ids.ACTION_SIGN_OFF)
    refusal = last_ephemeral(acme, ALICE).text
    assert "Stage 1 is not ready for sign-off yet." in refusal
    assert "Done without the evidence they need (add it with *Add evidence*): S1.1" in refusal
    assert "Still open (mark each Done, or Not applicable with a reason): S1.2, S1.3, S1.4, S1.5, S1.6, S1.7" in (
        refusal
    )
    assert relationship(acme).stage == 1
    assert "needs evidence" in shown(fresh(acme, items[0]))


def test_not_applicable_needs_a_reason_and_evidence_needs_a_link_or_note(acme: Sandbox) -> None:
    _, items = start_checkin(acme)
    driver = acme.driver
    driver.click(ALICE, items[1], ids.ACTION_ITEM_NOT_APPLICABLE)
    assert driver.submit(ALICE, {"reason": "   "}, client_checks=False).errors == {
        "reason": "Give a reason: it is kept with the stage's record."
    }
    assert driver.submit(ALICE, {"reason": "x" * 501}, client_checks=False).errors == {
        "reason": "Keep this to 500 characters or fewer (it has 501)."
    }
    driver.close_modal(ALICE)
    driver.click(ALICE, items[1], ids.ACTION_ITEM_EVIDENCE)
    assert driver.submit(ALICE, {}).errors == {"link": "Add a link, a note, or both."}
    assert driver.submit(ALICE, {"link": "intranet/policy"}, client_checks=False).errors == {
        "link": "Enter a web address starting with https:// (or http://)."
    }
    driver.close_modal(ALICE)
    with acme.database.uow(acme.workspace.team_id) as uow:
        assert uow.checklist.states(relationship(acme).id or 0) == {}
    assert ":white_circle: Open" in shown(fresh(acme, items[1]))


def test_a_thread_reply_lands_on_the_item_it_names(acme: Sandbox) -> None:
    parent, items = start_checkin(acme)
    driver, ws = acme.driver, acme.workspace
    by_id = driver.say(CAROL, ACME, "s1.3 objectives are in the strategy deck", thread_ts=parent.ts)
    by_number = driver.say(DAVE, ACME, "4: benefits paper circulated to the exec", thread_ts=parent.ts)
    general = driver.say(DAVE, ACME, "Great start everyone", thread_ts=parent.ts)
    elsewhere = driver.say(DAVE, ACME, "S1.3 not in a thread")

    assert ":speech_balloon: 1 note" in shown(fresh(acme, items[2]))
    assert ":speech_balloon: 1 note" in shown(fresh(acme, items[3]))
    for message in (by_id, by_number, general):
        assert fresh(acme, message).reactions == {"memo": [ws.bot_user_id]}
    assert fresh(acme, elsewhere).reactions == {}
    with acme.database.uow(ws.team_id) as uow:
        notes = {n: uow.notes.by_message(ACME, m.ts) for n, m in (("id", by_id), ("n", by_number), ("g", general))}
    assert notes["id"] and notes["id"].item_id == "S1.3" and notes["id"].author_id == CAROL
    assert notes["n"] and notes["n"].item_id == "S1.4"
    assert notes["g"] and notes["g"].item_id is None

    driver.edit(CAROL, by_id, "S1.5 actually this is about risks")
    assert ":speech_balloon:" not in shown(fresh(acme, items[2]))
    assert ":speech_balloon: 1 note" in shown(fresh(acme, items[4]))
    driver.delete(DAVE, by_number)
    assert ":speech_balloon:" not in shown(fresh(acme, items[3]))
    with acme.database.uow(ws.team_id) as uow:
        edited = uow.notes.by_message(ACME, by_id.ts)
        assert edited is not None and (edited.text, edited.item_id) == ("S1.5 actually this is about risks", "S1.5")
        assert uow.notes.by_message(ACME, by_number.ts) is None


def test_the_bot_ignores_its_own_messages_and_other_bots(acme: Sandbox) -> None:
    parent, _ = start_checkin(acme)
    ws = acme.workspace
    ws.post(ACME, "S1.1 posted by the app itself", thread_ts=parent.ts)  # as the bot
    other_bot = acme.driver.envelope(
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B0OTHER",
            "text": "S1.1 from another bot",
            "ts": "1795000000.000001",
            "thread_ts": parent.ts,
            "channel": ACME,
            "channel_type": "channel",
        }
    )
    acme.driver.deliver(other_bot)
    acme.driver.settle()
    with acme.database.uow(ws.team_id) as uow:
        checkin = uow.checkins.by_thread(ACME, parent.ts)
        assert checkin is not None and uow.notes.counts(checkin.id or 0) == {}


def test_a_retried_event_and_repeated_clicks_change_nothing(acme: Sandbox) -> None:
    parent, items = start_checkin(acme)
    driver, ws = acme.driver, acme.workspace
    reply = driver.say(CAROL, ACME, "S1.2 policy drafted", thread_ts=parent.ts)
    envelope = next(e for e, _ in driver.delivered if e["event"].get("ts") == reply.ts)
    replies = driver.redeliver(envelope, times=3)
    assert all(r.status == 200 for r in replies)

    driver.click(ALICE, items[0], ids.ACTION_ITEM_DONE)
    driver.click(ALICE, items[0], ids.ACTION_ITEM_DONE)  # a double click
    payload = next(p for p in driver.interactions if p["type"] == "block_actions")
    driver.send_interaction(payload)  # the very same action replayed
    updates = len(ws.calls_to("chat.update"))

    acme_id = relationship(acme).id or 0
    with acme.database.uow(ws.team_id) as uow:
        checkin = uow.checkins.by_thread(ACME, parent.ts)
        assert checkin is not None and uow.notes.counts(checkin.id or 0) == {"S1.2": 1}
        assert len(uow.checklist.history(acme_id, "S1.1")) == 1
    assert fresh(acme, reply).reactions == {"memo": [ws.bot_user_id]}
    assert updates == len(ws.calls_to("chat.update"))


def test_a_double_sign_off_moves_the_relationship_once(acme: Sandbox) -> None:
    parent, items = start_checkin(acme)
    for item in items:
        answer_with_evidence(acme, ALICE, item)
    ready = deepcopy(fresh(acme, parent))  # what both people see: the parent with its Sign off button
    clicks = [
        threading.Thread(target=acme.driver.click, args=(who, ready, ids.ACTION_SIGN_OFF)) for who in (ALICE, BOB)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    acme.driver.settle()
    assert relationship(acme).stage == 2
    summaries = [m for m in acme.workspace.replies(ACME, parent.ts) if "signed off* by" in m.text]
    assert len(summaries) == 1
    acme.driver.click(BOB, ready, ids.ACTION_SIGN_OFF)  # the stale button, pressed again later
    assert "Stage 1 is already signed off." in last_ephemeral(acme, BOB).text
    assert relationship(acme).stage == 2


def test_reopening_needs_the_owner_or_sponsor_and_a_reason(acme: Sandbox) -> None:
    parent, items = start_checkin(acme)
    for item in items:
        answer_with_evidence(acme, ALICE, item)
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_SIGN_OFF)
    signed = fresh(acme, parent)

    acme.driver.click(CAROL, signed, ids.ACTION_REOPEN)
    assert "or executive sponsor (<@U0BOB>) can reopen a stage" in last_ephemeral(acme, CAROL).text
    assert acme.workspace.current_modal(CAROL) is None

    acme.driver.click(BOB, signed, ids.ACTION_REOPEN)
    assert acme.driver.submit(BOB, {"reason": " "}, client_checks=False).errors == {
        "reason": "Give a reason: it is kept with the stage's record."
    }
    acme.driver.submit(BOB, {"reason": "The partner changed its policy"})
    back = relationship(acme)
    assert back.stage == 1
    assert "*Stage 1 · Operational awareness reopened* by <@U0BOB>: The partner changed its policy" in (
        acme.workspace.replies(ACME, parent.ts)[-1].text
    )
    reopened = shown(fresh(acme, parent))
    assert "*Ready for sign-off*" in reopened and "Sign off" in reopened
    assert any(b["type"] == "actions" for b in fresh(acme, items[0]).blocks)  # answers are open again
    with acme.database.uow(acme.workspace.team_id) as uow:
        assert uow.sign_offs.active(back.id or 0, 1) is None


def test_running_checkin_again_points_to_the_open_thread(acme: Sandbox) -> None:
    parent, _ = start_checkin(acme)
    acme.driver.command(BOB, ACME, "checkin acme alliance")
    assert "Stage 1 · Operational awareness of *Acme Alliance* already has a check-in: <https://" in (
        last_ephemeral(acme, BOB).text
    )
    assert f"/archives/{ACME}/p{parent.ts.replace('.', '')}|open its thread>" in last_ephemeral(acme, BOB).text
    assert len(acme.workspace.top_level(ACME)) == 2  # the introduction and the one check-in


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme Alliance 3", "*Acme Alliance* is at stage 1; stage 3 opens once stage 1 is signed off."),
        ("Acme Alliance 9", "There is no stage 9: stages run from 1 to 8."),
        ("Acme Aliance", "Did you mean *Acme Alliance*?"),
        ("", "That command needs more: `/accord checkin &lt;relationship&gt; [stage]`."),
    ],
)
def test_checkin_refusals_are_explained(acme: Sandbox, text: str, expected: str) -> None:
    acme.driver.command(ALICE, ACME, f"checkin {text}")
    assert expected in last_ephemeral(acme, ALICE).text
    with acme.database.uow(acme.workspace.team_id) as uow:
        assert uow.checkins.for_stage(relationship(acme).id or 0, 1) is None


def test_a_stage_number_can_be_part_of_the_name(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Phase 2", partner="Two Ltd")
    sandbox.driver.command(ALICE, ACME, "checkin Phase 2")
    assert "Stage 1 · Operational awareness" in shown(sandbox.workspace.top_level(ACME)[-1])
    sandbox.driver.command(ALICE, ACME, "checkin Phase 2 1")
    assert "already has a check-in" in last_ephemeral(sandbox, ALICE).text


def test_checkin_where_the_bot_is_not_invited_says_so_and_keeps_nothing(acme: Sandbox) -> None:
    acme.driver.command(ALICE, "G0BOARD", "checkin Acme Alliance")
    assert "I'm not in this channel, so I can't start a check-in here" in last_ephemeral(acme, ALICE).text
    with acme.database.uow(acme.workspace.team_id) as uow:
        assert uow.checkins.for_stage(relationship(acme).id or 0, 1) is None
    parent, _ = start_checkin(acme)  # and it can be started elsewhere afterwards
    assert "Stage 1" in shown(parent)


def test_the_largest_stage_stays_within_slacks_block_limits(acme: Sandbox) -> None:
    rel = relationship(acme)
    with acme.database.uow(acme.workspace.team_id) as uow:
        uow.relationships.update(replace(rel, stage=5))
        uow.commit()
    parent, items = start_checkin(acme, "Acme Alliance 5")
    assert len(items) == 12  # Working together: S5.1 to S5.12
    assert len(parent.blocks) <= 50 and all(len(m.blocks) <= 50 for m in items)
    assert "*12. S5.12* · The exit strategy is reviewed jointly with the partner." in shown(items[-1])
    assert acme.workspace.violations == []


def test_signing_off_stage_eight_marks_the_relationship_exited(acme: Sandbox) -> None:
    rel = relationship(acme)
    with acme.database.uow(acme.workspace.team_id) as uow:
        uow.relationships.update(replace(rel, stage=8))
        for stage in range(1, 8):
            uow.sign_offs.add(SignOff(acme.workspace.team_id, rel.id or 0, stage, BOB, START))
        uow.commit()
    parent, items = start_checkin(acme, "Acme Alliance")
    for item in items:
        answer_with_evidence(acme, BOB, item)
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_SIGN_OFF)
    exited = relationship(acme)
    assert (exited.stage, exited.status) == (8, RelationshipStatus.EXITED)
    assert (
        "*Acme Alliance* has completed the life cycle and exited." in acme.workspace.replies(ACME, parent.ts)[-1].text
    )
    assert "the relationship has exited" in shown(fresh(acme, parent))
    acme.driver.command(ALICE, ACME, "list")
    assert "_exited_" in shown(last_ephemeral(acme, ALICE))


def test_a_forged_or_stale_button_changes_nothing(acme: Sandbox) -> None:
    _, items = start_checkin(acme)
    item = items[0]
    forged = Message(item.channel, item.ts, item.text, [dict(b) for b in item.blocks])
    for block in forged.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == ids.ACTION_ITEM_DONE:
                element["value"] = "999:S1.1"
    acme.driver.click(ALICE, forged, ids.ACTION_ITEM_DONE)
    assert "That button belongs to a check-in that has changed or gone" in last_ephemeral(acme, ALICE).text
    with acme.database.uow(acme.workspace.team_id) as uow:
        assert uow.checklist.states(relationship(acme).id or 0) == {}


def test_the_home_tab_differs_for_owner_assignee_and_bystander(acme: Sandbox) -> None:
    parent, items = start_checkin(acme)
    acme.driver.click(ALICE, items[2], ids.ACTION_ITEM_ASSIGN, selected=CAROL)
    owner = shown(acme.driver.open_home(ALICE))
    assignee_home = acme.driver.open_home(CAROL)
    bystander = shown(acme.driver.open_home(DAVE))

    assert "*Acme Alliance* · Acme Ltd · _owner_" in owner
    assert "Stage 1 · Operational awareness · Strategy phase" in owner and "0/7" in owner
    assert "*Assigned to you* (1)" in shown(assignee_home)
    assert "*S1.3* · The business objectives that collaboration must serve are written down." in shown(assignee_home)
    assert "Acme Alliance" not in bystander and "No checklist items are assigned to you." in bystander

    # Carol answers from her Home tab: the thread shows it, and her Home refreshes.
    assert assignee_home is not None
    acme.driver.click(CAROL, assignee_home, ids.ACTION_ITEM_DONE)
    assert f"*Done* · <@{CAROL}>" in shown(fresh(acme, items[2]))
    refreshed = acme.workspace.home(CAROL)
    assert refreshed is not None and "*Assigned to you* (1)" in shown(refreshed)  # it still needs its evidence
    assert "needs evidence" in shown(refreshed)
    acme.driver.click(CAROL, refreshed, ids.ACTION_ITEM_EVIDENCE)
    acme.driver.submit(CAROL, {"note": "Objectives signed by the board"})
    assert "*Assigned to you* (0)" in shown(acme.workspace.home(CAROL))
    assert "*1/7 complete* · 1 done" in shown(fresh(acme, parent))


def test_ready_stages_show_on_the_leaders_home_tab(acme: Sandbox) -> None:
    _parent, items = start_checkin(acme)
    for item in items:
        answer_with_evidence(acme, CAROL, item)
    sponsor_home = acme.driver.open_home(BOB)
    assert "Stage 1 · Operational awareness of *Acme Alliance* is ready for your sign-off." in shown(sponsor_home)
    assert sponsor_home is not None
    acme.driver.click(BOB, sponsor_home, ids.ACTION_SIGN_OFF)
    assert relationship(acme).stage == 2
    assert "ready for your sign-off" not in shown(acme.workspace.home(BOB))


def test_the_home_tab_stays_within_100_blocks(acme: Sandbox) -> None:
    rel = relationship(acme)
    uow = acme.database.uow(acme.workspace.team_id)
    for n in range(90):
        draft = RelationshipDraft(f"Partner {n:02}", "Org", ALICE, BOB, NEWCO, 90)
        relationship_service.create_relationship(uow, draft, created_by=ALICE, now=START)
    _, items = start_checkin(acme)
    for item in items:
        acme.driver.click(ALICE, item, ids.ACTION_ITEM_ASSIGN, selected=ALICE)
    home = acme.driver.open_home(ALICE)
    assert home is not None and len(home.view["blocks"]) <= 100
    assert "more." in shown(home)
    assert rel.name in shown(home)
