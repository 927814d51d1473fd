"""`accord tenant export|purge` and `accord person export|erase`, run as a person would, on a database holding two
tenants: what one tenant or person asks for reaches all of their data and nothing of the other tenant's."""

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.sandbox.clock import MovableClock
from bot.sandbox.demo import seed
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Workspace
from bot.slack import ids
from storage.tenancy import owned, tenant_tables
from storage.tenant_export import WITHHELD
from tests.conftest import START
from tests.e2e.helpers import ACME, ALICE, BOB, CAROL, DAVE, PARTNERSHIPS, create_relationship, last_ephemeral, shown

MINE, OTHER = "T0ACCORD1", "T0OTHER"
UNSENT = "SELECT count(*) FROM nudge WHERE team_id = '{}' AND recipient_id = '{}' AND status IN ('pending', 'claimed')"


def other_workspace(workspace: Workspace) -> None:
    """The same people and channels, in another workspace."""
    seed(workspace)
    workspace.team_id = OTHER


def relationship_with_bob(sandbox: Sandbox, name: str) -> None:
    """Alice's relationship, with Bob as its sponsor, answering, noting, raising a dispute and assigned an item."""
    driver, ws = sandbox.driver, sandbox.workspace
    create_relationship(sandbox, name, sponsor=BOB)
    driver.command(BOB, ACME, f"checkin {name}")
    parent = ws.top_level(ACME)[-1]
    items = ws.replies(ACME, parent.ts)
    driver.click(BOB, items[0], ids.ACTION_ITEM_DONE)
    driver.say(BOB, ACME, "S1.2 policy drafted with <@U0CAROL>", thread_ts=parent.ts)
    driver.click(ALICE, items[1], ids.ACTION_ITEM_ASSIGN, selected=BOB)
    driver.command(BOB, ACME, f"dispute {name} late invoices")
    driver.command(ALICE, ACME, f"exit {name}")
    driver.submit(ALICE, {"triggers": "Acquisition", "plan": "Wind down", "reviewed_with": [BOB, CAROL]})


@pytest.fixture
def two_tenants(sandbox: Sandbox, database_url: str) -> Iterator[Sandbox]:
    """Acme Alliance in this workspace, Globex Supply in another, on one database; Bob is in both."""
    relationship_with_bob(sandbox, "Acme Alliance")
    with Sandbox(database_url, clock=MovableClock(START), populate=other_workspace) as other:
        relationship_with_bob(other, "Globex Supply")
        assert other.workspace.violations == []
    yield sandbox


