"""Well-formed `/accord` commands acknowledged ahead of Bolt's dispatch, their work kept in the inbox as Bolt keeps it.

The ack of `/accord` says something only for a malformed command or help; otherwise it is empty and everything
the command says comes from its work, run in a work process. Bolt's dispatch in the web process (parsing the body
into an object, its middleware, matching the listener, building each function's arguments) cost about as much CPU
per request as the rest of the acknowledgement together (`bench/ack.py`, docs/performance.md). So the web process
recognises such a command itself: from the verified form it checks the command's syntax as the ack would, then
keeps the request in the inbox exactly as Bolt's hand-off keeps it (the same key, headers and lazy listener) and
answers 200 at once. The work process dispatches it through Bolt like any other, authorisation included: a
workspace without Accord is told so there, through the command's response URL, as it is when Bolt refuses it in
the web process. Anything else goes through Bolt in the web process: other commands, interactivity and events,
and a command with a usage error or asking for help (answered in the ack).
"""

from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_normalized_headers

from bot.runtime.inbox_hand_off import LAZY_NAME, LAZY_ONLY, InboxRunner, raw_key
from bot.slack import ids
from bot.slack.accord_command import WORK, silent_ack
from bot.slack.subcommands import Registry


class CommandsAhead:
    """Called with each verified request before Bolt: True if it acknowledged the request itself (answer 200, empty)."""

    def __init__(self, runner: InboxRunner, subcommands: Registry) -> None:
        self._runner = runner
        self._subcommands = subcommands

    def __call__(self, body: str, environ: dict[str, Any]) -> bool:
        if "command=" not in body:  # interactivity and events come as a JSON payload or document
            return False
        form = dict(parse_qsl(body))
        text = form.get("text", "")
        if form.get("command") != ids.COMMAND or not silent_ack(self._subcommands, text):
            return False
        headers = build_normalized_headers(WsgiHttpRequest(environ).get_headers())
        headers[LAZY_ONLY] = ["1"]
        headers[LAZY_NAME] = [WORK]
        self._runner.hand_off(raw_key(body, WORK), body, headers, urgent=self._subcommands.opens_modal(text))
        return True
