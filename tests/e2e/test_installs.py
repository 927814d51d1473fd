"""Add to Slack: workspaces install Accord, each sees only its own data, and bad OAuth input installs nothing."""

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.installs.flow import ORG_REDIRECT_PATH
from bot.runtime.scheduler import grace_period_purge
from bot.sandbox.clock import MovableClock
from bot.sandbox.demo import GLOBEX
from bot.sandbox.driver import Driver, authorize_link, cookies
from bot.sandbox.grid import Org
from bot.sandbox.harness import Sandbox
from bot.slack import ids
from storage.token_cipher import TokenCipher, UnknownTokenKey
from tests.conftest import START
from tests.e2e.helpers import ACME, ALICE, BOB, create_relationship, last_ephemeral, shown

HANK, IVY = "U0GLXHANK", "U0GLXIVY"
VENDORS = "C0GLXVENDORS"


@pytest.fixture
def box(database_url: str) -> Iterator[Sandbox]:
    with Sandbox(database_url, clock=MovableClock(START), installs=True) as sandbox:
        yield sandbox
        assert sandbox.workspace.violations == [], "the app broke Slack's contract"


def globex(box: Sandbox) -> Driver:
    return box.add_workspace(*GLOBEX)


def installations(box: Sandbox) -> list[tuple[str, str]]:
    with box.database.engine.connect() as connection:
        rows = connection.execute(text("SELECT tenant_id, installer_user_id FROM installation ORDER BY tenant_id"))
        return [(row[0], row[1]) for row in rows]


def test_the_install_page_offers_add_to_slack_with_the_manifests_scopes(box: Sandbox) -> None:
    page = box.driver.web_page("/slack/install")
    assert page.status == 200
    html = page.body.decode()
    assert "Add to Slack" in html
    for scope in ("commands", "chat:write", "users:read"):
        assert f"<code>{scope}</code>" in html
    assert "slack-app-oauth-state=" in page.header("Set-Cookie")[0]


def test_an_installed_workspace_uses_accord_and_its_token_is_stored_encrypted(box: Sandbox) -> None:
    page = box.driver.install(ALICE)
    assert page.status == 200, page.body
    assert "Accord is in Accord Sandbox" in page.body.decode()
    assert installations(box) == [(box.workspace.team_id, ALICE)]

    create_relationship(box)
    box.driver.command(ALICE, ACME, "list")
    assert "Acme Alliance" in shown(last_ephemeral(box, ALICE))

    token = box.emulator.installation_of(box.workspace)
    with box.database.engine.connect() as connection:
        stored = connection.execute(text("SELECT bot_token FROM installation")).scalar_one()
    assert token is not None and "xox" not in stored


def test_installing_again_replaces_the_installation(box: Sandbox) -> None:
    box.driver.install(ALICE)
    create_relationship(box)
    page = box.driver.install(BOB)
    assert page.status == 200
    assert installations(box) == [(box.workspace.team_id, BOB)]
    box.driver.command(BOB, ACME, "list")
    assert "Acme Alliance" in shown(last_ephemeral(box, BOB))


def test_a_workspace_that_never_installed_is_told_so_and_nothing_changes(box: Sandbox) -> None:
    box.driver.install(ALICE)
    other = globex(box)
    other.command(HANK, VENDORS, "new Initech")
    told = other.workspace.ephemerals_for(HANK)
    assert told and "not installed in this workspace" in told[-1].text
    assert installations(box) == [(box.workspace.team_id, ALICE)]


