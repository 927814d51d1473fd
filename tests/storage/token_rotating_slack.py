"""A local HTTP server answering `oauth.v2.access` with `grant_type=refresh_token` as Slack does for rotating tokens.

Each refresh returns a new access token and a new refresh token, and spends the refresh token it was given: Slack
answers a second refresh with it `invalid_refresh_token`. It counts the refreshes it granted.
"""

import base64
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-of-accord"
LIFETIME_SECONDS = 12 * 3600


class TokenRotatingSlack:
    def __init__(self, refresh_token: str) -> None:
        self.refresh_token = refresh_token  # the one refresh token Slack accepts now
        self.access_token: str | None = None
        self.rotations = 0
        self.refused = 0
        self.delay = 0.0  # seconds before answering, to let callers meet at the lock
        self.hanging = False  # answers nothing in time, and refreshes nothing (the request never got through)
        self.url = ""
        self._lock = threading.Lock()

    def answer(self, form: dict[str, str], authorization: str) -> dict[str, object]:
        time.sleep(self.delay)
        if self.hanging:
            time.sleep(2)
            return {"ok": False, "error": "service_unavailable"}
        if authorization != "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode():
            return {"ok": False, "error": "invalid_client_id"}
        if form.get("grant_type") != "refresh_token":
            return {"ok": False, "error": "invalid_grant_type"}
        with self._lock:
            if form.get("refresh_token") != self.refresh_token:
                self.refused += 1
                return {"ok": False, "error": "invalid_refresh_token"}
            self.rotations += 1
            self.access_token = f"xoxe.xoxb-1-rotated-{self.rotations}"
            self.refresh_token = f"xoxe-1-refresh-{self.rotations}"
            return {
                "ok": True,
                "token_type": "bot",
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": LIFETIME_SECONDS,
            }


@contextlib.contextmanager
def serving(slack: TokenRotatingSlack) -> Iterator[TokenRotatingSlack]:
    """Serve `slack` on a free local port for the length of the block; its `url` is the Web API base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path.rstrip("/").endswith("oauth.v2.access"):
                body = slack.answer(form, self.headers.get("Authorization", ""))
            else:
                body = {"ok": False, "error": "unknown_method"}
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a caller that gave up waiting
                self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    slack.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    try:
        yield slack
    finally:
        server.shutdown()
        server.server_close()
