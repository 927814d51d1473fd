"""The tables. Every row that belongs to a workspace carries its `team_id`."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

SLACK_ID = 32  # Slack ids (T…, U…, C…) are short; this leaves room for enterprise ids.
TS = 32  # message timestamps such as "1700000000.000100"


class RelationshipRow(SQLModel, table=True):
    __tablename__ = "relationship"
    __table_args__ = (UniqueConstraint("team_id", "name_key", name="uq_relationship_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID, index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    partner: str = Field(max_length=120)
    owner_id: str = Field(max_length=SLACK_ID)
    sponsor_id: str = Field(max_length=SLACK_ID)
    channel_id: str = Field(max_length=SLACK_ID)
    review_cadence_days: int
    stage: int
    status: str = Field(max_length=16)
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)
    next_review_due: date
    intro_ts: str | None = Field(default=None, max_length=TS)