def test_two_workspaces_never_see_each_others_relationships(box: Sandbox) -> None:
    box.driver.install(ALICE)
    other = globex(box)
    assert other.install(HANK).status == 200
    create_relationship(box, "Acme Alliance")
    other.command(HANK, VENDORS, "new")
    assert other.submit(HANK, {"name": "Initech Supply", "partner": "Initech", "sponsor": IVY}).errors == {}

    box.driver.command(ALICE, ACME, "list")
    mine = shown(last_ephemeral(box, ALICE))
    assert "Acme Alliance" in mine and "Initech" not in mine
    other.command(HANK, VENDORS, "list")
    theirs = shown(other.workspace.ephemerals_for(HANK)[-1])
    assert "Initech Supply" in theirs and "Acme" not in theirs
    assert "Acme" not in shown(other.open_home(IVY)) and "Initech Supply" in shown(other.open_home(HANK))
    assert "Initech" not in shown(box.driver.open_home(ALICE)) and "Acme Alliance" in shown(box.driver.open_home(BOB))
    other.command(HANK, VENDORS, "status Acme Alliance")
    assert "There is no relationship called *Acme Alliance*" in other.workspace.ephemerals_for(HANK)[-1].text


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        ("wrong", "expired or was already used"),
        ("expired", "expired or was already used"),
        ("no cookie", "another browser"),
    ],
)
def test_a_bad_state_installs_nothing(box: Sandbox, tamper: str, words: str) -> None:
    page = box.driver.web_page("/slack/install")
    cookie = cookies(page)
    link = box.driver.authorize(ALICE, authorize_link(page))
    if tamper == "wrong":
        link = link.replace("state=", "state=x")
        cookie = cookie.replace("=", "=x", 1)
    elif tamper == "expired":
        box.clock.advance(timedelta(minutes=11))
    else:
        cookie = ""
    answer = box.driver.open_redirect(link, cookie)
    assert answer.status >= 400
    assert words in answer.body.decode()
    assert installations(box) == []


def test_a_state_is_used_once(box: Sandbox) -> None:
    page = box.driver.web_page("/slack/install")
    cookie = cookies(page)
    link = box.driver.authorize(ALICE, authorize_link(page))
    assert box.driver.open_redirect(link, cookie).status == 200
    again = box.driver.open_redirect(link, cookie)
    assert again.status == 401 and "already used" in again.body.decode()


def test_cancelling_in_slack_installs_nothing(box: Sandbox) -> None:
    answer = box.driver.install(ALICE, deny=True)
    assert "You cancelled in Slack" in answer.body.decode()
    assert installations(box) == []


def test_a_forged_code_installs_nothing(box: Sandbox) -> None:
    page = box.driver.web_page("/slack/install")
    cookie = cookies(page)
    link = box.driver.authorize(ALICE, authorize_link(page))
    forged = link.replace("code=", "code=forged")
    answer = box.driver.open_redirect(forged, cookie)
    assert answer.status == 401 and "did not accept" in answer.body.decode()
    assert installations(box) == []


def org_with_two_workspaces(box: Sandbox) -> tuple[Driver, Driver]:
    """Initrode, an Enterprise Grid org: a workspace in the east and one in the west, a person and a channel each."""
    org = Org("E0INITRODE", "Initrode", "initrode")
    drivers = []
    for team_id, person, channel in (
        ("T0IRDEAST", EAST_PERSON, EAST_CHANNEL),
        ("T0IRDWEST", WEST_PERSON, WEST_CHANNEL),
    ):
        workspace = org.add_workspace(box.clock, team_id, f"Initrode {team_id[-4:].title()}", team_id.lower())
        workspace.add_user(person, person.lower(), person.title(), "Europe/Paris")
        workspace.add_channel(channel, channel.lower(), [person], bot_member=True)
    box.emulator.add_org(org)
    for workspace in org.workspaces.values():
        drivers.append(box.driver.for_workspace(workspace))
    return drivers[0], drivers[1]


EAST_PERSON, WEST_PERSON, EAST_CHANNEL, WEST_CHANNEL = "U0IRDKATE", "U0IRDLEO", "C0IRDEAST", "C0IRDWEST"


