"""Use cases: what people do with relationships, independent of Slack and of the database."""

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime

from stages.actions import ActionSummary
from stages.audit import SYSTEM, AuditEvent
from stages.catalogue import Catalogue, Phase, Stage, default_catalogue
from stages.checklist import StageProgress
from stages.errors import InvalidInput, NameTaken, NotAllowed, Problem, RelationshipNotFound, Stale
from stages.health import LatestHealth
from stages.homes import NO_HOMES, HomesToDraw, homes
from stages.ideas import IdeaSummary
from stages.joint_team import PairDraft, TeamPair, checked_rows, paired, roster
from stages.meetings import MeetingSummary
from stages.naming import clean_name, hidden_characters, suggest
from stages.nudges import role_nudges
from stages.ports import UnitOfWork
from stages.relationships import Relationship, RelationshipDraft, ValidDraft
from stages.risks import RiskSummary


@dataclass(frozen=True)
class RelationshipCreated:
    """A relationship just started: it is to be introduced in its channel, and these Home tabs drawn again."""

    relationship: Relationship
    home_for: HomesToDraw


@dataclass(frozen=True)
class RelationshipEdited:
    """A relationship as saved from its form (`changed` False: the form changed nothing), and the Home tabs to
    draw again: those of the people who led it before and of those who lead it now."""

    relationship: Relationship
    changed: bool
    home_for: HomesToDraw


def create_relationship(
    uow: UnitOfWork,
    draft: RelationshipDraft,
    *,
    created_by: str,
    now: datetime,
    exit_review_days: int = 180,
    catalogue: Catalogue | None = None,
    partner_team_id: str | None = None,
) -> RelationshipCreated:
    """Start managing a relationship at stage 1, telling an owner and a sponsor other than its creator what their
    role is (in `catalogue`'s words, the packaged one's by default). Raises `InvalidInput` or `NameTaken` and
    changes nothing. `partner_team_id`: the partner's workspace, when its channel is shared with it already."""
    valid = draft.validated()
    with uow:
        existing = uow.relationships.by_name(valid.name)
        if existing is not None:
            raise NameTaken(valid.name, existing.name)
        started = Relationship.start(
            uow.team_id, valid, created_by=created_by, now=now, exit_review_days=exit_review_days
        ).with_partner_workspace(partner_team_id)
        relationship = uow.relationships.add(started)
        uow.audit.record(
            relationship.id, created_by, now, "relationship.created", relationship.name, after=relationship
        )
        roles = (catalogue or default_catalogue()).roles
        uow.nudges.enqueue(role_nudges(None, relationship, by=created_by, now=now, roles=roles), now)
        leaders = homes(uow, now, created_by, relationship.owner_id, relationship.sponsor_id)
        uow.commit()
    return RelationshipCreated(relationship, leaders)


def record_intro(uow: UnitOfWork, relationship: Relationship, ts: str, *, now: datetime) -> Relationship:
    """Remember the channel message that introduced the relationship, to link back to it later."""
    with uow:
        updated = uow.relationships.update(relationship.with_intro(ts))
        uow.audit.record(
            relationship.id, SYSTEM, now, "relationship.introduced", relationship.channel_id, relationship, updated
        )
        uow.commit()
    return updated


def record_card(uow: UnitOfWork, relationship: Relationship, ts: str, *, layout: int, now: datetime) -> Relationship:
    """Remember the card pinned in the relationship's shared channel, to keep it up to date in place, and the
    layout it was drawn in."""
    with uow:
        current = uow.relationships.get(relationship.id or 0)
        if current is None:
            raise Stale(f"relationship {relationship.id}")
        updated = uow.relationships.update(current.with_card(ts))
        uow.relationships.card_drawn(relationship.id or 0, layout)
        uow.audit.record(relationship.id, SYSTEM, now, "relationship.card", current.channel_id, current, updated)
        uow.commit()
    return updated


def cards_before(uow: UnitOfWork, layout: int, limit: int) -> list[Relationship]:
    """Up to `limit` active relationships whose pinned card was drawn in a layout older than `layout`."""
    with uow.reading():
        return uow.relationships.cards_before(layout, limit)


def card_drawn(uow: UnitOfWork, relationship: Relationship, layout: int) -> None:
    """The relationship's pinned card was drawn again, in `layout`."""
    with uow:
        uow.relationships.card_drawn(relationship.id or 0, layout)
        uow.commit()


def channel_shared(
    uow: UnitOfWork, channel_id: str, *, connected: str | None, disconnected: str | None, now: datetime
) -> list[Relationship]:
    """Slack says `channel_id` is now shared with another organisation's team (`connected`), or no longer with
    `disconnected`: the relationships run in that channel record or forget it as their partner's workspace.

    A relationship keeps the first partner workspace it recorded while the channel stays shared with it, so a
    third organisation joining the channel does not take the partner's place. Returns the relationships changed.
    """
    changed = []
    with uow:
        for current in uow.relationships.all():
            if current.channel_id != channel_id:
                continue
            if connected is not None and current.partner_team_id is None:
                updated = current.with_partner_workspace(connected)
            elif disconnected is not None and current.partner_team_id == disconnected:
                updated = current.with_partner_workspace(None)
            else:
                continue
            saved = uow.relationships.update(updated)
            uow.audit.record(current.id, SYSTEM, now, "relationship.partner_workspace", channel_id, current, saved)
            changed.append(saved)
        if changed:
            uow.commit()
    return changed


