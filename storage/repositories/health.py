"""Health check rounds, who answered them and their answers: three tables that only the key links together."""

import json
from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from stages.health import Group, HealthAnswer, HealthRound, Participant
from storage.mapping import entity_from_row, inserted
from storage.tables import HealthAnswerRow, HealthRespondentRow, HealthRoundRow


class SqlHealthRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, health_round: HealthRound) -> HealthRound | None:
        """The round stored; None if the relationship has an open one (another request opened it first)."""
        row = HealthRoundRow(
            team_id=self._team_id,
            relationship_id=health_round.relationship_id,
            number=health_round.number,
            dimensions=json.dumps(list(health_round.dimensions)),
            participants=json.dumps([[p.user_id, p.group.value] for p in health_round.participants]),
            opened_by=health_round.opened_by,
            opened_at=health_round.opened_at,
            closes_at=health_round.closes_at,
            one_sided=health_round.one_sided,
        )
        return _round(row) if inserted(self._session, row) else None

    def get(self, round_id: int) -> HealthRound | None:
        row = self._session.exec(
            select(HealthRoundRow).where(HealthRoundRow.team_id == self._team_id, HealthRoundRow.id == round_id)
        ).first()
        return _round(row) if row else None

    def open_round(self, relationship_id: int) -> HealthRound | None:
        row = self._session.exec(
            select(HealthRoundRow).where(
                HealthRoundRow.team_id == self._team_id,
                HealthRoundRow.relationship_id == relationship_id,
                col(HealthRoundRow.closed_at).is_(None),
            )
        ).first()
        return _round(row) if row else None

    def rounds(self, relationship_id: int) -> list[HealthRound]:
        """Every round of the relationship, oldest first."""
        query = (
            select(HealthRoundRow)
            .where(HealthRoundRow.team_id == self._team_id, HealthRoundRow.relationship_id == relationship_id)
            .order_by(col(HealthRoundRow.number))
        )
        return [_round(row) for row in self._session.exec(query)]

    def by_relationship(self) -> dict[int, list[HealthRound]]:
        """Every round of the workspace by relationship, oldest first: a few a year for each."""
        query = (
            select(HealthRoundRow)
            .where(HealthRoundRow.team_id == self._team_id)
            .order_by(col(HealthRoundRow.relationship_id), col(HealthRoundRow.number))
        )
        found: dict[int, list[HealthRound]] = {}
        for row in self._session.exec(query):
            found.setdefault(row.relationship_id, []).append(_round(row))
        return found

    def latest_number(self, relationship_id: int) -> int:
        found = self._session.exec(
            select(func.max(HealthRoundRow.number)).where(
                HealthRoundRow.team_id == self._team_id, HealthRoundRow.relationship_id == relationship_id
            )
        ).first()
        return int(found or 0)

    def open_rounds(self) -> list[HealthRound]:
        query = select(HealthRoundRow).where(
            HealthRoundRow.team_id == self._team_id, col(HealthRoundRow.closed_at).is_(None)
        )
        return [_round(row) for row in self._session.exec(query)]

    def unposted(self) -> list[HealthRound]:
        """Closed rounds whose results are not in their channel yet."""
        query = select(HealthRoundRow).where(
            HealthRoundRow.team_id == self._team_id,
            col(HealthRoundRow.closed_at).is_not(None),
            col(HealthRoundRow.results_ts).is_(None),
        )
        return [_round(row) for row in self._session.exec(query)]

    def close(self, health_round: HealthRound) -> bool:
        """Record the round closed, if nobody closed it first."""
        changed = self._session.exec(
            update(HealthRoundRow)
            .where(
                col(HealthRoundRow.team_id) == self._team_id,
                col(HealthRoundRow.id) == health_round.id,
                col(HealthRoundRow.closed_at).is_(None),
            )
            .values(closed_at=health_round.closed_at, closed_by=health_round.closed_by)
        )
        self._session.expire_all()
        return bool(changed.rowcount == 1)

    def posted(self, round_id: int, *, results_ts: str | None = None, message_ts: str | None = None) -> None:
        values = {"results_ts": results_ts} if results_ts else {"message_ts": message_ts}
        self._session.exec(
            update(HealthRoundRow)
            .where(col(HealthRoundRow.team_id) == self._team_id, col(HealthRoundRow.id) == round_id)
            .values(**values)
        )
        self._session.expire_all()

    def answered(self, round_id: int, respondents: Sequence[str]) -> set[str]:
        """Which of these respondent hashes answered the round."""
        if not respondents:
            return set()
        query = select(HealthRespondentRow.respondent).where(
            HealthRespondentRow.team_id == self._team_id,
            HealthRespondentRow.round_id == round_id,
            col(HealthRespondentRow.respondent).in_(list(respondents)),
        )
        return set(self._session.exec(query))

    def answer(self, respondent: str, given: HealthAnswer) -> bool:
        """Keep the answer, in place of the one given before under the same key; True for a first answer. Two
        first answers of one person at once (two tabs) make one respondent and one answer, the later one's."""
        first = inserted(
            self._session, HealthRespondentRow(team_id=self._team_id, round_id=given.round_id, respondent=respondent)
        )
        scores = json.dumps(dict(given.scores), sort_keys=True)
        comments = json.dumps(dict(given.comments), sort_keys=True)
        row = HealthAnswerRow(
            team_id=self._team_id,
            round_id=given.round_id,
            answer_key=given.key,
            answer_group=given.group.value,
            scores=scores,
            comments=comments,
            improve=given.improve,
        )
        if not inserted(self._session, row):
            self._session.exec(
                update(HealthAnswerRow)
                .where(
                    col(HealthAnswerRow.team_id) == self._team_id,
                    col(HealthAnswerRow.round_id) == given.round_id,
                    col(HealthAnswerRow.answer_key) == given.key,
                )
                .values(answer_group=given.group.value, scores=scores, comments=comments, improve=given.improve)
            )
            self._session.expire_all()
        return first

    def answer_of(self, round_id: int, key: str) -> HealthAnswer | None:
        row = self._answer_row(round_id, key)
        return _answer(row) if row else None

    def answers(self, round_id: int) -> list[HealthAnswer]:
        """The round's answers, in the order of their keyed hashes: the order they came in is not kept."""
        query = (
            select(HealthAnswerRow)
            .where(HealthAnswerRow.team_id == self._team_id, HealthAnswerRow.round_id == round_id)
            .order_by(col(HealthAnswerRow.answer_key))
        )
        return [_answer(row) for row in self._session.exec(query)]

    def _answer_row(self, round_id: int, key: str) -> HealthAnswerRow | None:
        return self._session.exec(
            select(HealthAnswerRow).where(
                HealthAnswerRow.team_id == self._team_id,
                HealthAnswerRow.round_id == round_id,
                HealthAnswerRow.answer_key == key,
            )
        ).first()


def _round(row: HealthRoundRow) -> HealthRound:
    return entity_from_row(
        HealthRound,
        row,
        dimensions=tuple(json.loads(row.dimensions)),
        participants=tuple(Participant(user, Group(group)) for user, group in json.loads(row.participants)),
    )


def _answer(row: HealthAnswerRow) -> HealthAnswer:
    return HealthAnswer(
        row.round_id,
        row.answer_key,
        Group(row.answer_group),
        json.loads(row.scores),
        json.loads(row.comments),
        row.improve,
    )
