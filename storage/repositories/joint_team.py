"""The joint management teams of a workspace's relationships, each kept as its roster of pairs, in order."""

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session, col, delete, select

from stages.joint_team import TeamPair
from storage.mapping import CHUNK
from storage.tables import TeamPairRow


class SqlJointTeamRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def of(self, relationship_id: int) -> list[TeamPair]:
        return self.of_many([relationship_id]).get(relationship_id, [])

    def of_many(self, relationship_ids: Sequence[int]) -> dict[int, list[TeamPair]]:
        return rosters(self._session, (self._team_id,), relationship_ids)

    def replace(self, relationship_id: int, pairs: Sequence[TeamPair]) -> None:
        """The roster becomes `pairs`, in their order."""
        self._session.exec(
            delete(TeamPairRow).where(
                col(TeamPairRow.team_id) == self._team_id, col(TeamPairRow.relationship_id) == relationship_id
            )
        )
        for position, pair in enumerate(pairs):
            self._session.add(
                TeamPairRow(
                    team_id=self._team_id,
                    relationship_id=relationship_id,
                    position=position,
                    role=pair.role,
                    home_id=pair.home_id,
                    partner_id=pair.partner_id,
                )
            )
        self._session.flush()


def rosters(session: Session, team_ids: Sequence[str], relationship_ids: Sequence[int]) -> dict[int, list[TeamPair]]:
    """The teams of several relationships at once (a sweep moves many disputes to the team's tier)."""
    found: dict[int, list[TeamPair]] = defaultdict(list)
    wanted = sorted(set(relationship_ids))
    for start in range(0, len(wanted), CHUNK):
        query = (
            select(TeamPairRow)
            .where(
                col(TeamPairRow.team_id).in_(team_ids),
                col(TeamPairRow.relationship_id).in_(wanted[start : start + CHUNK]),
            )
            .order_by(col(TeamPairRow.relationship_id), col(TeamPairRow.position))
        )
        for row in session.exec(query):
            found[row.relationship_id].append(TeamPair(row.role, row.home_id, row.partner_id))
    return dict(found)
