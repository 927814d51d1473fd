"""Only Slack's requests are acted on: each one's signature is checked on its raw bytes before anything parses it.

Bolt's WSGI adapter parses a body before Bolt checks its signature, so a malformed body was a 500 and a
traceback, and a check that raised (a timestamp that is not a number) reached the error handler, which answered
whatever response_url the unverified body named. `VerifiedRequests` sits in front of the adapter: it reads at
most MAX_BODY_BYTES and refuses a request that is not Slack's with 401, an oversized one with 413 and a signed
one Bolt cannot read with 400, none of them with a traceback, its body in the log, or any call out.

What it verified goes first to `ahead` (bot/runtime/commands_ahead.py), which acknowledges a well-formed
`/accord` command without Bolt. It hands the rest to Bolt marked as Slack's. Inside Bolt, `SignedBySlack` takes
the place of Bolt's own check (which logs the whole body of a request it refuses) for requests that did not come
this way, and marks the requests it let through, so the error handler answers only those.
"""

import logging
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from pydantic import SecretStr
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.middleware import Middleware
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)
# Slack's largest payloads (a modal's state, an event) are tens of kilobytes.
MAX_BODY_BYTES = 1 << 20
SIGNED = "signed_by_slack"  # set in Bolt's context of a request whose signature was Slack's


class Signatures:
    """Slack's request signatures, checked with slack_sdk's verifier; no secret means no request is Slack's."""

    def __init__(self, secret: SecretStr | str | None) -> None:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        self._verifier = SignatureVerifier(value) if value else None

    def genuine(self, body: str, timestamp: str | None, signature: str | None) -> bool:
        # slack_sdk raises on a timestamp that is not a number; such a request is simply not Slack's.
        if self._verifier is None or signature is None or timestamp is None:
            return False
        if not (timestamp.isascii() and timestamp.isdigit()):
            return False
        return self._verifier.is_valid(body, timestamp, signature)


class SignedBySlack(Middleware):
    """Bolt's request check, without the body in the log, marking what it lets through as Slack's."""

    def __init__(self, signatures: Signatures) -> None:
        self._signatures = signatures

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        # Socket Mode requests come over a connection the app opened to Slack with its own token; VerifiedRequests
        # checked those it marked already.
        if (
            req.mode == "socket_mode"
            or req.context.get(SIGNED)
            or self._signatures.genuine(
                req.raw_body,
                req.headers.get("x-slack-request-timestamp", [None])[0],
                req.headers.get("x-slack-signature", [None])[0],
            )
        ):
            req.context[SIGNED] = True
            return next()
        log.info("refused a request whose signature is not Slack's")
        return BoltResponse(status=401, body={"error": "invalid request"})


class FromTheInbox(Middleware):
    """In a work process: a request from the inbox was verified by the web process that wrote it there."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        req.context[SIGNED] = True
        return next()


StartResponse = Callable[..., Any]
Ahead = Callable[[str, dict[str, Any]], bool]  # a verified body and its WSGI environ: acknowledged already?


class VerifiedRequests:
    """WSGI: Slack's requests pass to Bolt's adapter only with a size in bounds and Slack's signature."""

    def __init__(
        self,
        slack: SlackRequestHandler,
        secret: SecretStr | str | None,
        limit: int = MAX_BODY_BYTES,
        ahead: Ahead | None = None,
    ) -> None:
        """`ahead` sees each verified request first, and acknowledges those it can without Bolt (True)."""
        self._slack = slack
        self._signatures = Signatures(secret)
        self._limit = limit
        self._ahead = ahead

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self._slack.path:
            return self._slack(environ, start_response)  # Bolt answers these without reading a body
        raw = _read_body(environ, self._limit)
        if raw is None:
            log.info("refused a request larger than %d bytes", self._limit)
            return _answer(start_response, "413 Content Too Large", b'{"error":"request too large"}')
        body = _text(raw)
        if body is None or not self._signatures.genuine(
            body, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE")
        ):
            log.info("refused a request whose signature is not Slack's")
            return _answer(start_response, "401 Unauthorized", b'{"error":"invalid request"}')
        if self._acknowledged_ahead(body, environ):
            return _answer(start_response, "200 OK", b"", "text/plain;charset=utf-8")  # Bolt's empty ack
        try:
            # Dispatched here rather than through Bolt's adapter, which would read and decode the body again, and
            # marked as Slack's, so that SignedBySlack does not check the signature a second time.
            request = WsgiHttpRequest(environ)
            answer = self._slack.app.dispatch(
                BoltRequest(
                    body=body, query=request.query_string, headers=request.get_headers(), context={SIGNED: True}
                )
            )
        except (ValueError, TypeError, AttributeError) as error:
            # Bolt parses the body into an object before dispatching it; these are the ways that fails (not JSON,
            # not an object). Only the kind is logged: the body is Slack's, but its content stays out of logs.
            log.warning("a signed request could not be read as Slack's: %s", type(error).__name__)
            return _answer(start_response, "400 Bad Request", b'{"error":"malformed request"}')
        response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    def _acknowledged_ahead(self, body: str, environ: dict[str, Any]) -> bool:
        """Whether `ahead` acknowledged the request. If it failed (the database away), Bolt takes the request as if
        `ahead` had not been there: its hand-off tries the inbox again, and a failure there reaches Accord's error
        handler, which tells the person, as for any other request."""
        if self._ahead is None:
            return False
        try:
            return self._ahead(body, environ)
        except Exception as error:
            log.warning("could not keep a command ahead of Bolt, so Bolt takes it: %s", type(error).__name__)
            return False


def _text(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")  # Slack signs UTF-8 text: other bytes cannot carry its signature
    except UnicodeDecodeError:
        return None


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The body, or None if it is larger than `limit`: read no further than limit + 1 bytes either way.

    A Content-Length above the limit is refused unread; without one (a chunked body) the reading stops one byte
    past the limit. A Content-Length that is not a number is not Slack's: nothing is read, nothing will verify.
    """
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared and not (declared.isascii() and declared.isdigit()):
        return b""
    if declared and int(declared) > limit:
        return None
    wanted = int(declared) if declared else limit + 1
    stream: BinaryIO | None = environ.get("wsgi.input")
    chunks: list[bytes] = []
    got = 0
    while stream is not None and got < wanted:  # a WSGI stream may return less than asked for
        chunk = stream.read(wanted - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return None if got > limit else b"".join(chunks)


def _answer(start_response: StartResponse, status: str, body: bytes, kind: str = "application/json") -> list[bytes]:
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]
