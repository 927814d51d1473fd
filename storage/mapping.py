"""Copying between frozen domain dataclasses and table rows, field by field, by name."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import ClauseElement, ColumnElement, Dialect, Select, Table, TableClause, bindparam, insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, SQLModel

from stages.audit import field_names
from storage.text_guard import refuse_nul_in, refuse_nul_in_rows

E = TypeVar("E")
CHUNK = 500  # ids (or keys) per statement, well within every database's limit on parameters


def table(model: type[SQLModel]) -> Table:
    """The model's Core table: for reading or writing many rows at once, where the ORM would cost several times more."""
    found: Table = model.__table__  # type: ignore[attr-defined]
    return found


def row_values(entity: Any, *, skip: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """The entity's dataclass fields by name, for the table columns of the same names; an enum as the value it is
    stored as."""
    return {name: _stored(getattr(entity, name)) for name in field_names(type(entity)) if name not in skip}


def _stored(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


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


def inserted(session: Session, row: SQLModel) -> bool:
    """Insert the row unless a unique key of it is taken already (a repeat, or a request that won a race); whether
    it was. Only this insert is undone then, in a savepoint: the rest of the transaction's work stands."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def insert_many(session: Session, target: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that all name the same columns, past SQLAlchemy's run of many rows, which works through each in
    Python for several times what the database takes to store it: PostgreSQL gets them by COPY, SQLite by one
    prepared insert run over plain tuples."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    names = tuple(rows[0])
    if dialect.name == "postgresql":
        copy_rows(session, target, names, [tuple(row[name] for name in names) for row in rows])
        return
    insert_row = prepared_insert(target, names, dialect)
    session.connection().exec_driver_sql(insert_row.sql, [insert_row.values(row) for row in rows])


@dataclass(frozen=True)
class PreparedStatement:
    """A statement's SQL with positional parameters (SQLite's), for the driver to run, and how to bind its values."""

    sql: str
    order: tuple[str, ...]  # the name of each parameter (of one row, for an insert of many)
    # The conversions some parameters need before the driver takes them (an aware time stored as naive UTC text).
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    fixed: Mapping[str, Any]  # the values the statement carries itself (the 1 of `attempts + 1`)

    def values(self, *bound: Mapping[str, Any]) -> tuple[Any, ...]:
        """The parameters, from each of `bound` one after the other (one per row an insert was prepared for)."""
        values: list[Any] = []
        for names in bound:
            converted = [names[name] if name in names else self.fixed[name] for name in self.order]
            for index, process in self.processors:
                converted[index] = process(converted[index])
            values += converted
        return tuple(values)


@cache
def prepared_insert(
    target: Table, names: tuple[str, ...], dialect: Dialect, *, unique: str = "", rows: int = 1
) -> PreparedStatement:
    """The insert of `rows` rows naming `names` into `target` in one statement, built once; with `unique`, a row
    whose value of that column is taken already is skipped (SQLite's `ON CONFLICT DO NOTHING`)."""
    groups: list[dict[str, Any]] = [{name: bindparam(f"{name}_{index}") for name in names} for index in range(rows)]
    statement = insert(target).values(groups)
    if unique:
        statement = sqlite.insert(target).values(groups).on_conflict_do_nothing(index_elements=[unique])
    compiled = statement.compile(dialect=dialect)
    positions = tuple(compiled.positiontup or ())
    if len(positions) != len(names) * rows:  # SQLAlchemy added a column's default: its values are not given
        raise ValueError(f"an insert into {target.name} must name each column that has a default: {positions}")
    order = tuple(position.rsplit("_", 1)[0] for position in positions[: len(names)])
    return PreparedStatement(str(compiled), order, _bind_processors(compiled, positions[: len(names)], dialect), {})


@cache
def prepared(statement: ClauseElement, dialect: Dialect) -> PreparedStatement:
    """`statement`, whose parameters to bind are named `bindparam`s, compiled once for the driver to run."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)  # a statement compiles to SQL, not DDL
    positions = tuple(compiled.positiontup or ())
    fixed = {name: compiled.binds[name].value for name in positions if not compiled.binds[name].required}
    return PreparedStatement(str(compiled), positions, _bind_processors(compiled, positions, dialect), fixed)


def _bind_processors(
    compiled: SQLCompiler, positions: Sequence[str], dialect: Dialect
) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """The conversions some parameters need before the driver takes them (an aware time stored as naive UTC text)."""
    processors: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(positions):
        process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((index, process))
    return tuple(processors)


def copy_rows(
    session: Session,
    target: TableClause,
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    texts: Sequence[int] | None = None,
) -> None:
    """PostgreSQL's COPY of `rows` (values of the columns `names`, in order) into `target`, in the session's
    transaction. COPY passes by the check every statement gets, so its text is checked here: at the positions
    `texts` when the caller knows every string of every row sits there, otherwise everywhere."""
    preparer = session.get_bind().dialect.identifier_preparer
    into = f"COPY {preparer.format_table(target)} ({', '.join(preparer.quote(name) for name in names)}) FROM STDIN"
    if texts is None:
        refuse_nul_in(rows, what=into)
    else:
        refuse_nul_in_rows(rows, texts, what=into)
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(into) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)
