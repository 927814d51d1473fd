"""Copying between frozen domain dataclasses and table rows, field by field, by name."""

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, Table
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel

from stages.audit import field_names

E = TypeVar("E")
CHUNK = 500  # ids (or keys) per statement, well within every database's limit on parameters


def table(model: type[SQLModel]) -> Table:
    """The model's Core table: for reading or writing many rows at once, where the ORM would cost several times more."""
    found: Table = model.__table__  # type: ignore[attr-defined]
    return found


def row_values(entity: Any, *, skip: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """The entity's dataclass fields by name, for the table columns of the same names."""
    return {name: getattr(entity, name) for name in field_names(type(entity)) if name not in skip}


def entity_from_row(cls: type[E], row: SQLModel, **converted: Any) -> E:
    """Build a `cls` dataclass from the row's columns of the same names; `converted` overrides some of them."""
    values = {name: getattr(row, name) for name in field_names(cls) if name not in converted}
    return cls(**values, **converted)


class PlainReader(Generic[E]):
    """Reads rows of a table straight into `cls` dataclasses, past the ORM: a sweep reads tens of thousands,
    and building ORM objects first would cost several times more.

    The columns are selected in the order of the dataclass's fields, so a row is the entity's arguments;
    `converters` turn some stored values into the field's type (a status string into its enum, say).
    """

    def __init__(self, cls: type[E], source: Table, **converters: Callable[[Any], Any]) -> None:
        names = field_names(cls)
        self._cls = cls
        self.columns: list[ColumnElement[Any]] = [source.c[name] for name in names]
        self._converters = [(names.index(name), convert) for name, convert in converters.items()]

    def select(self) -> Select[Any]:
        return sa_select(*self.columns)

    def read(self, session: Session, query: Select[Any]) -> list[E]:
        return [self.entity(row) for row in session.connection().execute(query)]

    def entity(self, row: Sequence[Any]) -> E:
        values = list(row)
        for index, convert in self._converters:
            values[index] = convert(values[index])
        return self._cls(*values)
