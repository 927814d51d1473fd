"""What the installation tests share: a clock, a cipher, the stores on a database, and installations to save."""

from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation

from storage.database import Database
from storage.installation_store import SqlInstallationStore
from storage.token_cipher import TokenCipher
from storage.token_refresh import TokenRefresher
from tests.storage.token_rotating_slack import CLIENT_ID, CLIENT_SECRET, LIFETIME_SECONDS

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ACME_TOKEN = "xoxb-acme-secret-1"
GLOBEX_TOKEN = "xoxb-globex-secret-1"
NOWHERE = "http://127.0.0.1:9/api/"  # a Web API that never answers: these calls must not need one


def new_key() -> str:
    return Fernet.generate_key().decode()


def stores(
    database: Database, cipher: TokenCipher, clock: Callable[[], datetime], api_url: str = NOWHERE, timeout: int = 5
) -> tuple[SqlInstallationStore, TokenRefresher]:
    refresher = TokenRefresher(
        database,
        cipher,
        client_id=CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
        api_url=api_url,
        timeout=timeout,
    )
    return SqlInstallationStore(database, cipher, refresher, clock), refresher


def workspace_install(
    team_id: str = "T0ACME",
    token: str = ACME_TOKEN,
    installer: str = "U0ALICE",
    *,
    refresh_token: str | None = None,
    enterprise_id: str | None = None,
) -> Installation:
    return Installation(
        app_id="A0ACCORD",
        enterprise_id=enterprise_id,
        team_id=team_id,
        team_name="Acme",
        bot_token=token,
        bot_id="B0ACCORD",
        bot_user_id="U0ACCORDBOT",
        bot_scopes=["chat:write", "commands"],
        bot_refresh_token=refresh_token,
        bot_token_expires_in=LIFETIME_SECONDS if refresh_token else None,
        user_id=installer,
        is_enterprise_install=False,
    )


def org_install(enterprise_id: str = "E0GLOBEX", token: str = GLOBEX_TOKEN) -> Installation:
    """An org-wide installation: Slack names the org and no workspace (`team: null`)."""
    return Installation(
        app_id="A0ACCORD",
        enterprise_id=enterprise_id,
        enterprise_name="Globex",
        team_id=None,
        bot_token=token,
        bot_id="B0ACCORDORG",
        bot_user_id="U0ACCORDORG",
        bot_scopes=["chat:write", "commands"],
        user_id="W0GRIDADMIN",
        is_enterprise_install=True,
    )
