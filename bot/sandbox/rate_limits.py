"""Slack's rate limits, as the emulator enforces them when asked to: per app, per workspace, per method.

Each method is limited by its tier in Slack's reference (Tier 1 to 4: 1, 20, 50 and 100 calls a minute), a
minute's allowance at once tolerated as a burst and then refilled evenly. chat.postMessage is limited per channel
instead: one message a second, after a short burst. Slack's other special methods (auth.test, oauth.v2.access,
...) and its unpublished workspace-wide cap on posting are not limited here. Past its limit a call is answered
429 with a `Retry-After` in whole seconds, and the window it announces is recorded; a call that comes back inside
a window it was told to wait out is recorded as a violation (and answered 429 again), as Slack's rules ask
clients to wait. A workspace can be made to answer 429 to everything, to see how the others fare.

The limits count on the sandbox's clock, which a test may move, so they are kept here rather than in a library
that reads the system's time.
"""

import math
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

PER_MINUTE = {"t1": 1, "t2": 20, "t3": 50, "t4": 100}  # the least each tier promises
POST_METHOD = "chat.postMessage"
POST_PER_SECOND = 1.0
POST_BURST = 3  # Slack tolerates "short bursts" without saying how short: three at once
FORCED_RETRY_AFTER = 60


@dataclass(frozen=True)
class Limit:
    """A token bucket's shape: `burst` calls at once, refilled at `per_second`."""

    burst: float
    per_second: float

    def least_seconds(self, calls: int) -> float:
        """The least time `calls` calls take under this limit, starting with a full bucket."""
        return max(0.0, calls - self.burst) / self.per_second


@dataclass(frozen=True)
class Window:
    """A 429 the emulator answered: nothing more of `method` (in `channel`, for posts) until `until`."""

    method: str
    channel: str | None
    start: datetime
    until: datetime


@dataclass(frozen=True)
class EarlyCall:
    """A call that arrived inside a window announced to the same workspace for the same method."""

    method: str
    at: datetime
    window: Window


@dataclass(frozen=True)
class Refusal:
    """A 429's `Retry-After`, and whether the call came inside a window already announced (a violation)."""

    retry_after: int
    early: bool = False


@dataclass
class _Bucket:
    limit: Limit
    tokens: float
    at: datetime

    def take(self, now: datetime) -> float:
        """0 if a call may go now (and it is counted), else the seconds until one may."""
        elapsed = (now - self.at).total_seconds()
        self.tokens = min(self.limit.burst, self.tokens + elapsed * self.limit.per_second)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.limit.per_second


@dataclass
class WorkspaceLimits:
    """What one workspace's limits did: the windows it announced and the calls that came inside them."""

    windows: list[Window] = field(default_factory=list)
    early: list[EarlyCall] = field(default_factory=list)


class RateLimits:
    """Slack's limits for every workspace the emulator hosts, counted on `clock`."""

    def __init__(self, methods: Mapping[str, Mapping[str, Any]], clock: Callable[[], datetime]) -> None:
        self._methods = methods
        self._clock = clock
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self._open: dict[tuple[str, str, str], Window] = {}  # the latest window of each bucket
        self._forced: dict[str, int] = {}
        self.workspaces: dict[str, WorkspaceLimits] = {}
        self._lock = threading.Lock()

    def limit(self, method: str) -> Limit | None:
        """The limit of a method in any one workspace (per channel for posts); None if it is not limited here."""
        if method == POST_METHOD:
            return Limit(POST_BURST, POST_PER_SECOND)
        per_minute = PER_MINUTE.get(str(self._methods.get(method, {}).get("rate_limits")))
        return None if per_minute is None else Limit(per_minute, per_minute / 60)

    def least_seconds(self, calls: Iterable[tuple[str, str | None]]) -> float:
        """The least time one workspace's calls (method, channel) take within its limits."""
        counts: dict[tuple[str, str], int] = {}
        for method, channel in calls:
            key = (method, (channel or "") if method == POST_METHOD else "")
            counts[key] = counts.get(key, 0) + 1
        limits = ((self.limit(method), count) for (method, _), count in counts.items())
        return max((limit.least_seconds(count) for limit, count in limits if limit is not None), default=0.0)

    def force(self, team_id: str, retry_after: int = FORCED_RETRY_AFTER) -> None:
        """From now on the workspace answers every call 429, asking to wait `retry_after` seconds."""
        with self._lock:
            self._forced[team_id] = retry_after

    def of(self, team_id: str) -> WorkspaceLimits:
        with self._lock:
            return self.workspaces.setdefault(team_id, WorkspaceLimits())

    def admit(self, team_id: str, method: str, channel: str | None) -> Refusal | None:
        """None if the call may be carried out (and it is counted), else why it is answered 429."""
        now = self._clock()
        key = (team_id, method, (channel or "") if method == POST_METHOD else "")
        with self._lock:
            record = self.workspaces.setdefault(team_id, WorkspaceLimits())
            window = self._open.get(key)
            if window is not None and now < window.until:
                record.early.append(EarlyCall(method, now, window))
                return Refusal(max(1, math.ceil((window.until - now).total_seconds())), early=True)
            wait = self._wait(team_id, key, method, now)
            if wait is None:
                return None
            window = Window(method, key[2] or None, now, now + timedelta(seconds=wait))
            self._open[key] = window
            record.windows.append(window)
            return Refusal(wait)

    def _wait(self, team_id: str, key: tuple[str, str, str], method: str, now: datetime) -> int | None:
        forced = self._forced.get(team_id)
        if forced is not None:
            return forced
        limit = self.limit(method)
        if limit is None:
            return None
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(limit, limit.burst, now)
        seconds = bucket.take(now)
        return None if seconds == 0 else max(1, math.ceil(seconds))
