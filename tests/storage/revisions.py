"""A database at an earlier revision, for a migration's test to fill before upgrading."""

from alembic import command

from storage.database import Database, alembic_config


def at_revision(database_url: str, revision: str) -> Database:
    """Migrated to `revision` down from the newest (a test's PostgreSQL database may be at the newest already)."""
    database = Database(database_url)
    database.upgrade()
    command.downgrade(alembic_config(database.engine), revision)
    return database