def edit_relationship(
    uow: UnitOfWork,
    relationship_id: int,
    draft: RelationshipDraft,
    *,
    by: str,
    now: datetime,
    catalogue: Catalogue | None = None,
    organisations: Mapping[str, str] | None = None,
    channel_partner: str | None = None,
    team: Sequence[PairDraft] | None = None,
) -> RelationshipEdited:
    """Change a relationship's name, partner, people, channel or review cadence. Only its owner or sponsor may.

    The partner's people (its sponsor and relationship manager) must be of the partner's organisation, as
    `organisations` (person: their Slack workspace) says, and can be named only once the partner takes part.
    Moved to another channel, the relationship takes as its partner's workspace the one that channel is shared
    with, `channel_partner` (none: an internal channel); in the same channel, `channel_partner` is the one chosen
    among those it is shared with (none: unchanged).

    A new cadence moves the next review only if that brings it sooner; the stage is changed only by sign-off. A new
    owner or sponsor (named by someone else) is told what the role asks, in `catalogue`'s words.
    """
    valid = draft.validated()
    rows = checked_rows(team) if team is not None else None
    with uow:
        current = uow.relationships.get(relationship_id)
        if current is None:
            raise Stale(f"relationship {relationship_id}")
        if not current.is_leader(by):
            raise NotAllowed("edit", current.owner_id, current.sponsor_id)
        moved = valid.channel_id != current.channel_id
        rechosen = channel_partner is not None and channel_partner != current.partner_team_id
        base = current.with_partner_workspace(channel_partner) if moved or rechosen else current
        _partner_people_are_theirs(current, base, valid, organisations or {})
        pairs_before = uow.joint_teams.of(relationship_id)
        pairs = pairs_before if rows is None else paired(rows, base, organisations or {})
        clash = uow.relationships.by_name(valid.name)
        if clash is not None and clash.id != relationship_id:
            raise NameTaken(valid.name, clash.name)
        edited = base.edited(valid, today=now.date())
        saved = current if edited == current else uow.relationships.update(edited)
        leaders = NO_HOMES  # an edit that changes nothing changes no Home tab
        if pairs != pairs_before:
            uow.joint_teams.replace(relationship_id, pairs)
            uow.audit.record(relationship_id, by, now, "team.changed", saved.name, roster(pairs_before), roster(pairs))
        if saved != current:
            uow.audit.record(relationship_id, by, now, "relationship.edited", saved.name, current, saved)
            roles = (catalogue or default_catalogue()).roles
            uow.nudges.enqueue(role_nudges(current, saved, by=by, now=now, roles=roles), now)
            leaders = homes(uow, now, by, current.owner_id, current.sponsor_id, saved.owner_id, saved.sponsor_id)
        changed = saved != current or pairs != pairs_before
        if changed:
            uow.commit()
        return RelationshipEdited(saved, changed, leaders)


def _partner_people_are_theirs(
    current: Relationship, edited: Relationship, valid: ValidDraft, organisations: Mapping[str, str]
) -> None:
    """`InvalidInput` for a partner's person newly named who is not of the partner's workspace (or when there is no
    partner taking part); those named before stay, whatever channel the relationship moves to, unless the partner
    is now another organisation (then they must be its people too)."""
    problems = []
    before = {"partner_sponsor": current.partner_sponsor_id, "partner_manager": current.partner_manager_id}
    other_partner = None not in (current.partner_team_id, edited.partner_team_id) and (
        current.partner_team_id != edited.partner_team_id
    )
    for field, person in valid.partner_people().items():
        if person == before[field] and not other_partner:
            continue
        if edited.partner_team_id is None:
            problems.append(Problem(field, "partner_not_connected", {"partner": edited.partner}))
        elif organisations.get(person) != edited.partner_team_id:
            problems.append(Problem(field, "not_partner_person", {"partner": edited.partner}))
    if problems:
        raise InvalidInput(problems)


def editable(uow: UnitOfWork, name: str, by: str) -> tuple[Relationship, list[TeamPair]]:
    """The relationship called `name`, with its joint management team, for its owner or sponsor to edit:
    `RelationshipNotFound` or `NotAllowed`."""
    with uow.reading():
        found = find_relationship(uow, name)
        pairs = uow.joint_teams.of(found.id or 0)
    if not found.is_leader(by):
        raise NotAllowed("edit", found.owner_id, found.sponsor_id)
    return found, pairs


def joint_team(uow: UnitOfWork, relationship: Relationship) -> list[TeamPair]:
    """The relationship's joint management team, role by role."""
    with uow.reading():
        return uow.joint_teams.of(relationship.id or 0)


