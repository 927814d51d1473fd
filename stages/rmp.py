"""The Relationship Management Plan: "a dynamic record of an organisation's entire approach to partnering".

Accord already holds every answer, review, dispute and exit decision; this module gathers them into the RMP's
thirteen sections (as the catalogue lists them), keeps numbered versions of it, and says what changed between
two versions. Rendering it (Markdown, HTML) is the adapter's job.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, assert_never

from stages.actions import Action, action_subject
from stages.audit import AuditEvent, JSONable, snapshot
from stages.catalogue import Catalogue, ChecklistItem, Phase, RmpSection, Stage
from stages.checkins import Note, SignOff
from stages.checklist import Answer, ItemState, StageProgress, blank_state
from stages.directory import KnownNames
from stages.disputes import Dispute, DisputeEvent
from stages.errors import Stale
from stages.exits import ExitStrategy
from stages.health import RESULTS_ONLY, HealthRecord, HealthSettings, health_records, results
from stages.ideas import Amount, Idea, IdeaStatus, delivered_totals, idea_subject
from stages.ideas import ranked as ranked_ideas
from stages.joint_team import TeamPair
from stages.knowledge import Classification, KnowledgeItem, grouped
from stages.meetings import DEFAULT_CADENCE_DAYS, Meeting, meeting_subject, next_due
from stages.ports import UnitOfWork
from stages.relationship_service import named_with_word
from stages.relationships import Relationship, Side
from stages.reviews import Review, ReviewView
from stages.risks import Risk, ranked, risk_subject
from stages.versions import PlanVersion

HOME_UNNAMED = "Home organisation"  # before Slack has told the home workspace's name
CHANGE_LOG_LIMIT = 50  # the plan shows the latest changes; the evidence pack carries the whole log


@dataclass(frozen=True)
class ItemRecord:
    """A checklist item with its current state, its answers over time and the notes taken on it."""

    item: ChecklistItem
    stage: Stage
    state: ItemState
    history: tuple[Answer, ...]
    notes: tuple[Note, ...]

    @property
    def clause(self) -> int:
        return self.stage.clause


@dataclass(frozen=True)
class StageRecord:
    stage: Stage
    phase: Phase
    state: str  # "signed off", "current" or "upcoming"
    progress: StageProgress
    sign_off: SignOff | None
    items: tuple[ItemRecord, ...]
    notes: tuple[Note, ...] = ()  # notes on the stage's check-in that are about no one item


@dataclass(frozen=True)
class Act:
    """A person's part in a stage: their latest answer there, or their signature on its gate."""

    user_id: str
    at: datetime


@dataclass(frozen=True)
class Participation:
    """Who of one organisation took part in one stage: answered its items (each person once, at their latest
    answer) and signed its gate. What an auditor looks for as evidence that both parties took part."""

    stage: Stage
    side: Side
    answered: tuple[Act, ...]
    signed: Act | None

    @classmethod
    def of(cls, record: "StageRecord", side: Side) -> "Participation":
        latest: dict[str, datetime] = {}
        for answer in (a for item in record.items for a in item.history if a.actor_side == side):
            latest[answer.actor_id] = max(answer.at, latest.get(answer.actor_id, answer.at))
        answered = tuple(Act(person, at) for person, at in sorted(latest.items(), key=lambda pair: pair[1]))
        return cls(record.stage, side, answered, _signature(record.sign_off, side))

    @property
    def took_part(self) -> bool:
        return bool(self.answered) or self.signed is not None


def _signature(sign_off: SignOff | None, side: Side) -> Act | None:
    if sign_off is None:
        return None
    match side:
        case Side.HOME:
            return Act(sign_off.signed_by, sign_off.signed_at)
        case Side.PARTNER:
            if sign_off.partner_signed_by is None or sign_off.partner_signed_at is None:
                return None
            return Act(sign_off.partner_signed_by, sign_off.partner_signed_at)
        case _:
            assert_never(side)


@dataclass(frozen=True)
class SectionRecord:
    """One of the RMP's sections, with the checklist items whose answers feed it."""

    section: RmpSection
    items: tuple[ItemRecord, ...]


@dataclass(frozen=True)
class DisputeRecord:
    dispute: Dispute
    events: tuple[DisputeEvent, ...]


