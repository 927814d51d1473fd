"""A relationship's channel shared with another organisation (Slack Connect), or no longer: Slack's
`channel_shared` and `channel_unshared` events record or forget the partner's workspace, and the owner is told.

Slack may send an event again; the inbox keeps one run per event id, and recording the same partner twice
changes nothing the second time.
"""

from slack_bolt import App

from bot.deps import Deps
from bot.relationships.card import show_card
from bot.slack import ids
from bot.slack.posting import direct_message
from bot.slack.turn import Turn, ack_silently, lazy, log_only
from stages import relationship_service


def register(app: App, deps: Deps) -> None:
    for event in (ids.EVENT_CHANNEL_SHARED, ids.EVENT_CHANNEL_UNSHARED):
        app.event(event)(ack=ack_silently, lazy=[lazy(deps, sharing_changed, on_failure=log_only)])


def sharing_changed(turn: Turn) -> None:
    event = turn.body["event"]
    channel = str(event.get("channel") or "")
    shared = event["type"] == ids.EVENT_CHANNEL_SHARED
    changed = relationship_service.channel_shared(
        turn.uow(),
        channel,
        connected=event.get("connected_team_id") if shared else None,
        disconnected=None if shared else event.get("previously_connected_team_id"),
        now=turn.now(),
    )
    copy = turn.deps.copy
    if shared and turn.deps.channel_shared is not None:
        turn.deps.channel_shared(turn, channel)
    for relationship in changed:
        show_card(turn.client, turn.deps, relationship)
        direct_message(
            turn.client,
            relationship.owner_id,
            copy("relationships", "partner_workspace", r=relationship, shared=shared),
        )
