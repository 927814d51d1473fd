"""The knowledge map, end to end through signed Slack requests: items added through the form (every wrong field
told under it, terms required under agreed terms and refused otherwise, the same form sent twice adding one item),
listed by class, edited and retired with an audit trail; Globex's people take part from the map posted in the
shared channel, their never-share items kept from Acme and Acme's from them; Initech's Irene refused."""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.records.evidence_pack import write_pack
from bot.records.plan_document import render_html, render_markdown
from bot.sandbox.harness import Sandbox
from bot.slack import ids
from stages import knowledge_service, rmp
from stages.catalogue import default_catalogue
from stages.checkins import SignOff
from stages.knowledge import item_draft
from tests.conftest import START
from tests.e2e.helpers import ACME, ALICE, BOB, create_relationship, fresh, last_ephemeral, relationship, shown
from tests.e2e.test_joint_relationships import (
    EVIDENCE,
    INITECH,
    IRENE,
    JOINT,
    PAT,
    QUINN,
    joint_at_any_hour,
    start_checkin,
)


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    """Acme Alliance in #acme-globex with Globex's people named, and Initech's Irene in the channel too."""
    with joint_at_any_hour(tmp_path / "accord.db") as box:
        yield box


def at_stage_four(sandbox: Sandbox) -> None:
    """Stages 1 to 3, Acme's own, signed off: the check-in runs in the shared channel from here."""
    r = relationship(sandbox)
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        uow.relationships.update(replace(r, stage=4))
        for stage in range(1, 4):
            uow.sign_offs.add(SignOff(sandbox.workspace.team_id, r.id or 0, stage, BOB, START))
        uow.commit()


def listed(sandbox: Sandbox, user: str = ALICE) -> str:
    sandbox.driver.command(user, JOINT, "knowledge Acme Alliance")
    return shown(last_ephemeral(sandbox, user))


def item_form(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "title": "Alloy specs <!channel>",
        "description": "The blade alloy's composition",
        "knowledge_owner": BOB,
        "classification": "terms",
        "terms": "Under the NDA of March",
    }
    return answers | changes


def add(sandbox: Sandbox, answers: dict[str, object], user: str = ALICE) -> dict[str, str]:
    sandbox.driver.command(user, JOINT, "knowledge Acme Alliance")
    sandbox.driver.click(user, last_ephemeral(sandbox, user), ids.ACTION_KNOWLEDGE_ADD)
    return sandbox.driver.submit(user, answers).errors


def posted(sandbox: Sandbox) -> str:
    sandbox.driver.command(ALICE, JOINT, "knowledge Acme Alliance post")
    return shown(sandbox.workspace.top_level(JOINT)[-1])


def test_items_of_each_class_are_added_through_the_form_and_listed_by_class(joint: Sandbox) -> None:
    assert "no items yet" in listed(joint)
    assert add(joint, item_form()) == {}
    assert "Added *Alloy specs &lt;!channel&gt;*" in shown(joint.workspace.current_modal(ALICE))
    assert add(joint, item_form(title="Delivery schedules", classification="free", terms="", knowledge_owner=PAT)) == {}
    assert add(joint, item_form(title="Pricing model", classification="never", terms="")) == {}
    text = listed(joint)
    assert "3 items" in text
    free, terms, never = (text.index(h) for h in ("Share freely*", "Share under agreed terms*", "Never share*"))
    assert free < text.index("Delivery schedules") < terms < text.index("Alloy specs") < never
    assert never < text.index("Pricing model")
    assert "*Delivery schedules* · held by the other organisation" in text
    assert "_Terms:_ Under the NDA of March" in text
    assert "*Alloy specs &lt;!channel&gt;* · held by your organisation" in text


def test_every_wrong_field_is_told_under_it_and_terms_belong_to_items_shared_under_them(joint: Sandbox) -> None:
    errors = add(joint, item_form(title=" ", terms=" "))
    assert set(errors) == {"title", "terms"}
    assert "Say the terms" in errors["terms"]
    errors = add(joint, item_form(classification="free"))
    assert errors.keys() == {"terms"} and "Leave the terms empty" in errors["terms"]
    assert "no items yet" in listed(joint)