@dataclass(frozen=True)
class Plan:
    relationship: Relationship
    generated_at: datetime
    stage: Stage
    phase: Phase
    stages: tuple[StageRecord, ...]
    sections: tuple[SectionRecord, ...]
    reviews: tuple[Review, ...]  # latest first
    disputes: tuple[DisputeRecord, ...]  # oldest first
    exit_strategies: tuple[ExitStrategy, ...]  # latest first
    changes: tuple[AuditEvent, ...] = ()  # latest first
    version: int | None = None  # the latest stored version, when the plan was built
    names: KnownNames = field(default_factory=KnownNames)  # people and channels as last known, for offline readers
    team: tuple[TeamPair, ...] = ()  # the joint management team, role by role
    health: tuple[HealthRecord, ...] = ()  # closed health check rounds, oldest first
    risks: tuple[Risk, ...] = ()  # the risk register, open and closed, oldest first
    actions: tuple[Action, ...] = ()  # the actions register, open and completed, oldest first
    # The knowledge map, live and retired, oldest first: the host's records, so never the partner's never-share items.
    knowledge: tuple[KnowledgeItem, ...] = ()
    review_views: tuple[ReviewView, ...] = ()  # the partner's views of shared reviews, oldest first
    ideas: tuple[Idea, ...] = ()  # the value-creation ideas, open and closed, oldest first
    meetings: tuple[Meeting, ...] = ()  # the joint management team's meetings, the latest first
    next_meeting_due: date | None = None  # when the team is next due to meet

    def views_of(self, review: Review) -> list[ReviewView]:
        """The partner's people's views of a review, in the order they were first given."""
        return [v for v in self.review_views if v.review_id == review.id]

    @property
    def open_risks(self) -> list[Risk]:
        """The open risks, the highest score first."""
        return ranked(self.risks)

    @property
    def closed_risks(self) -> list[Risk]:
        return [risk for risk in self.risks if not risk.open]

    @property
    def open_actions(self) -> list[Action]:
        """The open actions, the soonest due first."""
        return sorted((a for a in self.actions if a.open), key=lambda a: (a.due, a.id or 0))

    @property
    def done_actions(self) -> list[Action]:
        return [a for a in self.actions if not a.open]

    @property
    def knowledge_classes(self) -> list[tuple[Classification, list[KnowledgeItem]]]:
        """The live items of the knowledge map by class: share freely, under agreed terms, never."""
        return grouped(self.knowledge)

    @property
    def retired_knowledge(self) -> list[KnowledgeItem]:
        return [item for item in self.knowledge if not item.live]

    @property
    def home_name(self) -> str:
        return self.organisation(Side.HOME)

    @property
    def open_ideas(self) -> list[Idea]:
        """The open ideas, the soonest decision first."""
        return ranked_ideas(self.ideas)

    @property
    def delivered_ideas(self) -> list[Idea]:
        return [idea for idea in self.ideas if idea.status is IdeaStatus.DELIVERED]

    @property
    def dropped_ideas(self) -> list[Idea]:
        return [idea for idea in self.ideas if idea.status is IdeaStatus.DROPPED]

    @property
    def delivered_value(self) -> list[Amount]:
        """The value the ideas delivered, summed for each currency or unit."""
        return delivered_totals(self.ideas)

    @property
    def participation(self) -> tuple[Participation, ...]:
        """Each stage's participation by each organisation, where anyone took part, in the life cycle's order."""
        found = (Participation.of(record, side) for record in self.stages for side in Side)
        return tuple(p for p in found if p.took_part)

    def organisation(self, side: Side) -> str:
        """What a side is called: home as its workspace was last named, the partner as the relationship names it."""
        match side:
            case Side.HOME:
                known = self.names.entry(self.relationship.team_id)
                return known.name if known is not None else HOME_UNNAMED
            case Side.PARTNER:
                return self.relationship.partner
            case _:
                assert_never(side)

    @property
    def pairing(self) -> str:
        """The two organisations, home first, as the joint management team's pairs are written."""
        return f"{self.organisation(Side.HOME)} ↔ {self.organisation(Side.PARTNER)}"

    @property
    def open_disputes(self) -> list[Dispute]:
        return [record.dispute for record in self.disputes if record.dispute.open]

    @property
    def exit_strategy(self) -> ExitStrategy | None:
        return self.exit_strategies[0] if self.exit_strategies else None

    @property
    def current(self) -> StageRecord:
        return next(s for s in self.stages if s.stage.number == self.relationship.stage)

    def section(self, number: int) -> SectionRecord:
        return next(s for s in self.sections if s.section.number == number)

    def content(self) -> JSONable:
        """The plan as JSON values: what versions keep and compare (the change log aside)."""
        r = self.relationship
        return {
            "relationship": _pick(r, RELATIONSHIP_FIELDS),
            "stages": {
                str(s.stage.number): {
                    "state": s.state,
                    "done": s.progress.done,
                    "signed_off_by": s.sign_off.signed_by if s.sign_off else None,
                }
                for s in self.stages
            },
            "items": {
                record.item.id: {
                    "status": record.state.status.value,
                    "reason": record.state.reason,
                    "evidence_url": record.state.evidence_url,
                    "evidence_note": record.state.evidence_note,
                    "assignee": record.state.assignee_id,
                    "notes": len(record.notes),
                }
                for stage in self.stages
                for record in stage.items
            },
            "reviews": {str(review.id): _pick(review, REVIEW_FIELDS) for review in self.reviews},
            "disputes": {str(d.dispute.id): _pick(d.dispute, DISPUTE_FIELDS) for d in self.disputes},
            "exit_strategy": _pick(self.exit_strategy, EXIT_FIELDS) if self.exit_strategy else None,
            **({"risks": {str(risk.id): _pick(risk, RISK_FIELDS) for risk in self.risks}} if self.risks else {}),
            **({"actions": {str(a.id): _pick(a, ACTION_FIELDS) for a in self.actions}} if self.actions else {}),
            **(
                {"review_views": {str(v.id): _pick(v, VIEW_FIELDS) for v in self.review_views}}
                if self.review_views
                else {}
            ),
            **(
                {"knowledge": {str(item.id): _pick(item, KNOWLEDGE_FIELDS) for item in self.knowledge}}
                if self.knowledge
                else {}
            ),
            **({"ideas": {str(i.id): _pick(i, IDEA_FIELDS) for i in self.ideas}} if self.ideas else {}),
            **({"meetings": {str(m.id): _pick(m, MEETING_FIELDS) for m in self.meetings}} if self.meetings else {}),
        }


