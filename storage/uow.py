"""The unit of work: one transaction in one workspace, rolled back unless committed."""

from types import TracebackType
from typing import Self

from sqlalchemy import event
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from storage.repositories.audit import SqlAuditRepository, SqlPlanVersionRepository
from storage.repositories.checkins import SqlCheckinRepository
from storage.repositories.checklist import SqlChecklistRepository
from storage.repositories.disputes import SqlDisputeRepository
from storage.repositories.notes import SqlNoteRepository
from storage.repositories.nudges import SqlNudgeRepository, SqlProfileRepository, SqlSnoozeRepository
from storage.repositories.relationships import SqlRelationshipRepository
from storage.repositories.reviews import SqlExitStrategyRepository, SqlReviewRepository
from storage.repositories.sign_offs import SqlSignOffRepository
from storage.tables import AuditEventRow


class SqlUnitOfWork:
    """Opens a session on entry and rolls back whatever was not committed on exit.

    Entering again while open (a use case calling another) joins the same transaction; only the outermost
    exit closes it. It remembers what its commits saved, so that a failure later on is not reported as one that
    saved nothing.
    """

    relationships: SqlRelationshipRepository
    checkins: SqlCheckinRepository
    checklist: SqlChecklistRepository
    notes: SqlNoteRepository
    sign_offs: SqlSignOffRepository
    reviews: SqlReviewRepository
    disputes: SqlDisputeRepository
    exit_strategies: SqlExitStrategyRepository
    nudges: SqlNudgeRepository
    snoozes: SqlSnoozeRepository
    profiles: SqlProfileRepository
    audit: SqlAuditRepository
    rmp_versions: SqlPlanVersionRepository

    def __init__(self, sessions: sessionmaker[Session], team_id: str) -> None:
        if not team_id:
            raise ValueError("a unit of work needs the workspace (team_id) it works in")
        self.team_id = team_id
        self._sessions = sessions
        self._session: Session | None = None
        self._depth = 0
        self._recorded: dict[int, str] = {}  # audit event id: its action, for changes not committed yet
        self._saved: dict[int, str] = {}  # the same, for changes committed

    def __enter__(self) -> Self:
        if self._depth == 0:
            session = self._session = self._sessions()
            event.listen(session, "after_flush", self._note_audit_events)
            self.relationships = SqlRelationshipRepository(session, self.team_id)
            self.checkins = SqlCheckinRepository(session, self.team_id)
            self.checklist = SqlChecklistRepository(session, self.team_id)
            self.notes = SqlNoteRepository(session, self.team_id)
            self.sign_offs = SqlSignOffRepository(session, self.team_id)
            self.reviews = SqlReviewRepository(session, self.team_id)
            self.disputes = SqlDisputeRepository(session, self.team_id)
            self.exit_strategies = SqlExitStrategyRepository(session, self.team_id)
            self.nudges = SqlNudgeRepository(session, self.team_id)
            self.snoozes = SqlSnoozeRepository(session, self.team_id)
            self.profiles = SqlProfileRepository(session, self.team_id)
            self.audit = SqlAuditRepository(session, self.team_id)
            self.rmp_versions = SqlPlanVersionRepository(session, self.team_id)
        self._depth += 1
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._session is not None:
            self._recorded.clear()
            self._session.rollback()
            self._session.close()
            self._session = None

    def beside(self) -> "SqlUnitOfWork | None":
        # SQLite serialises writers (every transaction begins IMMEDIATE), so a second one would only wait.
        bind = self._sessions.kw.get("bind")
        if bind is None or bind.dialect.name == "sqlite":
            return None
        return SqlUnitOfWork(self._sessions, self.team_id)

    def commit(self) -> None:
        if self._session is None:
            raise RuntimeError("commit outside a unit of work")
        self._session.commit()
        self._saved |= self._recorded
        self._recorded.clear()

    def _note_audit_events(self, session: Session, _context: object) -> None:
        # Every change is recorded in the audit trail in its own transaction, so its events say what was saved.
        self._recorded |= {row.id: row.action for row in session.new if isinstance(row, AuditEventRow) and row.id}

    @property
    def saved(self) -> list[str]:
        """What this unit of work has committed, as the audit trail names it ("dispute.raised"), oldest first."""
        return [self._saved[event] for event in sorted(self._saved)]
