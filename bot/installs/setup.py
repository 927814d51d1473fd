"""One process's installations: the stores Bolt's OAuth flow and authorize use, on Accord's database, and a Web API
client for each tenant for the work no request carries (nudges, Home tabs redrawn by the nudge job)."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr
from slack_sdk import WebClient

from bot.settings import Settings
from storage.database import Database
from storage.installation_store import SqlInstallationStore
from storage.oauth_states import SqlOAuthStateStore
from storage.token_cipher import TokenCipher
from storage.token_refresh import TokenRefresher


def find_manifest(start: Path | None = None) -> Path:
    """The app's `manifest.yml`: next to the installed source tree (the project root)."""
    here = (start or Path(__file__)).resolve()
    for folder in here.parents:
        candidate = folder / "manifest.yml"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("manifest.yml not found above " + str(here.parent.name))


def bot_scopes() -> list[str]:
    """The bot scopes Add to Slack asks for: the manifest's, so the two cannot disagree."""
    data: dict[str, Any] = yaml.safe_load(find_manifest().read_text(encoding="utf-8"))
    return list(data["oauth_config"]["scopes"]["bot"])


@dataclass
class Installations:
    """The installation and state stores, and the refresher every process gets its tenants' tokens from."""

    store: SqlInstallationStore
    states: SqlOAuthStateStore
    refresher: TokenRefresher
    api_url: str
    clock: Callable[[], datetime]
    _clients: dict[str, tuple[SecretStr, WebClient]] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def client_for(self, tenant_id: str, now: datetime, make: Callable[[str], WebClient]) -> WebClient | None:
        """A client with the tenant's token as it is now (refreshed first if it was about to expire); None when
        the tenant has no working installation. A client is made again only when the token changed."""
        bot = self.refresher.fresh_bot(tenant_id, now)
        if bot is None:
            return None
        with self._lock:
            known = self._clients.get(tenant_id)
            if known is None or known[0] != bot.bot_token:
                known = (bot.bot_token, make(bot.bot_token.get_secret_value()))
                self._clients[tenant_id] = known
            return known[1]

    def expired(self, tenant_id: str, token: str) -> None:
        """Slack says the tenant's token expired before its time: the next refresh check refreshes it."""
        self.refresher.expired(tenant_id, token, self.clock())


def installations(settings: Settings, database: Database, clock: Callable[[], datetime]) -> Installations:
    key, secret = settings.accord_encryption_key, settings.slack_client_secret
    if key is None or secret is None or settings.slack_client_id is None:
        raise ValueError("installing by OAuth needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and ACCORD_ENCRYPTION_KEY")
    cipher = TokenCipher(key.get_secret_value())
    refresher = TokenRefresher(
        database, cipher, client_id=settings.slack_client_id, client_secret=secret, api_url=settings.slack_api_url
    )
    return Installations(
        store=SqlInstallationStore(database, cipher, refresher, clock),
        states=SqlOAuthStateStore(database, clock),
        refresher=refresher,
        api_url=settings.slack_api_url,
        clock=clock,
    )
