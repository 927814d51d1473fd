"""Installations in Accord's own database, as slack_sdk's InstallationStore (bot tokens only), for Bolt's OAuth flow.

A tenant is what every row of its data carries as `team_id`: the workspace for a workspace installation, the
Enterprise Grid org for an org-wide one. Installing again replaces the tenant's bot (one row per tenant) and
brings back a tenant that had uninstalled Accord, with all its data, if that was within the grace period.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from storage.database import Database
from storage.mapping import table
from storage.tables import InstallationRow, WorkspaceRow
from storage.token_cipher import TokenCipher
from storage.token_refresh import TokenRefresher

_log = logging.getLogger(__name__)
_INSTALLATION = table(InstallationRow)
_WORKSPACE = table(WorkspaceRow)


def tenant_id_of(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str | None:
    """The tenant an installation makes: the org for an org-wide installation, else the workspace."""
    return enterprise_id if is_enterprise_install else team_id


class SqlInstallationStore(InstallationStore):
    """Saves, finds and deletes each tenant's bot; what it finds carries a token refreshed if it was expiring."""

    def __init__(
        self, database: Database, cipher: TokenCipher, refresher: TokenRefresher, clock: Callable[[], datetime]
    ) -> None:
        self._database = database
        self._cipher = cipher
        self._refresher = refresher
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return _log

    def save(self, installation: Installation) -> None:
        """Keep a new installation's bot, replacing any earlier one of the tenant, and bring the tenant back if it
        had uninstalled Accord."""
        bot = installation.to_bot()
        tenant_id = tenant_id_of(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        if tenant_id is None:
            raise ValueError("an installation names neither its workspace nor, installed org-wide, its org")
        now = self._clock()
        values = {
            "tenant_id": tenant_id,
            "enterprise_id": bot.enterprise_id,
            "enterprise_name": bot.enterprise_name,
            "team_id": bot.team_id,
            "team_name": bot.team_name,
            "is_enterprise_install": bot.is_enterprise_install,
            "app_id": bot.app_id,
            "bot_id": bot.bot_id,
            "bot_user_id": bot.bot_user_id,
            "bot_scopes": ",".join(bot.bot_scopes),
            "installer_user_id": installation.user_id,
            "installed_at": now,
            "broken": None,
            **self._tokens(bot, now),
        }
        with self._database.sessions() as session:
            insert = _insert(session)(_INSTALLATION).values(values)
            changes = {name: insert.excluded[name] for name in values if name != "tenant_id"}
            session.execute(insert.on_conflict_do_update(index_elements=["tenant_id"], set_=changes))
            session.execute(update(_WORKSPACE).where(_WORKSPACE.c.team_id == tenant_id).values(uninstalled_at=None))
            session.commit()
        _log.info("%s installed Accord in %s", installation.user_id, tenant_id)

    def save_bot(self, bot: Bot) -> None:
        """Keep refreshed tokens of an installed bot (what Bolt saves after refreshing one itself). A tenant with no
        installation stays without one: it uninstalled meanwhile."""
        tenant_id = tenant_id_of(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        with self._database.sessions() as session:
            session.execute(
                update(_INSTALLATION)
                .where(_INSTALLATION.c.tenant_id == tenant_id)
                .values(**self._tokens(bot, self._clock()))
            )
            session.commit()

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        tenant_id = self.tenant_for(enterprise_id, team_id, is_enterprise_install)
        found = None if tenant_id is None else self._refresher.fresh_bot(tenant_id, self._clock())
        return None if found is None else found.to_bot()

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The tenant's installation; asked for a given user's, None unless that user installed it (Accord keeps no
        user tokens)."""
        tenant_id = self.tenant_for(enterprise_id, team_id, is_enterprise_install)
        found = None if tenant_id is None else self._refresher.fresh_bot(tenant_id, self._clock())
        if found is None or user_id not in (None, found.installer_user_id):
            return None
        return found.to_installation()

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """The bot's tokens were revoked, or the app uninstalled: the tenant is uninstalled, all its work stops."""
        with self._database.reading_sessions() as session:
            tenant_id = _known(session, enterprise_id, team_id)
        if tenant_id is not None:
            self.uninstalled(tenant_id, self._clock())

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """A user revoking their own token leaves the bot alone (Accord keeps no user tokens); without a user, the
        whole installation goes."""
        if user_id is None:
            self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def uninstalled(self, tenant_id: str, now: datetime) -> None:
        """Slack says Accord was removed from the tenant: its tokens go at once, and its data is kept (for a grace
        period, from the first time it was said) with no work done for it."""
        with self._database.sessions() as session:
            session.execute(delete(InstallationRow).where(col(InstallationRow.tenant_id) == tenant_id))
            insert = _insert(session)(_WORKSPACE).values(team_id=tenant_id, created_at=now, uninstalled_at=now)
            first = func.coalesce(_WORKSPACE.c.uninstalled_at, insert.excluded.uninstalled_at)
            session.execute(insert.on_conflict_do_update(index_elements=["team_id"], set_={"uninstalled_at": first}))
            session.commit()
        _log.info("Accord was uninstalled from %s", tenant_id)

    def tenant_for(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> str | None:
        """The installed tenant serving a request from these ids: the workspace's own installation, else its org's
        org-wide one (whose requests may not say so); None when neither is installed."""
        candidates = _ids(enterprise_id) if is_enterprise_install else _ids(team_id, enterprise_id)
        with self._database.reading_sessions() as session:
            return _first(candidates, _installed(session, candidates))

    def _tokens(self, bot: Bot, now: datetime) -> dict[str, object]:
        expires_at = bot.bot_token_expires_at
        return {
            "bot_token": self._cipher.encrypt(bot.bot_token),
            "bot_refresh_token": None if bot.bot_refresh_token is None else self._cipher.encrypt(bot.bot_refresh_token),
            # slack_sdk stamps the expiry on the wall clock; Accord's clock may be moved (the sandbox), so what is
            # kept is the token's remaining life, counted from Accord's now.
            "bot_token_expires_at": None if expires_at is None else now + timedelta(seconds=expires_at - time.time()),
        }


def _known(session: Session, enterprise_id: str | None, team_id: str | None) -> str | None:
    """The tenant an uninstall or a revocation concerns: installed, else one with data; None if Accord knows none."""
    candidates = _ids(team_id, enterprise_id)
    return _first(candidates, _installed(session, candidates)) or _first(candidates, _with_data(session, candidates))


def _installed(session: Session, ids: list[str]) -> set[str]:
    return set(session.exec(select(InstallationRow.tenant_id).where(col(InstallationRow.tenant_id).in_(ids))))


def _with_data(session: Session, ids: list[str]) -> set[str]:
    return set(session.exec(select(WorkspaceRow.team_id).where(col(WorkspaceRow.team_id).in_(ids))))


def _ids(*candidates: str | None) -> list[str]:
    return [candidate for candidate in candidates if candidate]


def _first(candidates: list[str], found: set[str]) -> str | None:
    return next((candidate for candidate in candidates if candidate in found), None)


def _insert(session: Session) -> Callable[..., postgresql.Insert | sqlite.Insert]:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