def test_an_org_wide_install_serves_every_workspace_of_the_org_as_one_tenant(box: Sandbox) -> None:
    east, west = org_with_two_workspaces(box)
    page = east.install(EAST_PERSON, org=True)
    assert page.status == 200 and "Accord is in Initrode" in page.body.decode()
    east.grant_team_access("E0INITRODE", ["T0IRDEAST", "T0IRDWEST"])
    assert installations(box) == [("E0INITRODE", EAST_PERSON)]

    east.command(EAST_PERSON, EAST_CHANNEL, "new")
    assert east.submit(EAST_PERSON, {"name": "Umbrella", "partner": "Umbrella", "sponsor": WEST_PERSON}).errors == {}
    west.command(WEST_PERSON, WEST_CHANNEL, "list")
    assert "Umbrella" in shown(west.workspace.ephemerals_for(WEST_PERSON)[-1])


def test_an_org_admins_install_without_state_is_taken_only_on_its_own_route(box: Sandbox) -> None:
    east, _ = org_with_two_workspaces(box)
    refused = east.admin_install(EAST_PERSON)  # to the redirect of Add to Slack, which needs a state
    assert refused.status == 400 and installations(box) == []

    code = box.emulator.oauth.issue_code(box.emulator.installation_request(EAST_PERSON, org=True))
    taken = east.open_redirect(f"https://accord.example{ORG_REDIRECT_PATH}?code={code}")
    assert taken.status == 200 and installations(box) == [("E0INITRODE", EAST_PERSON)]

    one_workspace = box.emulator.oauth.issue_code(box.emulator.installation_request(ALICE, org=False))
    answer = box.driver.open_redirect(f"https://accord.example{ORG_REDIRECT_PATH}?code={one_workspace}")
    assert answer.status == 400 and "for Enterprise Grid admins" in answer.body.decode()
    assert installations(box) == [("E0INITRODE", EAST_PERSON)]


@pytest.mark.parametrize("order", [("app_uninstalled", "tokens_revoked"), ("tokens_revoked", "app_uninstalled")])
def test_uninstalling_stops_all_work_and_installing_again_within_the_grace_period_restores_it(
    box: Sandbox, order: tuple[str, str]
) -> None:
    box.driver.install(ALICE)
    other = globex(box)
    other.install(HANK)
    create_relationship(box)
    box.driver.uninstall(box.workspace.team_id, order=order, repeat=2)

    assert installations(box) == [(GLOBEX[0], HANK)]
    assert box.workspace.team_id not in box.database.team_ids()  # the nudge job no longer visits it
    box.driver.command(ALICE, ACME, "list")
    assert "not installed in this workspace" in last_ephemeral(box, ALICE).text

    box.clock.advance(timedelta(days=29))
    assert box.driver.install(BOB).status == 200
    box.driver.command(BOB, ACME, "list")
    assert "Acme Alliance" in shown(last_ephemeral(box, BOB))


def test_nudges_keep_flowing_to_the_other_workspaces_when_one_uninstalls(database_url: str) -> None:
    with Sandbox(
        database_url, clock=MovableClock(START), installs=True, working_days="mon-sun", working_hours="00:00-00:00"
    ) as box:
        box.driver.install(ALICE)
        other = globex(box)
        other.install(HANK)
        create_relationship(box, cadence="7")
        other.command(HANK, VENDORS, "new")
        answers = {"name": "Initech Supply", "partner": "Initech", "sponsor": IVY, "cadence": "7"}
        assert other.submit(HANK, answers).errors == {}
        box.run_nudges()  # the sponsors are told they were named
        told_alice = len(box.workspace.top_level(box.workspace.im_with(ALICE).id))

        box.driver.uninstall(box.workspace.team_id)
        report = box.advance(timedelta(days=7))  # both reviews fall due

        assert report.sent == 1
        reminders = other.workspace.top_level(other.workspace.im_with(HANK).id)
        assert any("The review of *Initech Supply* is due today." in shown(m) for m in reminders)
        assert len(box.workspace.top_level(box.workspace.im_with(ALICE).id)) == told_alice
        assert box.workspace.violations == []


