"""What people read names people and channels and writes dates as people do: in Slack, in the exported plan and
in every file of the evidence pack, with Slack ids kept only in the columns auditors match them by."""

import csv
import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.harness import Sandbox
from bot.slack import ids
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
    shown,
)
from tests.e2e.test_checkins import start_checkin
from tests.e2e.test_plan import RATINGS, complete_stage, export

SLACK_ID = re.compile(r"\b[UCG]0[A-Z0-9]{2,}\b")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2})?")
MACHINE_FILES = {"plan/rmp.json"}  # data for programs, not for reading
MACHINE_COLUMNS = {"before", "after"}  # the audit trail's records, as JSON


def busy_relationship(sandbox: Sandbox) -> None:
    """A relationship with a signed-off stage, a review, an exit strategy and an escalated dispute."""
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    complete_stage(sandbox)
    sandbox.driver.command(ALICE, ACME, "review Acme Alliance")
    sandbox.driver.submit(ALICE, {"summary": "A steady start", **RATINGS})
    sandbox.driver.command(BOB, ACME, "exit Acme Alliance")
    sandbox.driver.submit(BOB, {"triggers": "Acquisition", "plan": "Wind-down", "reviewed_with": [ALICE]})
    sandbox.driver.command(DAVE, ACME, "dispute Acme Alliance late invoices")
    dispute = sandbox.workspace.top_level(ACME)[-1]
    escalate(sandbox, ALICE, fresh(sandbox, dispute))


