"""HTTP mode: Bolt's WSGI adapter behind gunicorn (threaded workers), with a health check for load balancers."""

from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import build_app
from bot.deps import Deps
from bot.settings import Settings
from storage.database import Database

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SLACK_PATH = "/slack/events"


def wsgi_app(settings: Settings) -> WSGIApp:
    """The app as a WSGI callable: Slack's requests at /slack/events, a liveness check at /healthz."""
    database = Database(settings.database_url)
    slack = SlackRequestHandler(build_app(settings, Deps(uow=database.uow)), path=SLACK_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return slack(environ, start_response)

    return application


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, factory: Callable[[], WSGIApp], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        # Runs in each worker after the fork, so no database connection or socket is shared between workers.
        return self.factory()


def serve(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "loglevel": settings.log_level.lower(),
        "accesslog": None,
    }
    _Gunicorn(lambda: wsgi_app(settings), options).run()
