"""Slack's rate limits: how long a 429's `Retry-After` says to wait, a Web API retry handler that waits that long
(for work done on a person's behalf), and a pacer that keeps each tenant's calls within its methods' tiers without
waiting (for the nudge sender, which must never hold one tenant's work up behind another's limits).

Slack documents whole seconds, but a proxy or a future answer may send a fraction, an HTTP date or anything at
all; slack_sdk's own handler reads the header with `int()` and raises on those, so neither Accord nor the SDK
may trust it to be an integer.
"""

import math
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

RATE_LIMITED = timedelta(minutes=1)  # the wait after a 429 whose Retry-After says nothing usable
LONGEST = timedelta(hours=1)  # a wait beyond this is not believed; the retry comes after it all the same


def retry_after(value: str | None, now: datetime, default: timedelta) -> timedelta:
    """The wait a `Retry-After` value asks for (seconds, or an HTTP date), between none and `LONGEST`;
    `default` when it says neither."""
    text = (value or "").strip()
    seconds: float | None
    try:
        seconds = float(text)
    except ValueError:
        seconds = _until(text, now)
    if seconds is None or not math.isfinite(seconds):
        return default
    return min(max(timedelta(seconds=seconds), timedelta(0)), LONGEST)


def _until(http_date: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() - now.timestamp()


class RateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's handler for 429s, reading `Retry-After` with `retry_after` instead of `int()`."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("a rate limit retry without a response")
        state.next_attempt_requested = True
        header = next((values for name, values in response.headers.items() if name.lower() == "retry-after"), [])
        wait = retry_after(header[0] if header else None, datetime.now(UTC), timedelta(seconds=1))
        time.sleep(wait.total_seconds() + random.random())  # noqa: S311 (jitter: spreads the retries of several clients)
        state.increment_current_attempt()


# Slack's published tiers, in calls a minute per method and workspace (Tier 1 is 1+, Tier 2 20+, Tier 3 50+,
# Tier 4 100+): the least each tier promises. A minute's allowance may go at once, as Slack tolerates bursts.
TIER_1, TIER_2, TIER_3, TIER_4 = 1, 20, 50, 100
TIERS = {
    "users.info": TIER_4,
    "views.publish": TIER_4,
    "chat.update": TIER_3,
    "conversations.open": TIER_3,
    "conversations.history": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.info": TIER_3,
    "conversations.join": TIER_3,
}
# chat.postMessage is tiered apart: about one message a second in each channel, with short bursts.
POST_METHOD = "chat.postMessage"
POST_BURST = 3
UNLISTED = TIER_2  # a method Accord does not call from the sender: the cautious tier


@dataclass
class _Bucket:
    """A token bucket: `tokens` calls in hand at `at`, refilled at `per_second` up to `burst`."""

    burst: float
    per_second: float
    tokens: float
    at: datetime

    def take(self, now: datetime) -> datetime:
        """`now` if a call may go now (and it is counted), else when one may."""
        self.tokens = min(self.burst, self.tokens + (now - self.at).total_seconds() * self.per_second)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return now
        return now + timedelta(seconds=(1 - self.tokens) / self.per_second)

    def full(self, now: datetime) -> bool:
        return self.tokens + (now - self.at).total_seconds() * self.per_second >= self.burst


class Pacer:
    """When each tenant may next call each Web API method: within its tier, and never inside a window a 429 named.

    Slack limits each method per workspace (or org), so one tenant's limits never hold another back. One sender's
    own pace only: another process sending for the same tenant is kept in step by Slack's 429s.
    """

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self._windows: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()  # runs of one sender may overlap

    def next_call(self, tenant: str, method: str, channel: str | None, now: datetime) -> datetime:
        """`now` if the call may go now (and it is counted), else when it may."""
        with self._lock:
            return self._next_call(tenant, method, channel, now)

    def _next_call(self, tenant: str, method: str, channel: str | None, now: datetime) -> datetime:
        window = self._windows.get((tenant, method))
        if window is not None and window > now:
            return window
        key = (tenant, method, (channel or "") if method == POST_METHOD else "")
        bucket = self._buckets.get(key)
        if bucket is None:
            burst, per_second = (POST_BURST, 1.0) if method == POST_METHOD else _tier(method)
            bucket = self._buckets[key] = _Bucket(burst, per_second, burst, now)
        return bucket.take(now)

    def hold(self, tenant: str, method: str, until: datetime) -> None:
        """Slack answered 429: nothing more of this method for this tenant until `until`."""
        with self._lock:
            self._windows[(tenant, method)] = max(until, self._windows.get((tenant, method), until))

    def forget_settled(self, now: datetime) -> None:
        """Drop what no longer holds anything back (full buckets, past windows): many channels come and go."""
        with self._lock:
            self._buckets = {key: b for key, b in self._buckets.items() if not b.full(now)}
            self._windows = {key: until for key, until in self._windows.items() if until > now}


def _tier(method: str) -> tuple[float, float]:
    per_minute = TIERS.get(method, UNLISTED)
    return per_minute, per_minute / 60
