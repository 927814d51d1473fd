"""Add to Slack: Bolt's OAuth flow on Accord's own stores, with Accord's pages.

`GET /slack/install` shows the Add to Slack page (a one-time `state`, also set as a cookie in the browser that
started, which the redirect must come back to); `GET /slack/oauth_redirect` exchanges the code with
`oauth.v2.access`, stores the installation (replacing an earlier one of the same tenant) and says what to do next.
An Enterprise Grid admin may install Accord for the whole org from Slack's admin pages, which come back without a
`state`: those are accepted only at ORG_REDIRECT_PATH, and only for org-wide installations.
"""

import logging
from collections.abc import Sequence

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from bot.installs.pages import failed_page, install_page, installed_page
from bot.installs.setup import Installations, bot_scopes
from bot.settings import Settings

log = logging.getLogger(__name__)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
ORG_REDIRECT_PATH = "/slack/oauth_redirect/org"


# Why an installation failed, in words for the person in the browser. Slack's own errors come back in `error`.
FAILURES = {
    "access_denied": "You cancelled in Slack, so nothing was installed.",
    "invalid_browser": "This page was opened in another browser than the one that started installing. "
    "Start again in one browser.",
    "invalid_state": "This installation link has expired or was already used. Start again.",
    "missing_code": "Slack did not say who approved the installation. Start again.",
    "invalid_code": "Slack did not accept this installation's approval: it may have expired or been used already. "
    "Start again.",
    "storage_error": "Accord could not save the installation, so nothing was installed. Please try again in a minute.",
    "not_org_wide": "This address is for Enterprise Grid admins installing Accord for a whole organisation. To add "
    "Accord to one workspace, start from the Add to Slack page.",
}


def authorization_url(api_url: str) -> str:
    """Slack's authorize page, beside its Web API (https://slack.com/api/ has https://slack.com/oauth/v2/authorize),
    so that an emulated Slack's page stands in for it along with its API."""
    base = api_url.rstrip("/")
    return base.removesuffix("/api") + "/oauth/v2/authorize"


class AccordOAuthFlow(OAuthFlow):
    """Bolt's flow with Accord's Add to Slack page, which also lists what Accord will be allowed to do."""

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return install_page(url, list(self.settings.scopes or []))

    def handle_installation(self, request: BoltRequest) -> BoltResponse:
        response = super().handle_installation(request)
        if not over_https(request, self.settings.redirect_uri):
            # Bolt marks the state cookie Secure, and a browser sends a Secure cookie back only over https: served
            # over plain http (a trial on one machine), the redirect would never be let in. The cookie came in
            # clear anyway.
            cookies = response.headers.get("set-cookie", [])
            response.headers["set-cookie"] = [cookie.replace("; Secure", "") for cookie in cookies]
        return response


def over_https(request: BoltRequest, redirect_uri: str | None) -> bool:
    """Whether the person's browser talks to Accord over https: the proxy in front says so, or the redirect
    address Slack sends them back to is https."""
    forwarded = request.headers.get("x-forwarded-proto") or [""]
    return forwarded[0].split(",")[0].strip().lower() == "https" or (redirect_uri or "").startswith("https://")


class NotOrgWide(BoltError):
    """An installation for one workspace arrived without a `state`: only org admins' installs may."""


class OrgAdminFlow(AccordOAuthFlow):
    """Org-wide installations started by an Enterprise Grid admin, which Slack sends without a `state`."""

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        if not installation.is_enterprise_install:
            raise NotOrgWide("an installation for one workspace came without a state")
        super().store_installation(request, installation)


def oauth_settings(settings: Settings, installs: Installations, *, org_admin: bool = False) -> OAuthSettings:
    secret = settings.slack_client_secret
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=secret.get_secret_value() if secret else None,
        scopes=bot_scopes(),
        redirect_uri=settings.slack_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=ORG_REDIRECT_PATH if org_admin else REDIRECT_PATH,
        authorization_url=authorization_url(settings.slack_api_url),
        installation_store=installs.store,
        installation_store_bot_only=True,
        state_store=installs.states,
        state_validation_enabled=not org_admin,
        callback_options=CallbackOptions(success=installed, failure=failed),
    )


def add_to_slack(settings: Settings, installs: Installations, client: WebClient) -> AccordOAuthFlow:
    """The Add to Slack flow, which the app serves at INSTALL_PATH and REDIRECT_PATH."""
    return AccordOAuthFlow(client=client, settings=oauth_settings(settings, installs))


def org_admins(settings: Settings, installs: Installations, client: WebClient) -> OrgAdminFlow:
    """The org admins' flow, served beside the app at ORG_REDIRECT_PATH."""
    return OrgAdminFlow(client=client, settings=oauth_settings(settings, installs, org_admin=True))


def installed(args: SuccessArgs) -> BoltResponse:
    found = args.installation
    if found.is_enterprise_install:
        place, where = found.enterprise_name or "your organisation", found.enterprise_id
    else:
        place, where = found.team_name or "your workspace", found.team_id
    log.info("installed in %s by %s", where, found.user_id)
    return BoltResponse(
        status=200, body=installed_page(place, f"slack://app?team={where}&id={found.app_id}"), headers=_html()
    )


def failed(args: FailureArgs) -> BoltResponse:
    reason = "not_org_wide" if isinstance(args.error, NotOrgWide) else args.reason
    words = FAILURES.get(reason, f"Slack answered “{reason}”, so nothing was installed. Start again.")
    log.info("an installation failed: %s", reason if reason in FAILURES else "a Slack error")
    status = 400 if reason == "not_org_wide" else args.suggested_status_code
    return BoltResponse(status=status, body=failed_page(words, INSTALL_PATH), headers=_html())


def _html() -> dict[str, str | Sequence[str]]:
    return {"Content-Type": "text/html; charset=utf-8"}
