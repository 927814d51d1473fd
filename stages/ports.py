"""What the use cases need from persistence, stated as protocols so the domain never imports a database."""

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from stages.actions import Action
from stages.audit import AuditEvent
from stages.catalogue import Cadences
from stages.checkins import Checkin, GateSignature, Note, SignOff
from stages.checklist import Answer, ItemState
from stages.directory import DirectoryEntry
from stages.disputes import Dispute, DisputeEvent
from stages.exits import ExitStrategy
from stages.health import HealthAnswer, HealthRound
from stages.ideas import Idea, IdeaStatus
from stages.joint_team import TeamPair
from stages.knowledge import KnowledgeItem
from stages.meetings import Meeting
from stages.nudges import (
    DueAction,
    DueIdea,
    DueMeeting,
    DueReview,
    DueRiskReview,
    Nudge,
    NudgeKind,
    QueuedNudge,
    Snooze,
    Snoozes,
)
from stages.relationships import Relationship, Side
from stages.reviews import Review, ReviewView, ViewStored
from stages.risks import Risk
from stages.versions import PlanVersion

Result = TypeVar("Result")


class RelationshipRepository(Protocol):
    """Relationships of one workspace: an instance never sees another workspace's rows."""

    def add(self, relationship: Relationship) -> Relationship:
        """Store a new relationship; raises `NameTaken` if its name is already used in the workspace."""
        ...

    def update(self, relationship: Relationship) -> Relationship: ...

    def move(self, relationship: Relationship, *, from_stage: int, to: Relationship) -> bool:
        """Save `to` only if the stored relationship is still at `from_stage`; False if someone moved it first."""
        ...

    def get(self, relationship_id: int) -> Relationship | None: ...

    def by_name(self, name: str) -> Relationship | None:
        """The relationship whose name matches, ignoring case and spacing."""
        ...

    def names(self) -> list[str]: ...

    def all(self) -> list[Relationship]: ...

    def led_by(self, user_id: str) -> list[Relationship]:
        """Relationships the person owns or sponsors."""
        ...

    def partnered_with(self, partner: str) -> list[Relationship]:
        """The joint relationships run here with another organisation's workspace."""
        ...

    def by_ids(self, relationship_ids: Sequence[int]) -> list[Relationship]: ...

    def cards_before(self, layout: int, limit: int) -> list[Relationship]:
        """Active relationships whose pinned card was drawn in a layout older than `layout`, oldest first."""
        ...

    def card_drawn(self, relationship_id: int, layout: int) -> None:
        """Remember that the relationship's card was drawn in `layout`."""
        ...

    def reviews_due(self, today: date) -> list[DueReview]:
        """Active relationships whose review is due today or overdue."""
        ...

    def exit_reviews_due(self, today: date) -> list[DueReview]:
        """Active relationships whose joint exit strategy review is due today or overdue."""
        ...


class CheckinRepository(Protocol):
    def claim(self, checkin: Checkin) -> Checkin | None:
        """Store a new check-in for its relationship and stage; None if one already exists."""
        ...

    def update(self, checkin: Checkin) -> Checkin: ...

    def delete(self, checkin: Checkin) -> None: ...

    def get(self, checkin_id: int) -> Checkin | None: ...

    def for_stage(self, relationship_id: int, stage: int) -> Checkin | None: ...

    def by_thread(self, channel_id: str, thread_ts: str) -> Checkin | None: ...

    def in_channel(self, channel_id: str) -> list[Checkin]: ...

    def repost(self, checkin: Checkin) -> bool:
        """Take a withdrawn check-in back for posting; False if someone else took it first."""
        ...

    def for_relationships(self, relationship_ids: Sequence[int]) -> list[Checkin]: ...


class ChecklistRepository(Protocol):
    def states(self, relationship_id: int) -> dict[str, ItemState]:
        """Every item of the relationship that has been answered, by item id."""
        ...

    def save(self, state: ItemState) -> bool:
        """Store the state if its stored version is still `state.version` (0: not stored yet); False otherwise."""
        ...

    def record(self, answer: Answer) -> Answer: ...

    def history(self, relationship_id: int, item_id: str) -> list[Answer]: ...

    def answers(self, relationship_id: int) -> list[Answer]:
        """Every answer to every item of the relationship, oldest first."""
        ...

    def assigned_to(self, user_id: str) -> list[ItemState]:
        """Items assigned to the person, whatever their state."""
        ...


