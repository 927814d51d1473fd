"""Both sides of the partnership in the relationship's Slack Connect channel: Globex's people answer the joint
checklist through Accord's buttons, the joint gate waits for both organisations' sponsors, and a third
organisation in the channel is refused everything."""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.sandbox.clock import MovableClock
from bot.sandbox.demo import GLOBEX as GLOBEX_WORKSPACE
from bot.sandbox.driver import Driver, NotOffered
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from stages import action_service, checkin_service
from stages.action_service import Owner
from stages.actions import action_draft
from stages.checkins import GateSignature, SignOff
from stages.checklist import evidence_answer
from stages.disputes import DisputeEventKind
from stages.exits import ExitStrategy
from stages.relationships import Side
from tests.conftest import START
from tests.e2e.helpers import (
    ACME,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    create_relationship,
    escalate,
    fresh,
    last_ephemeral,
    relationship,
    shown,
)
from tests.e2e.test_names_and_dates import pack_files

JOINT, GLOBEX = "C0ACMEGLOBEX", "T0GLOBEX1"  # #acme-globex, shared with Globex's workspace in the demo
PAT, QUINN = "U0GLXPAT", "U0GLXQUINN"  # Globex's people in it
ERIN = "U0ERIN"  # Acme's, in Berlin
RAY = "U0GLXRAY"  # another of Globex's people, neither its sponsor nor its relationship manager
HANK, GLOBEX_GENERAL = "U0GLXHANK", "C0GLXGENERAL"  # of Globex's own workspace, where Globex installs Accord
IRENE, INITECH = "U0INIIRENE", "T0INITECH"  # a third organisation's person, in the channel too
EVIDENCE = "https://intranet.example.com/accord/evidence"


def name_partner_people(sandbox: Sandbox, answers: dict[str, str]) -> dict[str, str]:
    sandbox.driver.command(ALICE, JOINT, "edit Acme Alliance")
    return sandbox.driver.submit(ALICE, answers).errors


@pytest.fixture
def joint(sandbox: Sandbox) -> Sandbox:
    """Acme Alliance, run in #acme-globex with Globex, its partner people named, at stage 4 (partner selection):
    stages 1 to 3, the strategy phase, were Acme's own and were signed off in its internal channel."""
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, channel=JOINT, partner="Globex")
    assert name_partner_people(sandbox, {"partner_sponsor": PAT, "partner_manager": QUINN}) == {}
    rel = relationship(sandbox)
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        uow.relationships.update(replace(rel, stage=4))
        for stage in range(1, 4):
            uow.sign_offs.add(SignOff(sandbox.workspace.team_id, rel.id or 0, stage, BOB, START))
        uow.commit()
    sandbox.workspace.add_user(RAY, "ray", "Ray Gomez", "America/Chicago", team=GLOBEX)
    sandbox.workspace.add_user(IRENE, "irene", "Irene Novak", "Europe/Prague", team=INITECH)
    sandbox.workspace.share_channel(JOINT, INITECH)
    sandbox.workspace.other_teams[INITECH] = "Initech"
    sandbox.workspace.channel(JOINT).members |= {RAY, IRENE}
    return sandbox


@contextmanager
def joint_at_any_hour(database: Path, also: Iterable[str] = ()) -> Iterator[Sandbox]:
    """Acme Alliance in #acme-globex with Globex's people named, Globex's Ray and Initech's Irene in the channel
    too (and `also`), at stage 1; nudges go out at any hour."""
    with Sandbox(
        f"sqlite:///{database}", clock=MovableClock(START), working_days="mon-sun", working_hours="00:00-00:00"
    ) as box:
        create_relationship(box, "Acme Alliance", user=ALICE, sponsor=BOB, channel=JOINT, partner="Globex")
        assert name_partner_people(box, {"partner_sponsor": PAT, "partner_manager": QUINN}) == {}
        box.workspace.add_user(RAY, "ray", "Ray Gomez", "America/Chicago", team=GLOBEX)
        box.workspace.add_user(IRENE, "irene", "Irene Novak", "Europe/Prague", team=INITECH)
        box.workspace.share_channel(JOINT, INITECH)
        box.workspace.channel(JOINT).members |= {RAY, IRENE, *also}
        yield box
        assert box.workspace.violations == [], "the app broke Slack's contract"


def start_checkin(sandbox: Sandbox) -> tuple[Message, list[Message]]:
    sandbox.driver.command(ALICE, JOINT, "checkin Acme Alliance")
    parent = sandbox.workspace.top_level(JOINT)[-1]
    return parent, sandbox.workspace.replies(JOINT, parent.ts)


def done_with_evidence(sandbox: Sandbox, user: str, item: Message) -> None:
    sandbox.driver.click(user, fresh(sandbox, item), ids.ACTION_ITEM_DONE)
    sandbox.driver.click(user, fresh(sandbox, item), ids.ACTION_ITEM_EVIDENCE)
    assert sandbox.driver.submit(user, {"link": EVIDENCE, "note": "Agreed at the joint meeting"}).errors == {}


