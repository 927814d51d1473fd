"""Group commit: rows that threads want written at the same moment go to the database in one transaction.

A database has one writer at a time (SQLite) or pays a round trip and a log flush per commit (PostgreSQL), so
under load one transaction per request makes the acknowledging threads wait in line. Here the first thread to
arrive writes; those that arrive meanwhile wait, and the next of them writes all of theirs in one transaction
when the first is done. Each thread returns once its own row is committed, with its own answer.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


@dataclass(eq=False)
class _Waiting:
    row: Row
    turn: threading.Event = field(default_factory=threading.Event)  # set when written, or when it is to write
    written: bool = False
    answer: bool = False
    error: BaseException | None = None


class GroupCommit:
    """Writes rows through `write` (rows in, one answer per row out), many at a time."""

    def __init__(self, write: Callable[[list[Row]], list[bool]]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._writing = False

    def put(self, row: Row) -> bool:
        mine = _Waiting(row)
        with self._lock:
            self._waiting.append(mine)
            leads, self._writing = not self._writing, True
        if not leads:
            mine.turn.wait()
        if not mine.written:  # first to arrive, or handed the turn by the previous writer
            self._write_waiting()
        if mine.error is not None:
            raise mine.error
        return mine.answer

    def _write_waiting(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
        try:
            answers = self._write([waiting.row for waiting in batch])
        except BaseException as error:  # every waiting thread learns its row was not written
            answers = [False] * len(batch)
            for waiting in batch:
                waiting.error = error
        for waiting, answer in zip(batch, answers, strict=True):
            waiting.answer, waiting.written = answer, True
            waiting.turn.set()
        with self._lock:
            if self._waiting:
                self._waiting[0].turn.set()  # the next one writes what piled up meanwhile
            else:
                self._writing = False
