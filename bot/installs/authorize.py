"""Bolt's authorization from the installations, for a token Slack says has expired before its time.

Bolt checks each request's token with `auth.test`; when Slack's clock is ahead of Accord's, a token Accord still
holds valid may already be expired there, and Bolt would answer the person that Accord is not installed. The
token is then refreshed (as any other refresh, under the installation's lock) and the request authorised again.
"""

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_sdk.errors import SlackApiError

from storage.installation_store import SqlInstallationStore

EXPIRED = "token_expired"


class RenewingAuthorize(InstallationStoreAuthorize):
    """Bolt's InstallationStoreAuthorize, once more after `expired(tenant, token)` when Slack said `token_expired`."""

    def __init__(self, *, store: SqlInstallationStore, expired: Callable[[str, str], None], **options: Any) -> None:
        super().__init__(installation_store=store, **options)
        self._store = store
        self._expired = expired

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        def authorize() -> AuthorizeResult | None:
            return super(RenewingAuthorize, self).__call__(
                context=context,
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                actor_enterprise_id=actor_enterprise_id,
                actor_team_id=actor_team_id,
                actor_user_id=actor_user_id,
            )

        found = authorize()
        if found is not None or not self._expired_early(context, enterprise_id, team_id):
            return found
        return authorize()

    def _expired_early(self, context: BoltContext, enterprise_id: str | None, team_id: str | None) -> bool:
        """Whether the tenant's stored token is one Slack calls expired; if so, it is marked for a refresh."""
        installed = context.is_enterprise_install
        tenant = self._store.tenant_for(enterprise_id, team_id, installed)
        bot = self._store.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=installed)
        if tenant is None or bot is None or bot.bot_token is None:
            return False  # not installed, or uninstalled: Bolt's answer stands
        try:
            context.client.auth_test(token=bot.bot_token)
        except SlackApiError as error:
            if error.response.get("error") == EXPIRED:
                self._expired(tenant, bot.bot_token)
                return True
        return False
