"""Slack's 429 answers: how long their `Retry-After` says to wait, and a Web API retry handler that waits that long.

Slack documents whole seconds, but a proxy or a future answer may send a fraction, an HTTP date or anything at
all; slack_sdk's own handler reads the header with `int()` and raises on those, so neither Accord nor the SDK
may trust it to be an integer.
"""

import math
import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

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
