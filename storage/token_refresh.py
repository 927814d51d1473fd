"""Each tenant's bot and its token, refreshed before it expires: once, by whichever process locks the row first.

With token rotation a bot token lives 12 hours, and each refresh spends the refresh token: Slack answers a second
refresh with the same one `invalid_refresh_token`. Processes that refreshed side by side would all but one lose
the tenant's tokens, so a refresh happens only under the installation row's lock (PostgreSQL: `FOR UPDATE`;
SQLite: every write transaction begins IMMEDIATE, one writer at a time), after reading the row again: whoever
waited for the lock finds the token already refreshed and uses it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot, Installation
from sqlalchemy import exists
from sqlmodel import Session, col, select

from storage.database import Database
from storage.tables import InstallationRow, WorkspaceRow
from storage.token_cipher import TokenCipher

_log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=30)
# The refresh runs inside the row's lock (on SQLite, the database's one write lock), so a connection that hangs
# must give it back: well within SQLite's 30 s busy timeout, so that writers queued behind it do not fail. Not much
# less, though: Slack answers within a second, and an answer given up on may be a refresh Slack did, whose new
# tokens are then lost with the old refresh token spent (the tenant must install again), while a slow answer only
# delays the writers behind it.
REFRESH_TIMEOUT_SECONDS = 10
REFUSED = "invalid_refresh_token"  # Slack's error for a refresh token spent, or revoked


@dataclass(frozen=True)
class TenantBot:
    """The bot of one tenant (a workspace, or an Enterprise Grid org installed org-wide), with its tokens."""

    tenant_id: str
    enterprise_id: str | None
    enterprise_name: str | None
    team_id: str | None
    team_name: str | None
    is_enterprise_install: bool
    app_id: str | None
    bot_id: str
    bot_user_id: str
    bot_scopes: tuple[str, ...]
    bot_token: SecretStr
    bot_refresh_token: SecretStr | None
    bot_token_expires_at: datetime | None
    installer_user_id: str
    installed_at: datetime

    def expiring(self, now: datetime, margin: timedelta) -> bool:
        """Whether the token should be refreshed now (only a token that rotates can be)."""
        return (
            self.bot_refresh_token is not None
            and self.bot_token_expires_at is not None
            and self.bot_token_expires_at <= now + margin
        )

    def to_bot(self) -> Bot:
        """slack_sdk's Bot, for Bolt. Without the refresh token: Accord refreshes under the row's lock, and Bolt,
        given one, would refresh on its own beside it and spend it."""
        return Bot(**self._sdk_fields())

    def to_installation(self) -> Installation:
        """slack_sdk's Installation (bot only, by its installer), for Bolt; without the refresh token, as `to_bot`."""
        return Installation(user_id=self.installer_user_id, **self._sdk_fields())

    def _sdk_fields(self) -> dict[str, Any]:
        expires_at = self.bot_token_expires_at
        return {
            "app_id": self.app_id,
            "enterprise_id": self.enterprise_id,
            "enterprise_name": self.enterprise_name,
            "team_id": self.team_id,
            "team_name": self.team_name,
            "bot_token": self.bot_token.get_secret_value(),
            "bot_id": self.bot_id,
            "bot_user_id": self.bot_user_id,
            "bot_scopes": list(self.bot_scopes),
            "bot_token_expires_at": None if expires_at is None else int(expires_at.timestamp()),
            "is_enterprise_install": self.is_enterprise_install,
            "installed_at": self.installed_at.timestamp(),
        }


