"""The yardstick for bench/ack.py: a Bolt app whose /accord listener only acks, served like `accord run --http`."""

import os
import sys

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.runtime.server import WSGIApp, run_gunicorn


def application() -> WSGIApp:
    # Taken out of the environment, where Bolt would find it too and warn that the client's token wins.
    client = WebClient(token=os.environ.pop("SLACK_BOT_TOKEN"), base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=True)

    @app.command("/accord")
    def only_ack(ack: Ack) -> None:
        ack()

    return SlackRequestHandler(app)  # type: ignore[return-value]


if __name__ == "__main__":
    host, port, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    run_gunicorn(application, host=host, port=port, workers=1, threads=threads, log_level="warning")
