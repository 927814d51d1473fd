"""The unit of work: one transaction in one workspace, rolled back unless committed."""

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import event, func
from sqlalchemy.orm import ORMExecuteState, sessionmaker
from sqlmodel import Session, select

from storage.repositories.actions import SqlActionRepository
from storage.repositories.audit import SqlAuditRepository, SqlPlanVersionRepository
from storage.repositories.checkins import SqlCheckinRepository
from storage.repositories.checklist import SqlChecklistRepository
from storage.repositories.directory import SqlDirectoryRepository
from storage.repositories.disputes import SqlDisputeRepository
from storage.repositories.health import SqlHealthRepository
from storage.repositories.homes import SqlHomeRedrawRepository
from storage.repositories.ideas import SqlIdeaRepository
from storage.repositories.joint_team import SqlJointTeamRepository
from storage.repositories.knowledge import SqlKnowledgeRepository
from storage.repositories.meetings import SqlMeetingRepository
from storage.repositories.notes import SqlNoteRepository
from storage.repositories.nudges import SqlNudgeRepository, SqlProfileRepository, SqlSnoozeRepository
from storage.repositories.relationships import SqlRelationshipRepository
from storage.repositories.reviews import SqlExitStrategyRepository, SqlReviewRepository
from storage.repositories.risks import SqlRiskRepository
from storage.repositories.sign_offs import SqlGateSignatureRepository, SqlSignOffRepository
from storage.repositories.sweep import SqlSweepRepository
from storage.sweep_helpers import PartsElsewhere
from storage.tables import AuditEventRow, RelationshipRow

Result = TypeVar("Result")


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
    gate_signatures: SqlGateSignatureRepository
    joint_teams: SqlJointTeamRepository
    reviews: SqlReviewRepository
    disputes: SqlDisputeRepository
    exit_strategies: SqlExitStrategyRepository
    nudges: SqlNudgeRepository
    snoozes: SqlSnoozeRepository
    profiles: SqlProfileRepository
    directory: SqlDirectoryRepository
    home_redraws: SqlHomeRedrawRepository
    audit: SqlAuditRepository
    rmp_versions: SqlPlanVersionRepository
    health: SqlHealthRepository
    risks: SqlRiskRepository
    actions: SqlActionRepository
    ideas: SqlIdeaRepository
    knowledge: SqlKnowledgeRepository
    meetings: SqlMeetingRepository

    def __init__(
        self, sessions: sessionmaker[Session], team_id: str, reading_sessions: sessionmaker[Session] | None = None
    ) -> None:
        if not team_id:
            raise ValueError("a unit of work needs the workspace (team_id) it works in")
        self.team_id = team_id
        self._sessions = sessions
        self._reading_sessions = reading_sessions or sessions
        self._reading = False
        self._session: Session | None = None
        self._depth = 0
        self._recorded: dict[int, str] = {}  # audit event id: its action, for changes not committed yet
        self._saved: dict[int, str] = {}  # the same, for changes committed

    def __enter__(self) -> Self:
        if self._depth == 0:
            session = self._session = (self._reading_sessions if self._reading else self._sessions)()
            event.listen(session, "after_flush", self._note_audit_events)
            self.relationships = SqlRelationshipRepository(session, self.team_id)
            self.checkins = SqlCheckinRepository(session, self.team_id)
            self.checklist = SqlChecklistRepository(session, self.team_id)
            self.notes = SqlNoteRepository(session, self.team_id)
            self.sign_offs = SqlSignOffRepository(session, self.team_id)
            self.gate_signatures = SqlGateSignatureRepository(session, self.team_id)
            self.joint_teams = SqlJointTeamRepository(session, self.team_id)
            self.reviews = SqlReviewRepository(session, self.team_id)
            self.disputes = SqlDisputeRepository(session, self.team_id)
            self.exit_strategies = SqlExitStrategyRepository(session, self.team_id)
            self.nudges = SqlNudgeRepository(session, self.team_id)
            self.snoozes = SqlSnoozeRepository(session, self.team_id)
            self.profiles = SqlProfileRepository(session, self.team_id)
            self.directory = SqlDirectoryRepository(session, self.team_id)
            self.home_redraws = SqlHomeRedrawRepository(session, self.team_id)
            self.audit = SqlAuditRepository(session, self.team_id)
            self.rmp_versions = SqlPlanVersionRepository(session, self.team_id)
            self.health = SqlHealthRepository(session, self.team_id)
            self.risks = SqlRiskRepository(session, self.team_id)
            self.actions = SqlActionRepository(session, self.team_id)
            self.ideas = SqlIdeaRepository(session, self.team_id)
            self.knowledge = SqlKnowledgeRepository(session, self.team_id)
            self.meetings = SqlMeetingRepository(session, self.team_id)
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

    @contextmanager
    def reading(self) -> Iterator[Self]:
        """A transaction that only reads. On SQLite it begins deferred and leaves the one writer's lock to those
        who write (WAL lets readers run beside them); inside an open transaction it joins that one."""
        self._reading = self._depth == 0
        try:
            with self:
                yield self
        finally:
            self._reading = False

    def beside(self) -> "SqlUnitOfWork | None":
        # SQLite serialises writers (every transaction begins IMMEDIATE), so a second one would only wait.
        bind = self._sessions.kw.get("bind")
        if bind is None or bind.dialect.name == "sqlite":
            return None
        return SqlUnitOfWork(self._sessions, self.team_id, self._reading_sessions)

    def commit(self) -> None:
        if self._session is None:
            raise RuntimeError("commit outside a unit of work")
        if self._session.info.get("reading"):
            raise RuntimeError("a unit of work opened for reading cannot commit")
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