class TokenRefresher:
    """Gives each tenant's bot with a token that works, refreshing it first when it is about to expire."""

    def __init__(
        self,
        database: Database,
        cipher: TokenCipher,
        *,
        client_id: str,
        client_secret: SecretStr,
        api_url: str,
        margin: timedelta = REFRESH_MARGIN,
        timeout: int = REFRESH_TIMEOUT_SECONDS,
    ) -> None:
        self._database = database
        self._cipher = cipher
        self._client_id = client_id
        self._client_secret = client_secret
        self._margin = margin
        # No retries: a retry would double the time the lock is held, and could present a refresh token that the
        # first attempt already spent (when Slack did it but its answer was lost).
        self._slack = WebClient(base_url=api_url, timeout=timeout, retry_handlers=[])

    def fresh_bot(self, tenant_id: str, now: datetime) -> TenantBot | None:
        """The tenant's bot with a token valid beyond the margin; None when the tenant has no installation, its
        tokens stopped working (`broken`), or it uninstalled Accord.

        Raises what the refresh raised (SlackApiError, OSError) only when it failed and the token has expired.
        """
        with self._database.reading_sessions() as session:
            row = _usable(session, tenant_id, lock=False)
            bot = None if row is None else self._tenant_bot(row)
        if bot is None or not bot.expiring(now, self._margin):
            return bot
        return self._refresh(tenant_id, now)

    def expired(self, tenant_id: str, token: str, now: datetime) -> None:
        """Slack answered `token_expired` for `token` before the time it gave it for (its clock is ahead of this
        one): unless another process refreshed it meanwhile, the token is taken as expired now, so the next
        `fresh_bot` refreshes it, under the lock, as any expiring one."""
        with self._database.sessions() as session:
            row = _usable(session, tenant_id, lock=True)
            if row is None or row.bot_refresh_token is None or self._cipher.decrypt(row.bot_token) != token:
                return
            row.bot_token_expires_at = now
            session.add(row)
            session.commit()
        _log.warning("Slack says the bot token of %s has expired before its time: it is refreshed now", tenant_id)

    def _refresh(self, tenant_id: str, now: datetime) -> TenantBot | None:
        with self._database.sessions() as session:
            row = _usable(session, tenant_id, lock=True)
            if row is None:
                return None
            current = self._tenant_bot(row)
            if not current.expiring(now, self._margin):
                return current  # refreshed by another process while this one waited for the lock
            assert current.bot_refresh_token is not None  # an expiring token has one
            try:
                answer = self._slack.oauth_v2_access(
                    client_id=self._client_id,
                    client_secret=self._client_secret.get_secret_value(),
                    grant_type="refresh_token",
                    refresh_token=current.bot_refresh_token.get_secret_value(),
                )
            except SlackApiError as error:
                if error.response.get("error") != REFUSED:
                    return _still_valid(current, now, error)
                spent = current.bot_refresh_token
            except OSError as error:  # no answer in time, or no connection
                return _still_valid(current, now, error)
            else:
                # slack_sdk's TokenRotator is not used: it reads the wall clock to decide and to stamp the expiry,
                # while Accord's clock may be moved (the sandbox, the tests); the decision is taken above, under
                # the lock.
                row.bot_token = self._cipher.encrypt(answer["access_token"])
                row.bot_refresh_token = self._cipher.encrypt(answer["refresh_token"])
                row.bot_token_expires_at = now + timedelta(seconds=int(answer["expires_in"]))
                session.add(row)
                session.commit()
                _log.info("refreshed the bot token of %s", tenant_id)
                return self._tenant_bot(row)
        # Slack refused the refresh token; the lock is let go of (the session closed) before looking again.
        return self._refused(tenant_id, spent)

    def _refused(self, tenant_id: str, spent: SecretStr) -> TenantBot | None:
        """Slack refused the refresh token: another process may have just refreshed with it (then the row holds
        the new pair), else the tenant's tokens are lost until it installs again."""
        with self._database.sessions() as session:
            row = _usable(session, tenant_id, lock=True)
            if row is None:
                return None
            latest = self._tenant_bot(row)
            if latest.bot_refresh_token != spent:
                return latest
            row.broken = REFUSED
            session.add(row)
            session.commit()
        _log.warning("Slack refused the refresh token of %s: it must install Accord again", tenant_id)
        return None

    def _tenant_bot(self, row: InstallationRow) -> TenantBot:
        refresh = row.bot_refresh_token
        return TenantBot(
            tenant_id=row.tenant_id,
            enterprise_id=row.enterprise_id,
            enterprise_name=row.enterprise_name,
            team_id=row.team_id,
            team_name=row.team_name,
            is_enterprise_install=row.is_enterprise_install,
            app_id=row.app_id,
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=tuple(scope for scope in row.bot_scopes.split(",") if scope),
            bot_token=SecretStr(self._cipher.decrypt(row.bot_token)),
            bot_refresh_token=None if refresh is None else SecretStr(self._cipher.decrypt(refresh)),
            bot_token_expires_at=row.bot_token_expires_at,
            installer_user_id=row.installer_user_id,
            installed_at=row.installed_at,
        )


def _usable(session: Session, tenant_id: str, *, lock: bool) -> InstallationRow | None:
    """The tenant's installation row unless its tokens stopped working or it uninstalled Accord."""
    uninstalled = exists().where(col(WorkspaceRow.team_id) == tenant_id, col(WorkspaceRow.uninstalled_at).is_not(None))
    query = select(InstallationRow).where(
        col(InstallationRow.tenant_id) == tenant_id, col(InstallationRow.broken).is_(None), ~uninstalled
    )
    return session.exec(query.with_for_update() if lock else query).first()


def _still_valid(bot: TenantBot, now: datetime, error: Exception) -> TenantBot:
    """The current token when a refresh failed for a reason other than the refresh token itself: it works until it
    expires, and the next call tries again."""
    if bot.bot_token_expires_at is not None and bot.bot_token_expires_at > now:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
        _log.warning("could not refresh the bot token of %s yet (%s)", bot.tenant_id, reason)
        return bot
    raise error
