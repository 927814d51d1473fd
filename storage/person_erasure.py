"""What Accord holds about one person in a tenant, and their erasure from it.

A person is found wherever their Slack user id is: in the columns that name people (owner, sponsor, assignee,
who acted, who was nudged), inside the JSON of the audit trail's before and after and of the plan's versions,
in lists of ids, and in text that mentions them. Erasure replaces the id everywhere with the tenant's next
pseudonym (`stages.pseudonyms`), so the record stays whole (the same events, reviews and answers, each still
saying that someone did it) while nothing in it says who; what only described them (their directory entry and
time zone, their Home tab waiting to be drawn) is deleted, and what was still to be sent to them is cancelled.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Row,
    String,
    Table,
    TypeDecorator,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.types import TypeEngine

from stages.nudges import NudgeStatus
from stages.pseudonyms import pseudonym
from storage.database import Database
from storage.mapping import table
from storage.tables import DirectoryEntryRow, ErasureRow, HomeRedrawRow, NudgeRow, ProfileRow
from storage.tenancy import SECRET_COLUMNS, DataRight, data_right, owned, plain, reading, tenant_key, tenant_tables

# Rows keyed by the person, that say nothing but something about them: deleted, not kept under a pseudonym.
_THEIRS_ALONE = (
    table(DirectoryEntryRow).c.entry_id,
    table(ProfileRow).c.user_id,
    table(HomeRedrawRow).c.user_id,
)
_UNSENT = (NudgeStatus.PENDING.value, NudgeStatus.CLAIMED.value)


@dataclass(frozen=True)
class Erasure:
    pseudonym: str  # what the person's id was replaced with, e.g. "erased-person-3"
    changed: int  # rows that named them, now under the pseudonym
    deleted: int  # rows that only described them
    cancelled: int  # nudges to them that were still to be sent


def person_records(database: Database, tenant_id: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tenant that names the person, by table (tables without any left out)."""
    with reading(database) as connection:
        found = {of.name: [plain(row, of) for row in _naming(connection, of, tenant_id, user_id)] for of in _tables()}
    return {name: rows for name, rows in found.items() if rows}


def tenants_naming(database: Database, user_id: str) -> list[str]:
    """The tenants with any row that names the person."""
    tenants: set[str] = set()
    with reading(database) as connection:
        for of in _tables():
            key = tenant_key(of)
            if key is not None:
                candidates = connection.execute(select(of).where(_may_name(of, user_id)))
                tenants |= {row._mapping[key] for row in candidates if _names(row._mapping, of, user_id)}
    return sorted(tenants)


def erase_person(database: Database, tenant_id: str, user_id: str, now: datetime) -> Erasure | None:
    """Replace the person's identity in the tenant's data with its next pseudonym, in one transaction; None when
    nothing names them (already erased, or never there)."""
    with database.engine.begin() as connection, data_right(connection, tenant_id, DataRight.ERASURE):
        if not any(_naming(connection, of, tenant_id, user_id) for of in _tables()):
            return None
        erased = _next_pseudonym(connection, tenant_id, now)
        cancelled = _cancel_unsent(connection, tenant_id, user_id)
        deleted = sum(
            connection.execute(delete(key.table).where(owned(key.table, tenant_id), key == user_id)).rowcount
            for key in _THEIRS_ALONE
        )
        changed = sum(_replace(connection, of, tenant_id, user_id, erased) for of in _tables())
    return Erasure(erased, changed, deleted, cancelled)


def _tables() -> list[Table]:
    return [of for of in tenant_tables() if _text_columns(of)]


def _text_columns(of: Table) -> list[Column[Any]]:
    """The columns that could hold a user id: text, other than the tenant's key and the tokens."""
    left_out = {tenant_key(of), *SECRET_COLUMNS.get(of.name, ())}
    return [c for c in of.columns if isinstance(_stored_as(c.type), String) and c.name not in left_out]


def _stored_as(kind: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type the database stores a column as (SQLModel's strings are a decorated `String`)."""
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _may_name(of: Table, user_id: str) -> Any:
    return or_(*(c.contains(user_id, autoescape=True) for c in _text_columns(of)))


def _naming(connection: Connection, of: Table, tenant_id: str, user_id: str) -> list[Row[Any]]:
    """The tenant's rows of `of` that name the person: the database narrows them down, the pattern decides."""
    candidates = connection.execute(select(of).where(owned(of, tenant_id), _may_name(of, user_id)))
    return [row for row in candidates if _names(row._mapping, of, user_id)]


def _names(values: Any, of: Table, user_id: str) -> bool:
    pattern = _id_pattern(user_id)
    return any(isinstance(values[c.name], str) and pattern.search(values[c.name]) for c in _text_columns(of))


def _id_pattern(user_id: str) -> re.Pattern[str]:
    """The id as a word of its own: `U0BOB` in `"U0BOB"` or `U0BOB U0CAROL`, not in `U0BOBBY`."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(user_id)}(?![A-Za-z0-9])")


def _next_pseudonym(connection: Connection, tenant_id: str, now: datetime) -> str:
    erasures = table(ErasureRow)
    last = connection.execute(select(func.max(erasures.c.number)).where(erasures.c.team_id == tenant_id)).scalar()
    number = (last or 0) + 1
    connection.execute(insert(erasures).values(team_id=tenant_id, number=number, erased_at=now))
    return pseudonym(number)


def _cancel_unsent(connection: Connection, tenant_id: str, user_id: str) -> int:
    nudges = table(NudgeRow)
    unsent = and_(owned(nudges, tenant_id), nudges.c.recipient_id == user_id, nudges.c.status.in_(_UNSENT))
    # A sender holding one finds its claim gone (the token is its fence) and sends nothing.
    cancelled = update(nudges).where(unsent).values(status=NudgeStatus.CANCELLED.value, claim_token=None)
    return connection.execute(cancelled).rowcount


def _replace(connection: Connection, of: Table, tenant_id: str, user_id: str, erased: str) -> int:
    pattern = _id_pattern(user_id)
    rows = _naming(connection, of, tenant_id, user_id)
    for row in rows:
        values = row._mapping
        changes = {
            c.name: pattern.sub(erased, values[c.name])
            for c in _text_columns(of)
            if isinstance(values[c.name], str) and pattern.search(values[c.name])
        }
        key = and_(*(c == values[c.name] for c in of.primary_key.columns))
        connection.execute(update(of).where(key).values(changes))
    return len(rows)
