"""Work yields to acknowledgements while they come in a burst.

Work processes run at a lower CPU priority, but on a machine of few cores a priority is only a share: during a
burst of requests a busy work process still took more than half a core beside the web process (bench/ack.py:
1.8 s of CPU in a round of 3,000 requests), and the acknowledgements slowed with it, while the work itself could
have waited. So the web process marks each acknowledgement in memory it shares with its work processes, and a
work thread about to start a piece of work first waits, in steps, while acknowledgements are still coming close
together. It waits at most MAX_YIELD_SECONDS a piece, so a burst that does not end delays the work, never stops
it; work that opens a modal (Slack allows three seconds for that) never waits. Single requests, Slack's usual
pace, are never a burst: nothing waits for them.
"""

import time
from collections.abc import Callable
from multiprocessing.context import SpawnContext

BURST_GAP_SECONDS = 0.005  # two acknowledgements closer than this are a burst...
# ...which is over once none came for this long. Not shorter: a pause of a few milliseconds inside a burst (a
# checkpoint of SQLite's log holding the inbox's writes) let work in, which slowed the acknowledgements, which made
# more such pauses (bench/ack.py: the work process's CPU during a round fell from 0.3 to 2.4 s to 0.1 to 0.4 s).
LULL_SECONDS = 0.05
MAX_YIELD_SECONDS = 1.0
STEP_SECONDS = 0.02


class AckBursts:
    """When the last acknowledgement came, and the last that came in a burst: shared with the work processes.

    Plain shared doubles with no lock: a store from one thread may overwrite another's of the same moment, which
    only moves the end of a burst by a few microseconds.
    """

    def __init__(self, context: SpawnContext, clock: Callable[[], float] = time.monotonic) -> None:
        self._last = context.RawValue("d", 0.0)
        self._burst = context.RawValue("d", -LULL_SECONDS)
        self._clock = clock

    def acknowledged(self) -> None:
        """In the web process, for each acknowledgement whose work went to the inbox."""
        now = self._clock()
        if now - self._last.value < BURST_GAP_SECONDS:
            self._burst.value = now
        self._last.value = now

    def in_burst(self) -> bool:
        return bool(self._clock() - self._burst.value < LULL_SECONDS)

    def wait_for_lull(self, sleep: Callable[[float], None] = time.sleep) -> float:
        """In a work thread, before a piece of work: wait while a burst goes on, at most MAX_YIELD_SECONDS.
        Returns how long it waited."""
        started = self._clock()
        while self.in_burst() and (waited := self._clock() - started) < MAX_YIELD_SECONDS:
            sleep(min(STEP_SECONDS, MAX_YIELD_SECONDS - waited))
        return self._clock() - started
