"""Events: the Home tab is drawn for whoever opens it."""

from slack_bolt import Ack, App

from bot import ids
from bot.blocks.home import home_view
from bot.deps import Deps
from bot.listeners.turn import Turn, lazy
from stages import services


def register(app: App, deps: Deps) -> None:
    app.event(ids.EVENT_APP_HOME_OPENED)(ack=_ack, lazy=[lazy(deps, publish_home, on_failure=_log_only)])


def _ack(ack: Ack) -> None:
    ack()


def publish_home(turn: Turn) -> None:
    event = turn.body["event"]
    if event.get("tab") != "home":
        return
    user_id = event["user"]
    relationships = services.led_by(turn.uow(), user_id)
    view = home_view(turn.deps.copy, user_id, relationships, turn.deps.catalogue, turn.today())
    turn.client.views_publish(user_id=user_id, view=view)


def _log_only(turn: Turn) -> None:
    """Nobody asked for the Home tab in a way that can be answered; the failure is already logged."""
