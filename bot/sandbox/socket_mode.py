"""Socket Mode, emulated: the WebSocket an app opens with `apps.connections.open`, carrying Slack's envelopes.

Slack sends each request as an envelope (`slash_commands`, `interactive`, `events_api`) and the app answers
with the envelope's id (and, for commands and modals, the ack's payload). `SocketModeTransport` lets the
request driver deliver through it exactly as it does over HTTP.
"""

import json
import secrets
import threading
from typing import Any
from urllib.parse import parse_qsl

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from bot.sandbox.driver import Reply

JSON = dict[str, Any]
ACK_TIMEOUT = 10.0


class SocketModeServer:
    def __init__(self, app_id: str, host: str = "127.0.0.1") -> None:
        self.app_id = app_id
        self._server: Server = serve(self._handle, host, 0)
        self._connections: list[ServerConnection] = []
        self._acks: dict[str, JSON] = {}
        self._arrived = threading.Condition()
        self.connected = threading.Event()
        threading.Thread(target=self._server.serve_forever, name="socket-mode", daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket={secrets.token_hex(8)}"

    def stop(self) -> None:
        self._server.shutdown()

    def _handle(self, connection: ServerConnection) -> None:
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": self.app_id}}
        connection.send(json.dumps(hello))
        self._connections.append(connection)
        self.connected.set()
        try:
            for message in connection:
                ack = json.loads(message)
                with self._arrived:
                    self._acks[ack["envelope_id"]] = ack
                    self._arrived.notify_all()
        except ConnectionClosed:
            pass
        finally:
            self._connections.remove(connection)

    def deliver(self, kind: str, payload: JSON, *, retry: int = 0) -> JSON:
        """Send one envelope to the connected app and wait for its acknowledgement."""
        if not self._connections:
            raise ConnectionError("no app is connected in Socket Mode")
        envelope_id = secrets.token_hex(12)
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry,
            "retry_reason": "timeout" if retry else "",
        }
        self._connections[-1].send(json.dumps(envelope))
        with self._arrived:
            if not self._arrived.wait_for(lambda: envelope_id in self._acks, ACK_TIMEOUT):
                raise TimeoutError(f"the app did not acknowledge envelope {envelope_id}")
            return self._acks.pop(envelope_id)


class SocketModeTransport:
    """The driver's requests, as Socket Mode envelopes instead of signed HTTP posts."""

    def __init__(self, server: SocketModeServer) -> None:
        self.server = server

    def send(self, body: str, headers: dict[str, str]) -> Reply:
        if "json" in headers.get("Content-Type", ""):
            kind, payload = "events_api", json.loads(body)
        else:
            fields = dict(parse_qsl(body, keep_blank_values=True))
            if "payload" in fields:
                kind, payload = "interactive", json.loads(fields["payload"])
            else:
                kind, payload = "slash_commands", fields
        retry = int(headers.get("X-Slack-Retry-Num", "0"))
        ack = self.server.deliver(kind, payload, retry=retry)
        answer = ack.get("payload")
        return Reply(200, json.dumps(answer).encode() if answer else b"")
