"""Slack's side of OAuth for the sandbox: the app as an OAuth client, its installations and their tokens.

An installation is for one workspace (tenant = T...) or org-wide for an Enterprise Grid org (tenant = E...).
Codes are single use and live ten minutes; with token rotation, bot tokens expire after twelve hours and a
refresh grant answers a new access token and a new refresh token, revoking the refresh token it used (the
access token it replaces keeps working until it expires). The sandbox clock decides every expiry.
"""

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bot.clock import Clock
from bot.sandbox.workspace import JSON, SlackError

CODE_LIFETIME = timedelta(minutes=10)
TOKEN_LIFETIME = timedelta(hours=12)  # expires_in 43200, as Slack answers with token rotation on


@dataclass(frozen=True)
class OAuthApp:
    """The app as registered with Slack: its credentials, redirect URL, the manifest's bot scopes."""

    client_id: str
    client_secret: str
    redirect_uri: str
    bot_scopes: frozenset[str]
    app_id: str = "A0ACCORD1"
    token_rotation: bool = False
    org_deploy: bool = False

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any], redirect_uri: str, **overrides: Any) -> "OAuthApp":
        """Credentials made up for the sandbox, everything else as `manifest.yml` declares it."""
        settings = manifest.get("settings", {})
        values: dict[str, Any] = {
            "client_id": f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}",
            "client_secret": secrets.token_hex(16),
            "redirect_uri": redirect_uri,
            "bot_scopes": frozenset(manifest.get("oauth_config", {}).get("scopes", {}).get("bot", [])),
            "token_rotation": bool(settings.get("token_rotation_enabled", False)),
            "org_deploy": bool(settings.get("org_deploy_enabled", False)),
        }
        return cls(**(values | overrides))


@dataclass
class Installation:
    """The app in one workspace, or org-wide in an Enterprise Grid org (then `team_id` is None)."""

    team_id: str | None
    team_name: str | None
    enterprise_id: str | None
    enterprise_name: str | None
    bot_user_id: str
    installer: str
    scopes: tuple[str, ...]
    granted_teams: set[str] = field(default_factory=set)  # the org's workspaces an org-wide install may act in
    revoked: bool = False

    @property
    def is_enterprise_install(self) -> bool:
        return self.team_id is None

    @property
    def tenant_id(self) -> str:
        return self.team_id or self.enterprise_id or ""

    def reaches(self, team_id: str) -> bool:
        return team_id == self.team_id or team_id in self.granted_teams


@dataclass
class Credential:
    """An access or refresh token and what it was issued for."""

    token: str
    installation: Installation
    expires_at: datetime | None = None
    revoked: bool = False


@dataclass
class _Code:
    installation: Installation
    redirect_uri: str
    issued_at: datetime
    used: bool = False


class AuthorizeRefused(Exception):
    """What Slack's authorize page shows instead of asking the person: the app's link is wrong."""