class NoteRepository(Protocol):
    def add(self, note: Note) -> Note | None:
        """Store a note; None if the message was already captured (a retried event)."""
        ...

    def by_message(self, channel_id: str, message_ts: str) -> Note | None: ...

    def update(self, note: Note) -> Note: ...

    def delete(self, note: Note) -> None: ...

    def for_relationship(self, relationship_id: int) -> list[Note]: ...

    def counts(self, checkin_id: int) -> dict[str | None, int]:
        """How many notes the check-in has, per item id (None: not about one item)."""
        ...


class SignOffRepository(Protocol):
    def add(self, sign_off: SignOff) -> SignOff: ...

    def update(self, sign_off: SignOff) -> SignOff: ...

    def active(self, relationship_id: int, stage: int) -> SignOff | None: ...

    def for_relationship(self, relationship_id: int) -> list[SignOff]: ...


class GateSignatureRepository(Protocol):
    def add(self, signature: GateSignature) -> bool: ...

    def of_round(self, relationship_id: int, stage: int, round: int) -> list[GateSignature]: ...


class JointTeamRepository(Protocol):
    def of(self, relationship_id: int) -> list[TeamPair]: ...

    def of_many(self, relationship_ids: Sequence[int]) -> dict[int, list[TeamPair]]: ...

    def replace(self, relationship_id: int, pairs: Sequence[TeamPair]) -> None: ...


class ReviewRepository(Protocol):
    def add(self, review: Review) -> Review: ...

    def recent(self, relationship_id: int, limit: int) -> list[Review]: ...

    def get(self, review_id: int) -> Review | None: ...

    def give_view(self, view: ReviewView) -> tuple[ReviewView, ViewStored]:
        """Store the person's view of a review in place of their earlier one."""
        ...

    def view_of(self, review_id: int, given_by: str) -> ReviewView | None:
        """The person's view of the review, if they gave one."""
        ...

    def views(self, relationship_id: int) -> list[ReviewView]: ...


class HealthRepository(Protocol):
    """Health check rounds, the keyed hashes of who answered them, and their answers, which carry no name."""

    def add(self, health_round: HealthRound) -> HealthRound | None:
        """Store a new round; None if the relationship has an open one already."""
        ...

    def get(self, round_id: int) -> HealthRound | None: ...

    def open_round(self, relationship_id: int) -> HealthRound | None: ...

    def rounds(self, relationship_id: int) -> list[HealthRound]: ...

    def by_relationship(self) -> dict[int, list[HealthRound]]: ...

    def latest_number(self, relationship_id: int) -> int: ...

    def open_rounds(self) -> list[HealthRound]: ...

    def unposted(self) -> list[HealthRound]: ...

    def close(self, health_round: HealthRound) -> bool: ...

    def posted(self, round_id: int, *, results_ts: str | None = None, message_ts: str | None = None) -> None: ...

    def answered(self, round_id: int, respondents: Sequence[str]) -> set[str]: ...

    def answer(self, respondent: str, given: HealthAnswer) -> bool: ...

    def answer_of(self, round_id: int, key: str) -> HealthAnswer | None: ...

    def answers(self, round_id: int) -> list[HealthAnswer]: ...


class ActionRepository(Protocol):
    def add(self, action: Action, form_key: str) -> Action | None:
        """Store a new action; None if the form `form_key` added one already."""
        ...

    def get(self, action_id: int) -> Action | None: ...

    def of(self, relationship_id: int, *, done: bool = False) -> list[Action]: ...

    def owned_by(self, user_id: str) -> list[Action]: ...

    def move_owner(self, user_id: str, tz: str) -> int:
        """Give the person's open actions the time zone `tz`; how many were in another."""
        ...

    def complete(self, action: Action) -> bool:
        """Store the completion; False if the action was completed already."""
        ...

    def due_before(self, day: date) -> list[DueAction]:
        """Open actions of active relationships due before `day` (overdue for some owner, wherever they are)."""
        ...


class MeetingRepository(Protocol):
    def add(self, meeting: Meeting, form_key: str) -> Meeting | None:
        """Store a new meeting; None if the form `form_key` recorded one already."""
        ...

    def of(self, relationship_id: int) -> list[Meeting]: ...

    def due(self, today: date, cadence_days: int) -> list[DueMeeting]: ...


