"""The offline Slack installs an app by OAuth into several workspaces and an Enterprise Grid org, as Slack does:
tokens bound to what they were issued for, single-use codes, expiring and refreshed tokens, uninstall events."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import FileInstallationStore, Installation
from slack_sdk.oauth.state_store import FileOAuthStateStore

from bot.installs.setup import find_manifest
from bot.sandbox.clock import MovableClock
from bot.sandbox.driver import AuthorizeRefused, Driver, InProcess, Reply, authorize_link
from bot.sandbox.grid import Org
from bot.sandbox.harness import OfflineSlack
from bot.sandbox.oauth import OAuthApp
from bot.sandbox.workspace import Workspace
from tests.conftest import START

REDIRECT = "https://accord.example/slack/oauth_redirect"
ALICE, GENERAL = "U0ALICE", "C0GENERAL"  # of the sandbox's first workspace, T0ACCORD1
BETA, BEA, BETA_GENERAL = "T0BETA", "U0BETABEA", "C0BETAGEN"
GLOBEX, GLOBEX_EAST, GLOBEX_WEST = "E0GLOBEX", "T0GLOBEXE", "T0GLOBEXW"
GIL, WYN, EAST_GENERAL, WEST_GENERAL = "W0GLOBEXGIL", "W0GLOBEXWYN", "C0EASTGEN", "C0WESTGEN"
LIFECYCLE_EVENTS = ["app_uninstalled", "tokens_revoked", "team_access_granted", "team_access_revoked"]


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    """Accord's manifest with token rotation, org-wide installs and the installation lifecycle events on."""
    data = yaml.safe_load(find_manifest().read_text(encoding="utf-8"))
    data["settings"] |= {"token_rotation_enabled": True, "org_deploy_enabled": True}
    data["settings"]["event_subscriptions"]["bot_events"] += LIFECYCLE_EVENTS
    path = tmp_path / "manifest.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def slack(manifest: Path) -> Iterator[OfflineSlack]:
    offline = OfflineSlack(MovableClock(START), manifest=manifest)
    beta = offline.emulator.add_workspace(Workspace(offline.clock, team_id=BETA, domain="beta", team_name="Beta"))
    beta.add_user(BEA, "bea", "Bea Lund")
    beta.add_channel(BETA_GENERAL, "general", [BEA])
    org = Org(GLOBEX, "Globex", "globex")
    for team_id, person, channel in ((GLOBEX_EAST, GIL, EAST_GENERAL), (GLOBEX_WEST, WYN, WEST_GENERAL)):
        workspace = org.add_workspace(offline.clock, team_id, f"Globex {team_id[-1]}", team_id.lower())
        workspace.add_user(person, person[-3:].lower(), person[-3:].title())
        workspace.add_channel(channel, "general", [person])
    offline.emulator.add_org(org)
    offline.emulator.register_app(OAuthApp.from_manifest(offline.contract.manifest, REDIRECT))
    yield offline
    offline.close()


class Accord:
    """A Bolt app installed by OAuth, pointed at the offline Slack, noting the lifecycle events it hears."""

    def __init__(self, slack: OfflineSlack, folder: Path) -> None:
        oauth = slack.emulator.oauth.app
        assert oauth is not None
        self.store = FileInstallationStore(base_dir=str(folder / "installations"))
        self.app = App(
            signing_secret=slack.signing_secret,
            client=WebClient(base_url=slack.api_url),
            oauth_settings=OAuthSettings(
                client_id=oauth.client_id,
                client_secret=oauth.client_secret,
                scopes=sorted(oauth.bot_scopes),
                redirect_uri=REDIRECT,
                installation_store=self.store,
                state_store=FileOAuthStateStore(expiration_seconds=600, base_dir=str(folder / "states")),
                authorization_url=slack.emulator.base_url + "/oauth/v2/authorize",
            ),
        )
        self.heard: list[tuple[str, str | None]] = []
        for name in LIFECYCLE_EVENTS:
            self.app.event(name)(self._note)
        self.driver = slack.driver(InProcess(self.app))

    def _note(self, event: dict[str, object], context: dict[str, object]) -> None:
        tenant = context.get("team_id") or context.get("enterprise_id")
        self.heard.append((str(event["type"]), str(tenant) if tenant else None))

    def install_page(self) -> Reply:
        return InProcess(self.app).get("/slack/install", "", {})

    def people_of(self, slack: OfflineSlack, team_id: str) -> Driver:
        return self.driver.for_workspace(slack.emulator.workspaces[team_id])

    def installation(self, team_id: str | None, enterprise_id: str | None = None) -> Installation:
        found = self.store.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=team_id is None
        )
        assert found is not None and found.bot_token is not None
        return found