def answer_everything(sandbox: Sandbox, items: list[Message]) -> None:
    """Globex answers the first half of the stage's items, Acme the rest."""
    for number, item in enumerate(items):
        done_with_evidence(sandbox, PAT if number < len(items) // 2 else ALICE, item)


def test_a_relationship_made_in_a_shared_channel_is_joint_and_its_owner_names_the_partners_people(
    joint: Sandbox,
) -> None:
    rel = relationship(joint)
    assert (rel.partner_team_id, rel.partner_sponsor_id, rel.partner_manager_id) == (GLOBEX, PAT, QUINN)
    parent, _ = start_checkin(joint)
    opening = shown(parent)
    assert "Stage 4 · Partner selection" in opening
    assert f"Globex: executive sponsor <@{PAT}>, relationship manager <@{QUINN}>" in opening
    assert joint.workspace.violations == []


def test_the_partners_people_must_be_theirs(joint: Sandbox) -> None:
    # One of Acme's own leaders is refused in the form itself, before anything is sent on.
    assert (
        "Choose someone of the partner organisation"
        in name_partner_people(joint, {"partner_sponsor": BOB})["partner_sponsor"]
    )
    # Someone else of Acme's is told under the field once Slack has said whose workspace they belong to.
    assert name_partner_people(joint, {"partner_sponsor": DAVE}) == {}
    assert "this person is not one of theirs" in shown(joint.workspace.current_modal(ALICE))
    assert relationship(joint).partner_sponsor_id == PAT


def test_the_partners_people_answer_the_joint_checklist_and_it_is_recorded_as_theirs(joint: Sandbox) -> None:
    _, items = start_checkin(joint)
    joint.driver.click(PAT, items[0], ids.ACTION_ITEM_DONE)
    joint.driver.click(ALICE, items[1], ids.ACTION_ITEM_IN_PROGRESS)
    assert ":white_check_mark: *Done*" in shown(fresh(joint, items[0]))
    rel = relationship(joint)
    with joint.database.uow(joint.workspace.team_id) as uow:
        answers = [(a.actor_id, a.actor_side) for a in uow.checklist.answers(rel.id or 0)]
    assert answers == [(PAT, Side.PARTNER), (ALICE, Side.HOME)]


def test_a_third_organisation_in_the_channel_is_refused_everything(joint: Sandbox) -> None:
    parent, items = start_checkin(joint)
    before = shown(fresh(joint, items[0]))
    joint.driver.click(IRENE, items[0], ids.ACTION_ITEM_DONE)
    told = shown(last_ephemeral(joint, IRENE))
    assert "only the two organisations' people can take part" in told
    joint.driver.click(IRENE, items[0], ids.ACTION_ITEM_EVIDENCE)
    assert joint.workspace.current_modal(IRENE) is None
    assert shown(fresh(joint, items[0])) == before
    answer_everything(joint, items)
    joint.driver.click(IRENE, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    assert "only the two organisations' people can take part" in shown(last_ephemeral(joint, IRENE))
    assert relationship(joint).stage == 4


def test_the_joint_gate_waits_for_both_sponsors(joint: Sandbox) -> None:
    parent, items = start_checkin(joint)
    answer_everything(joint, items)
    assert "waiting for" in shown(fresh(joint, parent))
    joint.driver.click(ALICE, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    # One side's signature leaves the gate open, and says whose it awaits.
    assert relationship(joint).stage == 4
    gate = shown(fresh(joint, parent))
    assert f"signed by Accord Sandbox: <@{ALICE}> · waiting for Globex" in gate
    said = joint.workspace.replies(JOINT, parent.ts)[-1].text
    assert "signed for Accord Sandbox by" in said and "signed off once Globex signs too" in said
    # The same side again changes nothing; a person of the partner's who signs for nobody is refused.
    joint.driver.click(BOB, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    assert "waits for the other organisation's signature" in shown(last_ephemeral(joint, BOB))
    joint.driver.click(RAY, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    assert "This stage is signed off jointly" in shown(last_ephemeral(joint, RAY))
    assert relationship(joint).stage == 4
    # Globex's sponsor counter-signs: the stage is signed off by both, and the relationship moves on.
    joint.driver.click(PAT, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    rel = relationship(joint)
    assert rel.stage == 5
    with joint.database.uow(joint.workspace.team_id) as uow:
        [signed] = [s for s in uow.sign_offs.for_relationship(rel.id or 0) if s.stage == 4]
    assert (signed.signed_by, signed.partner_signed_by) == (ALICE, PAT)
    assert f"*Signed off* by <@{ALICE}> (Accord Sandbox) and <@{PAT}> (Globex)" in shown(fresh(joint, parent))
    assert joint.workspace.violations == []


def test_the_partners_relationship_manager_signs_for_them_and_acme_may_sign_second(joint: Sandbox) -> None:
    parent, items = start_checkin(joint)
    answer_everything(joint, items)
    joint.driver.click(QUINN, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    assert f"waiting for Accord Sandbox · signed by Globex: <@{QUINN}>" in shown(fresh(joint, parent))
    joint.driver.click(BOB, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    assert relationship(joint).stage == 5


def test_a_tampered_payload_claiming_to_be_the_partners_sponsor_is_refused(joint: Sandbox) -> None:
    parent, items = start_checkin(joint)
    answer_everything(joint, items)
    joint.driver.click(ALICE, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    joint.driver.click(DAVE, fresh(joint, parent), ids.ACTION_SIGN_OFF)  # refused: Acme's, and no leader
    forged = json.loads(json.dumps(joint.driver.interactions[-1]))
    for team in (joint.workspace.team_id, INITECH):  # Pat's id, with Acme's workspace or a third one's
        forged["user"] |= {"id": PAT, "team_id": team, "name": "pat", "username": "pat"}
        joint.driver.send_interaction(forged)
    assert relationship(joint).stage == 4
    assert "waiting for Globex" in shown(fresh(joint, parent))


def test_the_partners_people_have_no_slash_command_where_only_acme_installed_accord(joint: Sandbox) -> None:
    with pytest.raises(NotOffered):
        joint.driver.command(PAT, JOINT, "checkin Acme Alliance")
    assert CAROL in joint.workspace.channel(JOINT).members  # Acme's people in the channel keep theirs


def test_the_evidence_pack_names_who_of_each_organisation_answered_and_signed(joint: Sandbox, tmp_path: Path) -> None:
    parent, items = start_checkin(joint)
    answer_everything(joint, items)
    joint.driver.click(ALICE, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    joint.driver.click(PAT, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    files = pack_files(joint, tmp_path)
    rows = list(csv.DictReader(io.StringIO(files["participation.csv"])))
    took_part = {(r["organisation"], r["took part by"], r["person"], r["person id"]) for r in rows if r["stage"] == "4"}
    assert took_part == {
        ("Accord Sandbox", "answered", "Alice Moreau", ALICE),
        ("Accord Sandbox", "signed off", "Alice Moreau", ALICE),
        ("Globex", "answered", "Pat Silva", PAT),
        ("Globex", "signed off", "Pat Silva", PAT),
    }
    answers = list(csv.DictReader(io.StringIO(files["checklist/answers.csv"])))
    assert {(a["by id"], a["organisation"]) for a in answers} == {(ALICE, "Accord Sandbox"), (PAT, "Globex")}
    assert "| Stage 4 · Partner selection | Globex | Pat Silva (" in files["plan/rmp.md"]
    trail = list(csv.DictReader(io.StringIO(files["audit.csv"])))
    pats = {(row["organisation"], row["what happened"].split(" ")[2]) for row in trail if row["by id"] == PAT}
    assert pats == {("Globex", "marked"), ("Globex", "added"), ("Globex", "signed")}
    assert {row["organisation"] for row in trail if row["by id"] == ALICE} == {"Accord Sandbox"}
    assert "by Alice Moreau and Pat Silva (Globex)" in files["README.md"]


def test_the_partners_replies_in_the_thread_are_its_notes_and_a_third_organisations_are_not_kept(
    joint: Sandbox,
) -> None:
    parent, _ = start_checkin(joint)
    joint.driver.say(PAT, JOINT, "1: our long list is in the shared folder", thread_ts=parent.ts)
    joint.driver.say(IRENE, JOINT, "1: we could join too", thread_ts=parent.ts)
    assert "only the two organisations' people can take part" in shown(last_ephemeral(joint, IRENE))
    with joint.database.uow(joint.workspace.team_id) as uow:
        notes = [
            (n.author_id, n.author_side, n.item_id) for n in uow.notes.for_relationship(relationship(joint).id or 0)
        ]
    assert notes == [(PAT, Side.PARTNER, "S4.1")]
    replies = joint.workspace.replies(JOINT, parent.ts)
    assert [r.reactions.get("memo") for r in replies if r.user in (PAT, IRENE)] == [[joint.workspace.bot_user_id], None]


def test_either_sponsor_reopens_a_joint_stage_and_the_other_is_told(joint: Sandbox) -> None:
    parent, items = start_checkin(joint)
    answer_everything(joint, items)
    joint.driver.click(ALICE, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    joint.driver.click(PAT, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    joint.driver.click(RAY, fresh(joint, parent), ids.ACTION_REOPEN)
    assert "can reopen a stage" in shown(last_ephemeral(joint, RAY))
    joint.driver.click(PAT, fresh(joint, parent), ids.ACTION_REOPEN)
    assert joint.driver.submit(PAT, {"reason": "The shortlist missed a supplier"}).errors == {}
    assert relationship(joint).stage == 4
    said = joint.workspace.replies(JOINT, parent.ts)[-1].text
    assert f"reopened* by <@{PAT}>: The shortlist missed a supplier" in said
    assert f"Both organisations sign it off again: <@{BOB}> for Accord Sandbox, <@{PAT}> for Globex" in said


def test_both_organisations_work_a_dispute_in_its_thread_each_at_its_own_tier(joint: Sandbox) -> None:
    joint.driver.command(CAROL, JOINT, "dispute Acme Alliance deliveries late three weeks running")
    dispute = joint.workspace.top_level(JOINT)[-1]
    joint.driver.click(RAY, fresh(joint, dispute), ids.ACTION_DISPUTE_ACKNOWLEDGE)  # Globex's, with no role in it
    assert "can acknowledge the dispute" in shown(last_ephemeral(joint, RAY))
    joint.driver.click(QUINN, fresh(joint, dispute), ids.ACTION_DISPUTE_ACKNOWLEDGE)  # Globex's manager
    assert f"<@{QUINN}> acknowledged the dispute." in joint.workspace.replies(JOINT, dispute.ts)[-1].text
    joint.driver.click(IRENE, fresh(joint, dispute), ids.ACTION_DISPUTE_UPDATE)
    assert "only the two organisations' people can take part" in shown(last_ephemeral(joint, IRENE))
    assert joint.workspace.current_modal(IRENE) is None
    joint.driver.click(RAY, fresh(joint, dispute), ids.ACTION_DISPUTE_UPDATE)  # anyone of either side adds news
    assert joint.driver.submit(RAY, {"update": "Our depot was short of drivers"}).errors == {}
    escalate(joint, ALICE, fresh(joint, dispute), "No agreement at working level")
    assert f"For Globex: <@{QUINN}>." in joint.workspace.replies(JOINT, dispute.ts)[-1].text  # the joint team
    escalate(joint, PAT, fresh(joint, dispute), "The joint team is deadlocked")
    assert f"For Globex: <@{PAT}>." in joint.workspace.replies(JOINT, dispute.ts)[-1].text  # both sponsors
    joint.driver.click(PAT, fresh(joint, dispute), ids.ACTION_DISPUTE_RESOLVE)
    assert joint.driver.submit(PAT, {"resolution": "A second depot", "root_cause": "Capacity"}).errors == {}
    with joint.database.uow(joint.workspace.team_id) as uow:
        [case] = uow.disputes.for_relationship(relationship(joint).id or 0)
        steps = [(e.kind, e.actor_id, e.actor_side) for e in uow.disputes.events(case.id or 0)]
    assert steps == [
        (DisputeEventKind.RAISED, CAROL, Side.HOME),
        (DisputeEventKind.ACKNOWLEDGED, QUINN, Side.PARTNER),
        (DisputeEventKind.UPDATE, RAY, Side.PARTNER),
        (DisputeEventKind.ESCALATED, ALICE, Side.HOME),
        (DisputeEventKind.ESCALATED, PAT, Side.PARTNER),
        (DisputeEventKind.RESOLVED, PAT, Side.PARTNER),
    ]


def test_the_exit_strategy_is_agreed_only_once_the_partner_agrees_it_too(joint: Sandbox, tmp_path: Path) -> None:
    def save_version(plan: str) -> Message:
        joint.driver.command(BOB, JOINT, "exit Acme Alliance")
        answers = {"triggers": "Either side misses two quarters", "plan": plan, "reviewed_with": [ALICE, PAT]}
        assert joint.driver.submit(BOB, answers).errors == {}
        return joint.workspace.top_level(JOINT)[-1]

    first = save_version("Wind down over six months")
    assert "waiting for Globex's executive sponsor or relationship manager to agree it" in shown(first)
    for outsider in (ALICE, RAY):  # Acme agreed by saving it; Ray is Globex's but signs for nobody
        joint.driver.click(outsider, fresh(joint, first), ids.ACTION_AGREE_EXIT)
        assert "Only the partner's executive sponsor" in shown(last_ephemeral(joint, outsider))
    joint.driver.click(QUINN, fresh(joint, first), ids.ACTION_AGREE_EXIT)
    agreed = shown(fresh(joint, first))
    assert f"*Agreed by both organisations:* <@{BOB}> by saving it, <@{QUINN}> for Globex" in agreed
    assert "Agree for Globex" not in agreed
    with joint.database.uow(joint.workspace.team_id) as uow:
        strategy = uow.exit_strategies.latest(relationship(joint).id or 0)
        [event] = [e for e in uow.audit.all(relationship(joint).id or 0) if e.action == "exit_strategy.agreed"]
    assert strategy is not None and (strategy.partner_agreed_by, strategy.agreed) == (QUINN, True)
    assert (event.actor_id, event.actor_side) == (QUINN, Side.PARTNER)
    # A newer version needs the partner's agreement again; a button of an older version agrees nothing.
    second = save_version("Wind down over nine months")
    save_version("Wind down over a year")
    joint.driver.click(PAT, fresh(joint, second), ids.ACTION_AGREE_EXIT)
    assert "belongs to a relationship that has changed" in shown(last_ephemeral(joint, PAT))
    with joint.database.uow(joint.workspace.team_id) as uow:
        latest = uow.exit_strategies.latest(relationship(joint).id or 0)
    assert latest is not None and (latest.version, latest.agreed) == (3, False)
    files = pack_files(joint, tmp_path)
    assert "Agreed by the partner organisation: Quinn Murphy" in files["exit_strategy/v1.md"]
    assert "Not yet agreed by the partner organisation." in files["exit_strategy/v3.md"]
    assert "- Agreed by both organisations: not yet, waiting for Globex" in files["plan/rmp.md"]


def test_the_partners_sponsor_is_reminded_of_the_joint_exit_review_in_the_shared_channel_in_their_own_hours(
    joint: Sandbox,
) -> None:
    joint.run_nudges()  # the notices of the relationship's making, out of the way
    rel = relationship(joint)
    with joint.database.uow(joint.workspace.team_id) as uow:
        uow.relationships.update(replace(rel, next_exit_review_due=START.date()))
        uow.commit()

    def mentions() -> list[str]:
        posts = [shown(m) for m in joint.workspace.top_level(JOINT)]
        return [post for post in posts if f"<@{PAT}>:" in post and "exit strategy of *Acme Alliance*" in post]

    report = joint.run_nudges()  # 10:00 in London, 04:00 in Chicago: Alice is told now, Pat when his day starts
    assert "The joint review of the exit strategy" in shown(
        joint.workspace.top_level(joint.workspace.im_with(ALICE).id)[-1]
    )
    assert mentions() == [] and report.deferred >= 1
    joint.advance(timedelta(hours=5))  # 09:00 in Chicago
    assert len(mentions()) == 1
    assert PAT not in {c.im_user for c in joint.workspace.channels.values() if c.is_im}  # no direct message
    joint.advance(timedelta(hours=2))
    assert len(mentions()) == 1  # never twice
    # Its button tells Pat where Globex agrees the strategy, instead of opening the form Acme saves it with.
    [reminder] = [m for m in joint.workspace.top_level(JOINT) if f"<@{PAT}>:" in shown(m)]
    action = next(e["action_id"] for b in reminder.blocks if b["type"] == "actions" for e in b["elements"])
    joint.driver.click(PAT, reminder, action)
    assert joint.workspace.current_modal(PAT) is None
    assert "Globex agrees each version with *Agree for Globex*" in shown(last_ephemeral(joint, PAT))


def test_a_dispute_reaching_the_sponsors_tier_is_the_partner_sponsors_too_told_in_the_shared_channel(
    joint: Sandbox,
) -> None:
    joint.run_nudges()
    joint.driver.command(CAROL, JOINT, "dispute Acme Alliance deliveries late three weeks running")
    dispute = joint.workspace.top_level(JOINT)[-1]
    escalate(joint, ALICE, fresh(joint, dispute), "No agreement at working level")  # Quinn stays Globex's
    escalate(joint, ALICE, fresh(joint, dispute), "The joint team is deadlocked")  # now Pat's, for Globex
    joint.advance(timedelta(hours=5))  # 09:00 in Chicago

    def told(person: str) -> list[str]:
        posts = [shown(m) for m in joint.workspace.top_level(JOINT)]
        return [p for p in posts if f"<@{person}>:" in p and "has reached tier" in p]

    assert len(told(PAT)) == 1 and "has reached tier 3 and is now yours" in told(PAT)[0]
    assert told(QUINN) == []  # the joint team's tier did not change who answers for Globex
    assert "has reached tier 3" in shown(joint.workspace.top_level(joint.workspace.im_with(BOB).id)[-1])


def test_moving_a_relationship_to_a_shared_channel_makes_it_joint_and_back_to_an_internal_one_ends_that(
    sandbox: Sandbox,
) -> None:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, partner="Globex")
    assert relationship(sandbox).partner_team_id is None
    sandbox.driver.command(ALICE, ACME, "edit Acme Alliance")
    assert sandbox.driver.submit(ALICE, {"channel": JOINT}).errors == {}
    assert relationship(sandbox).partner_team_id == GLOBEX
    assert name_partner_people(sandbox, {"partner_sponsor": PAT}) == {}
    sandbox.driver.command(ALICE, JOINT, "edit Acme Alliance")
    assert sandbox.driver.submit(ALICE, {"channel": ACME}).errors == {}
    moved = relationship(sandbox)
    assert (moved.partner_team_id, moved.partner_sponsor_id) == (None, PAT)  # not joint; Pat stays named


def test_a_card_pinned_in_the_shared_channel_says_where_the_relationship_stands_and_who_does_what(
    joint: Sandbox,
) -> None:
    channel = joint.workspace.channel(JOINT)
    [pinned] = channel.pinned  # pinned once, when the relationship was made in the shared channel
    card = fresh(joint, Message(JOINT, pinned, ""))
    assert f"Globex: executive sponsor <@{PAT}>, relationship manager <@{QUINN}>" in shown(card)  # kept up to date
    assert "Globex's people have no `/accord` here" in shown(card)
    parent, items = start_checkin(joint)
    answer_everything(joint, items)
    joint.driver.click(ALICE, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    joint.driver.click(PAT, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    card = fresh(joint, card)
    assert "*Stage 5 · Working together*" in shown(card)
    assert channel.pinned == [pinned] and joint.workspace.violations == []


def test_a_relationship_whose_channel_comes_to_be_shared_gets_its_card_then(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, partner="Globex")
    assert sandbox.workspace.channel(ACME).pinned == []  # one organisation only: no card
    sandbox.driver.share_channel(ACME, GLOBEX)
    [pinned] = sandbox.workspace.channel(ACME).pinned
    card = shown(fresh(sandbox, Message(ACME, pinned, "")))
    assert "Acme Alliance · with Globex" in card and "executive sponsor not named yet" in card


def test_both_sides_signing_at_the_same_moment_unseen_by_each_other_is_settled_by_the_next_press(
    joint: Sandbox,
) -> None:
    parent, items = start_checkin(joint)
    answer_everything(joint, items)
    joint.driver.click(ALICE, fresh(joint, parent), ids.ACTION_SIGN_OFF)
    # Globex's signature, kept by a transaction that could not see Acme's (PostgreSQL, the same instant).
    rel = relationship(joint)
    with joint.database.uow(joint.workspace.team_id) as uow:
        assert uow.gate_signatures.add(
            GateSignature(joint.workspace.team_id, rel.id or 0, 4, 0, Side.PARTNER, PAT, START)
        )
        uow.commit()
    assert relationship(joint).stage == 4
    joint.driver.click(ALICE, fresh(joint, parent), ids.ACTION_SIGN_OFF)  # pressed again: both have signed
    assert relationship(joint).stage == 5
    with joint.database.uow(joint.workspace.team_id) as uow:
        [signed] = [s for s in uow.sign_offs.for_relationship(rel.id or 0) if s.stage == 4]
    assert (signed.signed_by, signed.partner_signed_by) == (ALICE, PAT)


def name_team(sandbox: Sandbox, rows: dict[str, object]) -> dict[str, str]:
    sandbox.driver.command(ALICE, JOINT, "edit Acme Alliance")
    return sandbox.driver.submit(ALICE, rows).errors


def test_the_owner_names_the_joint_management_team_in_pairs_of_counterparts(joint: Sandbox, tmp_path: Path) -> None:
    rows = {"team_role_1": "Delivery lead", "team_people_1": [DAVE, RAY], "team_role_2": "Finance"}
    rows |= {"team_people_2": [CAROL]}  # Globex has not named its counterpart yet
    assert name_team(joint, rows) == {}
    with joint.database.uow(joint.workspace.team_id) as uow:
        pairs = uow.joint_teams.of(relationship(joint).id or 0)
    assert [(p.role, p.home_id, p.partner_id) for p in pairs] == [
        ("Delivery lead", DAVE, RAY),
        ("Finance", CAROL, None),
    ]
    # The form shows the team as it is, with a row free for another role.
    joint.driver.command(ALICE, JOINT, "edit Acme Alliance")
    form = joint.workspace.current_modal(ALICE)
    assert form is not None
    blocks = {b.get("block_id"): b for b in form.view["blocks"]}
    assert blocks["team_people_1"]["element"]["initial_users"] == [DAVE, RAY]
    assert "team_role_3" in blocks and "initial_value" not in blocks["team_role_3"]["element"]
    joint.workspace.close_modal(ALICE)
    history = joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    assert history is not None
    assert "set the joint management team: “Delivery lead” Dave" in shown(last_ephemeral(joint, ALICE))
    # Both sides see it on the card pinned in the shared channel; the plan keeps it under governance.
    card = next(m for m in joint.workspace.top_level(JOINT) if "the relationship card" in m.text)
    assert f"Delivery lead: <@{DAVE}> ↔ <@{RAY}> · Finance: <@{CAROL}> ↔ Globex's not named yet" in shown(card)
    plan = pack_files(joint, tmp_path)["plan/rmp.md"]
    assert "- Joint management team (Accord Sandbox ↔ Globex):\n  - Delivery lead: Dave Tanaka ↔ Ray Gomez" in plan


def test_a_pair_is_one_person_of_each_side(joint: Sandbox) -> None:
    # What the form can tell alone is told under the field, at once.
    errors = name_team(joint, {"team_role_1": "Delivery lead"})
    assert "Choose who holds the role of Delivery lead" in errors["team_people_1"]
    joint.workspace.close_modal(ALICE)
    errors = name_team(joint, {"team_people_1": [DAVE]})
    assert "Name the role" in errors["team_role_1"]
    joint.workspace.close_modal(ALICE)
    errors = name_team(
        joint, {"team_role_1": "Delivery", "team_people_1": [DAVE], "team_role_2": "Ops"} | {"team_people_2": [DAVE]}
    )
    assert "already holds another role" in errors["team_people_2"]
    joint.workspace.close_modal(ALICE)
    # Which organisation someone is of is Slack's to say, so it is told once Slack has said it.
    assert name_team(joint, {"team_role_1": "Delivery lead", "team_people_1": [DAVE, CAROL]}) == {}
    assert "these two are of the same side" in shown(joint.workspace.current_modal(ALICE))
    joint.workspace.close_modal(ALICE)
    assert name_team(joint, {"team_role_1": "Delivery lead", "team_people_1": [IRENE]}) == {}
    assert "someone here is of neither" in shown(joint.workspace.current_modal(ALICE))
    with joint.database.uow(joint.workspace.team_id) as uow:
        assert uow.joint_teams.of(relationship(joint).id or 0) == []


def test_a_dispute_reaching_tier_2_is_told_to_the_joint_management_team_of_both_sides(joint: Sandbox) -> None:
    rows = {"team_role_1": "Delivery lead", "team_people_1": [ERIN, RAY]}
    assert name_team(joint, rows) == {}
    joint.run_nudges()
    joint.driver.command(CAROL, JOINT, "dispute Acme Alliance deliveries late three weeks running")
    dispute = joint.workspace.top_level(JOINT)[-1]
    escalate(joint, ALICE, fresh(joint, dispute), "No agreement at working level")
    joint.advance(timedelta(hours=5))  # 09:00 in Chicago, where Ray works, and 16:00 in Berlin, Erin's
    joint.run_nudges()
    erin = [shown(m) for m in joint.workspace.top_level(joint.workspace.im_with(ERIN).id)]
    assert sum("reached tier 2, the joint management team, of which you are one" in m for m in erin) == 1
    mentions = [shown(m) for m in joint.workspace.top_level(JOINT) if f"<@{RAY}>:" in shown(m)]
    assert len(mentions) == 1 and "the joint management team, of which you are one" in mentions[0]
    joint.run_nudges()  # never twice
    assert len([m for m in joint.workspace.top_level(JOINT) if f"<@{RAY}>:" in shown(m)]) == 1


def test_a_dispute_the_ladder_moves_to_tier_2_is_told_to_the_joint_management_team_too(joint: Sandbox) -> None:
    assert name_team(joint, {"team_role_1": "Delivery lead", "team_people_1": [ERIN, RAY]}) == {}
    joint.driver.command(CAROL, JOINT, "dispute Acme Alliance deliveries late three weeks running")
    joint.advance(timedelta(days=8, hours=5))  # past tier 1's week and its day of grace: 15:00 UTC on a Thursday
    joint.run_nudges()
    erin = [shown(m) for m in joint.workspace.top_level(joint.workspace.im_with(ERIN).id)]
    assert sum("reached tier 2, the joint management team, of which you are one" in m for m in erin) == 1
    assert any(
        f"<@{RAY}>:" in shown(m) and "the joint management team" in shown(m) for m in joint.workspace.top_level(JOINT)
    )


def test_the_owner_chooses_the_partner_among_the_organisations_the_channel_is_shared_with(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "edit Acme Alliance")
    form = joint.workspace.current_modal(ALICE)
    assert form is not None
    [choice] = [b for b in form.view["blocks"] if b.get("block_id") == "partner_team"]
    options = [(o["value"], o["text"]["text"]) for o in choice["element"]["options"]]
    assert options == [(GLOBEX, f"Globex ({GLOBEX})"), (INITECH, f"Initech ({INITECH})")]
    assert choice["element"]["initial_option"]["value"] == GLOBEX
    # Globex's people named before are not Initech's: the form says so, and nothing changes.
    assert joint.driver.submit(ALICE, {"partner_team": INITECH}).errors == {}
    assert "this person is not one of theirs" in shown(joint.workspace.current_modal(ALICE))
    assert relationship(joint).partner_team_id == GLOBEX
    joint.workspace.close_modal(ALICE)
    joint.driver.command(ALICE, JOINT, "edit Acme Alliance")
    answers = {"partner_team": INITECH, "partner_sponsor": IRENE, "partner_manager": None}
    assert joint.driver.submit(ALICE, answers).errors == {}
    changed = relationship(joint)
    assert (changed.partner_team_id, changed.partner_sponsor_id, changed.partner_manager_id) == (INITECH, IRENE, None)
    # Now Initech's people take part and Globex's are the ones refused.
    _, items = start_checkin(joint)
    joint.driver.click(PAT, fresh(joint, items[0]), ids.ACTION_ITEM_DONE)
    assert "only the two organisations' people can take part" in shown(last_ephemeral(joint, PAT))
    joint.driver.click(IRENE, fresh(joint, items[0]), ids.ACTION_ITEM_DONE)
    with joint.database.uow(joint.workspace.team_id) as uow:
        [answer] = uow.checklist.answers(changed.id or 0)
    assert (answer.actor_id, answer.actor_side) == (IRENE, Side.PARTNER)


def test_a_review_marked_internal_is_kept_out_of_the_shared_channel(joint: Sandbox, tmp_path: Path) -> None:
    ratings = {"delivery": "2", "trust": "2", "value": "3", "governance": "3"}
    posted_before = len(joint.workspace.top_level(JOINT))
    joint.driver.command(ALICE, JOINT, "review Acme Alliance")
    answers = {"summary": "Globex slips on every delivery", "internal": ["internal"], **ratings}
    assert joint.driver.submit(ALICE, answers).errors == {}
    assert "internal to your organisation: it was not posted" in shown(joint.workspace.current_modal(ALICE))
    assert len(joint.workspace.top_level(JOINT)) == posted_before
    assert not any("Globex slips" in shown(m) for m in joint.workspace.top_level(JOINT))
    plan = pack_files(joint, tmp_path)["plan/rmp.md"]
    assert "(internal, not shared with Globex)" in plan and "Globex slips on every delivery" in plan
    # Left unticked, the next one is posted where both organisations read it.
    joint.driver.command(BOB, JOINT, "review Acme Alliance")
    assert joint.driver.submit(BOB, {"summary": "Better after the joint meeting", **ratings}).errors == {}
    assert "Better after the joint meeting" in shown(joint.workspace.top_level(JOINT)[-1])


def test_a_review_of_a_relationship_without_a_partner_taking_part_offers_no_internal_box(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, partner="Globex")
    sandbox.driver.command(ALICE, ACME, "review Acme Alliance")
    form = sandbox.workspace.current_modal(ALICE)
    assert form is not None and ids.BLOCK_INTERNAL not in {b.get("block_id") for b in form.view["blocks"]}


@pytest.fixture
def both_installed(database_url: str) -> Iterator[tuple[Sandbox, Driver]]:
    """Acme and Globex have each installed Accord; Acme Alliance is run in #acme-globex, Pat its partner sponsor."""
    with Sandbox(database_url, clock=MovableClock(START), installs=True) as box:
        assert box.driver.install(ALICE).status == 200
        globex = box.add_workspace(*GLOBEX_WORKSPACE)
        assert globex.install(PAT).status == 200
        create_relationship(box, "Acme Alliance", user=ALICE, sponsor=BOB, channel=JOINT, partner="Globex")
        assert name_partner_people(box, {"partner_sponsor": PAT, "partner_manager": QUINN}) == {}
        globex.workspace.channel(GLOBEX_GENERAL).members |= {PAT, QUINN}
        yield box, globex
        assert box.workspace.violations == [] and globex.workspace.violations == []


def test_the_partners_people_are_told_by_direct_message_through_their_own_installation(
    both_installed: tuple[Sandbox, Driver],
) -> None:
    box, driver = both_installed
    globex = driver.workspace
    box.run_nudges()
    box.driver.command(CAROL, JOINT, "dispute Acme Alliance deliveries late three weeks running")
    dispute = box.workspace.top_level(JOINT)[-1]
    escalate(box, ALICE, fresh(box, dispute), "No agreement at working level")
    escalate(box, ALICE, fresh(box, dispute), "The joint team is deadlocked")  # now Pat's, for Globex
    posted_before = len(box.workspace.top_level(JOINT))
    box.advance(timedelta(hours=5))  # 09:00 in Chicago, Pat's
    box.run_nudges()
    [dm] = globex.top_level(globex.im_with(PAT).id)
    assert "has reached tier 3" in shown(dm) and "Sent by your organisation's Accord" in shown(dm)
    assert not any(block["type"] == "actions" for block in dm.blocks)  # its buttons are in the shared channel
    assert len(box.workspace.top_level(JOINT)) == posted_before  # no mention of Pat there
    box.run_nudges()  # never twice
    assert len(globex.top_level(globex.im_with(PAT).id)) == 1


def add_globex_action(box: Sandbox, title: str, *, internal: bool) -> None:
    """Globex's own action, owned by Pat (of Globex, in Chicago), due the day the sandbox starts."""
    r = relationship(box)
    draft = action_draft(title=title, owner_id=PAT, due=START.date().isoformat(), internal=internal, today=START.date())
    uow = box.database.uow(box.workspace.team_id)
    owner = Owner(Side.PARTNER, "America/Chicago")
    added = action_service.add_action(
        uow, r.id or 0, draft, owner=owner, by=PAT, organisation=GLOBEX, now=START, form_key=title
    )
    assert added.first and added.action.internal is internal


def test_an_overdue_action_globex_keeps_to_itself_reaches_its_owner_through_globexs_own_installation(
    both_installed: tuple[Sandbox, Driver],
) -> None:
    box, driver = both_installed
    add_globex_action(box, "Check Acme's invoices", internal=True)
    box.advance(timedelta(days=1, hours=5))  # the day after its due date, 09:00 in Chicago
    posted_before = len(box.workspace.top_level(JOINT))
    box.run_nudges()
    [dm] = driver.workspace.top_level(driver.workspace.im_with(PAT).id)
    assert "Check Acme's invoices" in shown(dm) and "Sent by your organisation's Accord" in shown(dm)
    assert len(box.workspace.top_level(JOINT)) == posted_before  # never a word of it in the shared channel
    box.run_nudges()
    assert len(driver.workspace.top_level(driver.workspace.im_with(PAT).id)) == 1


def test_an_overdue_action_globex_keeps_to_itself_is_never_told_where_globex_has_no_accord(joint: Sandbox) -> None:
    add_globex_action(joint, "Check Acme's invoices", internal=True)
    add_globex_action(joint, "Send the joint forecast", internal=False)
    joint.advance(timedelta(days=1, hours=5))  # 09:00 in Chicago, the day after
    joint.run_nudges()
    told = "".join(shown(m) for m in joint.workspace.top_level(JOINT))
    assert "Send the joint forecast" in told and f"<@{PAT}>" in told  # the joint one, in the shared channel
    assert "Check Acme's invoices" not in told
    joint.run_nudges()
    assert "Check Acme's invoices" not in "".join(shown(m) for m in joint.workspace.top_level(JOINT))


def test_evidence_marked_internal_is_kept_out_of_the_shared_thread(joint: Sandbox, tmp_path: Path) -> None:
    _, items = start_checkin(joint)
    joint.driver.click(ALICE, fresh(joint, items[0]), ids.ACTION_ITEM_DONE)
    joint.driver.click(ALICE, fresh(joint, items[0]), ids.ACTION_ITEM_EVIDENCE)
    answers = {"link": EVIDENCE, "note": "Our margin model for Globex", "internal": ["internal"]}
    assert joint.driver.submit(ALICE, answers).errors == {}
    thread = shown(fresh(joint, items[0]))
    assert "evidence recorded, kept internal" in thread
    assert EVIDENCE not in thread and "margin model" not in thread
    plan = pack_files(joint, tmp_path)["plan/rmp.md"]
    assert "Our margin model for Globex (internal, not shared with the partner)" in plan
    # The partner's people are offered no such box: their evidence is for both organisations to see.
    joint.driver.click(PAT, fresh(joint, items[1]), ids.ACTION_ITEM_EVIDENCE)
    form = joint.workspace.current_modal(PAT)
    assert form is not None and ids.BLOCK_INTERNAL not in {b.get("block_id") for b in form.view["blocks"]}
    assert joint.driver.submit(PAT, {"link": EVIDENCE, "note": "Globex's signed minutes"}).errors == {}
    assert "Globex's signed minutes" in shown(fresh(joint, items[1]))
    # Nor does asking for it from their side keep anything from Acme.
    uow = joint.database.uow(joint.workspace.team_id)
    current = checkin_service.current_thread(uow, relationship(joint))
    assert current is not None
    third = joint.deps.catalogue.stage(4).items[2].id
    answered = checkin_service.answer(
        uow,
        joint.deps.catalogue,
        current.id or 0,
        third,
        lambda rid: evidence_answer(rid, third, url=EVIDENCE, note="x", actor_id=PAT, at=START, internal=True),
        organisation=GLOBEX,
    )
    assert answered is not None and not answered.after.evidence_internal


def test_an_item_assigned_to_someone_of_the_partner_is_told_in_the_shared_channel(joint: Sandbox) -> None:
    joint.run_nudges()
    _, items = start_checkin(joint)
    joint.driver.click(ALICE, fresh(joint, items[0]), ids.ACTION_ITEM_ASSIGN, selected=RAY)
    joint.advance(timedelta(hours=5))  # 09:00 in Chicago, Ray's
    joint.run_nudges()
    told = [shown(m) for m in joint.workspace.top_level(JOINT) if f"<@{RAY}>:" in shown(m)]
    assert len(told) == 1 and "assigned you" in told[0]
    assert joint.workspace.violations == []  # no direct message was tried: Slack would refuse it


def test_the_partners_people_see_the_joint_relationship_through_their_own_accord(
    both_installed: tuple[Sandbox, Driver],
) -> None:
    _, globex = both_installed
    globex.command(PAT, GLOBEX_GENERAL, "list")
    listed = shown(globex.workspace.ephemerals_for(PAT)[-1])
    assert "Run with you by a partner" in listed and "*Acme Alliance* · in <#C0ACMEGLOBEX>" in listed
    globex.command(PAT, GLOBEX_GENERAL, "status acme alliance")
    status = shown(globex.workspace.ephemerals_for(PAT)[-1])
    assert "You take part in this relationship for Globex" in status
    assert "*4 Partner selection*" in status and "*8 Exit strategy*" in status  # the joint stages' progress
    assert "*1 Operational awareness*" not in status and "*3 Internal assessment*" not in status  # Acme's own
    # Someone of Globex with no part in it learns nothing of it, not even that it exists.
    globex.workspace.channel(GLOBEX_GENERAL).members.add(HANK)
    globex.command(HANK, GLOBEX_GENERAL, "list")
    assert "Acme Alliance" not in shown(globex.workspace.ephemerals_for(HANK)[-1])
    globex.command(HANK, GLOBEX_GENERAL, "status Acme Alliance")
    assert "There is no relationship called *Acme Alliance*" in globex.workspace.ephemerals_for(HANK)[-1].text


def test_the_partners_home_tab_in_their_own_workspace_shows_what_waits_for_their_side(
    both_installed: tuple[Sandbox, Driver],
) -> None:
    box, globex = both_installed
    rel = relationship(box)
    team, rid = box.workspace.team_id, rel.id or 0
    with box.database.uow(team) as uow:  # at partner selection, the first joint stage
        uow.relationships.update(replace(rel, stage=4))
        for stage in range(1, 4):
            uow.sign_offs.add(SignOff(team, rid, stage, BOB, START))
        uow.commit()
    start_checkin(box)
    home = shown(globex.open_home(PAT))
    assert "Run with you by a partner" in home and "*Acme Alliance* · Stage 4 · Partner selection" in home
    assert "waits for your organisation" not in home
    with box.database.uow(team) as uow:  # Acme signs the gate, and saves a version of the joint exit strategy
        uow.gate_signatures.add(GateSignature(team, rid, 4, 0, Side.HOME, ALICE, START))
        plan = ExitStrategy(team, rid, 1, "Triggers", "Plan", None, None, (), ALICE, START, joint=True)
        uow.exit_strategies.add(plan)
        uow.commit()
    home = shown(globex.open_home(PAT))
    assert "signed off by your partner and waits for your organisation's signature" in home
    assert "Version 1 of the exit strategy waits for your organisation's agreement" in home
    assert "Acme Alliance" not in shown(globex.open_home(HANK))  # of Globex, but no part of it


def test_the_partners_people_raise_a_dispute_with_the_shortcut_of_their_own_accord(
    both_installed: tuple[Sandbox, Driver],
) -> None:
    box, globex = both_installed
    globex.workspace.see_shared_channel(box.workspace, JOINT)  # Globex's Accord is in #acme-globex too
    complaint = box.driver.say(PAT, JOINT, "Acme changed the delivery windows without telling us")
    globex.message_shortcut(PAT, complaint, ids.SHORTCUT_RAISE_DISPUTE)  # offered by Globex's own installation
    assert globex.submit(PAT, {ids.BLOCK_RELATIONSHIP: str(relationship(box).id)}).errors == {}
    assert "Raised dispute #1" in shown(globex.workspace.current_modal(PAT))
    with box.database.uow(box.workspace.team_id) as uow:  # kept in Acme's records, as Globex's doing
        [case] = uow.disputes.for_relationship(relationship(box).id or 0)
        [raised] = uow.disputes.events(case.id or 0)
    assert (case.summary, case.raised_by, raised.actor_side) == (
        "Acme changed the delivery windows without telling us",
        PAT,
        Side.PARTNER,
    )
    # Posted by Acme's Accord, its buttons work for both organisations as on any of its messages.
    thread = box.workspace.top_level(JOINT)[-1]
    assert "Acme changed the delivery windows" in shown(thread) and thread.user == box.workspace.bot_user_id
    box.driver.click(ALICE, fresh(box, thread), ids.ACTION_DISPUTE_ACKNOWLEDGE)
    assert f"<@{ALICE}> acknowledged the dispute." in box.workspace.replies(JOINT, thread.ts)[-1].text
    # Someone of Globex who takes no part in the relationship is offered none to raise it on.
    globex.workspace.channel(JOINT).members.add(HANK)
    globex.message_shortcut(HANK, complaint, ids.SHORTCUT_RAISE_DISPUTE)
    assert globex.workspace.current_modal(HANK) is None


def test_the_partners_people_list_the_joint_disputes_with_their_own_accord(
    both_installed: tuple[Sandbox, Driver],
) -> None:
    box, globex = both_installed
    box.driver.command(CAROL, JOINT, "dispute Acme Alliance deliveries late three weeks running")
    globex.command(PAT, GLOBEX_GENERAL, "disputes")
    assert "deliveries late three weeks running" in shown(globex.workspace.ephemerals_for(PAT)[-1])
    globex.command(PAT, GLOBEX_GENERAL, "disputes acme alliance")
    listed = shown(globex.workspace.ephemerals_for(PAT)[-1])
    assert "1 open dispute on Acme Alliance" in listed and "deliveries late three weeks running" in listed
    globex.workspace.channel(GLOBEX_GENERAL).members.add(HANK)  # of Globex, with no part in it
    globex.command(HANK, GLOBEX_GENERAL, "disputes")
    assert "deliveries late" not in shown(globex.workspace.ephemerals_for(HANK)[-1])
    globex.command(HANK, GLOBEX_GENERAL, "disputes Acme Alliance")
    assert "There is no relationship called *Acme Alliance*" in globex.workspace.ephemerals_for(HANK)[-1].text


RATINGS = {"delivery": "2", "trust": "3", "value": "4", "governance": "4"}


def shared_review(sandbox: Sandbox, summary: str = "Deliveries late, trust fine") -> Message:
    """Alice records a review left shared: it is posted in #acme-globex; its message."""
    sandbox.driver.command(ALICE, JOINT, "review Acme Alliance")
    assert sandbox.driver.submit(ALICE, {"summary": summary, **RATINGS}).errors == {}
    posted = sandbox.workspace.top_level(JOINT)[-1]
    assert summary in shown(posted)
    return posted


def test_the_partners_people_give_their_view_of_a_shared_review_in_its_thread(joint: Sandbox, tmp_path: Path) -> None:
    posted = shared_review(joint)
    # The review asks Globex's sponsor and relationship manager for their view, by name.
    assert f"<@{PAT}>" in shown(posted) and f"<@{QUINN}>" in shown(posted)
    joint.driver.click(PAT, posted, ids.ACTION_REVIEW_VIEW)
    # What Slack's client would stop, forged past it: every missing rating told under its field.
    forged = {"summary": "Late because specs change", "delivery": "4"}
    errors = joint.driver.submit(PAT, forged, client_checks=False).errors
    assert set(errors) == {"trust", "value", "governance"}
    assert joint.workspace.replies(JOINT, posted.ts) == []
    view = {
        "summary": "Late because specs change <!channel>",
        "delivery": "4",
        "trust": "2",
        "value": "4",
        "governance": "3",
    }
    assert joint.driver.submit(PAT, view).errors == {}
    [told] = joint.workspace.replies(JOINT, posted.ts)
    assert "Globex's view* by <@U0GLXPAT>" in shown(told) and "health *3.2/5*" in shown(told)
    assert "<!channel>" not in told.text and "<!channel>" not in shown(told)
    # Changed: told again, marked so; the same view sent again changes nothing.
    joint.driver.click(PAT, posted, ids.ACTION_REVIEW_VIEW)
    assert joint.driver.submit(PAT, view | {"delivery": "5"}).errors == {}
    joint.driver.click(PAT, posted, ids.ACTION_REVIEW_VIEW)
    assert joint.driver.submit(PAT, view | {"delivery": "5"}).errors == {}
    assert "says this already: nothing was changed" in shown(joint.workspace.current_modal(PAT))
    replies = joint.workspace.replies(JOINT, posted.ts)
    assert len(replies) == 2 and "(changed)" in shown(replies[1])
    files = pack_files(joint, tmp_path)
    assert "Globex's view, by Pat Silva (25 Nov 2026): health 3.5 of 5 (delivery 5," in files["plan/rmp.md"]
    rows = list(csv.DictReader(io.StringIO(str(files["review_views.csv"]))))
    assert [(r["by id"], r["organisation"], r["delivery"]) for r in rows] == [(PAT, "Globex", "5")]
    with joint.database.uow(joint.workspace.team_id) as uow:
        events = [e for e in uow.audit.all(relationship(joint).id or 0) if e.action == "review.partner_view"]
    assert [e.actor_side for e in events] == [Side.PARTNER, Side.PARTNER]


def test_only_the_partners_people_give_its_view_of_the_latest_shared_review(joint: Sandbox) -> None:
    posted = shared_review(joint)
    joint.driver.click(ALICE, posted, ids.ACTION_REVIEW_VIEW)
    assert "The partner's people give their view" in shown(last_ephemeral(joint, ALICE))
    joint.driver.click(IRENE, posted, ids.ACTION_REVIEW_VIEW)
    assert "only the two organisations' people can take part" in shown(last_ephemeral(joint, IRENE))
    # A newer review: the older one's button gives no view of it.
    newer = shared_review(joint, "Better since the joint meeting")
    joint.driver.click(QUINN, posted, ids.ACTION_REVIEW_VIEW)
    assert joint.workspace.current_modal(QUINN) is None
    joint.driver.click(QUINN, newer, ids.ACTION_REVIEW_VIEW)
    assert joint.workspace.current_modal(QUINN) is not None
    with joint.database.uow(joint.workspace.team_id) as uow:
        assert uow.reviews.views(relationship(joint).id or 0) == []


def test_a_review_where_no_partner_takes_part_asks_for_no_view(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, partner="Globex")
    sandbox.driver.command(ALICE, ACME, "review Acme Alliance")
    assert sandbox.driver.submit(ALICE, {"summary": "Fine", **RATINGS}).errors == {}
    posted = sandbox.workspace.top_level(ACME)[-1]
    assert "Fine" in shown(posted) and ids.ACTION_REVIEW_VIEW not in str(posted.blocks)


def test_the_partners_plan_and_history_commands_say_where_the_joint_records_are(
    both_installed: tuple[Sandbox, Driver],
) -> None:
    _, globex = both_installed
    posted_before = len(globex.workspace.top_level(GLOBEX_GENERAL))
    for asked in ("plan acme alliance", "plan Acme Alliance diff", "history Acme Alliance", "history Acme Alliance 5"):
        globex.command(PAT, GLOBEX_GENERAL, asked)
        told = shown(globex.workspace.ephemerals_for(PAT)[-1])
        assert "*Acme Alliance* is run by your partner in Accord, in <#C0ACMEGLOBEX>" in told, asked
        assert f"<@{ALICE}>" in told and "/accord status Acme Alliance" in told
    # Acme's plan, with its own preparation, is neither posted nor uploaded in Globex's workspace.
    assert len(globex.workspace.top_level(GLOBEX_GENERAL)) == posted_before
    globex.workspace.channel(GLOBEX_GENERAL).members.add(HANK)
    globex.command(HANK, GLOBEX_GENERAL, "plan Acme Alliance")
    assert "There is no relationship called *Acme Alliance*" in globex.workspace.ephemerals_for(HANK)[-1].text


def test_the_partners_register_commands_say_the_registers_are_on_the_card_in_the_shared_channel(
    both_installed: tuple[Sandbox, Driver],
) -> None:
    _, globex = both_installed
    posted_before = len(globex.workspace.top_level(GLOBEX_GENERAL))
    asked = [
        ("risks acme alliance", "*Risks*"),
        ("risks Acme Alliance map", "*Risks*"),
        ("ideas Acme Alliance", "*Ideas*"),
        ("actions Acme Alliance", "*Actions*"),
        ("knowledge Acme Alliance", "*Knowledge map*"),
        ("knowledge Acme Alliance post", "*Knowledge map*"),
    ]
    for typed, button in asked:
        globex.command(PAT, GLOBEX_GENERAL, typed)
        told = shown(globex.workspace.ephemerals_for(PAT)[-1])
        assert "*Acme Alliance* is run by your partner in Accord, in <#C0ACMEGLOBEX>" in told, typed
        assert f"press {button} on the relationship's card pinned in that channel" in told, typed
    # Nothing of Acme's registers is posted in Globex's workspace; Pat's own actions there are still his to ask for.
    assert len(globex.workspace.top_level(GLOBEX_GENERAL)) == posted_before
    globex.command(PAT, GLOBEX_GENERAL, "actions")
    assert "*Your actions*: none open" in shown(globex.workspace.ephemerals_for(PAT)[-1])
    # Someone of Globex who takes no part in the relationship learns nothing of it.
    globex.workspace.channel(GLOBEX_GENERAL).members.add(HANK)
    for typed in ("risks Acme Alliance", "ideas Acme Alliance", "actions Acme Alliance", "knowledge Acme Alliance"):
        globex.command(HANK, GLOBEX_GENERAL, typed)
        assert "There is no relationship called *Acme Alliance*" in globex.workspace.ephemerals_for(HANK)[-1].text


def test_the_plan_asked_for_in_the_shared_channel_goes_to_the_person_alone(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "review Acme Alliance")
    answers = {"summary": "Globex slips on every delivery", "internal": ["internal"], **RATINGS}
    assert joint.driver.submit(ALICE, answers).errors == {}
    posted_before = len(joint.workspace.top_level(JOINT))
    joint.driver.command(ALICE, JOINT, "plan Acme Alliance")
    assert len(joint.workspace.top_level(JOINT)) == posted_before  # nothing of it in the shared channel
    assert "I sent it to you in our direct messages instead" in shown(last_ephemeral(joint, ALICE))
    dm = joint.workspace.im_with(ALICE)
    summary = joint.workspace.top_level(dm.id)[-1]
    assert "Relationship Management Plan · Acme Alliance" in shown(summary)
    [shared] = joint.workspace.replies(dm.id, summary.ts)
    document = joint.emulator.uploads[shared.files[0]["id"]].decode()
    assert "Globex slips on every delivery" in document and "Operational awareness" in document