def test_the_same_form_sent_again_adds_one_item(joint: Sandbox) -> None:
    r = relationship(joint)
    draft = item_draft(title="Specs", description="", owner_id=BOB, classification="free", terms="")
    uow = joint.database.uow(joint.workspace.team_id)
    home, now = r.team_id, joint.clock.now()
    kept = [
        knowledge_service.add_item(
            uow, r.id or 0, draft, owner_organisation=home, by=ALICE, organisation=home, now=now, form_key="V1"
        ).first
        for _ in range(2)
    ]
    assert kept == [True, False]
    assert "1 item." in listed(joint)


def test_an_owner_of_a_third_organisation_or_of_the_other_for_a_never_share_item_is_refused(joint: Sandbox) -> None:
    assert add(joint, item_form(knowledge_owner=IRENE)) == {}
    assert "belongs to neither" in shown(joint.workspace.current_modal(ALICE))
    assert add(joint, item_form(classification="never", terms="", knowledge_owner=PAT)) == {}
    assert "choose one of your people" in shown(joint.workspace.current_modal(ALICE))
    assert "no items yet" in listed(joint)


def test_globex_takes_part_from_the_posted_map_and_each_side_keeps_its_never_share_items(joint: Sandbox) -> None:
    assert add(joint, item_form(title="Acme pricing model", classification="never", terms="")) == {}
    assert add(joint, item_form(title="Delivery schedules", classification="free", terms="")) == {}
    text = posted(joint)
    assert "Delivery schedules" in text and "Acme pricing model" not in text
    board = joint.workspace.top_level(JOINT)[-1]
    joint.driver.click(PAT, board, ids.ACTION_KNOWLEDGE_ADD)
    answers = item_form(title="Globex roadmap", classification="never", terms="", knowledge_owner=QUINN)
    assert joint.driver.submit(PAT, answers).errors == {}
    assert "Added *Globex roadmap*" in shown(joint.workspace.current_modal(PAT))
    joint.driver.click(PAT, board, ids.ACTION_KNOWLEDGE_SHOW)
    theirs = shown(last_ephemeral(joint, PAT))
    assert "Globex roadmap" in theirs and "Delivery schedules" in theirs and "Acme pricing model" not in theirs
    assert "*Globex roadmap* · held by your organisation" in theirs
    ours = listed(joint)
    assert "Acme pricing model" in ours and "Globex roadmap" not in ours
    again = posted(joint)
    assert "Globex roadmap" not in again and "Acme pricing model" not in again
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    assert "Globex roadmap" not in shown(last_ephemeral(joint, ALICE))


def test_initechs_irene_is_refused_the_map_and_its_forms(joint: Sandbox) -> None:
    assert add(joint, item_form(title="Delivery schedules", classification="free", terms="")) == {}
    posted(joint)
    board = joint.workspace.top_level(JOINT)[-1]
    for action in (ids.ACTION_KNOWLEDGE_SHOW, ids.ACTION_KNOWLEDGE_ADD):
        joint.driver.click(IRENE, board, action)
        assert "only the two organisations' people can take part" in shown(last_ephemeral(joint, IRENE))
        assert joint.workspace.current_modal(IRENE) is None


def test_an_item_is_edited_and_retired_once_and_audited(joint: Sandbox) -> None:
    assert add(joint, item_form()) == {}
    joint.driver.command(ALICE, JOINT, "knowledge Acme Alliance")
    board = last_ephemeral(joint, ALICE)
    joint.driver.click(ALICE, board, ids.ACTION_KNOWLEDGE_EDIT)
    assert joint.driver.submit(ALICE, {"classification": "free"}).errors.keys() == {"terms"}
    assert joint.driver.submit(ALICE, {"classification": "free", "terms": ""}).errors == {}
    assert "Saved your changes to *Alloy specs" in shown(joint.workspace.current_modal(ALICE))
    joint.driver.click(ALICE, board, ids.ACTION_KNOWLEDGE_EDIT)
    assert joint.driver.submit(ALICE, {}).errors == {}  # the form as it opened: the item as it stands
    assert "Nothing was changed" in shown(joint.workspace.current_modal(ALICE))
    joint.driver.click(ALICE, board, ids.ACTION_KNOWLEDGE_RETIRE)
    assert "Retired *Alloy specs" in shown(last_ephemeral(joint, ALICE))
    joint.driver.click(ALICE, board, ids.ACTION_KNOWLEDGE_RETIRE)
    assert "was retired already" in shown(last_ephemeral(joint, ALICE))
    assert "no items yet" in listed(joint)
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    history = shown(last_ephemeral(joint, ALICE))
    assert "added knowledge item #1 to the knowledge map" in history
    assert "edited knowledge item #1: its class, its terms" in history
    assert "retired knowledge item #1" in history


