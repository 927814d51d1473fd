"""What a person should look at: the relationships they lead, items assigned to them, stages awaiting them, the
reviews of the risks they own, the stale value-creation ideas they own, the meetings due of the relationships
they own, their overdue actions."""

from dataclasses import dataclass, field
from datetime import date, datetime

from stages import health_service
from stages.actions import Action
from stages.catalogue import Catalogue, ChecklistItem
from stages.checkins import Checkin, CheckinStatus
from stages.checklist import ItemState, StageProgress
from stages.dispute_service import Case
from stages.health import RESULTS_ONLY, HealthSettings, LatestHealth
from stages.health_service import AnswerForm
from stages.ideas import STALE_DAYS, Idea
from stages.meetings import DEFAULT_CADENCE_DAYS, meeting_due, next_due
from stages.nudges import QueuedNudge
from stages.ports import UnitOfWork
from stages.relationships import Relationship
from stages.risks import Risk


@dataclass(frozen=True)
class Led:
    relationship: Relationship
    progress: StageProgress  # of the current stage
    checkin: Checkin | None  # the current stage's check-in, if started
    rounds: int = 0  # how often the current stage has been signed off: its gate's state, as shown

    @property
    def ready_for_sign_off(self) -> bool:
        return (
            not self.relationship.exited
            and self.checkin is not None
            and self.checkin.status is CheckinStatus.OPEN
            and self.progress.ready
        )


@dataclass(frozen=True)
class Assignment:
    relationship: Relationship
    checkin: Checkin | None
    item: ChecklistItem
    state: ItemState


@dataclass(frozen=True)
class RiskDue:
    """A risk the person owns whose review date has passed."""

    risk: Risk
    relationship: Relationship


@dataclass(frozen=True)
class ActionDue:
    """An action the person owns that is overdue where they are."""

    action: Action
    relationship: Relationship


@dataclass(frozen=True)
class IdeaStale:
    """A value-creation idea the person owns that has not moved for a while."""

    idea: Idea
    relationship: Relationship


@dataclass(frozen=True)
class MeetingDue:
    """A relationship the person owns whose joint management team is due to meet."""

    relationship: Relationship
    due: date


@dataclass(frozen=True)
class Attention:
    led: list[Led]
    assigned: list[Assignment]
    disputes: list[Case] = field(default_factory=list)  # open, on what they lead or own; oldest first
    failed_nudges: list[QueuedNudge] = field(default_factory=list)  # about what they lead
    health_checks: list[AnswerForm] = field(default_factory=list)  # open rounds asking them, not answered yet
    health: dict[int, LatestHealth] = field(default_factory=dict)  # the latest closed round of what they lead
    risk_reviews: list[RiskDue] = field(default_factory=list)  # overdue reviews of risks they own, oldest first
    overdue_actions: list[ActionDue] = field(default_factory=list)  # actions they own, overdue, the oldest first
    stale_ideas: list[IdeaStale] = field(default_factory=list)  # stale ideas they own, the longest unmoved first
    meetings_due: list[MeetingDue] = field(default_factory=list)  # of the relationships they own

    @property
    def awaiting_sign_off(self) -> list[Led]:
        return [led for led in self.led if led.ready_for_sign_off]


def attention(
    uow: UnitOfWork,
    catalogue: Catalogue,
    user_id: str,
    health: HealthSettings = RESULTS_ONLY,
    now: datetime | None = None,
    idea_stale_days: int = STALE_DAYS,
    meeting_cadence_days: int = DEFAULT_CADENCE_DAYS,
) -> Attention:
    """What needs the person; the health checks waiting for them only with the key of `health` and `now`; the
    ideas they own stale after `idea_stale_days` unmoved and the meetings due (every `meeting_cadence_days`) only
    with `now`."""
    with uow.reading():
        led_relationships = uow.relationships.led_by(user_id)
        assigned_states = uow.checklist.assigned_to(user_id)
        relationships = {r.id: r for r in led_relationships}
        for state in assigned_states:
            if state.relationship_id not in relationships:
                found = uow.relationships.get(state.relationship_id)
                if found is not None:
                    relationships[found.id] = found
        checkins = {
            (c.relationship_id, c.stage): c for c in uow.checkins.for_relationships([i for i in relationships if i])
        }
        led = []
        for relationship in led_relationships:
            stage = catalogue.stage(relationship.stage)
            progress = StageProgress.of(stage, relationship.id or 0, uow.checklist.states(relationship.id or 0))
            checkin = checkins.get((relationship.id or 0, relationship.stage))
            rounds = sum(1 for s in uow.sign_offs.for_relationship(relationship.id or 0) if s.stage == stage.number)
            led.append(Led(relationship, progress, checkin, rounds))
        assigned = []
        for state in assigned_states:
            owner = relationships.get(state.relationship_id)
            if owner is None:
                continue
            item = catalogue.item(state.item_id)
            if state.satisfies(item) or owner.exited:
                continue  # finished with: it no longer needs the person
            assigned.append(Assignment(owner, checkins.get((state.relationship_id, item.stage)), item, state))
        led_ids = [r.id for r in led_relationships if r.id is not None]
        disputes = []
        for dispute in uow.disputes.involving(user_id, led_ids):
            about = relationships.get(dispute.relationship_id) or uow.relationships.get(dispute.relationship_id)
            if about is not None:
                disputes.append(Case(dispute, about))
        failed = uow.nudges.failed(led_ids)
        waiting = health_service.waiting_for(uow, health, user_id, now) if health.key and now else []
        latest = {i: index for i in led_ids if (index := health_service.latest(uow, health, i)) is not None}
        risk_reviews = []
        for risk in uow.risks.owned_by(user_id) if now else []:
            about = relationships.get(risk.relationship_id) or uow.relationships.get(risk.relationship_id)
            if about is not None and not about.exited and now and risk.review_overdue(now.date()):
                risk_reviews.append(RiskDue(risk, about))
        stale_ideas = []
        for idea in uow.ideas.owned_by(user_id) if now else []:
            about = relationships.get(idea.relationship_id) or uow.relationships.get(idea.relationship_id)
            if about is not None and not about.exited and now and idea.stale(now.date(), idea_stale_days):
                stale_ideas.append(IdeaStale(idea, about))
        meetings = []
        for r in led_relationships if now else []:
            if r.owner_id != user_id or r.exited:
                continue  # the owner manages the relationship: the sponsor is not asked to run its meetings
            due = next_due(uow.meetings.of(r.id or 0), r.created_at.date(), meeting_cadence_days)
            if now and meeting_due(due, now.date()):
                meetings.append(MeetingDue(r, due))
        overdue = []
        for action in uow.actions.owned_by(user_id) if now else []:
            about = relationships.get(action.relationship_id) or uow.relationships.get(action.relationship_id)
            if about is not None and not about.exited and now and action.overdue(now):
                overdue.append(ActionDue(action, about))
    return Attention(led, assigned, disputes, failed, waiting, latest, risk_reviews, overdue, stale_ideas, meetings)