@pytest.fixture
def accord(slack: OfflineSlack, tmp_path: Path) -> Accord:
    return Accord(slack, tmp_path)


def web(slack: OfflineSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token, base_url=slack.api_url)


def slack_error(call: object) -> str:
    assert isinstance(call, SlackApiError)
    return str(call.response["error"])


def test_each_workspace_installs_with_a_token_that_works_only_there(slack: OfflineSlack, accord: Accord) -> None:
    first = accord.driver.install(ALICE)
    second = accord.people_of(slack, BETA).install(BEA)

    assert first.status == second.status == 200
    home, beta = accord.installation(slack.workspace.team_id).bot_token, accord.installation(BETA).bot_token
    assert web(slack, beta).auth_test()["team_id"] == BETA
    assert web(slack, home).chat_postMessage(channel=GENERAL, text="hello")["ok"]
    assert web(slack, beta).chat_postMessage(channel=BETA_GENERAL, text="hello")["ok"]
    with pytest.raises(SlackApiError) as other_channel:
        web(slack, beta).chat_postMessage(channel=GENERAL, text="hello")
    with pytest.raises(SlackApiError) as other_person:
        web(slack, home).users_info(user=BEA)
    assert slack_error(other_channel.value) == "channel_not_found"
    assert slack_error(other_person.value) == "user_not_found"


def test_an_org_wide_token_works_in_the_workspaces_granted_to_it(slack: OfflineSlack, accord: Accord) -> None:
    east = accord.people_of(slack, GLOBEX_EAST)
    assert east.install(GIL, org=True).status == 200
    token = accord.installation(None, GLOBEX).bot_token

    who = web(slack, token).auth_test()
    assert (who["team_id"], who["enterprise_id"], who["is_enterprise_install"]) == (GLOBEX, GLOBEX, True)
    with pytest.raises(SlackApiError) as before_access:
        web(slack, token).chat_postMessage(channel=EAST_GENERAL, text="hello")
    east.grant_team_access(GLOBEX, [GLOBEX_EAST])
    assert web(slack, token).chat_postMessage(channel=EAST_GENERAL, text="hello")["ok"]
    with pytest.raises(SlackApiError) as not_granted:
        web(slack, token).chat_postMessage(channel=WEST_GENERAL, text="hello")

    assert slack_error(before_access.value) == slack_error(not_granted.value) == "channel_not_found"
    assert accord.heard == [("team_access_granted", GLOBEX)]
    command = east.envelope({"type": "app_home_opened", "user": GIL})
    assert command["authorizations"] == [
        {"enterprise_id": GLOBEX, "team_id": None, "user_id": slack.emulator.orgs[GLOBEX].bot_user_id}
        | {"is_bot": True, "is_enterprise_install": True}
    ]


def test_a_code_is_single_use_and_a_forged_one_refused(slack: OfflineSlack, accord: Accord) -> None:
    oauth = slack.emulator.oauth.app
    assert oauth is not None
    redirect = accord.driver.authorize(ALICE, authorize_link(accord.install_page()))
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    credentials = {"client_id": oauth.client_id, "client_secret": oauth.client_secret, "redirect_uri": REDIRECT}

    assert web(slack).oauth_v2_access(code=code, **credentials)["team"] == {"id": "T0ACCORD1", "name": "Accord Sandbox"}
    errors = []
    for code_used, extra in ((code, {}), ("forged", {}), (code, {"client_secret": "wrong"})):
        with pytest.raises(SlackApiError) as refused:
            web(slack).oauth_v2_access(code=code_used, **(credentials | extra))
        errors.append(slack_error(refused.value))
    assert errors == ["code_already_used", "invalid_code", "bad_client_secret"]


