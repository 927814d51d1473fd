"""The last line of defence for text: no NUL character reaches the database.

PostgreSQL cannot store a NUL in text (the driver refuses the whole statement) while SQLite keeps it, so one
that slipped past the checks on what people type would break only one backend, and only in production. Every
bound string is checked before it is sent, and refused the same way on both.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, event


class NulInText(ValueError):
    """A string bound to a statement holds a NUL character, which must be refused or removed before storage."""


def refuse_nul(engine: Engine) -> None:
    """Make every statement the engine runs refuse a bound string holding a NUL."""
    event.listen(engine, "before_cursor_execute", _check)


def _check(_connection: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
    for row in parameters if executemany else (parameters,):
        for name, value in _named(row):
            if isinstance(value, str) and "\x00" in value:
                raise NulInText(f"a NUL character in parameter {name} of: {statement[:200]}")


def _named(row: Mapping[str, Any] | Sequence[Any] | None) -> Iterable[tuple[object, Any]]:
    if row is None:
        return ()
    return row.items() if isinstance(row, Mapping) else enumerate(row)
