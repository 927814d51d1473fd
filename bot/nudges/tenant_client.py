"""One tenant's Web API client for a nudge run: paced, and stopped at the first sign its token is no good.

Every call the sender makes for a tenant (posting, reading a DM back, updating a message, drawing a Home tab)
goes through it. A call the tenant's limits have no room for, or that would fall in a window a 429 named, does not
go out: it is answered at once as Slack would answer it, with a 429 and its `Retry-After`, so each caller defers
its work exactly as it does for Slack's own 429. Nothing here sleeps or retries: the outbox decides when to try
again (slack_sdk's `RateLimitErrorRetryHandler` would sleep in this thread, holding every other tenant up).
"""

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.rate_limits import RATE_LIMITED, Pacer, retry_after

# Slack's answers that the token itself is no longer good: it may be refreshed, or the tenant install again, so
# its nudges wait (they are not failed) and nothing more is asked of Slack for the tenant in this run.
EXPIRED = "token_expired"  # a token that rotates, past its time: it may be refreshed
REFUSED_TOKEN = frozenset({"invalid_auth", "not_authed", "token_revoked", EXPIRED})


class TenantRefused(Exception):
    """Slack refused the tenant's token: the run stops sending for this tenant."""

    def __init__(self, tenant: str, error: str, token: str | None) -> None:
        super().__init__(f"Slack refused the token of {tenant}: {error}")
        self.tenant = tenant
        self.error = error
        self.token = token  # which one: another process may have replaced it since


class TenantClient(WebClient):
    """`inner`'s calls for `tenant`, within the pace `pacer` allows. Its own retry handlers are none: `inner` is
    expected to retry no 429 itself either (a client built for the sender, as `nudger_for` builds it)."""

    def __init__(self, inner: WebClient, tenant: str, pacer: Pacer, now: Callable[[], datetime]) -> None:
        super().__init__(token=inner.token, base_url=inner.base_url, retry_handlers=[])
        self._inner = inner
        self._tenant = tenant
        self._pacer = pacer
        self._now = now
        self._refused: str | None = None

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> SlackResponse:
        if self._refused is not None:
            raise TenantRefused(self._tenant, self._refused, self._inner.token)
        now = self._now()
        channel = next((str(a["channel"]) for a in (json, data, params) if a and "channel" in a), None)
        allowed = self._pacer.next_call(self._tenant, api_method, channel, now)
        if allowed > now:
            raise _held_back(api_method, allowed - now)
        try:
            return self._inner.api_call(
                api_method,
                http_verb=http_verb,
                files=files,
                data=data,
                params=params,
                json=json,
                headers=headers,
                auth=auth,
            )
        except SlackApiError as error:
            self._learn(api_method, error, now)
            raise

    def _learn(self, api_method: str, error: SlackApiError, now: datetime) -> None:
        code = str(error.response.get("error") or "")
        if code in REFUSED_TOKEN:
            self._refused = code
            raise TenantRefused(self._tenant, code, self._inner.token) from error
        if error.response.status_code == 429:
            wait = retry_after(header(error, "Retry-After"), now, RATE_LIMITED)
            self._pacer.hold(self._tenant, api_method, now + wait)


def _held_back(api_method: str, wait: timedelta) -> SlackApiError:
    """Slack's own answer to a call in a 429 window, given without asking Slack."""
    seconds = str(max(1, math.ceil(wait.total_seconds())))
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=api_method,
        req_args={},
        data={"ok": False, "error": "ratelimited"},
        headers={"Retry-After": seconds},
        status_code=429,
    )
    return SlackApiError(f"{api_method} held back for {seconds} s: the tenant's rate limit", response)  # type: ignore[no-untyped-call]


def header(error: SlackApiError, name: str) -> str | None:
    """A header of Slack's answer, whatever its case (the SDK keeps them as they came)."""
    headers = error.response.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return str(value[0] if isinstance(value, list) and value else value) if value else None