def test_a_code_expires_after_ten_minutes(slack: OfflineSlack, accord: Accord) -> None:
    oauth = slack.emulator.oauth.app
    assert oauth is not None
    redirect = accord.driver.authorize(ALICE, authorize_link(accord.install_page()))
    slack.clock.advance(timedelta(minutes=11))

    with pytest.raises(SlackApiError) as late:
        web(slack).oauth_v2_access(
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            code=parse_qs(urlsplit(redirect).query)["code"][0],
            redirect_uri=REDIRECT,
        )
    assert slack_error(late.value) == "invalid_code"


def test_cancelling_the_install_sends_access_denied_and_installs_nothing(slack: OfflineSlack, accord: Accord) -> None:
    page = accord.install_page()
    redirect = accord.driver.authorize(ALICE, authorize_link(page), deny=True)
    landed = accord.driver.install(ALICE, deny=True)

    query = parse_qs(urlsplit(redirect).query)
    assert query["error"] == ["access_denied"] and "code" not in query and query["state"]
    assert b"access_denied" in landed.body
    assert accord.store.find_installation(enterprise_id=None, team_id="T0ACCORD1") is None


def test_a_link_asking_for_scopes_beyond_the_manifest_is_refused(slack: OfflineSlack, accord: Accord) -> None:
    link = authorize_link(accord.install_page()).replace("scope=", "scope=admin,", 1)

    with pytest.raises(AuthorizeRefused, match="admin"):
        accord.driver.authorize(ALICE, link)
    assert [v for v in slack.workspace.violations if "invalid_scope" in v]
    slack.workspace.violations.clear()


def test_a_rotating_token_expires_after_twelve_hours_and_refreshes(slack: OfflineSlack, accord: Accord) -> None:
    oauth = slack.emulator.oauth.app
    assert oauth is not None
    accord.driver.install(ALICE)
    installed = accord.installation("T0ACCORD1")
    assert installed.bot_token is not None and installed.bot_token.startswith("xoxe.xoxb-1-")
    assert installed.bot_refresh_token is not None and installed.bot_refresh_token.startswith("xoxe-1-")
    slack.clock.advance(timedelta(hours=12))

    with pytest.raises(SlackApiError) as expired:
        web(slack, installed.bot_token).chat_postMessage(channel=GENERAL, text="hello")
    refresh = {"client_id": oauth.client_id, "client_secret": oauth.client_secret, "grant_type": "refresh_token"}
    fresh = web(slack).oauth_v2_access(refresh_token=installed.bot_refresh_token, **refresh)
    with pytest.raises(SlackApiError) as reused:
        web(slack).oauth_v2_access(refresh_token=installed.bot_refresh_token, **refresh)

    assert slack_error(expired.value) == "token_expired"
    assert fresh["expires_in"] == 43200 and fresh["refresh_token"] != installed.bot_refresh_token
    assert web(slack, fresh["access_token"]).chat_postMessage(channel=GENERAL, text="hello")["ok"]
    assert slack_error(reused.value) == "invalid_refresh_token"


def test_uninstalling_revokes_the_tokens_and_tells_the_app_in_order(slack: OfflineSlack, accord: Accord) -> None:
    beta = accord.people_of(slack, BETA)
    beta.install(BEA)
    accord.driver.install(ALICE)
    token = accord.installation(BETA).bot_token

    replies = beta.uninstall(BETA, order=("tokens_revoked", "app_uninstalled"), repeat=2)

    assert [reply.status for reply in replies] == [200] * 4
    assert accord.heard == [("tokens_revoked", BETA), ("app_uninstalled", BETA)] * 2
    with pytest.raises(SlackApiError) as revoked:
        web(slack, token).auth_test()
    assert slack_error(revoked.value) == "invalid_auth"
    assert web(slack, accord.installation("T0ACCORD1").bot_token).auth_test()["team_id"] == "T0ACCORD1"
