"""The web side of the durable inbox: each lazy listener's request is written to the inbox before the ack.

Bolt hands every lazy listener to a runner before it answers Slack (`process_before_response=True`); this
runner writes the request (raw body and headers, marked for that one lazy listener) to the inbox and rings the
local work processes. So once Slack has its ack, the work is in the database, whatever happens to the processes.
"""

import copy
import hashlib
import json
import logging
from collections.abc import Callable

from slack_bolt import App, BoltRequest
from slack_bolt.lazy_listener import LazyListenerRunner

from bot.clock import SystemClock
from bot.slack.subcommands import Registry
from storage.inbox import Headers, Inbox

log = logging.getLogger(__name__)
SOCKET_MODE = "socket_mode"
MODE_HEADER = "x-accord-mode"  # how a work process knows to dispatch the payload as Socket Mode's JSON
_INTERACTIVE = ("block_actions", "shortcut", "message_action")
# The headers by which Bolt runs one lazy listener of a request, and only that (as its AWS Lambda adapter does).
LAZY_ONLY = "x-slack-bolt-lazy-only"
LAZY_NAME = "x-slack-bolt-lazy-function-name"


def request_key(request: BoltRequest, function_name: str) -> str:
    """What makes this request's work the same work if it comes again: a replay, a retry, a double submit.

    Slack retries an event with the same `event_id`; a view submitted twice as it stood has one id and hash;
    anything else is replayed byte for byte (every slash command and button press carries a fresh trigger id).
    """
    body = request.body
    view = body.get("view") if body.get("type") == "view_submission" else None
    if body.get("event_id"):
        identity = f"event:{body['event_id']}"
    elif isinstance(view, dict) and view.get("id") and view.get("hash"):
        identity = f"view:{view['id']}:{view['hash']}"
    else:
        return raw_key(request.raw_body or json.dumps(body, sort_keys=True), function_name)  # Socket Mode: no raw body
    return _key(identity, function_name)


def raw_key(raw: str, function_name: str) -> str:
    """`request_key` of a request replayed byte for byte (a slash command, a button press)."""
    return _key("body:" + hashlib.sha256(raw.encode()).hexdigest(), function_name)


def _key(identity: str, function_name: str) -> str:
    return hashlib.sha256(f"{identity}\n{function_name}".encode()).hexdigest()


def is_urgent(request: BoltRequest, subcommands: Registry) -> bool:
    """Work that may open a modal, which Slack allows only within three seconds of the trigger: it jumps the queue."""
    body = request.body
    if body.get("type") in _INTERACTIVE:
        return True
    return bool(body.get("command")) and subcommands.opens_modal(str(body.get("text") or ""))


class InboxRunner(LazyListenerRunner):
    """Bolt's hand-off point for lazy listeners: the request goes into the inbox, and a work process is woken."""

    def __init__(self, inbox: Inbox, ring: Callable[[bool], None], subcommands: Registry) -> None:
        self.logger = log
        self._inbox = inbox
        self._ring = ring
        self._subcommands = subcommands
        self._clock = SystemClock()

    def install(self, app: App) -> None:
        """Make `app` hand its lazy listeners to the inbox, copying each request only as far as needed.

        Before handing a request to a lazy listener runner, Bolt deep-copies it, context and Web API client
        included, so that a thread can use it later. The inbox needs only the raw body and headers, so a shallow
        copy will do: the deep copy was the largest cost of an acknowledgement (bench/ack.py). The copy is made by a
        method Bolt does not document; should a Bolt release drop it, the deep copy stays, slower but still right.
        """
        runner = app.listener_runner
        runner.lazy_listener_runner = self
        if callable(getattr(runner, "_build_lazy_request", None)):
            runner._build_lazy_request = _lazy_request  # type: ignore[method-assign,assignment]
        else:
            log.warning("this slack-bolt copies lazy requests another way; acks will be slower")

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        name = request.lazy_function_name or ""
        headers: Headers = {key: list(values) for key, values in request.headers.items()}
        headers[LAZY_ONLY] = ["1"]
        headers[LAZY_NAME] = [name]
        body = request.raw_body
        if request.mode == SOCKET_MODE:  # Slack's envelope carried the payload as JSON, with no raw body
            headers[MODE_HEADER] = [SOCKET_MODE]
            body = json.dumps(request.body)
        self.hand_off(request_key(request, name), body, headers, urgent=is_urgent(request, self._subcommands))

    def hand_off(self, key: str, body: str, headers: Headers, *, urgent: bool) -> None:
        """Keep the request (its headers naming its lazy listener) in the inbox, and wake a work process."""
        if self._inbox.put(key, body, headers, urgent=urgent, now=self._clock.now()):
            self._ring(urgent)
        else:
            log.info("%s: this request's work is already in the inbox (a replay or a retry)", headers[LAZY_NAME][0])


def _lazy_request(request: BoltRequest, function_name: str) -> BoltRequest:
    """What Bolt hands to InboxRunner: the request, marked for its lazy listener, sharing all the rest."""
    marked = copy.copy(request)
    marked.lazy_only = True
    marked.lazy_function_name = function_name
    return marked