RELATIONSHIP_FIELDS = (
    "name", "partner", "owner_id", "sponsor_id", "channel_id", "review_cadence_days", "stage", "status",
    "next_review_due", "next_exit_review_due", "last_reviewed_at",
)  # fmt: skip
REVIEW_FIELDS = (
    "reviewed_at", "reviewed_by", "delivery", "trust", "value", "governance", "summary", "decisions", "next_review_due",
)  # fmt: skip
DISPUTE_FIELDS = ("summary", "tier", "status", "owner_id", "resolution", "root_cause")
RISK_FIELDS = (
    "title", "category", "likelihood", "impact", "owner_id", "mitigation", "next_review", "internal", "outcome",
)  # fmt: skip
ACTION_FIELDS = ("title", "owner_id", "due", "source", "source_id", "internal", "done_at", "done_by", "note")
VIEW_FIELDS = ("review_id", "given_by", "given_at", "delivery", "trust", "value", "governance", "summary")
KNOWLEDGE_FIELDS = ("title", "classification", "terms", "owner_id", "side", "retired_at")
IDEA_FIELDS = (
    "title", "status", "owner_id", "expected_amount", "expected_unit", "next_decision", "delivered_amount",
    "delivered_unit", "drop_reason",
)  # fmt: skip
MEETING_FIELDS = ("held_on", "home_attendees", "partner_attendees", "decisions", "internal")
EXIT_FIELDS = ("version", "triggers", "plan", "continuity", "assets", "reviewed_with", "saved_by", "saved_at")


def _pick(entity: Any, names: tuple[str, ...]) -> JSONable:
    everything = snapshot(entity) or {}
    return {name: everything[name] for name in names}


