"""HTTP mode: Bolt's WSGI adapter behind gunicorn (threaded workers), with a health check for load balancers.

Each gunicorn worker only acknowledges: the work after the ack goes to the durable inbox before the ack
(bot/inbox_hand_off.py) and is done by work processes of its own (bot/work_processes.py), or by a few threads of
the worker when WORK_PROCESSES is 0.
"""

from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.oauth import OAuthFlow

from bot.app import subcommands, web_client
from bot.installs.flow import ORG_REDIRECT_PATH, org_admins
from bot.runtime.bootstrap import Bootstrap
from bot.runtime.commands_ahead import CommandsAhead
from bot.runtime.inbox_hand_off import InboxRunner
from bot.runtime.verified_requests import VerifiedRequests
from bot.runtime.work_processes import WorkProcesses, WorkThreads, inbox_of

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SLACK_PATH = "/slack/events"
# Threads for work after the ack when it runs in the worker itself. Few on purpose: in CPython they share one
# interpreter lock with the threads answering Slack, and under load more of them only slow the acks.
LAZY_THREADS = 2


def wsgi_app(process: Bootstrap) -> WSGIApp:
    """The app as a WSGI callable: Slack's requests at /slack/events, a liveness check at /healthz."""
    settings = process.settings
    app = process.app()
    workers: WorkProcesses | WorkThreads = (
        WorkProcesses(settings, process.database) if settings.work_processes else WorkThreads(process, LAZY_THREADS)
    )
    commands = subcommands()
    runner = InboxRunner(inbox_of(settings, process.database), workers.ring, commands)
    runner.install(app)
    ahead = CommandsAhead(runner, commands)
    slack = VerifiedRequests(SlackRequestHandler(app, path=SLACK_PATH), settings.slack_signing_secret, ahead=ahead)
    installs = process.installations
    admins = org_admins(settings, installs, web_client(settings)) if installs else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, verb = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        if admins is not None and path == ORG_REDIRECT_PATH and verb == "GET":
            return _callback(admins, environ, start_response)
        return slack(environ, start_response)

    return application


def _callback(flow: OAuthFlow, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """An OAuth redirect to a flow other than the app's own (which Bolt's adapter routes), the way it routes it."""
    request = WsgiHttpRequest(environ)
    answer = flow.handle_callback(BoltRequest(body="", query=request.query_string, headers=request.get_headers()))
    response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
    start_response(response.status, response.get_headers())
    return response.get_body()


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


def serve(process: Bootstrap, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve on gunicorn. Each worker builds its app on the bootstrap it inherits, its engine included; the
    engine's connections are closed before the workers are forked, so each worker opens its own."""
    process.close()
    run_gunicorn(
        lambda: wsgi_app(process),
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        log_level=process.settings.log_level,
    )


def run_gunicorn(
    factory: Callable[[], WSGIApp], *, host: str, port: int, workers: int, threads: int, log_level: str = "info"
) -> None:
    """Serve a WSGI app on gunicorn's threaded workers (each thread answers one request at a time)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "loglevel": log_level.lower(),
        "accesslog": None,
    }
    _Gunicorn(factory, options).run()
