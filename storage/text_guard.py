"""The last line of defence for text: no NUL character reaches the database.

PostgreSQL cannot store a NUL in text (the driver refuses the whole statement) while SQLite keeps it, so one
that slipped past the checks on what people type would break only one backend, and only in production. Every
bound string is checked before it is sent, and refused the same way on both.
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Engine, event

_SLICE = 10_000  # rows whose strings are searched at once: one search instead of one per string, in bounded memory
_SCALARS = frozenset({int, float, bool, type(None), datetime, date, Decimal, bytes})  # what holds no text


class NulInText(ValueError):
    """A string bound to a statement holds a NUL character, which must be refused or removed before storage."""


def refuse_nul(engine: Engine) -> None:
    """Make every statement the engine runs refuse a bound string holding a NUL."""
    event.listen(engine, "before_cursor_execute", _check)


def _check(_connection: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool) -> None:
    # Walked whatever their shape: SQLAlchemy's "insertmanyvalues" batches flag executemany while binding one
    # flat row, so the flag does not say whether `parameters` holds rows or values.
    refuse_nul_in(parameters, what=statement)


def refuse_nul_in(parameters: Any, *, what: str) -> None:
    """`NulInText` naming the first bound string of `parameters` (of `what`) that holds a NUL."""
    if not _holds_nul(parameters):
        return
    for name, value in _bound(parameters, ""):
        if "\x00" in value:
            raise NulInText(f"a NUL character in parameter {name} of: {what[:200]}")


def refuse_nul_in_rows(rows: Sequence[Sequence[Any]], texts: Sequence[int], *, what: str) -> None:
    """`refuse_nul_in` for many rows of one shape whose strings sit at the positions `texts` (a value there that is
    not a string fails loudly, as `str.join` refuses it): each slice of rows has its strings searched joined, which
    a sweep's hundreds of thousands of rows make several times cheaper than the walk."""
    pick = itemgetter(*texts)
    for start in range(0, len(rows), _SLICE):
        part = rows[start : start + _SLICE]
        if "\x00" in "".join(chain.from_iterable(map(pick, part))):
            refuse_nul_in(part, what=what)


def _holds_nul(parameters: Any) -> bool:
    """Whether any bound string holds a NUL: a walk a level at a time, with no call per value, because a sweep
    binds millions of values and almost never one with a NUL (`_bound` then names it)."""
    level = [parameters]
    while level:
        deeper: list[Any] = []
        for value in level:
            if isinstance(value, str):
                if "\x00" in value:
                    return True
            elif type(value) in _SCALARS:
                continue
            elif isinstance(value, list | tuple):
                deeper.extend(value)
            elif isinstance(value, Mapping):
                deeper.extend(value.values())
            elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
                deeper.extend(value)
        level = deeper
    return False


def _bound(parameters: Any, at: str) -> Iterator[tuple[str, str]]:
    """Every string bound, named by where it sits (`0.title`, `3`)."""
    if isinstance(parameters, str):
        yield at, parameters
    elif isinstance(parameters, Mapping):
        for name, value in parameters.items():
            yield from _bound(value, f"{at}.{name}" if at else str(name))
    elif isinstance(parameters, Sequence) and not isinstance(parameters, bytes | bytearray):
        for index, value in enumerate(parameters):
            yield from _bound(value, f"{at}.{index}" if at else str(index))
