"""After a session in the console, what the command line writes offline names the workspace, its people and
channels, though nobody asked for the plan in Slack and some of those people never used Accord: Accord learned
their names as it met them."""

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

from tests.e2e.helpers import CAROL
from tests.e2e.test_command_line_after_the_console import accord, fails
from tests.e2e.test_console import new_acme_alliance
from tests.e2e.test_names_and_dates import read_by_people

SLACK_ID = re.compile(r"\b[TUWCGD]0[A-Z0-9]{2,}\b")
PEOPLE = ["Alice Moreau", "Bob Okafor", "Carol Jensen", "Dave Tanaka", "Erin Walsh"]
# @alice creates Acme Alliance with @bob as sponsor (he never touches Accord), works through the check-in (an
# answer, an assignment to @carol, a note), raises a dispute and saves an exit strategy reviewed with @dave and
# @erin; the console's time never moves, so no nudge is sent that could have named anyone.
SESSION = [
    *new_acme_alliance(cadence=""),
    "#acme-alliance",
    "/accord checkin Acme Alliance",
    "thread 2",
    "7",  # S1.2 in progress
    "15 @carol",  # S1.3 assigned to Carol
    "say 4: benefits drafted",
    "#acme-alliance",
    "/accord dispute Acme Alliance late invoices",
    "/accord exit Acme Alliance",
    "Acquisition of either party",
    "Wind down over six months",
    "",
    "",
    "@dave @erin",
]


@pytest.fixture(scope="module")
def used(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("named")
    session = accord(folder, "console", stdin="\n".join(SESSION) + "\n")
    assert session.returncode == 0, session.stderr
    assert "Saved the exit strategy of *Acme Alliance*" in session.stdout
    assert "Raised dispute #1 on *Acme Alliance*" in session.stdout
    return folder


def test_the_exported_plan_names_everyone_and_no_slack_id(used: Path) -> None:
    result = accord(used, "--console", ".accord", "export", "Acme Alliance", "--out", "-")
    assert result.returncode == 0, result.stderr
    plan = result.stdout
    assert not SLACK_ID.search(plan), SLACK_ID.search(plan)
    assert "- Relationship owner: Alice Moreau" in plan and "- Executive sponsor: Bob Okafor" in plan
    assert "Slack channel: #acme-alliance" in plan
    assert all(person in plan for person in PEOPLE)


def test_the_evidence_pack_names_everyone_beside_the_ids_auditors_match(used: Path) -> None:
    result = accord(used, "--console", ".accord", "export", "Acme Alliance", "--evidence-pack", "pack.zip")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(used / "pack.zip") as pack:
        files = {name: pack.read(name).decode() for name in pack.namelist()}
    readable = read_by_people(files)
    for where, text in readable.items():
        assert not SLACK_ID.search(text), f"{where} shows a Slack id: {SLACK_ID.search(text)}"
    assert all(person in "\n".join(readable.values()) for person in PEOPLE)
    items = {row["item"]: row for row in csv.DictReader(io.StringIO(files["checklist/items.csv"]))}
    assert (items["S1.3"]["assignee"], items["S1.3"]["assignee id"]) == ("Carol Jensen", CAROL)
    assert "by Alice Moreau, reviewed with Dave Tanaka, Erin Walsh." in files["exit_strategy/v1.md"]


def test_the_nudge_preview_and_the_command_line_name_the_workspace(used: Path) -> None:
    result = accord(used, "--console", ".accord", "nudges", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Workspace Accord Sandbox: ")
    assert not SLACK_ID.search(result.stdout), result.stdout
    missing = fails(accord(used, "--console", ".accord", "export", "Acme Aliance", "--out", "-"))
    assert missing == (
        "There is no relationship called 'Acme Aliance' in workspace Accord Sandbox. Did you mean Acme Alliance?"
    )
