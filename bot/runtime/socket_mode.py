"""Socket Mode: the app opens a WebSocket to Slack, so no public URL is needed (one workspace, modest load).

The work after each ack goes through the durable inbox, as in HTTP mode, and is done by threads of this process:
what was acknowledged and not yet done when the process stopped is done after it starts again.
"""

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import subcommands
from bot.runtime.bootstrap import Bootstrap
from bot.runtime.inbox_hand_off import InboxRunner
from bot.runtime.work_processes import WorkThreads, inbox_of


def connect(process: Bootstrap) -> None:
    """Answer Slack over a WebSocket until the process is stopped, doing the work in threads of this process."""
    settings = process.settings
    if settings.slack_app_token is None:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN")
    app = process.app()
    work = WorkThreads(process, settings.work_threads)
    InboxRunner(inbox_of(settings, process.database), work.ring, subcommands()).install(app)
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    try:
        handler.start()  # type: ignore[no-untyped-call]
    finally:
        work.close()
