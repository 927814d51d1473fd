"""Socket Mode: the app opens a WebSocket to Slack, so no public URL is needed (one workspace, modest load)."""

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import build_app
from bot.deps import Deps
from bot.settings import Settings
from storage.database import Database


def connect(settings: Settings) -> None:
    if settings.slack_app_token is None:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN")
    database = Database(settings.database_url)
    app = build_app(settings, Deps(uow=database.uow))
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    handler.start()  # type: ignore[no-untyped-call]