@dataclass(frozen=True)
class PlanChanges:
    """What changed in a relationship's plan between its last two versions."""

    relationship: Relationship
    diff: "VersionDiff"


def plan_asked(
    uow: UnitOfWork,
    catalogue: Catalogue,
    argument: str,
    now: datetime,
    health: HealthSettings = RESULTS_ONLY,
    meeting_cadence_days: int = DEFAULT_CADENCE_DAYS,
) -> "Plan | PlanChanges":
    """`<relationship> [diff]`: the plan as it stands now, or what changed between its last two versions."""
    with uow.reading():
        relationship, wants_diff = named_with_word(uow, argument, "diff")
        if wants_diff:
            return PlanChanges(relationship, diff_latest(uow, relationship.id or 0))
        return build(uow, catalogue, relationship.id or 0, now, health, meeting_cadence_days)


def build(
    uow: UnitOfWork,
    catalogue: Catalogue,
    relationship_id: int,
    now: datetime,
    health: HealthSettings = RESULTS_ONLY,
    meeting_cadence_days: int = DEFAULT_CADENCE_DAYS,
) -> Plan:
    """The plan as it stands now, from everything stored about the relationship (its health checks' results by the
    thresholds of `health`, its next meeting due by `meeting_cadence_days`)."""
    with uow.reading():
        return _read(uow, catalogue, relationship_id, now, health, meeting_cadence_days)[0]


def _read(
    uow: UnitOfWork,
    catalogue: Catalogue,
    relationship_id: int,
    now: datetime,
    health: HealthSettings,
    meeting_cadence_days: int,
) -> tuple[Plan, set[str]]:
    """The plan, read in the caller's unit of work, and the audit trail's subjects of what the partner keeps to
    itself (the plan is the home organisation's: that is not its to read, nor its history)."""
    relationship = uow.relationships.get(relationship_id)
    if relationship is None:
        raise Stale(f"relationship {relationship_id}")
    latest = uow.rmp_versions.latest(relationship_id)
    home = _home_registers(uow, relationship_id)
    return (
        assemble(
            relationship,
            catalogue,
            now,
            states=uow.checklist.states(relationship_id),
            answers=uow.checklist.answers(relationship_id),
            notes=uow.notes.for_relationship(relationship_id),
            sign_offs=uow.sign_offs.for_relationship(relationship_id),
            reviews=uow.reviews.recent(relationship_id, 1000),
            disputes=[
                DisputeRecord(d, tuple(uow.disputes.events(d.id or 0)))
                for d in uow.disputes.for_relationship(relationship_id)
            ],
            exits=uow.exit_strategies.all(relationship_id),
            checkin_stages={c.id: c.stage for c in uow.checkins.for_relationships([relationship_id]) if c.id},
            changes=[c for c in uow.audit.latest(relationship_id, CHANGE_LOG_LIMIT) if c.subject not in home.theirs],
            version=latest.number if latest else None,
            names=KnownNames(uow.directory.all()),
            team=uow.joint_teams.of(relationship_id),
            risks=home.risks,
            actions=home.actions,
            review_views=uow.reviews.views(relationship_id),
            knowledge=[i for i in uow.knowledge.of(relationship_id, retired=True) if i.seen_by(Side.HOME)],
            ideas=home.ideas,
            meetings=home.meetings,
            next_meeting_due=next_due(home.meetings, relationship.created_at.date(), meeting_cadence_days),
            health=health_records(
                [
                    (r, results(r, uow.health.answers(r.id or 0), health))
                    for r in uow.health.rounds(relationship_id)
                    if not r.open
                ]
            ),
        ),
        home.theirs,
    )


@dataclass(frozen=True)
class HomeRegisters:
    """The relationship's registers as the home organisation may read them (all but what the partner keeps
    internal), and the audit trail's subjects of what it may not."""

    risks: list[Risk]
    actions: list[Action]
    ideas: list[Idea]
    meetings: list[Meeting]  # the latest first
    theirs: set[str]