class RiskRepository(Protocol):
    def add(self, risk: Risk, form_key: str) -> Risk | None:
        """Store a new risk; None if the form `form_key` added one already."""
        ...

    def get(self, risk_id: int) -> Risk | None: ...

    def of(self, relationship_id: int, *, closed: bool = False) -> list[Risk]: ...

    def review(self, risk: Risk, seen: date) -> bool:
        """Store a review if the risk's review date is still `seen`; False if it was reviewed since or closed."""
        ...

    def owned_by(self, user_id: str) -> list[Risk]: ...

    def save(self, risk: Risk) -> bool:
        """Store an open risk's edited words, category and owner; False if it closed meanwhile."""
        ...

    def reviews_due(self, today: date) -> list[DueRiskReview]: ...

    def close(self, risk: Risk) -> bool: ...


class IdeaRepository(Protocol):
    def add(self, idea: Idea, form_key: str) -> Idea | None:
        """Store a new idea; None if the form `form_key` added one already."""
        ...

    def get(self, idea_id: int) -> Idea | None: ...

    def of(self, relationship_id: int, *, closed: bool = False) -> list[Idea]: ...

    def owned_by(self, user_id: str) -> list[Idea]: ...

    def move(self, idea: Idea, seen: IdeaStatus) -> bool:
        """Store the idea's new status if it is still `seen`; False if it moved since."""
        ...

    def keep_going(self, idea: Idea, seen: date) -> bool:
        """Store a new decision date if the idea has not moved since `seen`; False otherwise."""
        ...

    def stale(self, today: date, stale_days: int) -> list[DueIdea]: ...


class KnowledgeRepository(Protocol):
    def add(self, item: KnowledgeItem, form_key: str) -> KnowledgeItem | None:
        """Store a new item; None if the form `form_key` added one already."""
        ...

    def get(self, item_id: int) -> KnowledgeItem | None: ...

    def of(self, relationship_id: int, *, retired: bool = False) -> list[KnowledgeItem]: ...

    def save(self, item: KnowledgeItem) -> bool: ...

    def retire(self, item: KnowledgeItem) -> bool: ...


class DisputeRepository(Protocol):
    def add(self, dispute: Dispute) -> Dispute: ...

    def get(self, dispute_id: int) -> Dispute | None: ...

    def save(self, dispute: Dispute) -> Dispute | None:
        """Store the change if the stored dispute is still at `dispute.version`; None if it moved meanwhile."""
        ...

    def record(self, event: DisputeEvent) -> DisputeEvent: ...

    def events(self, dispute_id: int) -> list[DisputeEvent]: ...

    def open(self, relationship_id: int | None = None) -> list[Dispute]: ...

    def for_relationship(self, relationship_id: int) -> list[Dispute]:
        """Every dispute of the relationship, open or not, oldest first."""
        ...

    def involving(self, user_id: str, relationship_ids: Sequence[int]) -> list[Dispute]:
        """Open disputes the person owns, or on the given relationships; oldest first."""
        ...

    def past_limit(self, now: datetime, cadences: Cadences) -> list[tuple[Dispute, Relationship]]:
        """Open disputes that have outstayed their tier's time limit, with their relationships."""
        ...


class ExitStrategyRepository(Protocol):
    def add(self, strategy: ExitStrategy) -> ExitStrategy: ...

    def agree(self, strategy: ExitStrategy) -> bool:
        """Record the partner's agreement, if no one recorded it first."""
        ...

    def latest(self, relationship_id: int) -> ExitStrategy | None: ...

    def all(self, relationship_id: int) -> list[ExitStrategy]:
        """Every version, latest first."""
        ...


