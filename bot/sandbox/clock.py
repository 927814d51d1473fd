"""A clock the sandbox can move forward, so what is due next month can be seen now."""

import threading
from datetime import UTC, datetime, timedelta


class MovableClock:
    """Wall-clock time plus an offset that only grows; or a fixed instant when `start` is given."""

    def __init__(self, start: datetime | None = None, offset: timedelta = timedelta(0)) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._fixed = start
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            base = self._fixed if self._fixed is not None else datetime.now(UTC)
            return (base + self._offset).astimezone(UTC)

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, by: timedelta) -> datetime:
        if by < timedelta(0):
            raise ValueError("time only moves forward")
        with self._lock:
            self._offset += by
        return self.now()
