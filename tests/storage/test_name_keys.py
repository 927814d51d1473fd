"""Stored names are looked up without accents or case: the migration recomputes every key, refusing nothing."""

from alembic import command
from sqlalchemy import text

from storage.database import Database, alembic_config

NAMES = [  # (team, name, key as stored before), oldest first
    ("T1", "Café Alliance", "café alliance"),
    ("T1", "Cafe Alliance", "cafe alliance"),  # already holds the accent-free key, so the older keeps its own
    ("T1", "Réseau", "réseau"),
    ("T1", "Rèseau", "rèseau"),  # folds like the older Réseau, which takes the accent-free key first
    ("T2", "Crème Brûlée", "crème brûlée"),
]


def keys(database: Database) -> list[tuple[str, str]]:
    with database.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT name, name_key FROM relationship ORDER BY id"))]


def test_keys_are_recomputed_without_accents_and_a_key_already_held_stays_put(database_url: str) -> None:
    database = Database(database_url)
    config = alembic_config(database.engine)
    database.upgrade()
    command.downgrade(config, "0010")  # the schema before: a PostgreSQL database of the run is at head already
    with database.engine.begin() as connection:
        for team, name, key in NAMES:
            connection.execute(
                text(
                    "INSERT INTO relationship (team_id, name, name_key, partner, owner_id, sponsor_id, channel_id,"
                    " review_cadence_days, stage, status, created_by, created_at, next_review_due)"
                    " VALUES (:team, :name, :key, 'Org', 'U1', 'U2', 'C1', 90, 1, 'active', 'U1',"
                    " '2026-11-01 10:00:00+00:00', '2027-01-30')"
                ),
                {"team": team, "name": name, "key": key},
            )
    database.upgrade()
    assert keys(database) == [
        ("Café Alliance", "café alliance"),
        ("Cafe Alliance", "cafe alliance"),
        ("Réseau", "reseau"),
        ("Rèseau", "rèseau"),
        ("Crème Brûlée", "creme brulee"),
    ]
    command.downgrade(config, "0010")
    assert keys(database) == [(name, key) for _, name, key in NAMES]
    database.upgrade()
    database.dispose()