class NudgeRepository(Protocol):
    def enqueue(self, nudges: Sequence[Nudge], now: datetime) -> int:
        """Add the nudges whose key is not in the outbox yet; how many were new."""
        ...

    def known(self, keys: Sequence[tuple[str, str, int, str, str]]) -> set[tuple[str, str, int, str, str]]: ...

    def get(self, nudge_id: int) -> QueuedNudge | None: ...

    def claim(self, worker: str, token: str, now: datetime, limit: int, lease: timedelta) -> list[QueuedNudge]:
        """Pending nudges due by `now` (or claimed by a sender that died, and so unconfirmed), now claimed by
        `worker` under `token`, a value new to this claim."""
        ...

    # Each of these changes only the nudges still claimed under `token`, and says how many that was: fewer than
    # asked means another sender has taken them over.

    def renew(self, ids: Sequence[int], token: str, now: datetime) -> int:
        """Claimed again from `now` on: no other sender takes them over for a whole lease from here."""
        ...

    def sent(self, ids: Sequence[int], token: str, now: datetime, message: tuple[str, str] | None = None) -> int:
        """Sent, in `message` (its channel and ts) when known."""
        ...

    def release(
        self,
        ids: Sequence[int],
        token: str,
        not_before: datetime,
        error: str | None,
        unconfirmed_since: datetime | None = None,
    ) -> int:
        """Back to pending; `unconfirmed_since` records an attempt that may have reached Slack after all."""
        ...

    def fail(self, ids: Sequence[int], token: str, reason: str) -> int: ...

    def cancel(self, ids: Sequence[int], token: str) -> int: ...

    def withdraw(self, kind: NudgeKind, subject: str, recipient_id: str) -> int:
        """Cancel the pending nudges of this kind and subject to this person; how many."""
        ...

    def failed(self, relationship_ids: Sequence[int]) -> list[QueuedNudge]: ...

    def with_open_messages(self) -> list[QueuedNudge]:
        """Sent nudges whose message still shows their buttons; never notices, which have nothing to settle."""
        ...

    def close(self, ids: Sequence[int], now: datetime) -> int:
        """Record that the nudges' messages no longer show their buttons; how many were still open."""
        ...


class SnoozeRepository(Protocol):
    def add(self, snooze: Snooze) -> Snooze | None:
        """The snooze, stored; None if the person already made this choice (`days`) on this nudge."""
        ...

    def recent(self, ended_since: datetime) -> Snoozes:
        """The latest snooze of each (kind, subject, person), unless it ended before `ended_since`."""
        ...


class SweepRepository(Protocol):
    """What the nudge sweep reads and writes for a batch of workspaces at once. Every statement names the batch's
    workspaces, and every row read or written keeps its own `team_id`: nothing of another workspace is seen."""

    def reviews_due(self, today: date) -> list[DueReview]:
        """Active relationships of the batch whose review is due today or overdue."""
        ...

    def exit_reviews_due(self, today: date) -> list[DueReview]:
        """Active relationships of the batch whose joint exit strategy review is due today or overdue."""
        ...

    def risk_reviews_due(self, today: date) -> list[DueRiskReview]:
        """Open risks of the batch's active relationships whose review date has passed."""
        ...

    def actions_due_before(self, day: date) -> list[DueAction]:
        """Open actions of the batch's active relationships due before `day`."""
        ...

    def ideas_stale(self, today: date, stale_days: int) -> list[DueIdea]:
        """Open ideas of the batch's active relationships unmoved for `stale_days` days or more."""
        ...

    def meetings_due(self, today: date, cadence_days: int) -> list[DueMeeting]:
        """Active relationships of the batch whose joint management team is due to meet."""
        ...

    def disputes_past_limit(self, now: datetime, cadences: Cadences) -> list[tuple[Dispute, Relationship]]:
        """Open disputes of the batch that have outstayed their tier's time limit, with their relationships."""
        ...

    def snoozes(self, ended_since: datetime) -> Mapping[str, Snoozes]:
        """Each workspace's snoozes (as `SnoozeRepository.recent`); a workspace with none is left out."""
        ...

    def joint_teams(self, relationship_ids: Sequence[int]) -> dict[int, list[TeamPair]]:
        """The joint management teams of the relationships, by relationship."""

    def move_up(self, dispute_ids: Sequence[int], from_tier: int, now: datetime) -> list[Dispute]:
        """Move these open disputes of the batch up from `from_tier`, as `Dispute.escalated(now)` does, in one
        statement; returns those moved (one already moved or closed by someone else is left alone)."""
        ...

    def record_dispute_events(self, events: Sequence[DisputeEvent]) -> None:
        """Each in its own workspace, which must be of the batch."""
        ...

    def record_audit(self, events: Sequence[AuditEvent]) -> None:
        """Each in its own workspace, which must be of the batch."""
        ...

    def enqueue(self, nudges: Mapping[str, Sequence[Nudge]], now: datetime) -> dict[str, int]:
        """Add each workspace's nudges whose key is not in its outbox yet; how many were new, per workspace."""
        ...


class ProfileRepository(Protocol):
    """What Slack said of people (their time zone), kept for a while to spare the Web API."""

    def time_zone(self, user_id: str, fresh_since: datetime) -> str | None: ...

    def remember(self, user_id: str, tz: str, now: datetime) -> None: ...


