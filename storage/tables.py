"""The tables. Every row that belongs to a workspace carries its `team_id`."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

SLACK_ID = 32  # Slack ids (T…, U…, C…) are short; this leaves room for enterprise ids.
TS = 32  # message timestamps such as "1700000000.000100"
ITEM_ID = 8  # checklist item ids such as "S5.12"


class WorkspaceRow(SQLModel, table=True):
    """Every workspace with data, so jobs can visit each without scanning the big tables."""

    __tablename__ = "workspace"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Set when Slack says Accord was removed: no work is done for it, and its data is purged after a grace period
    # unless it installs again.
    uninstalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InstallationRow(SQLModel, table=True):
    """How Accord reaches one tenant: the bot an installation made and its tokens, encrypted.

    `tenant_id` is what every row of the tenant's data carries as its `team_id`: the workspace's id, or the
    Enterprise Grid org's id for an org-wide installation (whose people may be in any of the org's workspaces).
    One row per tenant, so installing again replaces the tokens rather than adding a second bot.
    """

    __tablename__ = "installation"

    tenant_id: str = Field(max_length=SLACK_ID, primary_key=True)
    enterprise_id: str | None = Field(default=None, max_length=SLACK_ID)
    enterprise_name: str | None = Field(default=None, max_length=255)
    team_id: str | None = Field(default=None, max_length=SLACK_ID)
    team_name: str | None = Field(default=None, max_length=255)
    is_enterprise_install: bool = False
    app_id: str | None = Field(default=None, max_length=SLACK_ID)
    bot_id: str = Field(max_length=SLACK_ID)
    bot_user_id: str = Field(max_length=SLACK_ID)
    bot_scopes: str = Field(sa_type=Text)
    bot_token: str = Field(sa_type=Text)  # encrypted
    bot_refresh_token: str | None = Field(default=None, sa_type=Text)  # encrypted; set when tokens rotate
    bot_token_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    installer_user_id: str = Field(max_length=SLACK_ID)
    installed_at: datetime = Field(sa_type=UTCDateTime)
    broken: str | None = Field(default=None, max_length=64)  # why its tokens no longer work (Slack's error)


class OAuthStateRow(SQLModel, table=True):
    """A one-time `state` of an Add to Slack visit: consumed once by the redirect, or purged when it expires."""

    __tablename__ = "oauth_state"

    state: str = Field(max_length=64, primary_key=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class RelationshipRow(SQLModel, table=True):
    __tablename__ = "relationship"
    __table_args__ = (
        UniqueConstraint("team_id", "name_key", name="uq_relationship_team_name"),
        # The nudge sweep reads only what is due: a range on the due date within active relationships.
        Index("ix_relationship_review_due", "team_id", "status", "next_review_due"),
        Index("ix_relationship_exit_due", "team_id", "status", "next_exit_review_due"),
        Index("ix_relationship_meetings", "team_id", "status", "meetings_from"),
        # A partner organisation's own installation finds the joint relationships others run with it.
        Index("ix_relationship_partner", "partner_team_id"),
    )

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
    exit_review_cadence_days: int = Field(default=180, sa_column_kwargs={"server_default": "180"})
    next_exit_review_due: date | None = None
    last_reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    intro_ts: str | None = Field(default=None, max_length=TS)
    partner_team_id: str | None = Field(default=None, max_length=SLACK_ID)
    partner_sponsor_id: str | None = Field(default=None, max_length=SLACK_ID)
    partner_manager_id: str | None = Field(default=None, max_length=SLACK_ID)
    card_ts: str | None = Field(default=None, max_length=TS)
    # The layout the pinned card was last drawn in: a card of an older layout is drawn again (its buttons then
    # offer what Accord offers now), without waiting for the relationship's next change.
    card_layout: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The day the joint management team's meeting cadence counts from: the last joint meeting, or the day the
    # relationship began before the first. Kept here so the nudge sweep reads only the relationships due to meet.
    meetings_from: date


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
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
    evidence_internal: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
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
    evidence_internal: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    assignee_id: str | None = Field(default=None, max_length=SLACK_ID)
    actor_side: str = Field(default="home", max_length=8, sa_column_kwargs={"server_default": "home"})


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
    author_side: str = Field(default="home", max_length=8, sa_column_kwargs={"server_default": "home"})


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
    partner_signed_by: str | None = Field(default=None, max_length=SLACK_ID)
    partner_signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TeamPairRow(SQLModel, table=True):
    """One role of a relationship's joint management team, held by a person of each side (counterparts)."""

    __tablename__ = "team_pair"
    __table_args__ = (UniqueConstraint("team_id", "relationship_id", "position", name="uq_team_pair_position"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE", index=True)
    position: int  # the roster's order, as the owner wrote it
    role: str = Field(max_length=60)
    home_id: str | None = Field(default=None, max_length=SLACK_ID)
    partner_id: str | None = Field(default=None, max_length=SLACK_ID)


class GateSignatureRow(SQLModel, table=True):
    """One side's signature on a joint stage gate, in the round the gate was in; one per side and round."""

    __tablename__ = "gate_signature"
    __table_args__ = (
        UniqueConstraint("team_id", "relationship_id", "stage", "round", "side", name="uq_gate_signature"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    stage: int
    round: int
    side: str = Field(max_length=8)
    signed_by: str = Field(max_length=SLACK_ID)
    signed_at: datetime = Field(sa_type=UTCDateTime)


class ReviewRow(SQLModel, table=True):
    __tablename__ = "review"
    __table_args__ = (Index("ix_review_relationship", "relationship_id", "reviewed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    reviewed_by: str = Field(max_length=SLACK_ID)
    reviewed_at: datetime = Field(sa_type=UTCDateTime)
    summary: str = Field(sa_type=Text)
    delivery: int
    trust: int
    value: int
    governance: int
    decisions: str | None = Field(default=None, sa_type=Text)
    next_review_due: date
    internal: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})


class ReviewViewRow(SQLModel, table=True):
    """The partner's people's views of a shared review: one per person and review, changed in place."""

    __tablename__ = "review_view"
    __table_args__ = (
        UniqueConstraint("team_id", "review_id", "given_by", name="uq_review_view_person"),
        Index("ix_review_view_relationship", "team_id", "relationship_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    review_id: int = Field(foreign_key="review.id", ondelete="CASCADE")
    given_by: str = Field(max_length=SLACK_ID)
    given_at: datetime = Field(sa_type=UTCDateTime)
    summary: str = Field(sa_type=Text)
    delivery: int
    trust: int
    value: int
    governance: int


class DisputeRow(SQLModel, table=True):
    __tablename__ = "dispute"
    __table_args__ = (Index("ix_dispute_open", "team_id", "status", "tier_since"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE", index=True)
    summary: str = Field(sa_type=Text)
    raised_by: str = Field(max_length=SLACK_ID)
    raised_at: datetime = Field(sa_type=UTCDateTime)
    owner_id: str = Field(max_length=SLACK_ID)
    tier: int
    tier_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(max_length=16)
    acknowledged_by: str | None = Field(default=None, max_length=SLACK_ID)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: str | None = Field(default=None, max_length=SLACK_ID)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution: str | None = Field(default=None, sa_type=Text)
    root_cause: str | None = Field(default=None, sa_type=Text)
    channel_id: str | None = Field(default=None, max_length=SLACK_ID)
    thread_ts: str | None = Field(default=None, max_length=TS)
    source_link: str | None = Field(default=None, sa_type=Text)
    version: int


class DisputeEventRow(SQLModel, table=True):
    __tablename__ = "dispute_event"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    dispute_id: int = Field(foreign_key="dispute.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=16)
    actor_id: str = Field(max_length=SLACK_ID)
    at: datetime = Field(sa_type=UTCDateTime)
    tier: int
    text: str | None = Field(default=None, sa_type=Text)
    actor_side: str = Field(default="home", max_length=8, sa_column_kwargs={"server_default": "home"})


class ExitStrategyRow(SQLModel, table=True):
    __tablename__ = "exit_strategy"
    __table_args__ = (UniqueConstraint("relationship_id", "version", name="uq_exit_strategy_version"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    version: int
    triggers: str = Field(sa_type=Text)
    plan: str = Field(sa_type=Text)
    continuity: str | None = Field(default=None, sa_type=Text)
    assets: str | None = Field(default=None, sa_type=Text)
    reviewed_with: str = Field(sa_type=Text)  # user ids, space-separated
    saved_by: str = Field(max_length=SLACK_ID)
    saved_at: datetime = Field(sa_type=UTCDateTime)
    joint: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    partner_agreed_by: str | None = Field(default=None, max_length=SLACK_ID)
    partner_agreed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NudgeRow(SQLModel, table=True):
    """The nudge outbox: one row per (kind, subject, tier, period, recipient), whoever worked it out first."""

    __tablename__ = "nudge"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "subject", "tier", "period", "recipient_id", name="uq_nudge_key"),
        Index("ix_nudge_ready", "team_id", "status", "not_before"),
        # Only failed rows are looked up by relationship (the Home tab shows them), and they are few.
        Index(
            "ix_nudge_failed",
            "team_id",
            "relationship_id",
            postgresql_where=text("status = 'failed'"),
            sqlite_where=text("status = 'failed'"),
        ),
        # The sent messages that still show buttons: each nudge run looks whether what they are about is done.
        Index(
            "ix_nudge_open_message",
            "team_id",
            "id",
            postgresql_where=text("message_ts IS NOT NULL AND closed_at IS NULL"),
            sqlite_where=text("message_ts IS NOT NULL AND closed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    kind: str = Field(max_length=24)
    subject: str = Field(max_length=64)
    tier: int
    period: str = Field(max_length=32)
    recipient_id: str = Field(max_length=SLACK_ID)
    # No foreign key, like the audit trail: the outbox records what was sent about whom, and checking the key
    # would lock every relationship row a sweep nudges about, a third of the cost of filling the outbox.
    relationship_id: int
    detail: str = Field(sa_type=Text)  # JSON
    status: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    not_before: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=200)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unconfirmed_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=32)  # new for every claim: fences out a stale sender
    message_channel: str | None = Field(default=None, max_length=32)  # the direct message it went out in
    message_ts: str | None = Field(default=None, max_length=32)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when that message lost its buttons


class HealthRoundRow(SQLModel, table=True):
    """A health check round: what it asks, of whom, until when; its results are worked out from the answers."""

    __tablename__ = "health_round"
    __table_args__ = (
        UniqueConstraint("team_id", "relationship_id", "number", name="uq_health_round_number"),
        # One open round per relationship, whoever starts one first.
        Index(
            "uq_health_round_open",
            "team_id",
            "relationship_id",
            unique=True,
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
        Index("ix_health_round_closing", "team_id", "closed_at", "closes_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    number: int
    dimensions: str = Field(sa_type=Text)  # JSON list
    participants: str = Field(sa_type=Text)  # JSON list of [user id, group]: who is asked, not who answered
    opened_by: str = Field(max_length=SLACK_ID)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    one_sided: bool = False
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=SLACK_ID)
    results_ts: str | None = Field(default=None, max_length=TS)
    message_ts: str | None = Field(default=None, max_length=TS)


class HealthRespondentRow(SQLModel, table=True):
    """That someone answered a round, as a keyed hash of the round and the person: no name, no time, no answer."""

    __tablename__ = "health_respondent"
    __table_args__ = (UniqueConstraint("round_id", "respondent", name="uq_health_respondent"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    round_id: int = Field(foreign_key="health_round.id", ondelete="CASCADE")
    respondent: str = Field(max_length=64)


class HealthAnswerRow(SQLModel, table=True):
    """One answer to a round, under another keyed hash than its respondent's: no name and no time."""

    __tablename__ = "health_answer"
    __table_args__ = (UniqueConstraint("round_id", "answer_key", name="uq_health_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    round_id: int = Field(foreign_key="health_round.id", ondelete="CASCADE")
    answer_key: str = Field(max_length=64)
    answer_group: str = Field(max_length=16)
    scores: str = Field(sa_type=Text)  # JSON: dimension -> 0, 25, 50, 75 or 100
    comments: str = Field(sa_type=Text)  # JSON: dimension -> text
    improve: str | None = Field(default=None, sa_type=Text)


class SnoozeRow(SQLModel, table=True):
    __tablename__ = "snooze"
    __table_args__ = (
        Index("ix_snooze_until", "team_id", "until"),
        # One row per button pressed: the same choice on the same nudge again is a repeat, not a new snooze.
        Index("uq_snooze_choice", "team_id", "nudge_id", "user_id", "days", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    kind: str = Field(max_length=24)
    subject: str = Field(max_length=64)
    user_id: str = Field(max_length=SLACK_ID)
    until: datetime = Field(sa_type=UTCDateTime)
    nudge_id: int | None = None  # the nudge whose button it was (none for snoozes from before buttons said)
    days: int | None = None


class ProfileRow(SQLModel, table=True):
    """A person's time zone as Slack reported it, and when it was asked."""

    __tablename__ = "profile"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    user_id: str = Field(max_length=SLACK_ID, primary_key=True)
    tz: str = Field(max_length=64)
    fetched_at: datetime = Field(sa_type=UTCDateTime)


class DirectoryEntryRow(SQLModel, table=True):
    """A person or channel of the workspace by name, as Slack described it at `fetched_at`."""

    __tablename__ = "directory_entry"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    entry_id: str = Field(max_length=SLACK_ID, primary_key=True)
    kind: str = Field(max_length=16)
    name: str = Field(max_length=255)
    tz: str | None = Field(default=None, max_length=64)
    fetched_at: datetime = Field(sa_type=UTCDateTime)


class HomeRedrawRow(SQLModel, table=True):
    """A person whose Home tab a committed change calls to be drawn again, and when the latest change asked."""

    __tablename__ = "home_redraw"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    user_id: str = Field(max_length=SLACK_ID, primary_key=True)
    asked_at: datetime = Field(sa_type=UTCDateTime)


class AuditEventRow(SQLModel, table=True):
    """The audit trail. Append-only: the migration adds triggers that refuse updates and deletes."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_relationship", "team_id", "relationship_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int | None = Field(default=None)  # no foreign key: the trail outlives what it describes
    actor_id: str = Field(max_length=SLACK_ID)
    at: datetime = Field(sa_type=UTCDateTime)
    action: str = Field(max_length=40)
    subject: str = Field(max_length=120)
    before: str | None = Field(default=None, sa_type=Text)  # JSON
    after: str | None = Field(default=None, sa_type=Text)  # JSON
    actor_side: str = Field(default="home", max_length=8, sa_column_kwargs={"server_default": "home"})


class PlanVersionRow(SQLModel, table=True):
    __tablename__ = "rmp_version"
    __table_args__ = (UniqueConstraint("relationship_id", "number", name="uq_rmp_version"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    number: int
    reason: str = Field(max_length=120)
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)
    content: str = Field(sa_type=Text)  # JSON


class InboxRow(SQLModel, table=True):
    """Work acknowledged to Slack and not yet done: written before the ack, so no crash or restart can lose it.

    Not a workspace's row: it is the processes' queue, written before the request is taken apart. `key` names
    the request (Slack's event id, a view's id and hash, or the body's digest) and the listener, so a replay or
    a retry of the same request finds its row already there.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_inbox_key"),
        # Work processes look only at what is not done yet: urgent first, then oldest first.
        Index(
            "ix_inbox_waiting",
            "priority",
            "id",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
        # Purging looks only at what is done: the index must not offer itself for "not done", where it would
        # leave SQLite sorting the whole backlog at each claim instead of reading `ix_inbox_waiting` in order.
        Index(
            "ix_inbox_done",
            "done_at",
            postgresql_where=text("done_at IS NOT NULL"),
            sqlite_where=text("done_at IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    body: str = Field(sa_type=Text)
    headers: str = Field(sa_type=Text)  # JSON: Bolt's header names and values
    priority: int  # 0: a person waits on a modal that must open within Slack's three seconds; 1: the rest
    received_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    claim_token: int | None = Field(default=None, sa_type=BigInteger)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    committed: bool = False  # its work committed something: running it again would do that twice
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DataRightRow(SQLModel, table=True):
    """A tenant's purge or a person's erasure under way: written and deleted in that one transaction, never seen
    outside it. While it is there, the audit trail's triggers allow that change, and only that one."""

    __tablename__ = "data_right"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    kind: str = Field(max_length=16, primary_key=True)  # "purge" or "erasure"


class ErasureRow(SQLModel, table=True):
    """A person erased from a tenant's data: the number of their pseudonym ("erased person 3"), and when. Who they
    were is not kept."""

    __tablename__ = "erasure"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    erased_at: datetime = Field(sa_type=UTCDateTime)


class RiskRow(SQLModel, table=True):
    """A risk of a relationship's register; closed risks are kept, with their outcome."""

    __tablename__ = "risk"
    __table_args__ = (
        Index("ix_risk_relationship", "team_id", "relationship_id", "closed_at"),
        Index("ix_risk_review", "team_id", "closed_at", "next_review"),
        # The form it was added from: the same form sent twice (a double click, a replay) adds one risk.
        UniqueConstraint("team_id", "form_key", name="uq_risk_form"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    form_key: str = Field(max_length=64)
    title: str = Field(max_length=150)
    description: str = Field(sa_type=Text)
    category: str = Field(max_length=16)
    breakdown_effect: str = Field(sa_type=Text)
    likelihood: int
    impact: int
    owner_id: str = Field(max_length=SLACK_ID)
    mitigation: str = Field(sa_type=Text)
    next_review: date
    internal: bool = False
    side: str = Field(max_length=8)
    raised_by: str = Field(max_length=SLACK_ID)
    raised_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=SLACK_ID)
    outcome: str | None = Field(default=None, sa_type=Text)


class ActionRow(SQLModel, table=True):
    """An action of a relationship's register; completed actions are kept, with their note."""

    __tablename__ = "action_item"
    __table_args__ = (
        Index("ix_action_relationship", "team_id", "relationship_id", "done_at"),
        Index("ix_action_owner", "team_id", "owner_id", "done_at"),
        Index("ix_action_due", "team_id", "done_at", "due"),
        # The form it was added from: the same form sent twice (a double click, a replay) adds one action.
        UniqueConstraint("team_id", "form_key", name="uq_action_form"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    form_key: str = Field(max_length=64)
    title: str = Field(max_length=150)
    owner_id: str = Field(max_length=SLACK_ID)
    owner_side: str = Field(max_length=8)
    owner_tz: str = Field(max_length=64)
    due: date
    source: str = Field(max_length=16)
    source_id: int | None = None
    internal: bool = False
    side: str = Field(max_length=8)
    added_by: str = Field(max_length=SLACK_ID)
    added_at: datetime = Field(sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: str | None = Field(default=None, max_length=SLACK_ID)
    note: str | None = Field(default=None, sa_type=Text)


class IdeaRow(SQLModel, table=True):
    """A value-creation idea of a relationship's register; delivered and dropped ideas are kept."""

    __tablename__ = "idea"
    __table_args__ = (
        Index("ix_idea_relationship", "team_id", "relationship_id", "status"),
        Index("ix_idea_moved", "team_id", "status", "moved_on"),
        # The form it was added from: the same form sent twice (a double click, a replay) adds one idea.
        UniqueConstraint("team_id", "form_key", name="uq_idea_form"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    form_key: str = Field(max_length=64)
    title: str = Field(max_length=150)
    proposer_id: str = Field(max_length=SLACK_ID)
    owner_id: str = Field(max_length=SLACK_ID)
    value_home: str = Field(sa_type=Text)
    value_partner: str = Field(sa_type=Text)
    expected_amount: str = Field(max_length=24)  # a decimal, written out: SQLite keeps no exact decimals
    expected_unit: str = Field(max_length=16)
    expected_words: str = Field(sa_type=Text)
    status: str = Field(max_length=16)
    next_decision: date
    internal: bool = False
    side: str = Field(max_length=8)
    raised_by: str = Field(max_length=SLACK_ID)
    raised_at: datetime = Field(sa_type=UTCDateTime)
    moved_on: date
    delivered_amount: str | None = Field(default=None, max_length=24)
    delivered_unit: str | None = Field(default=None, max_length=16)
    drop_reason: str | None = Field(default=None, sa_type=Text)


class KnowledgeItemRow(SQLModel, table=True):
    """An item of the knowledge map of a relationship; retired items are kept."""

    __tablename__ = "knowledge_item"
    __table_args__ = (
        Index("ix_knowledge_relationship", "team_id", "relationship_id", "retired_at"),
        # The form it was added from: the same form sent twice (a double click, a replay) adds one item.
        UniqueConstraint("team_id", "form_key", name="uq_knowledge_form"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    form_key: str = Field(max_length=64)
    title: str = Field(max_length=150)
    description: str = Field(sa_type=Text)
    owner_id: str = Field(max_length=SLACK_ID)
    classification: str = Field(max_length=8)
    terms: str = Field(sa_type=Text)
    side: str = Field(max_length=8)
    added_by: str = Field(max_length=SLACK_ID)
    added_at: datetime = Field(sa_type=UTCDateTime)
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retired_by: str | None = Field(default=None, max_length=SLACK_ID)


class MeetingRow(SQLModel, table=True):
    """A meeting of a relationship's joint management team (or one side's own, when internal)."""

    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_relationship", "team_id", "relationship_id", "held_on"),
        # The form it was recorded from: the same form sent twice (a double click, a replay) records one meeting.
        UniqueConstraint("team_id", "form_key", name="uq_meeting_form"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    relationship_id: int = Field(foreign_key="relationship.id", ondelete="CASCADE")
    form_key: str = Field(max_length=64)
    held_on: date
    home_attendees: str = Field(sa_type=Text)  # Slack user ids, one per line, in the order chosen
    partner_attendees: str = Field(sa_type=Text)
    minutes: str = Field(sa_type=Text)
    decisions: str = Field(sa_type=Text)  # one per line
    internal: bool = False
    side: str = Field(max_length=8)
    one_side_reason: str = Field(sa_type=Text)
    recorded_by: str = Field(max_length=SLACK_ID)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