@dataclass(frozen=True)
class History:
    """A relationship's latest changes, newest first: `wanted` were asked for, no more than the cap are here."""

    relationship: Relationship
    wanted: int
    events: list[AuditEvent]


def history(uow: UnitOfWork, readings: Sequence[tuple[str, int | None]], *, default: int, most: int) -> History:
    """`<relationship> [count]` (see `relationship_and_number` for `readings`): its latest `count` changes,
    `default` if no count was given, never more than `most`."""
    with uow.reading():
        relationship, count = relationship_and_number(uow, readings)
        wanted = default if count is None else count
        events = uow.audit.latest(relationship.id or 0, min(wanted, most))
    return History(relationship, wanted, events)


def named_with_word(uow: UnitOfWork, argument: str, word: str) -> tuple[Relationship, bool]:
    """`<relationship> [word]`, where a relationship's name could itself end in the word: the relationship, and
    whether the word was said apart from its name. `RelationshipNotFound` for the whole text when neither names one."""
    with uow.reading():
        try:
            return find_relationship(uow, argument), False
        except RelationshipNotFound:
            rest, _, last = argument.rpartition(" ")
            if rest and last.casefold() == word:
                return find_relationship(uow, rest), True
            raise


def find_relationship(uow: UnitOfWork, name: str) -> Relationship:
    """The relationship called `name`; raises `RelationshipNotFound` carrying near misses to suggest."""
    wanted = clean_name(name)
    with uow.reading():
        found = uow.relationships.by_name(wanted)
        if found is None:
            raise RelationshipNotFound(wanted, suggest(wanted, uow.relationships.names()))
        return found


def relationship_and_number(
    uow: UnitOfWork, readings: Sequence[tuple[str, int | None]]
) -> tuple[Relationship, int | None]:
    """The first of `readings` (a name, and a number typed after it) that names a relationship, with its number;
    `RelationshipNotFound` for the first reading, the whole text, when none does."""
    (literal, number), *others = readings
    with uow.reading():
        try:
            return find_relationship(uow, literal), number
        except RelationshipNotFound:
            for name, other_number in others:
                with suppress(RelationshipNotFound):
                    return find_relationship(uow, name), other_number
            raise


def name_free(uow: UnitOfWork, name: str) -> None:
    """`NameTaken` if a relationship in the workspace already has `name` (as names are compared)."""
    wanted = clean_name(name)
    with uow.reading():
        existing = uow.relationships.by_name(wanted)
    if existing is not None:
        raise NameTaken(wanted, existing.name)


def name_available(uow: UnitOfWork, name: str, *, keeping: int | None = None) -> None:
    """`InvalidInput` on the name field if another relationship than `keeping` (the one being edited) already has
    `name`, as names are compared; a name the form's own rules refuse (empty, or hiding characters) is left to them."""
    wanted = clean_name(name)
    if not wanted or hidden_characters("name", wanted):
        return
    with uow.reading():
        existing = uow.relationships.by_name(wanted)
    if existing is not None and existing.id != keeping:
        raise InvalidInput([Problem("name", "name_taken", {"existing": existing.name})])


def list_relationships(uow: UnitOfWork) -> list[Relationship]:
    with uow.reading():
        return uow.relationships.all()


@dataclass(frozen=True)
class StageLine:
    """One stage in a status report: its checklist progress and where it sits in the life cycle."""

    progress: StageProgress
    state: str  # "signed off", "current" or "upcoming"


@dataclass(frozen=True)
class StatusReport:
    """Where a relationship stands: its stage and phase, progress through every stage, and its next review."""

    relationship: Relationship
    stage: Stage
    phase: Phase
    stages: tuple[StageLine, ...]
    review_overdue: bool
    health: LatestHealth | None = None  # its latest closed health check, told by the health feature
    risks: RiskSummary | None = None  # its open risks, told by the risk register
    actions: ActionSummary | None = None  # its open actions, told by the actions register
    ideas: IdeaSummary | None = None  # its open value-creation ideas and the value delivered, told by the register
    meetings: MeetingSummary | None = None  # its team's last meeting and the next due, told by the meetings


def relationship_status(uow: UnitOfWork, catalogue: Catalogue, name: str, today: date) -> StatusReport:
    with uow.reading():
        relationship = find_relationship(uow, name)
        states = uow.checklist.states(relationship.id or 0)
    lines = tuple(
        StageLine(StageProgress.of(stage, relationship.id or 0, states), _stage_state(stage.number, relationship))
        for stage in catalogue.stages
    )
    return StatusReport(
        relationship=relationship,
        stage=catalogue.stage(relationship.stage),
        phase=catalogue.phase_of(relationship.stage),
        stages=lines,
        review_overdue=relationship.review_overdue(today),
    )


def _stage_state(number: int, relationship: Relationship) -> str:
    if number <= relationship.last_signed_off:
        return "signed off"
    return "current" if number == relationship.stage else "upcoming"