def accord(sandbox: Sandbox, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DATABASE_URL": sandbox.settings.database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def counts(sandbox: Sandbox, tenant_id: str) -> dict[str, int]:
    with sandbox.database.engine.connect() as connection:
        return {
            t.name: connection.execute(select(func.count()).select_from(t).where(owned(t, tenant_id))).scalar_one()
            for t in tenant_tables()
        }


def history(sandbox: Sandbox, name: str) -> str:
    sandbox.driver.command(DAVE, PARTNERSHIPS, f"history {name} 40")
    return shown(last_ephemeral(sandbox, DAVE))


def test_a_tenant_export_holds_every_record_of_that_tenant_and_none_of_the_other(
    two_tenants: Sandbox, tmp_path: Path
) -> None:
    with two_tenants.database.engine.begin() as connection:  # an installation, whose tokens must stay inside
        connection.execute(
            text(
                "INSERT INTO installation (tenant_id, team_id, is_enterprise_install, bot_id, bot_user_id, bot_scopes, "
                "bot_token, installer_user_id, installed_at) VALUES ('T0ACCORD1', 'T0ACCORD1', false, 'B1', "
                "'U0ACCORDBOT', 'chat:write', 'gAAAA-secret-token', 'U0ALICE', '2026-11-25 10:00:00+00:00')"
            )
        )
    result = accord(two_tenants, "tenant", "export", MINE, "--out", "mine.zip", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = {name: n for name, n in counts(two_tenants, MINE).items() if name not in WITHHELD}
    assert f"Wrote {sum(expected.values())} records of Accord Sandbox ({MINE}) to mine.zip." in result.stdout
    with zipfile.ZipFile(tmp_path / "mine.zip") as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}
    manifest = json.loads(files["manifest.json"])
    assert manifest["tenant"] == MINE and manifest["tables"] == expected
    assert expected["audit_event"] >= 10 and expected["checkin_message"] > 0 and expected["installation"] == 1
    for table, count in expected.items():
        rows = json.loads(files[f"json/{table}.json"])
        assert len(rows) == count, table
        assert {row.get("tenant_id" if table == "installation" else "team_id", MINE) for row in rows} <= {MINE}
        assert len(files[f"csv/{table}.csv"].strip().splitlines()) >= count + 1, table
    everything = "\n".join(files.values())
    assert "Acme Alliance" in everything and "Globex Supply" not in everything and OTHER not in everything
    assert "gAAAA-secret-token" not in everything
    header = files["csv/installation.csv"].splitlines()[0].split(",")
    assert "installer_user_id" in header and not {"bot_token", "bot_refresh_token"} & set(header)


def test_an_unknown_tenant_is_named_with_those_the_database_holds(two_tenants: Sandbox, tmp_path: Path) -> None:
    result = accord(two_tenants, "tenant", "export", "T0NOPE", "--out", "x.zip", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"No tenant T0NOPE in this database: it holds Accord Sandbox ({MINE}), Accord Sandbox ({OTHER})."
    )
    assert not (tmp_path / "x.zip").exists()


def test_a_tenant_purge_removes_all_of_it_audit_trail_included_and_none_of_the_other(
    two_tenants: Sandbox, tmp_path: Path
) -> None:
    others = counts(two_tenants, OTHER)
    assert counts(two_tenants, MINE)["audit_event"] >= 10
    result = accord(two_tenants, "tenant", "purge", MINE, "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Purged Accord Sandbox ({MINE}): ")
    assert set(counts(two_tenants, MINE).values()) == {0}
    assert counts(two_tenants, OTHER) == others
    again = accord(two_tenants, "tenant", "purge", MINE, "--yes", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"Nothing of {MINE} is in this database" in again.stdout
    refused = accord(two_tenants, "tenant", "purge", OTHER, cwd=tmp_path)  # no --yes, and nobody to say yes
    assert refused.returncode == 1 and counts(two_tenants, OTHER) == others


def test_a_persons_export_holds_what_names_them(two_tenants: Sandbox, tmp_path: Path) -> None:
    ambiguous = accord(two_tenants, "person", "export", BOB, "--out", "-", cwd=tmp_path)
    assert ambiguous.returncode == 2
    assert "Say which tenant with --team: U0BOB is in Accord Sandbox (T0ACCORD1), Accord Sandbox (T0OTHER)" in (
        ambiguous.stderr
    )
    result = accord(two_tenants, "person", "export", BOB, "--team", MINE, "--out", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    records = document["records"]
    assert (document["person"], document["tenant"]) == (BOB, MINE)
    assert [row["sponsor_id"] for row in records["relationship"]] == [BOB]
    assert [row["name"] for row in records["directory_entry"]] == ["Bob Okafor"]
    assert {row["actor_id"] for row in records["audit_event"]} >= {BOB}
    assert [row["raised_by"] for row in records["dispute"]] == [BOB]
    assert [row["reviewed_with"] for row in records["exit_strategy"]] == [f"{BOB} {CAROL}"]
    assert "Globex Supply" not in result.stdout


def test_an_erased_person_reads_as_erased_person_1_everywhere_in_their_tenant_only(
    two_tenants: Sandbox, tmp_path: Path
) -> None:
    assert "Bob Okafor raised dispute" in history(two_tenants, "Acme Alliance")
    before, others = counts(two_tenants, MINE), counts(two_tenants, OTHER)
    with two_tenants.database.engine.connect() as connection:
        assert connection.execute(text(UNSENT.format(MINE, BOB))).scalar_one() > 0  # his assignment's notice
    result = accord(two_tenants, "person", "erase", BOB, "--team", MINE, "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Erased {BOB} from Accord Sandbox ({MINE}): " in result.stdout and "erased person 1" in result.stdout

    after = counts(two_tenants, MINE)
    assert after["audit_event"] == before["audit_event"]  # the trail is whole
    assert after["directory_entry"] == before["directory_entry"] - 1 and after["erasure"] == 1
    assert counts(two_tenants, OTHER) == others
    with two_tenants.database.engine.connect() as connection:
        for table in tenant_tables():
            mentions = [row for row in connection.execute(select(table).where(owned(table, MINE))) if BOB in str(row)]
            assert mentions == [], table.name
        assert connection.execute(text(UNSENT.format(MINE, "erased-person-1"))).scalar_one() == 0

    told = history(two_tenants, "Acme Alliance")
    assert "erased person 1 raised dispute" in told and "Bob Okafor" not in told and "U0BOB" not in told
    plan = accord(two_tenants, "export", "Acme Alliance", "--team", MINE, "--out", "-", cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert "erased person 1" in plan.stdout and "Bob Okafor" not in plan.stdout and BOB not in plan.stdout
    pack = accord(two_tenants, "export", "Acme Alliance", "--team", MINE, "--evidence-pack", "pack.zip", cwd=tmp_path)
    assert pack.returncode == 0, pack.stderr
    with zipfile.ZipFile(tmp_path / "pack.zip") as archive:
        contents = {name: archive.read(name).decode() for name in archive.namelist()}
    assert "erased person 1" in contents["audit.csv"]
    assert not [name for name, content in contents.items() if "Bob Okafor" in content or BOB in content]

    again = accord(two_tenants, "person", "erase", BOB, "--team", MINE, "--yes", cwd=tmp_path)
    assert again.returncode == 0 and "nothing to erase" in again.stdout
    assert counts(two_tenants, MINE) == after
    two_tenants.driver.command(DAVE, PARTNERSHIPS, "history Globex Supply")  # not in this workspace
    with Sandbox(two_tenants.settings.database_url, clock=MovableClock(START), populate=other_workspace) as other:
        assert "Bob Okafor" in history(other, "Globex Supply")