def _home_registers(uow: UnitOfWork, relationship_id: int) -> HomeRegisters:
    risks = uow.risks.of(relationship_id, closed=True)
    actions = uow.actions.of(relationship_id, done=True)
    ideas = uow.ideas.of(relationship_id, closed=True)
    meetings = uow.meetings.of(relationship_id)
    theirs = (
        {risk_subject(r.id or 0) for r in risks if not r.seen_by(Side.HOME)}
        | {action_subject(a.id or 0) for a in actions if not a.seen_by(Side.HOME)}
        | {idea_subject(i.id or 0) for i in ideas if not i.seen_by(Side.HOME)}
        | {meeting_subject(m.id or 0) for m in meetings if not m.seen_by(Side.HOME)}
    )
    return HomeRegisters(
        [r for r in risks if r.seen_by(Side.HOME)],
        [a for a in actions if a.seen_by(Side.HOME)],
        [i for i in ideas if i.seen_by(Side.HOME)],
        [m for m in meetings if m.seen_by(Side.HOME)],
        theirs,
    )


def assemble(
    relationship: Relationship,
    catalogue: Catalogue,
    now: datetime,
    *,
    states: Mapping[str, ItemState],
    answers: Iterable[Answer] = (),
    notes: Iterable[Note] = (),
    sign_offs: Iterable[SignOff] = (),
    reviews: Iterable[Review] = (),
    disputes: Iterable[DisputeRecord] = (),
    exits: Iterable[ExitStrategy] = (),
    changes: Iterable[AuditEvent] = (),
    version: int | None = None,
    names: KnownNames | None = None,
    checkin_stages: Mapping[int, int] | None = None,
    team: Iterable[TeamPair] = (),
    health: Iterable[HealthRecord] = (),
    risks: Iterable[Risk] = (),
    actions: Iterable[Action] = (),
    review_views: Iterable[ReviewView] = (),
    knowledge: Iterable[KnowledgeItem] = (),
    ideas: Iterable[Idea] = (),
    meetings: Iterable[Meeting] = (),
    next_meeting_due: date | None = None,
) -> Plan:
    """The plan from its parts: every stage with its items and general notes (`checkin_stages`: each check-in's
    stage), and every RMP section with the items feeding it."""
    relationship_id = relationship.id or 0
    answers, notes, stage_of = tuple(answers), tuple(notes), checkin_stages or {}
    signed = {s.stage: s for s in sign_offs if s.active}
    records: dict[str, ItemRecord] = {}
    stages = []
    for stage in catalogue.stages:
        items = tuple(
            ItemRecord(
                item,
                stage,
                states.get(item.id) or blank_state(relationship_id, item.id),
                tuple(a for a in answers if a.item_id == item.id),
                tuple(n for n in notes if n.item_id == item.id),
            )
            for item in stage.items
        )
        records.update({record.item.id: record for record in items})
        stages.append(
            StageRecord(
                stage,
                catalogue.phase_of(stage.number),
                _stage_state(stage.number, relationship),
                StageProgress(stage, tuple(record.state for record in items)),
                signed.get(stage.number),
                items,
                tuple(n for n in notes if n.item_id is None and stage_of.get(n.checkin_id) == stage.number),
            )
        )
    sections = tuple(
        SectionRecord(section, tuple(records[i.id] for i in catalogue.items if i.rmp_section == section.number))
        for section in catalogue.rmp_sections
    )
    ideas = tuple(ideas)
    return Plan(
        relationship,
        now,
        catalogue.stage(relationship.stage),
        catalogue.phase_of(relationship.stage),
        tuple(stages),
        sections,
        tuple(reviews),
        tuple(disputes),
        tuple(exits),
        tuple(changes),
        version,
        names or KnownNames(),
        team=tuple(team),
        health=tuple(health),
        risks=tuple(risks),
        actions=tuple(actions),
        knowledge=tuple(knowledge),
        review_views=tuple(review_views),
        ideas=tuple(ideas),
        meetings=tuple(meetings),
        next_meeting_due=next_meeting_due,
    )


def _stage_state(number: int, relationship: Relationship) -> str:
    if number <= relationship.last_signed_off:
        return "signed off"
    return "current" if number == relationship.stage else "upcoming"