class SqlSweepUnitOfWork:
    """One transaction over a batch of workspaces, for the nudge sweep: rolled back unless committed."""

    sweep: SqlSweepRepository

    def __init__(
        self,
        sessions: sessionmaker[Session],
        team_ids: Sequence[str],
        reading_sessions: sessionmaker[Session],
        elsewhere: PartsElsewhere | None = None,
    ) -> None:
        """`elsewhere`: helper processes for the parts of a large database's sweep; None: in this process."""
        self.team_ids = tuple(team_ids)
        self._sessions = sessions
        self._reading_sessions = reading_sessions
        self._elsewhere = elsewhere
        self._session: Session | None = None

    def __enter__(self) -> Self:
        return self._open(self._sessions)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            self._session.rollback()
            self._session.close()
            self._session = None

    @contextmanager
    def reading(self) -> Iterator[Self]:
        self._open(self._reading_sessions)
        try:
            yield self
        finally:
            self.__exit__(None, None, None)

    def commit(self) -> None:
        if self._session is None:
            raise RuntimeError("commit outside a unit of work")
        self._session.commit()

    def side_by_side(self, parts: Sequence[Callable[[Any], Result]]) -> list[Result]:
        elsewhere, bind = self._elsewhere, self._sessions.kw.get("bind")
        if elsewhere is not None and self._large(elsewhere.helpers.large):
            return elsewhere.run(self.team_ids, parts, self)
        if bind is None or bind.dialect.name == "sqlite":
            # SQLite serialises writers, so in one process a second connection would only wait for the first.
            return [part(self) for part in parts]
        with ThreadPoolExecutor(max_workers=len(parts) - 1, thread_name_prefix="sweep") as pool:
            threads = [pool.submit(part, self._another()) for part in parts[1:]]
            return [parts[0](self), *(future.result() for future in threads)]

    def _open(self, sessions: sessionmaker[Session]) -> Self:
        if self._session is not None:
            raise RuntimeError("a sweep's unit of work is entered once at a time")
        self._session = sessions()
        self.sweep = SqlSweepRepository(self._session, self.team_ids)
        return self

    def _another(self) -> "SqlSweepUnitOfWork":
        return SqlSweepUnitOfWork(self._sessions, self.team_ids, self._reading_sessions)

    def _large(self, relationships: int) -> bool:
        """Whether the database holds `relationships` or more (by the highest id: one step down an index)."""
        with self._reading_sessions() as session:
            highest = session.exec(select(func.max(RelationshipRow.id))).one()
        return (highest or 0) >= relationships


def reading_only(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Make the sessions `sessions` opens refuse to write or commit: they are for `SqlUnitOfWork.reading`."""
    sessions.configure(info={"reading": True})
    event.listen(sessions, "before_flush", _refuse_flush)
    event.listen(sessions, "do_orm_execute", _refuse_change)
    return sessions


def _refuse_flush(session: Session, _context: object, _instances: object) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a unit of work opened for reading cannot write")


def _refuse_change(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise RuntimeError("a unit of work opened for reading cannot write")
