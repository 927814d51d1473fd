"""A tenant's purge and a person's erasure reach the audit trail, which refuses every other change; tenants
uninstalled longer ago than the grace period are purged by the scheduler's daily job, the others kept."""

from datetime import UTC, datetime, timedelta
from unittest.mock import Mock

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bot.nudges.delivery import RunReport
from bot.runtime.bootstrap import Bootstrap
from bot.runtime.scheduler import PURGE_JOB_ID, grace_period_purge, schedule
from bot.sandbox.clock import MovableClock
from bot.settings import Settings
from stages.relationships import Relationship, RelationshipDraft
from storage.database import Database
from storage.mapping import table
from storage.person_erasure import Erasure, erase_person, person_records
from storage.tables import AuditEventRow, InstallationRow, WorkspaceRow
from storage.tenancy import DataRight, data_right, owned, tenant_tables
from storage.tenant_purge import purge_tenant
from tests.conftest import START
from tests.e2e.helpers import wait_for


def fill(database: Database, team_id: str) -> None:
    """A relationship of `team_id` and two events of its trail."""
    draft = RelationshipDraft("Acme Alliance", "Acme Ltd", "U1", "U2", "C1", 90).validated()
    with database.uow(team_id) as uow:
        saved = uow.relationships.add(Relationship.start(team_id, draft, created_by="U1", now=START))
        uow.audit.record(saved.id, "U1", START, "relationship.created", "Acme Alliance", after={"owner_id": "U1"})
        uow.audit.record(saved.id, "U2", START, "item.status", "S1.1", after={"assignee_id": "U1"})
        uow.commit()


def rows(database: Database, team_id: str) -> dict[str, int]:
    with database.engine.connect() as connection:
        return {
            t.name: connection.execute(select(func.count()).select_from(t).where(owned(t, team_id))).scalar_one()
            for t in tenant_tables()
        }


def actors(database: Database) -> list[str]:
    with database.engine.connect() as connection:
        return list(connection.execute(text("SELECT actor_id FROM audit_event ORDER BY id")).scalars())


REFUSED = pytest.raises(DBAPIError, match="append-only")


def test_a_purge_deletes_only_its_tenants_events_and_nothing_else_changes_the_trail(database: Database) -> None:
    fill(database, "T1")
    fill(database, "T2")
    with REFUSED, database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE team_id = 'T1'"))
    with REFUSED, database.engine.begin() as connection, data_right(connection, "T1", DataRight.PURGE):
        connection.execute(text("DELETE FROM audit_event WHERE team_id = 'T2'"))  # another tenant's
    with REFUSED, database.engine.begin() as connection, data_right(connection, "T1", DataRight.PURGE):
        connection.execute(text("UPDATE audit_event SET actor_id = 'U9' WHERE team_id = 'T1'"))  # a purge deletes
    with database.engine.begin() as connection, data_right(connection, "T1", DataRight.PURGE):
        connection.execute(text("DELETE FROM audit_event WHERE team_id = 'T1'"))
    with database.engine.begin() as connection:  # the guard went with its transaction
        assert connection.execute(text("SELECT count(*) FROM data_right")).scalar_one() == 0
    with REFUSED, database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event"))
    assert actors(database) == ["U1", "U2"]  # T2's


def test_an_erasure_rewrites_only_who_acted_and_what_changed(database: Database) -> None:
    fill(database, "T1")
    with REFUSED, database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor_id = 'erased-person-1'"))
    for change in (
        "UPDATE audit_event SET subject = 'other'",
        "UPDATE audit_event SET action = 'other'",
        "UPDATE audit_event SET relationship_id = 99",
        "UPDATE audit_event SET team_id = 'T2'",
    ):
        with REFUSED, database.engine.begin() as connection, data_right(connection, "T1", DataRight.ERASURE):
            connection.execute(text(change))
    with REFUSED, database.engine.begin() as connection, data_right(connection, "T1", DataRight.ERASURE):
        connection.execute(text("DELETE FROM audit_event"))  # an erasure keeps every event
    with database.engine.begin() as connection, data_right(connection, "T1", DataRight.ERASURE):
        connection.execute(text("UPDATE audit_event SET actor_id = 'erased-person-1', \"after\" = NULL"))
    assert actors(database) == ["erased-person-1", "erased-person-1"]
    with REFUSED, database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor_id = 'U1'"))


def test_a_purge_removes_every_row_of_its_tenant_and_is_safe_twice(database: Database) -> None:
    fill(database, "T1")
    fill(database, "T2")
    kept = rows(database, "T2")
    assert rows(database, "T1")["audit_event"] == 2
    assert purge_tenant(database, "T1") == sum(rows(database, "T2").values())  # the same data, once each
    assert set(rows(database, "T1").values()) == {0}
    assert purge_tenant(database, "T1") == 0
    assert rows(database, "T2") == kept
    assert database.team_ids() == ["T2"]