def save_version(
    uow: UnitOfWork, catalogue: Catalogue, relationship_id: int, *, reason: str, by: str, now: datetime
) -> PlanVersion:
    """Keep the plan as it stands, numbered; called in the same unit of work as the change that prompted it."""
    plan = build(uow, catalogue, relationship_id, now)
    with uow:
        latest = uow.rmp_versions.latest(relationship_id)
        return uow.rmp_versions.add(
            PlanVersion(
                uow.team_id, relationship_id, (latest.number if latest else 0) + 1, reason, by, now, plan.content()
            )
        )


@dataclass(frozen=True)
class Change:
    path: tuple[str, ...]  # e.g. ("items", "S1.2", "status")
    before: Any
    after: Any


@dataclass(frozen=True)
class DisputeSteps:
    """What happened to one dispute between two versions of the plan."""

    dispute_id: str
    summary: str
    raised: bool  # it is new in the newer version
    escalated_to: int | None  # the tier it climbed to, if it climbed
    resolved: bool


@dataclass(frozen=True)
class VersionDiff:
    older: PlanVersion | None
    newer: PlanVersion | None
    changes: tuple[Change, ...]  # everything but the disputes
    disputes: tuple[DisputeSteps, ...] = ()


def diff_latest(uow: UnitOfWork, relationship_id: int) -> VersionDiff:
    """What changed between the previous version of the plan and the latest."""
    with uow.reading():
        versions = uow.rmp_versions.recent(relationship_id, 2)
    if not versions:
        return VersionDiff(None, None, ())
    newer, older = versions[0], versions[1] if len(versions) > 1 else None
    before, after = older.content if older else {}, newer.content
    changes = tuple(change for change in diff(before, after) if change.path[0] != "disputes")
    return VersionDiff(older, newer, changes, dispute_steps(before, after))


def dispute_steps(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[DisputeSteps, ...]:
    """Each dispute that was raised, climbed a tier or was resolved between two plan contents, in raising order."""
    old, new = before.get("disputes") or {}, after.get("disputes") or {}
    steps = []
    for key in sorted(new, key=lambda k: (len(k), k)):
        now, then = new[key], old.get(key)
        was_tier = then["tier"] if then else 1
        step = DisputeSteps(
            key,
            now["summary"],
            raised=then is None,
            escalated_to=now["tier"] if now["tier"] > was_tier else None,
            resolved=now["status"] == "resolved" and (then is None or then["status"] != "resolved"),
        )
        if step.raised or step.escalated_to or step.resolved:
            steps.append(step)
    return tuple(steps)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """What differs between two plan contents, in a stable order: a review or dispute that appeared (or went) is
    one change holding the whole record; anything else is told value by value."""
    whole = [
        Change((area, key), (before.get(area) or {}).get(key), (after.get(area) or {}).get(key))
        for area in RECORD_AREAS
        for key in sorted(set(before.get(area) or {}) ^ set(after.get(area) or {}), key=lambda k: (len(k), k))
    ]
    told = {change.path for change in whole}
    old, new = _flatten(before), _flatten(after)
    values = [
        Change(path, old.get(path), new.get(path))
        for path in sorted(set(old) | set(new))
        if old.get(path) != new.get(path) and path[:2] not in told
    ]
    return whole + values


RECORD_AREAS = ("reviews", "disputes", "review_views", "ideas", "meetings")


def _flatten(value: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(value, Mapping):
        flat: dict[tuple[str, ...], Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, (*path, str(key))))
        return flat
    return {path: value}


@dataclass(frozen=True)
class Evidence:
    """Everything a certification audit asks for: the plan, every change, and every version of the plan."""

    plan: Plan
    trail: tuple[AuditEvent, ...]  # oldest first
    versions: tuple[PlanVersion, ...]  # newest first


def evidence(
    uow: UnitOfWork,
    catalogue: Catalogue,
    relationship_id: int,
    now: datetime,
    health: HealthSettings = RESULTS_ONLY,
    meeting_cadence_days: int = DEFAULT_CADENCE_DAYS,
) -> Evidence:
    with uow.reading():
        plan, theirs = _read(uow, catalogue, relationship_id, now, health, meeting_cadence_days)
        trail = [e for e in uow.audit.all(relationship_id) if e.subject not in theirs]
        versions = uow.rmp_versions.recent(relationship_id, 10_000)
    return Evidence(plan, tuple(trail), tuple(versions))