class DirectoryRepository(Protocol):
    """The workspace, its people and channels as Slack last described them."""

    def all(self) -> list[DirectoryEntry]: ...

    def among(self, entry_ids: Collection[str]) -> list[DirectoryEntry]:
        """What is known of these ids (the workspace's own id included); nothing for an id never described."""
        ...

    def remember(self, entries: Sequence[DirectoryEntry]) -> None:
        """Keep these entries, replacing what was known of the same ids."""
        ...


class HomeRedrawRepository(Protocol):
    """The Home tabs committed changes call to be drawn again, until they are."""

    def ask(self, user_ids: Sequence[str], at: datetime) -> None:
        """In the change's own transaction: these people's Home tabs are to be drawn again."""
        ...

    def drawn(self, user_ids: Sequence[str], asked_at: datetime) -> None:
        """Their Home tabs were drawn after every ask up to `asked_at` (a later ask stands)."""
        ...

    def waiting(self, asked_before: datetime) -> list[tuple[str, datetime]]:
        """Who still waits for a drawing asked before `asked_before`, and since when."""
        ...


class AuditRepository(Protocol):
    """Append-only: there is no way to change or remove an event."""

    def record(
        self,
        relationship_id: int | None,
        actor_id: str,
        at: datetime,
        action: str,
        subject: str,
        before: Any = None,
        after: Any = None,
        side: Side = Side.HOME,
    ) -> AuditEvent: ...

    def latest(self, relationship_id: int, limit: int) -> list[AuditEvent]: ...

    def all(self, relationship_id: int) -> list[AuditEvent]:
        """The whole trail of the relationship, oldest first."""
        ...


class PlanVersionRepository(Protocol):
    def add(self, version: PlanVersion) -> PlanVersion: ...

    def latest(self, relationship_id: int) -> PlanVersion | None: ...

    def recent(self, relationship_id: int, limit: int) -> list[PlanVersion]:
        """The latest versions, newest first."""
        ...


class UnitOfWork(Protocol):
    """One transaction in one workspace: changes are kept only if `commit` is called before leaving."""

    team_id: str

    @property
    def relationships(self) -> RelationshipRepository: ...

    @property
    def checkins(self) -> CheckinRepository: ...

    @property
    def checklist(self) -> ChecklistRepository: ...

    @property
    def notes(self) -> NoteRepository: ...

    @property
    def sign_offs(self) -> SignOffRepository: ...

    @property
    def gate_signatures(self) -> GateSignatureRepository: ...

    @property
    def joint_teams(self) -> JointTeamRepository: ...

    @property
    def reviews(self) -> ReviewRepository: ...

    @property
    def disputes(self) -> DisputeRepository: ...

    @property
    def exit_strategies(self) -> ExitStrategyRepository: ...

    @property
    def nudges(self) -> NudgeRepository: ...

    @property
    def snoozes(self) -> SnoozeRepository: ...

    @property
    def profiles(self) -> ProfileRepository: ...

    @property
    def directory(self) -> DirectoryRepository: ...

    @property
    def home_redraws(self) -> HomeRedrawRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def rmp_versions(self) -> PlanVersionRepository: ...

    @property
    def health(self) -> HealthRepository: ...

    @property
    def risks(self) -> RiskRepository: ...

    @property
    def actions(self) -> ActionRepository: ...

    @property
    def ideas(self) -> IdeaRepository: ...

    @property
    def knowledge(self) -> KnowledgeRepository: ...

    @property
    def meetings(self) -> MeetingRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def reading(self) -> AbstractContextManager[Self]:
        """The same transaction for use cases that only read: it may neither write nor commit, and where the
        database takes one writer at a time it does not wait for, nor hold up, those that write."""
        ...

    def beside(self) -> "UnitOfWork | None":
        """Another unit of work in the same workspace, on a connection of its own that can write while this one
        does; None where the database takes one writer at a time."""
        ...


class SweepUnitOfWork(Protocol):
    """One transaction over a batch of workspaces, for the nudge sweep only: kept only if `commit` is called."""

    team_ids: tuple[str, ...]

    @property
    def sweep(self) -> SweepRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def reading(self) -> AbstractContextManager[Self]:
        """A transaction over the batch that only reads: its own snapshot, which does not wait for, nor hold up,
        those that write where the database takes one writer at a time."""
        ...

    def side_by_side(self, parts: Sequence[Callable[["SweepUnitOfWork"], Result]]) -> list[Result]:
        """Each part run with a unit of work of its own over the same batch, the first in this process; the others
        beside it wherever that pays (on other connections, or in helper processes for a large database), so the
        parts and their results must be picklable. Results in the order of the parts."""
        ...