def test_a_joint_check_in_refuses_evidence_or_a_reason_naming_the_writers_never_share_item(joint: Sandbox) -> None:
    assert add(joint, item_form(title="Pricing model", classification="never", terms="")) == {}
    joint.driver.command(ALICE, JOINT, "knowledge Acme Alliance post")
    joint.driver.click(PAT, joint.workspace.top_level(JOINT)[-1], ids.ACTION_KNOWLEDGE_ADD)
    answers = item_form(title="Globex roadmap", classification="never", terms="", knowledge_owner=PAT)
    assert joint.driver.submit(PAT, answers).errors == {}
    at_stage_four(joint)
    parent, items = start_checkin(joint)
    joint.driver.click(ALICE, fresh(joint, items[0]), ids.ACTION_ITEM_EVIDENCE)
    errors = joint.driver.submit(ALICE, {"link": EVIDENCE, "note": "Our PRICING model, attached"}).errors
    assert errors.keys() == {"note"}
    assert "“Pricing model”, which your organisation never shares" in errors["note"]
    assert "tick Internal" in errors["note"]
    assert "PRICING" not in str(joint.workspace.replies(JOINT, parent.ts))
    kept = {"link": EVIDENCE, "note": "Our pricing model, attached", "internal": ["internal"]}
    assert joint.driver.submit(ALICE, kept).errors == {}  # kept internal: never shown to Globex
    mentions_globex = {"link": EVIDENCE, "note": "Globex roadmap seen"}  # Globex's own item: not Acme's to keep
    joint.driver.click(ALICE, fresh(joint, items[1]), ids.ACTION_ITEM_EVIDENCE)
    assert joint.driver.submit(ALICE, mentions_globex).errors == {}
    joint.driver.click(PAT, fresh(joint, items[2]), ids.ACTION_ITEM_EVIDENCE)
    errors = joint.driver.submit(PAT, {"link": EVIDENCE, "note": "See the globex  roadmap"}).errors
    assert "“Globex roadmap”" in errors["note"] and "leave it out" in errors["note"]
    joint.driver.click(PAT, fresh(joint, items[2]), ids.ACTION_ITEM_NOT_APPLICABLE)
    errors = joint.driver.submit(PAT, {"reason": "Covered by the Globex roadmap"}).errors
    assert errors.keys() == {"reason"}
    thread = str(joint.workspace.replies(JOINT, parent.ts))
    assert "Covered by the Globex roadmap" not in thread and "See the globex" not in thread


def test_a_reply_naming_the_writers_never_share_item_is_not_kept_as_a_note(joint: Sandbox) -> None:
    assert add(joint, item_form(title="Pricing model", classification="never", terms="")) == {}
    at_stage_four(joint)
    parent, _ = start_checkin(joint)
    reply = joint.driver.say(ALICE, JOINT, "1: the pricing model is below", thread_ts=parent.ts)
    assert "it is not kept as a note" in shown(last_ephemeral(joint, ALICE))
    joint.driver.say(PAT, JOINT, "1: what pricing model?", thread_ts=parent.ts)  # not Globex's to keep
    fine = joint.driver.say(ALICE, JOINT, "1: terms are in the folder", thread_ts=parent.ts)
    joint.driver.edit(ALICE, fine, "1: terms are in the Pricing Model")
    assert "it is not kept as a note" in shown(last_ephemeral(joint, ALICE))
    with joint.database.uow(joint.workspace.team_id) as uow:
        notes = {n.message_ts: n.text for n in uow.notes.for_relationship(relationship(joint).id or 0)}
    assert reply.ts not in notes and notes[fine.ts] == "1: terms are in the folder"


