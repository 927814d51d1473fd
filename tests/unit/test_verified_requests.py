"""Requests not known to be Slack's: refused by the app itself (as a work process dispatches them), and read no
further than the size limit in HTTP mode."""

import io
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.exc import OperationalError

from bot.runtime.verified_requests import VerifiedRequests
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import ResponseTarget
from tests.e2e.helpers import ACME, ALICE, shown, wait_for

FORM = "application/x-www-form-urlencoded"


def slash_command(sandbox: Sandbox, text: str) -> str:
    ws = sandbox.workspace
    url = ws.issue_response_url(sandbox.slack.emulator.response_url_base, ResponseTarget(ACME, ALICE))
    fields = {"command": "/accord", "text": text, "team_id": ws.team_id, "user_id": ALICE, "channel_id": ACME}
    return urlencode(fields | {"response_url": url, "trigger_id": ws.issue_trigger(ALICE, ACME)})


@pytest.mark.parametrize("stamp", ["soon", "", "\u0661\u0662\u0663"])
def test_a_timestamp_that_is_not_a_number_is_refused_and_nobody_is_answered(
    sandbox: Sandbox, stamp: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = slash_command(sandbox, "list")
    headers = sandbox.driver.signed_headers(body, FORM) | {"X-Slack-Request-Timestamp": stamp}
    with caplog.at_level(logging.DEBUG):
        reply = sandbox.driver.transport.send(body, headers)
    assert reply.status == 401
    assert sandbox.workspace.calls == [] and sandbox.workspace.ephemerals == []
    assert "Traceback" not in caplog.text and "response_url" not in caplog.text and "list" not in caplog.text


class CountingStream(io.BytesIO):
    """A request body that notes how much of it was read."""

    def __init__(self, size: int) -> None:
        super().__init__(b"x" * size)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(min(size, 1000) if size is not None and size >= 0 else size)  # short reads, as WSGI may
        self.taken += len(chunk)
        return chunk


def call(app: VerifiedRequests, environ: dict[str, Any]) -> str:
    statuses: list[str] = []
    start: Callable[..., None] = lambda status, headers: statuses.append(status)  # noqa: E731
    b"".join(app({"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events"} | environ, start))
    return statuses[0]


@pytest.mark.parametrize("declared", [None, "5000"])
def test_a_body_over_the_limit_is_read_no_further_than_one_byte_past_it(sandbox: Sandbox, declared: str | None) -> None:
    layer = VerifiedRequests(SlackRequestHandler(sandbox.app), sandbox.slack.signing_secret, limit=2000)
    stream = CountingStream(5000)
    environ: dict[str, Any] = {"wsgi.input": stream} | ({"CONTENT_LENGTH": declared} if declared else {})
    assert call(layer, environ).startswith("413")
    assert stream.taken == (0 if declared else 2001)


@pytest.mark.parametrize("declared", ["²", "12a", "-5"])
def test_a_content_length_that_is_not_a_number_is_refused_unread(sandbox: Sandbox, declared: str) -> None:
    layer = VerifiedRequests(SlackRequestHandler(sandbox.app), sandbox.slack.signing_secret)
    stream = CountingStream(100)
    assert call(layer, {"wsgi.input": stream, "CONTENT_LENGTH": declared}).startswith("401")
    assert stream.taken == 0


def test_a_command_that_could_not_be_kept_ahead_of_bolt_is_taken_by_bolt(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The database away while the web process keeps a command ahead: Bolt takes the request, as without `ahead`."""

    def database_away(body: str, environ: dict[str, Any]) -> bool:
        raise OperationalError("INSERT INTO inbox", {}, Exception("database is locked"))

    layer = VerifiedRequests(SlackRequestHandler(sandbox.app), sandbox.slack.signing_secret, ahead=database_away)
    body = slash_command(sandbox, "list")
    headers = sandbox.driver.signed_headers(body, FORM)
    environ = {"wsgi.input": io.BytesIO(body.encode()), "CONTENT_LENGTH": str(len(body))} | {
        "HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()
    }
    with caplog.at_level(logging.WARNING):
        assert call(layer, environ | {"CONTENT_TYPE": FORM}) == "200 OK"
    wait_for(lambda: bool(sandbox.workspace.ephemerals_for(ALICE)))
    assert "No relationships yet" in shown(sandbox.workspace.ephemerals_for(ALICE)[-1])
    assert "could not keep a command ahead of Bolt, so Bolt takes it: OperationalError" in caplog.text
    assert "Traceback" not in caplog.text