def test_installing_again_after_the_grace_period_starts_from_nothing(box: Sandbox) -> None:
    box.driver.install(ALICE)
    create_relationship(box)
    box.driver.uninstall(box.workspace.team_id)
    purge = grace_period_purge(box.process)
    assert purge is not None

    box.clock.advance(timedelta(days=29))
    assert purge() == []  # still within the grace period: kept
    box.clock.advance(timedelta(days=2))
    assert purge() == [box.workspace.team_id]

    assert box.driver.install(ALICE).status == 200
    box.driver.command(ALICE, ACME, "list")
    assert "No relationships yet" in shown(last_ephemeral(box, ALICE))
    with box.database.engine.connect() as connection:
        trail = connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
    assert trail == 0


def test_add_to_slack_states_never_used_are_purged_by_the_daily_job(box: Sandbox) -> None:
    for _ in range(3):
        box.driver.web_page("/slack/install")
    purge = grace_period_purge(box.process)
    assert purge is not None
    box.clock.advance(timedelta(minutes=9))
    purge()
    with box.database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM oauth_state")).scalar_one() == 3
    box.clock.advance(timedelta(minutes=2))
    purge()
    with box.database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM oauth_state")).scalar_one() == 0


def test_rotating_the_encryption_key_leaves_every_token_readable_with_the_new_key_alone(
    box: Sandbox, tmp_path: Path
) -> None:
    box.driver.install(ALICE)
    assert box.settings.accord_encryption_key is not None
    old, new = box.settings.accord_encryption_key.get_secret_value(), Fernet.generate_key().decode()
    env = os.environ | {"DATABASE_URL": box.settings.database_url, "ACCORD_ENCRYPTION_KEY": f"{new},{old}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "tenant", "rekey"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Encrypted 1 tokens again with the newest key" in done.stdout
    with box.database.engine.connect() as connection:
        stored = connection.execute(text("SELECT bot_token FROM installation")).scalar_one()
    assert TokenCipher(new).decrypt(stored).startswith("xoxb-")
    with pytest.raises(UnknownTokenKey):
        TokenCipher(old).decrypt(stored)


def test_a_colleague_of_another_workspace_of_the_org_takes_part_for_the_org(box: Sandbox) -> None:
    east, _ = org_with_two_workspaces(box)
    east.install(EAST_PERSON, org=True)
    east.grant_team_access("E0INITRODE", ["T0IRDEAST", "T0IRDWEST"])
    east.command(EAST_PERSON, EAST_CHANNEL, "new")
    assert east.submit(EAST_PERSON, {"name": "Umbrella", "partner": "Umbrella", "sponsor": WEST_PERSON}).errors == {}
    # Leo, of the org's western workspace, in the eastern channel (shared within the org): the org's own.
    east.workspace.add_user(WEST_PERSON, "leo", "Leo", "Europe/Paris", team="T0IRDWEST", enterprise="E0INITRODE")
    east.workspace.channel(EAST_CHANNEL).members.add(WEST_PERSON)
    east.command(EAST_PERSON, EAST_CHANNEL, "checkin Umbrella")
    first = east.workspace.replies(EAST_CHANNEL, east.workspace.top_level(EAST_CHANNEL)[-1].ts)[0]
    east.click(WEST_PERSON, first, ids.ACTION_ITEM_DONE)
    assert ":white_check_mark: *Done*" in shown(east.workspace.find(EAST_CHANNEL, first.ts))
    # Someone of another organisation in the same channel is not the org's.
    east.workspace.add_user("U0OUTSIDER", "out", "Outsider", team="T0OTHERORG")
    east.workspace.channel(EAST_CHANNEL).members.add("U0OUTSIDER")
    second = east.workspace.replies(EAST_CHANNEL, east.workspace.top_level(EAST_CHANNEL)[-1].ts)[1]
    east.click("U0OUTSIDER", second, ids.ACTION_ITEM_DONE)
    assert ":white_check_mark: *Done*" not in shown(east.workspace.find(EAST_CHANNEL, second.ts))
