"""Whether a channel is shared with another organisation (Slack Connect), as Slack tells it in conversations.info.

What belongs to one organisation (the strategy phase's stages, internal notes) must never reach a channel another
organisation reads. When Slack does not say, the channel counts as shared: the guardrail fails closed.
"""

import logging
from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)
_UNSEEN = ("channel_not_found", "not_in_channel")  # how Slack answers about a private channel Accord is not in


class Sharing(Enum):
    INTERNAL = "internal"  # this organisation's people only
    SHARED = "shared"  # shared with another organisation, or an invitation to share is pending
    UNCONFIRMED = "unconfirmed"  # Slack did not say: treated as shared
    UNSEEN = "unseen"  # Accord cannot see the channel, so cannot post in it either

    @property
    def may_hold_internal(self) -> bool:
        match self:
            case Sharing.INTERNAL:
                return True
            case Sharing.SHARED | Sharing.UNCONFIRMED | Sharing.UNSEEN:
                return False


def sharing(client: WebClient, channel_id: str) -> Sharing:
    """How `channel_id` is shared, from Slack's own flags."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        reason = error.response.get("error")
        if reason in _UNSEEN:
            return Sharing.UNSEEN
        log.warning("could not tell whether %s is shared (%s): treated as shared", channel_id, reason)
        return Sharing.UNCONFIRMED
    except SlackClientError as error:
        log.warning("could not tell whether %s is shared (%s): treated as shared", channel_id, type(error).__name__)
        return Sharing.UNCONFIRMED
    if channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"):
        return Sharing.SHARED
    if "is_ext_shared" in channel or channel.get("is_im"):
        return Sharing.INTERNAL
    return Sharing.UNCONFIRMED


def other_organisations(client: WebClient, channel_id: str, own_team: str) -> list[str]:
    """The workspaces of other organisations `channel_id` is shared with (Slack Connect), in Slack's order; none
    when Slack does not say (nothing is recorded on a guess)."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackClientError as error:
        log.warning("could not read who shares %s (%s)", channel_id, type(error).__name__)
        return []
    if not channel.get("is_ext_shared"):
        return []
    # The org's own workspaces an org-shared channel is also in (Enterprise Grid) are not another organisation.
    own = {own_team, channel.get("context_team_id"), *(channel.get("internal_team_ids") or [])}
    # Slack names the organisations in `connected_team_ids` and the workspaces sharing it in `shared_team_ids`.
    named = [*(channel.get("connected_team_ids") or []), *(channel.get("shared_team_ids") or [])]
    return [str(team) for team in dict.fromkeys(named) if team not in own]


def organisation_name(client: WebClient, team_id: str) -> str:
    """What another organisation's workspace is called, as Slack shows it to those sharing a channel with it; its
    id when Slack does not say."""
    try:
        return str(client.team_info(team=team_id)["team"].get("name") or team_id)
    except SlackClientError as error:
        log.warning("could not read the name of workspace %s (%s)", team_id, type(error).__name__)
        return team_id
