"""The tables. Every row that belongs to a workspace carries its `team_id`."""

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

SLACK_ID = 32  # Slack ids (T…, U…, C…) are short; this leaves room for enterprise ids.
TS = 32  # message timestamps such as "1700000000.000100"
ITEM_ID = 8  # checklist item ids such as "S5.12"


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


class CheckinRow(SQLModel, table=True):
    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("team_id", "relationship_id", "stage", name="uq_checkin_stage"),
        Index("ix_checkin_thread", "team_id", "channel_id", "thread_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    stage: int
    opened_by: str = Field(max_length=SLACK_ID)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    channel_id: str | None = Field(default=None, max_length=SLACK_ID)
    thread_ts: str | None = Field(default=None, max_length=TS)
    status: str = Field(max_length=16)


class CheckinMessageRow(SQLModel, table=True):
    """The thread message of each checklist item, so it can be updated in place."""

    __tablename__ = "checkin_message"

    checkin_id: int = Field(foreign_key="checkin.id", primary_key=True, ondelete="CASCADE")
    item_id: str = Field(max_length=ITEM_ID, primary_key=True)
    ts: str = Field(max_length=TS)


class ItemStateRow(SQLModel, table=True):
    __tablename__ = "item_state"
    __table_args__ = (
        UniqueConstraint("relationship_id", "item_id", name="uq_item_state"),
        Index("ix_item_state_assignee", "team_id", "assignee_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    item_id: str = Field(max_length=ITEM_ID)
    status: str = Field(max_length=16)
    status_by: str | None = Field(default=None, max_length=SLACK_ID)
    status_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, sa_type=Text)
    evidence_url: str | None = Field(default=None, sa_type=Text)
    evidence_note: str | None = Field(default=None, sa_type=Text)
    assignee_id: str | None = Field(default=None, max_length=SLACK_ID)
    updated_by: str | None = Field(default=None, max_length=SLACK_ID)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int


class AnswerRow(SQLModel, table=True):
    """Every change to a checklist item, append-only."""

    __tablename__ = "answer"
    __table_args__ = (Index("ix_answer_item", "relationship_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    item_id: str = Field(max_length=ITEM_ID)
    kind: str = Field(max_length=16)
    actor_id: str = Field(max_length=SLACK_ID)
    at: datetime = Field(sa_type=UTCDateTime)
    status: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, sa_type=Text)
    evidence_url: str | None = Field(default=None, sa_type=Text)
    evidence_note: str | None = Field(default=None, sa_type=Text)
    assignee_id: str | None = Field(default=None, max_length=SLACK_ID)


class NoteRow(SQLModel, table=True):
    __tablename__ = "note"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "message_ts", name="uq_note_message"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    checkin_id: int = Field(foreign_key="checkin.id", ondelete="CASCADE", index=True)
    channel_id: str = Field(max_length=SLACK_ID)
    message_ts: str = Field(max_length=TS)
    author_id: str = Field(max_length=SLACK_ID)
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    item_id: str | None = Field(default=None, max_length=ITEM_ID)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignOffRow(SQLModel, table=True):
    __tablename__ = "stage_signoff"
    __table_args__ = (Index("ix_signoff_stage", "relationship_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    stage: int
    signed_by: str = Field(max_length=SLACK_ID)
    signed_at: datetime = Field(sa_type=UTCDateTime)
    reopened_by: str | None = Field(default=None, max_length=SLACK_ID)
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopen_reason: str | None = Field(default=None, sa_type=Text)