def test_the_plan_and_the_evidence_pack_hold_the_map_without_the_partners_never_share_items(
    joint: Sandbox, tmp_path: Path
) -> None:
    assert add(joint, item_form(title="Delivery | schedules", classification="free", terms="")) == {}
    assert add(joint, item_form(terms="Under the *NDA* of March")) == {}
    assert add(joint, item_form(title="Acme pricing model", classification="never", terms="")) == {}
    assert add(joint, item_form(title="Old forecasts", classification="free", terms="")) == {}
    joint.driver.command(ALICE, JOINT, "knowledge Acme Alliance post")
    joint.driver.click(PAT, joint.workspace.top_level(JOINT)[-1], ids.ACTION_KNOWLEDGE_ADD)
    answers = item_form(title="Globex roadmap", classification="never", terms="", knowledge_owner=PAT)
    assert joint.driver.submit(PAT, answers).errors == {}
    r = relationship(joint)
    uow = joint.database.uow(joint.workspace.team_id)
    knowledge_service.retire_item(uow, 4, by=ALICE, organisation=r.team_id, now=joint.clock.now())
    evidence = rmp.evidence(uow, default_catalogue(), r.id or 0, joint.clock.now())
    markdown = render_markdown(evidence.plan)
    section = markdown[markdown.index("## 5. Knowledge") : markdown.index("## 6.")]
    assert "Share freely:\n\n- Delivery \\| schedules (held by" in section
    assert "  - Terms: Under the *NDA* of March" in section
    assert "- Acme pricing model (held by Accord Sandbox;" in section
    assert "Accord Sandbox's own, never shared with Globex)" in section
    assert "Retired items:\n\n- Old forecasts (Share freely), retired" in section
    assert "Globex roadmap" not in markdown
    html = render_html(evidence.plan)
    assert "Acme pricing model" in html and "Globex roadmap" not in html
    files = write_pack(evidence, tmp_path / "pack.zip")
    assert "registers/knowledge.csv" in files
    with zipfile.ZipFile(tmp_path / "pack.zip") as pack:
        rows = list(csv.DictReader(io.StringIO(pack.read("registers/knowledge.csv").decode())))
    assert [(k["title"], k["class"], k["organisation"], k["retired at"] != "") for k in rows] == [
        ("Delivery | schedules", "Share freely", "Accord Sandbox", False),
        ("Alloy specs <!channel>", "Share under agreed terms", "Accord Sandbox", False),
        ("Acme pricing model", "Never share", "Accord Sandbox", False),
        ("Old forecasts", "Share freely", "Accord Sandbox", True),
    ]
    assert rows[1]["terms"] == "Under the *NDA* of March" and rows[1]["owner id"] == BOB


def test_the_plans_versions_compare_the_map(joint: Sandbox) -> None:
    assert add(joint, item_form(title="Delivery schedules", classification="free", terms="")) == {}
    r, catalogue = relationship(joint), default_catalogue()
    uow = joint.database.uow(joint.workspace.team_id)

    def keep() -> None:
        with uow:
            rmp.save_version(uow, catalogue, r.id or 0, reason="review", by=ALICE, now=joint.clock.now())
            uow.commit()

    keep()
    knowledge_service.retire_item(uow, 1, by=ALICE, organisation=r.team_id, now=joint.clock.now())
    keep()
    changes = rmp.diff_latest(uow, r.id or 0).changes
    assert [(c.path, c.before) for c in changes if c.path[0] == "knowledge"] == [
        (("knowledge", "1", "retired_at"), None)
    ]


def test_a_never_share_item_is_posted_in_an_internal_channel_only(joint: Sandbox) -> None:
    create_relationship(joint, "Acme Supply", sponsor=BOB, channel=ACME, partner="Supplier")
    r = relationship(joint, "Acme Supply")
    draft = item_draft(title="Pricing model", description="", owner_id=BOB, classification="never", terms="")
    uow, now = joint.database.uow(joint.workspace.team_id), joint.clock.now()
    knowledge_service.add_item(
        uow, r.id or 0, draft, owner_organisation=r.team_id, by=ALICE, organisation=r.team_id, now=now, form_key="V1"
    )
    joint.driver.command(ALICE, ACME, "knowledge Acme Supply post")
    assert "Pricing model" in shown(joint.workspace.top_level(ACME)[-1])
    joint.workspace.share_channel(ACME, INITECH)  # shared since, though the relationship is not a joint one
    joint.driver.command(ALICE, ACME, "knowledge Acme Supply post")
    assert "no items yet" in shown(joint.workspace.top_level(ACME)[-1])
