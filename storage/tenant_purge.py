"""Removing a tenant's data: every row of it in every table, its audit trail included, in one transaction.

Slack says when a tenant removes Accord (the workspace row's `uninstalled_at`); its data is kept for the grace
period, so that installing again finds everything where it was, then purged for good.
"""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, and_, delete, exists, select

from storage.database import Database
from storage.mapping import table
from storage.tables import InstallationRow, WorkspaceRow
from storage.tenancy import DataRight, data_right, owned, reading, tenant_tables

_workspace = table(WorkspaceRow)
_installation = table(InstallationRow)


def purge_tenant(database: Database, tenant_id: str) -> int:
    """Delete every row of the tenant; how many there were (0 the second time)."""
    with database.engine.begin() as connection:
        return _purge(connection, tenant_id)


def purge_uninstalled(database: Database, now: datetime, keep_for: timedelta) -> list[str]:
    """Purge every tenant uninstalled at least `keep_for` before `now` and not installed since; which ones."""
    cutoff = now - keep_for
    with reading(database) as connection:
        due = list(connection.execute(select(_workspace.c.team_id).where(_uninstalled_before(cutoff))).scalars())
    purged = []
    for tenant_id in due:
        with database.engine.begin() as connection:
            # Looked at again under a lock: an installation in the meantime keeps the tenant's data.
            still = select(_workspace.c.team_id).where(_workspace.c.team_id == tenant_id, _uninstalled_before(cutoff))
            if connection.execute(still.with_for_update()).first() is not None:
                _purge(connection, tenant_id)
                purged.append(tenant_id)
    return purged


def _uninstalled_before(cutoff: datetime) -> ColumnElement[bool]:
    installed = exists().where(_installation.c.tenant_id == _workspace.c.team_id)
    return and_(_workspace.c.uninstalled_at.is_not(None), _workspace.c.uninstalled_at <= cutoff, ~installed)


def _purge(connection: Connection, tenant_id: str) -> int:
    with data_right(connection, tenant_id, DataRight.PURGE):
        # Rows that others point to go last, so no foreign key is left dangling on the way.
        return sum(
            connection.execute(delete(of).where(owned(of, tenant_id))).rowcount for of in reversed(tenant_tables())
        )