def pack_files(sandbox: Sandbox, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "pack.zip"
    result = export(sandbox, "Acme Alliance", "--evidence-pack", str(path))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(path) as pack:
        return {name: pack.read(name).decode() for name in pack.namelist()}


def read_by_people(files: dict[str, str]) -> dict[str, str]:
    """Everything in the pack a person reads: every file but the JSON data, every CSV column but the ids and JSON."""
    readable = {}
    for name, text in files.items():
        if name in MACHINE_FILES:
            continue
        if name.endswith(".csv"):
            rows = list(csv.DictReader(io.StringIO(text)))
            for column in rows[0] if rows else {}:
                if not column.endswith(" id") and column not in MACHINE_COLUMNS:
                    readable[f"{name}:{column}"] = "\n".join(row[column] for row in rows)
        else:
            readable[name] = text
    return readable


def test_the_evidence_pack_names_people_and_writes_dates_as_people_do(sandbox: Sandbox, tmp_path: Path) -> None:
    busy_relationship(sandbox)
    sandbox.driver.command(CAROL, ACME, "plan Acme Alliance")  # Accord asks Slack for the names, and keeps them

    files = pack_files(sandbox, tmp_path)  # offline: the names last known
    for where, text in read_by_people(files).items():
        assert not SLACK_ID.search(text), f"{where} shows a Slack id: {SLACK_ID.search(text)}"
        assert not ISO_TIME.search(text), f"{where} shows an ISO date: {ISO_TIME.search(text)}"

    assert "Slack channel: #acme-alliance" in files["plan/rmp.md"]
    assert (
        "| Stage 1 · Operational awareness | clause 3 | signed off | 7/7 | 25 Nov 2026 by Bob Okafor |"
        in (files["README.md"])
    )
    items = list(csv.DictReader(io.StringIO(files["checklist/items.csv"])))
    first = next(row for row in items if row["item"] == "S1.1")
    assert (first["by"], first["by id"], first["at"]) == ("Alice Moreau", ALICE, "25 Nov 2026, 10:00 UTC")
    assert (first["stage signed off by"], first["stage signed off by id"]) == ("Bob Okafor", BOB)
    disputes = list(csv.DictReader(io.StringIO(files["disputes.csv"])))
    assert [(d["raised by"], d["raised by id"]) for d in disputes] == [("Dave Tanaka", DAVE)]


def test_offline_everyone_a_change_names_is_named_though_they_never_used_accord(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)  # Bob never touches Accord
    who_we_are = len(sandbox.workspace.calls_to("auth.test"))
    _, items = start_checkin(sandbox)
    sandbox.driver.click(ALICE, items[2], ids.ACTION_ITEM_ASSIGN, selected=CAROL)
    asked = sorted(call.args["user"] for call in sandbox.workspace.calls_to("users.info"))
    assert asked == [ALICE, BOB, CAROL]  # each once, though Alice acted four times
    assert len(sandbox.workspace.calls_to("auth.test")) == who_we_are  # the workspace's name was learned once

    files = pack_files(sandbox, tmp_path)  # offline: nobody ran /accord plan
    plan = files["plan/rmp.md"]
    assert "- Relationship owner: Alice Moreau" in plan and "- Executive sponsor: Bob Okafor" in plan
    assert "Slack channel: #acme-alliance" in plan
    items_csv = {row["item"]: row for row in csv.DictReader(io.StringIO(files["checklist/items.csv"]))}
    assert (items_csv["S1.3"]["assignee"], items_csv["S1.3"]["assignee id"]) == ("Carol Jensen", CAROL)


@pytest.mark.parametrize("fault", [{"error": "user_not_found"}, {"drop": True}], ids=["Slack refuses", "no answer"])
def test_when_slack_cannot_say_who_someone_is_the_request_works_and_offline_the_id_stands_in(
    sandbox: Sandbox, tmp_path: Path, fault: dict[str, Any]
) -> None:
    sandbox.emulator.fail("users.info", times=1000, **fault)
    outcome = create_relationship(sandbox, "Acme Alliance", sponsor=BOB)

    assert ":white_check_mark: *Acme Alliance* is set up at *Stage 1 · Operational awareness*" in shown(outcome)
    assert sandbox.workspace.ephemerals_for(ALICE) == []  # no apology: nothing failed as far as she can tell
    [intro] = sandbox.workspace.top_level(ACME)
    assert f"Owner <@{ALICE}> · Executive sponsor <@{BOB}>" in shown(intro)
    sandbox.driver.command(ALICE, ACME, "status Acme Alliance")
    assert "Acme Alliance" in shown(last_ephemeral(sandbox, ALICE))
    asked = {call.args["user"] for call in sandbox.workspace.calls if call.method == "users.info"}
    assert asked == {ALICE, BOB} and sandbox.workspace.calls_to("users.info") == []  # asked; Slack could not say

    files = pack_files(sandbox, tmp_path)
    assert "- Relationship owner: U0ALICE" in files["plan/rmp.md"]  # the last name known: none, so the id
    assert "Slack channel: #acme-alliance" in files["plan/rmp.md"]  # what Slack could say is kept


def test_whoever_the_nudge_job_messages_is_named_offline(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.emulator.fail("users.info", error="fatal_error", times=1000)
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)  # Slack could not say who anyone is
    sandbox.emulator.faults.clear()
    sandbox.advance(timedelta(hours=1))  # Bob is told he sponsors it, in his working hours
    assert "- Executive sponsor: Bob Okafor" in pack_files(sandbox, tmp_path)["plan/rmp.md"]


def test_names_are_asked_of_slack_once_a_day_and_renamed_people_are_renamed(sandbox: Sandbox) -> None:
    busy_relationship(sandbox)
    sandbox.driver.command(CAROL, ACME, "plan Acme Alliance")
    asked = len(sandbox.workspace.calls_to("users.info"))
    sandbox.driver.command(CAROL, ACME, "plan Acme Alliance")
    assert len(sandbox.workspace.calls_to("users.info")) == asked  # kept from the first time

    sandbox.workspace.user(ALICE).real_name = "Alice Moreau-Smith"
    sandbox.clock.advance(timedelta(days=1, minutes=1))
    sandbox.driver.command(CAROL, ACME, "plan Acme Alliance")
    document = latest_document(sandbox)
    assert "Alice Moreau-Smith" in document and "U0ALICE" not in document


def test_the_shared_plan_tells_times_in_the_readers_time_zone(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.driver.command(DAVE, ACME, "plan Acme Alliance")  # Dave works from Tokyo
    assert "25 Nov 2026, 19:00 JST" in latest_document(sandbox)
    sandbox.driver.command(CAROL, ACME, "plan Acme Alliance")  # Carol from New York
    assert "25 Nov 2026, 05:00 EST" in latest_document(sandbox)


def test_the_plan_diff_names_people_and_writes_dates(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    complete_stage(sandbox)
    sandbox.driver.command(ALICE, ACME, "edit Acme Alliance")
    sandbox.driver.submit(ALICE, {"owner": DAVE})
    sandbox.driver.close_modal(ALICE)
    sandbox.driver.command(BOB, ACME, "review Acme Alliance")  # Bob sponsors it
    sandbox.driver.submit(BOB, {"summary": "A steady start", **RATINGS})
    sandbox.driver.command(ALICE, ACME, "plan Acme Alliance diff")
    changes = shown(last_ephemeral(sandbox, ALICE))
    assert "• Owner: Alice Moreau → Dave Tanaka" in changes
    assert not SLACK_ID.search(changes) and not ISO_TIME.search(changes)


def latest_document(sandbox: Sandbox) -> str:
    summary = sandbox.workspace.top_level(ACME)[-1]
    [shared] = sandbox.workspace.replies(ACME, summary.ts)
    return sandbox.emulator.uploads[shared.files[0]["id"]].decode()


def test_history_and_the_change_log_tell_each_change_in_the_same_sentence(sandbox: Sandbox, tmp_path: Path) -> None:
    busy_relationship(sandbox)
    sandbox.driver.command(CAROL, ACME, "history Acme Alliance 3")
    history = shown(last_ephemeral(sandbox, CAROL))
    sentences = [
        "Alice Moreau escalated dispute #1 to tier 2",
        "Accord posted dispute #1 in #acme-alliance",
        "Dave Tanaka raised dispute #1: “late invoices”",
    ]
    assert [line.partition(" · ")[2] for line in history.splitlines() if "<!date^" in line] == sentences
    assert not SLACK_ID.search(history.replace("<!date^", "")) and "dispute.escalated" not in history

    markdown = export(sandbox, "Acme Alliance", "--out", "-").stdout
    for sentence in sentences:
        assert sentence in markdown


def test_general_check_in_notes_reach_the_plan_and_the_notes_csv(sandbox: Sandbox, tmp_path: Path) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.driver.command(ALICE, ACME, "checkin Acme Alliance")
    parent = sandbox.workspace.top_level(ACME)[-1]
    sandbox.driver.say(CAROL, ACME, "Kick-off went well, minutes to follow", thread_ts=parent.ts)
    sandbox.driver.say(CAROL, ACME, "S1.2 policy drafted", thread_ts=parent.ts)

    files = pack_files(sandbox, tmp_path)
    notes = list(csv.DictReader(io.StringIO(files["checklist/notes.csv"])))
    assert [(n["stage"], n["item"], n["author id"], n["text"]) for n in notes] == [
        ("1", "S1.2", CAROL, "S1.2 policy drafted"),
        ("1", "", CAROL, "Kick-off went well, minutes to follow"),
    ]
    general = "Notes on the check-in:\n\n- Carol Jensen, 25 Nov 2026: Kick-off went well, minutes to follow"
    assert general in files["plan/rmp.md"]
    assert "Kick-off went well, minutes to follow" in files["plan/rmp.html"]


def test_the_plan_diff_tells_what_happened_to_each_dispute(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.driver.command(DAVE, ACME, "dispute Acme Alliance late invoices")
    late = sandbox.workspace.top_level(ACME)[-1]
    complete_stage(sandbox)  # version 1: the dispute is open at tier 1
    escalate(sandbox, ALICE, fresh(sandbox, late))
    sandbox.driver.click(ALICE, fresh(sandbox, late), ids.ACTION_DISPUTE_RESOLVE)
    sandbox.driver.submit(ALICE, {"resolution": "Paid", "root_cause": "Wrong PO numbers"})
    sandbox.driver.command(DAVE, ACME, "dispute Acme Alliance missing pallets")
    sandbox.driver.command(ALICE, ACME, "review Acme Alliance")
    sandbox.driver.submit(ALICE, {"summary": "A steady start", **RATINGS})  # version 2

    sandbox.driver.command(ALICE, ACME, "plan Acme Alliance diff")
    changes = shown(last_ephemeral(sandbox, ALICE))
    assert "• Dispute #1 _late invoices_: escalated to tier 2, resolved" in changes
    assert "• Dispute #2 _missing pallets_: raised" in changes