class OAuthServer:
    """Codes, tokens and their state, shared by the emulator's endpoints and the driver's browser."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.app: OAuthApp | None = None
        self.lock = threading.RLock()
        self.installations: dict[str, Installation] = {}  # by tenant id
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, Credential] = {}
        self._refresh: dict[str, Credential] = {}

    # ----- the browser's step

    def refusal(self, query: Mapping[str, Any]) -> str | None:
        """Why Slack's authorize page would refuse this link rather than ask the person; None if it asks."""
        app = self.app
        if app is None or query.get("client_id") != app.client_id:
            return "invalid_client_id"
        if (query.get("redirect_uri") or app.redirect_uri) != app.redirect_uri:
            return "bad_redirect_uri"
        scopes = {s for s in str(query.get("scope") or "").split(",") if s}
        if not scopes:
            return "no_scopes"
        beyond = sorted(scopes - app.bot_scopes)
        if beyond:
            return f"invalid_scope: {', '.join(beyond)} not among the app's bot scopes"
        return None

    def authorize(self, query: Mapping[str, Any], installation: Installation, *, deny: bool) -> str:
        """Where Slack sends the person's browser after they allow (or cancel) the install on this page."""
        problem = self.refusal(query)
        if problem is None and installation.is_enterprise_install and not self._registered().org_deploy:
            problem = "org_deploy_not_enabled"
        if problem is not None:
            raise AuthorizeRefused(problem)
        redirect_uri = str(query.get("redirect_uri") or self._registered().redirect_uri)
        state = {"state": query["state"]} if query.get("state") else {}
        if deny:
            return f"{redirect_uri}?{urlencode({'error': 'access_denied'} | state)}"
        installation.scopes = tuple(s for s in str(query["scope"]).split(",") if s)
        code = self.issue_code(installation, redirect_uri=str(query.get("redirect_uri") or ""))
        return f"{redirect_uri}?{urlencode({'code': code} | state)}"

    def issue_code(self, installation: Installation, *, redirect_uri: str = "") -> str:
        """A code for oauth.v2.access; `redirect_uri` is what the authorize step named, if it named one."""
        code = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}.{secrets.token_hex(32)}"
        with self.lock:
            self._codes[code] = _Code(installation, redirect_uri, self.clock.now())
        return code

    # ----- oauth.v2.access

    def access(self, args: Mapping[str, Any], basic: tuple[str, str] | None) -> JSON:
        client_id, client_secret = basic or (args.get("client_id"), args.get("client_secret"))
        app = self._registered()
        if client_id != app.client_id:
            raise SlackError("invalid_client_id")
        if client_secret != app.client_secret:
            raise SlackError("bad_client_secret")
        grant = args.get("grant_type") or "authorization_code"
        if grant == "authorization_code":
            return self._exchange_code(str(args.get("code") or ""), args.get("redirect_uri"))
        if grant == "refresh_token":
            return self._refresh_grant(str(args.get("refresh_token") or ""))
        raise SlackError("invalid_grant_type")

    def _exchange_code(self, code: str, redirect_uri: Any) -> JSON:
        with self.lock:
            found = self._codes.get(code)
            if found is None or self.clock.now() - found.issued_at > CODE_LIFETIME:
                raise SlackError("invalid_code")
            if found.used:
                raise SlackError("code_already_used")
            # Named at the authorize step, it must be named again; not named there, the app's own is accepted.
            allowed = {found.redirect_uri} if found.redirect_uri else {"", self._registered().redirect_uri}
            if (redirect_uri or "") not in allowed:
                raise SlackError("bad_redirect_uri")
            found.used = True
            installation = self._install(found.installation)
            return self._answer(installation, self._issue(installation))

    def _install(self, installation: Installation) -> Installation:
        """A new install of a tenant replaces the old one, whose tokens stop working."""
        previous = self.installations.get(installation.tenant_id)
        if previous is not None and previous is not installation:
            self.revoke(previous.tenant_id)
            installation.granted_teams |= previous.granted_teams
        installation.revoked = False
        self.installations[installation.tenant_id] = installation
        return installation

    def _refresh_grant(self, refresh_token: str) -> JSON:
        with self.lock:
            found = self._refresh.get(refresh_token)
            if found is None or found.revoked or found.installation.revoked:
                raise SlackError("invalid_refresh_token")
            found.revoked = True
            return self._answer(found.installation, self._issue(found.installation))

    def _issue(self, installation: Installation) -> JSON:
        app = self._registered()
        if not app.token_rotation:
            access = f"xoxb-{secrets.randbelow(10**12)}-{secrets.randbelow(10**12)}-{secrets.token_urlsafe(18)}"
            self._access[access] = Credential(access, installation)
            return {"access_token": access}
        access = f"xoxe.xoxb-1-{secrets.token_urlsafe(60)}"
        refresh = f"xoxe-1-{secrets.token_urlsafe(60)}"
        expires = self.clock.now() + TOKEN_LIFETIME
        self._access[access] = Credential(access, installation, expires_at=expires)
        self._refresh[refresh] = Credential(refresh, installation)
        return {"access_token": access, "expires_in": int(TOKEN_LIFETIME.total_seconds()), "refresh_token": refresh}

    def _answer(self, installation: Installation, tokens: JSON) -> JSON:
        """oauth.v2.access's answer for a bot install, field for field as Slack sends it."""
        team = {"id": installation.team_id, "name": installation.team_name} if installation.team_id else None
        enterprise = (
            {"id": installation.enterprise_id, "name": installation.enterprise_name}
            if installation.enterprise_id
            else None
        )
        return {
            "access_token": tokens["access_token"],
            "token_type": "bot",
            "scope": ",".join(installation.scopes),
            "bot_user_id": installation.bot_user_id,
            "app_id": self._registered().app_id,
            "team": team,
            "enterprise": enterprise,
            "is_enterprise_install": installation.is_enterprise_install,
            "authed_user": {"id": installation.installer},
        } | {key: value for key, value in tokens.items() if key != "access_token"}

    # ----- using and revoking tokens

    def installation_for(self, token: str) -> Installation | None:
        """The installation an OAuth-issued access token acts for; None if OAuth never issued it.

        Raises Slack's `token_expired` for an expired token and `invalid_auth` for a revoked one.
        """
        with self.lock:
            found = self._access.get(token)
        if found is None:
            return None
        if found.revoked or found.installation.revoked:
            raise SlackError("invalid_auth")
        if found.expires_at is not None and self.clock.now() >= found.expires_at:
            raise SlackError("token_expired")
        return found.installation

    def expire(self, tenant_id: str) -> None:
        """Slack's clock runs ahead of the app's: the tenant's access tokens expire now, before the time given."""
        with self.lock:
            for credential in self._access.values():
                if credential.installation.tenant_id == tenant_id and credential.expires_at is not None:
                    credential.expires_at = min(credential.expires_at, self.clock.now())

    def revoke(self, tenant_id: str) -> list[str]:
        """Uninstall: every token of the tenant stops working at once; returns the access tokens revoked."""
        with self.lock:
            installation = self.installations.get(tenant_id)
            if installation is None:
                return []
            installation.revoked = True
            revoked = []
            for credential in [*self._access.values(), *self._refresh.values()]:
                if credential.installation is installation and not credential.revoked:
                    credential.revoked = True
                    if credential.token in self._access:
                        revoked.append(credential.token)
            return revoked

    def _registered(self) -> OAuthApp:
        if self.app is None:
            raise SlackError("invalid_client_id", "no app is registered with the sandbox for OAuth")
        return self.app
