"""The nudge sweep's reads and writes over a batch of workspaces: every statement names the batch's workspaces."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlmodel import Session

from stages.audit import AuditEvent
from stages.catalogue import Cadences
from stages.disputes import Dispute, DisputeEvent
from stages.joint_team import TeamPair
from stages.nudges import DueAction, DueIdea, DueMeeting, DueReview, DueRiskReview, Nudge, Snoozes
from stages.relationships import Relationship
from storage.repositories import actions, audit, disputes, ideas, meetings, nudges, relationships, risks
from storage.repositories.joint_team import rosters


class SqlSweepRepository:
    def __init__(self, session: Session, team_ids: Sequence[str]) -> None:
        if not team_ids:
            raise ValueError("a sweep needs the workspaces (team_id) it works in")
        self._session = session
        self._team_ids = tuple(team_ids)

    def reviews_due(self, today: date) -> list[DueReview]:
        return relationships.reviews_due(self._session, self._team_ids, today)

    def exit_reviews_due(self, today: date) -> list[DueReview]:
        return relationships.exit_reviews_due(self._session, self._team_ids, today)

    def risk_reviews_due(self, today: date) -> list[DueRiskReview]:
        return risks.reviews_due(self._session, self._team_ids, today)

    def actions_due_before(self, day: date) -> list[DueAction]:
        return actions.due_before(self._session, self._team_ids, day)

    def ideas_stale(self, today: date, stale_days: int) -> list[DueIdea]:
        return ideas.stale(self._session, self._team_ids, today, stale_days)

    def meetings_due(self, today: date, cadence_days: int) -> list[DueMeeting]:
        return meetings.meetings_due(self._session, self._team_ids, today, cadence_days)

    def disputes_past_limit(self, now: datetime, cadences: Cadences) -> list[tuple[Dispute, Relationship]]:
        return disputes.past_limit(self._session, self._team_ids, now, cadences)

    def snoozes(self, ended_since: datetime) -> Mapping[str, Snoozes]:
        return nudges.snoozes(self._session, self._team_ids, ended_since)

    def joint_teams(self, relationship_ids: Sequence[int]) -> dict[int, list[TeamPair]]:
        return rosters(self._session, self._team_ids, relationship_ids)

    def move_up(self, dispute_ids: Sequence[int], from_tier: int, now: datetime) -> list[Dispute]:
        return disputes.move_up(self._session, self._team_ids, dispute_ids, from_tier, now)

    def record_dispute_events(self, events: Sequence[DisputeEvent]) -> None:
        self._check([e.team_id for e in events])
        disputes.record_events(self._session, events)

    def record_audit(self, events: Sequence[AuditEvent]) -> None:
        self._check([e.team_id for e in events])
        audit.record_events(self._session, events)

    def enqueue(self, due: Mapping[str, Sequence[Nudge]], now: datetime) -> dict[str, int]:
        self._check(list(due))
        return nudges.enqueue(self._session, due, now)

    def _check(self, team_ids: Sequence[str]) -> None:
        if strangers := set(team_ids) - set(self._team_ids):
            raise ValueError(f"workspaces {sorted(strangers)} are not of this sweep's batch")