def installed_app(database: Database) -> Settings:
    """An app workspaces install with Add to Slack, keeping an uninstalled one's data 30 days."""
    key = Fernet.generate_key().decode()
    return Settings(
        database_url=database.url, slack_client_id="1.2", slack_client_secret="s", accord_encryption_key=key,
        purge_after_days=30, _env_file=None,
    )  # fmt: skip


def uninstall(database: Database, team_id: str, *, reinstalled: bool = False) -> None:
    """What the installation store does when Slack says Accord was removed (and when it is installed again)."""
    with database.sessions() as session:
        workspace = session.get(WorkspaceRow, team_id)
        assert workspace is not None
        workspace.uninstalled_at = None if reinstalled else START
        if reinstalled:
            session.add(
                InstallationRow(
                    tenant_id=team_id, team_id=team_id, bot_id="B1", bot_user_id="U0BOT", bot_scopes="chat:write",
                    bot_token="encrypted", installer_user_id="U1", installed_at=START + timedelta(days=3),
                )
            )  # fmt: skip
        session.commit()


def test_the_daily_job_purges_tenants_once_their_grace_period_is_over(database: Database) -> None:
    for team_id in ("T1", "T2", "T3"):
        fill(database, team_id)
    uninstall(database, "T1")
    uninstall(database, "T2")
    uninstall(database, "T2", reinstalled=True)
    clock = MovableClock(START)
    settings = installed_app(database)
    scheduler = schedule(
        Mock(), every_seconds=60, blocking=False, purge=grace_period_purge(Bootstrap(settings, clock=clock))
    )
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(PURGE_JOB_ID)
        assert (job.coalesce, job.max_instances, job.trigger.interval) == (True, 1, timedelta(minutes=5))
        clock.advance(timedelta(days=29))
        job.func(*job.args)
        assert all(any(rows(database, team).values()) for team in ("T1", "T2", "T3"))  # T1 still in its grace period
        clock.advance(timedelta(days=2))
        job.func(*job.args)
    finally:
        scheduler.shutdown(wait=False)
    assert database.team_ids() == ["T2", "T3"]  # T2 installed again
    assert set(rows(database, "T1").values()) == {0}
    with database.engine.connect() as connection:
        trail = table(AuditEventRow)
        teams = connection.execute(select(trail.c.team_id).distinct().order_by(trail.c.team_id)).scalars()
        assert list(teams) == ["T2", "T3"]


def test_a_purge_missed_for_days_runs_within_minutes(database: Database) -> None:
    """However late (the scheduler paused, the machine asleep, the clock moved on), the purge is not skipped for
    long: it looks every few minutes, and a look missed is made up at once."""
    fill(database, "T1")
    uninstall(database, "T1")
    settings = installed_app(database)
    process = Bootstrap(settings, clock=MovableClock(START + timedelta(days=31)))
    nudger = Mock(run=Mock(return_value=RunReport()))
    scheduler = schedule(nudger, every_seconds=3600, blocking=False, purge=grace_period_purge(process))
    scheduler.start(paused=True)
    try:
        scheduler.get_job(PURGE_JOB_ID).modify(next_run_time=datetime.now(UTC) - timedelta(days=3, hours=12))
        scheduler.resume()
        wait_for(lambda: not any(rows(database, "T1").values()), timeout=10)
    finally:
        scheduler.shutdown(wait=False)


def test_with_one_bot_token_there_is_no_purge_job(database: Database) -> None:
    settings = Settings(database_url=database.url, slack_bot_token="xoxb-1", _env_file=None)
    assert grace_period_purge(Bootstrap(settings)) is None


def test_an_erasure_replaces_the_person_in_their_tenant_only_and_once(database: Database) -> None:
    fill(database, "T1")
    fill(database, "T2")
    erasure = erase_person(database, "T1", "U1", START)
    assert erasure is not None and erasure.pseudonym == "erased-person-1"
    assert erase_person(database, "T1", "U1", START) is None  # nothing names them any more
    assert person_records(database, "T1", "U1") == {}
    assert actors(database) == ["erased-person-1", "U2", "U1", "U2"]
    with database.uow("T1") as uow:
        [relationship] = uow.relationships.all()
        assert (relationship.owner_id, relationship.sponsor_id) == ("erased-person-1", "U2")
        events = uow.audit.all(relationship.id or 0)
    assert [event.after for event in events] == [{"owner_id": "erased-person-1"}, {"assignee_id": "erased-person-1"}]
    assert person_records(database, "T2", "U1")["relationship"][0]["owner_id"] == "U1"
    assert erase_person(database, "T1", "U2", START) == Erasure("erased-person-2", 2, 0, 0)  # a relationship, an event
