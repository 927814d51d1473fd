"""Events: the Home tab is drawn for whoever opens it."""

from slack_bolt import App

from bot.deps import Deps
from bot.home.publish import publish_home
from bot.slack import ids
from bot.slack.turn import Turn, ack_silently, lazy, log_only


def register(app: App, deps: Deps) -> None:
    app.event(ids.EVENT_APP_HOME_OPENED)(ack=ack_silently, lazy=[lazy(deps, home_opened, on_failure=log_only)])


def home_opened(turn: Turn) -> None:
    event = turn.body["event"]
    if event.get("tab") == "home":
        publish_home(turn.client, turn.deps, turn.team_id, event["user"])
