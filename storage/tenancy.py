"""A tenant's rows in every table, and the guard under which a purge or an erasure may change its audit trail.

A tenant is what every data row's `team_id` names: a workspace (T…) or an Enterprise Grid org (E…). A row
belongs to one when its table carries that key (the installation names it `tenant_id`), or when it hangs by a
foreign key from a row that does (a check-in's thread messages). Tables that belong to no tenant (the inbox of
requests, the OAuth states) are not its data.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Table, delete, insert, select
from sqlmodel import SQLModel

from storage.database import Database
from storage.mapping import table
from storage.tables import DataRightRow, InstallationRow, WorkspaceRow
from storage.writer_lock import READING

_TENANT_KEY = {table(InstallationRow).name: "tenant_id"}  # the one table whose `team_id` is something else
# Tokens never leave the database: exports show every column but these.
SECRET_COLUMNS = {table(InstallationRow).name: frozenset({"bot_token", "bot_refresh_token"})}


class DataRight(StrEnum):
    """What a `data_right` row lets through the audit trail's triggers (see migration 0015)."""

    PURGE = "purge"  # delete every event of the tenant
    ERASURE = "erasure"  # rewrite who acted, and the user ids in before and after


def tenant_tables() -> list[Table]:
    """Every table holding tenants' rows, each after the tables its foreign keys point to."""
    guard = table(DataRightRow)
    return [t for t in SQLModel.metadata.sorted_tables if t is not guard and _holds_tenants(t)]


def tenant_key(of: Table) -> str | None:
    """The column naming the tenant of each row; None for a table whose rows belong through a foreign key."""
    key = _TENANT_KEY.get(of.name, "team_id")
    return key if key in of.c else None


def owned(of: Table, tenant_id: str) -> ColumnElement[bool]:
    """The condition that picks the tenant's rows of `of`."""
    key = tenant_key(of)
    if key is not None:
        return of.c[key] == tenant_id
    link = next(fk for fk in of.foreign_keys if _holds_tenants(fk.column.table))
    return link.parent.in_(select(link.column).where(owned(link.column.table, tenant_id)))


def known_tenants(database: Database) -> list[str]:
    """The tenants the database holds anything of: a workspace with data, or an installation."""
    workspaces = select(table(WorkspaceRow).c.team_id)
    installations = select(table(InstallationRow).c.tenant_id)
    with reading(database) as connection:
        return sorted(set(connection.execute(workspaces).scalars()) | set(connection.execute(installations).scalars()))


def plain(row: Row[Any], of: Table) -> dict[str, Any]:
    """A row as JSON values (times in ISO 8601), without its secrets."""
    hidden = SECRET_COLUMNS.get(of.name, frozenset())
    return {name: _plain(value) for name, value in row._mapping.items() if name not in hidden}


@contextmanager
def reading(database: Database) -> Iterator[Connection]:
    """One transaction that only reads, over one snapshot: an export is consistent across its tables."""
    engine = database.engine.execution_options(**{READING: True})
    if not database.is_sqlite:  # SQLite's read transaction is one snapshot already
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as connection, connection.begin():
        yield connection


@contextmanager
def data_right(connection: Connection, tenant_id: str, kind: DataRight) -> Iterator[None]:
    """Let `kind` of change through the tenant's audit trail for the rest of this transaction's work, and no
    longer: the row goes before the commit, and with a rollback if the work fails."""
    guard = table(DataRightRow)
    connection.execute(insert(guard).values(team_id=tenant_id, kind=kind.value))
    yield
    connection.execute(delete(guard).where(guard.c.team_id == tenant_id, guard.c.kind == kind.value))


def _holds_tenants(of: Table) -> bool:
    return tenant_key(of) is not None or any(tenant_key(fk.column.table) is not None for fk in of.foreign_keys)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value
