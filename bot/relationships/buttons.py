"""Buttons. Each is acknowledged at once; its work runs after the ack."""

from slack_bolt import App

from bot.deps import Deps
from bot.relationships.modal import new_relationship_modal
from bot.slack import ids
from bot.slack.turn import Turn, ack_silently, lazy


def register(app: App, deps: Deps) -> None:
    app.action(ids.ACTION_OPEN_NEW)(ack=ack_silently, lazy=[lazy(deps, open_new_relationship)])


def open_new_relationship(turn: Turn) -> None:
    view = new_relationship_modal(turn.deps.copy, owner_id=turn.user_id)
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)
