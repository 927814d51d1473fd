"""What Slack says of Accord's installation: removed (`app_uninstalled`, `tokens_revoked`), or an org's workspaces
let in or shut out (`team_access_granted`, `team_access_revoked`).

Removal stops all work for the tenant at once: its tokens are deleted and its jobs skip it. Its data stays for the
grace period, so installing again restores everything. Slack sends both removal events, in either order, and may
send them again: marking the tenant removed keeps the first time, so any order and any repeat come to the same.
"""

import logging

from slack_bolt import App

from bot.deps import Deps
from bot.slack import ids
from bot.slack.turn import Turn, ack_silently, lazy, log_only

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    for event in (ids.EVENT_APP_UNINSTALLED, ids.EVENT_TOKENS_REVOKED):
        app.event(event)(ack=ack_silently, lazy=[lazy(deps, removed, on_failure=log_only)])
    for event in (ids.EVENT_TEAM_ACCESS_GRANTED, ids.EVENT_TEAM_ACCESS_REVOKED):
        app.event(event)(ack=ack_silently, lazy=[lazy(deps, access_changed, on_failure=log_only)])


def removed(turn: Turn) -> None:
    event = turn.body["event"]
    if event["type"] == ids.EVENT_TOKENS_REVOKED and not event.get("tokens", {}).get("bot"):
        return  # only people's tokens were revoked: Accord has none, and its bot still works
    tenants = turn.deps.tenants
    if tenants is None:  # one bot token from the environment: nothing is kept of an installation
        log.warning("Accord was removed from %s: its bot token no longer works", turn.team_id)
        return
    tenants.uninstalled(turn.team_id, turn.now())


def access_changed(turn: Turn) -> None:
    """An org-wide installation's workspaces changed. The tenant is the org, whose data stays whole: a workspace
    shut out simply sends no more requests, and one let in is served by the org's installation from its first."""
    event = turn.body["event"]
    log.info("%s for %d workspace(s) of %s", event["type"], len(event.get("team_ids", [])), turn.team_id)
