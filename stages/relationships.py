"""Relationships: the collaborations Accord manages, and the rules for starting one."""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import assert_never

from stages.errors import InvalidInput, OutsideTheRelationship, Problem
from stages.naming import clean_name, hidden_characters, normal, whole_number

NAME_MAX = 80
PARTNER_MAX = 120
CADENCE_MIN_DAYS = 7
CADENCE_MAX_DAYS = 365


class RelationshipStatus(StrEnum):
    ACTIVE = "active"
    EXITED = "exited"


class Side(StrEnum):
    """The two organisations of a relationship: the one whose workspace keeps it, and its partner."""

    HOME = "home"
    PARTNER = "partner"

    @property
    def other(self) -> "Side":
        match self:
            case Side.HOME:
                return Side.PARTNER
            case Side.PARTNER:
                return Side.HOME
            case _:
                assert_never(self)


@dataclass(frozen=True)
class RelationshipDraft:
    """What a person fills in to start managing a relationship; raw, as typed."""

    name: str
    partner: str
    owner_id: str | None
    sponsor_id: str | None
    channel_id: str | None
    review_cadence_days: str | int | None
    # The partner's own people, once the partner takes part (its workspace shares the relationship's channel).
    partner_sponsor_id: str | None = None
    partner_manager_id: str | None = None
    # The partner's workspace chosen among the organisations the channel is shared with, when there are several.
    partner_team_id: str | None = None

    def validated(self) -> "ValidDraft":
        """The draft with every rule checked, or `InvalidInput` naming each field that breaks one."""
        problems: list[Problem] = []
        name = clean_name(self.name or "")
        partner = " ".join(normal(self.partner or "").split())
        problems += _text_problems("name", name, NAME_MAX)
        if "\n" in (self.name or "").strip():
            problems.append(Problem("name", "name_multiline"))
        problems += _text_problems("partner", partner, PARTNER_MAX)
        owner = _required("owner", self.owner_id, "person_missing", problems)
        sponsor = _required("sponsor", self.sponsor_id, "person_missing", problems)
        if owner and owner == sponsor:  # the sponsor is who the owner escalates to: one person cannot be both
            problems.append(Problem("sponsor", "sponsor_is_owner"))
        channel = _required("channel", self.channel_id, "channel_missing", problems)
        cadence = _cadence(self.review_cadence_days, problems)
        for field, person in (
            ("partner_sponsor", self.partner_sponsor_id),
            ("partner_manager", self.partner_manager_id),
        ):
            if person and person in (owner, sponsor):  # each organisation names its own people
                problems.append(Problem(field, "partner_person_is_ours"))
        if problems:
            raise InvalidInput(problems)
        return ValidDraft(
            name,
            partner,
            owner,
            sponsor,
            channel,
            cadence,
            self.partner_sponsor_id or None,
            self.partner_manager_id or None,
        )


@dataclass(frozen=True)
class ValidDraft:
    name: str
    partner: str
    owner_id: str
    sponsor_id: str
    channel_id: str
    review_cadence_days: int
    partner_sponsor_id: str | None = None
    partner_manager_id: str | None = None

    def partner_people(self) -> dict[str, str]:
        """The partner's people named, by the field that names them."""
        named = {"partner_sponsor": self.partner_sponsor_id, "partner_manager": self.partner_manager_id}
        return {field: person for field, person in named.items() if person}


@dataclass(frozen=True)
class Relationship:
    """One collaboration, at one stage of the life cycle, owned and sponsored by named people."""

    team_id: str
    name: str
    partner: str
    owner_id: str
    sponsor_id: str
    channel_id: str
    review_cadence_days: int
    stage: int
    status: RelationshipStatus
    created_by: str
    created_at: datetime
    next_review_due: date
    exit_review_cadence_days: int = 180
    next_exit_review_due: date | None = None
    last_reviewed_at: datetime | None = None
    intro_ts: str | None = None
    # The partner organisation's Slack workspace, once the relationship's channel is shared with it (Slack Connect).
    partner_team_id: str | None = None
    # The partner's own executive sponsor and relationship manager: either signs the joint stage gates for them.
    partner_sponsor_id: str | None = None
    partner_manager_id: str | None = None
    card_ts: str | None = None  # the card pinned in the shared channel, saying what each side can do there
    id: int | None = None

    @classmethod
    def start(
        cls, team_id: str, draft: ValidDraft, *, created_by: str, now: datetime, exit_review_days: int = 180
    ) -> "Relationship":
        """A new relationship enters the life cycle at stage 1, with its first review one cadence away.

        The exit strategy is planned from the start, not at the end: its first joint review is due one exit
        cadence after the relationship begins.
        """
        return cls(
            team_id=team_id,
            name=draft.name,
            partner=draft.partner,
            owner_id=draft.owner_id,
            sponsor_id=draft.sponsor_id,
            channel_id=draft.channel_id,
            review_cadence_days=draft.review_cadence_days,
            stage=1,
            status=RelationshipStatus.ACTIVE,
            created_by=created_by,
            created_at=now,
            next_review_due=now.date() + timedelta(days=draft.review_cadence_days),
            exit_review_cadence_days=exit_review_days,
            next_exit_review_due=now.date() + timedelta(days=exit_review_days),
        )

    def edited(self, draft: ValidDraft, *, today: date) -> "Relationship":
        due = min(self.next_review_due, today + timedelta(days=draft.review_cadence_days))
        return replace(
            self,
            name=draft.name,
            partner=draft.partner,
            owner_id=draft.owner_id,
            sponsor_id=draft.sponsor_id,
            channel_id=draft.channel_id,
            review_cadence_days=draft.review_cadence_days,
            next_review_due=due,
            partner_sponsor_id=draft.partner_sponsor_id,
            partner_manager_id=draft.partner_manager_id,
        )

    def with_intro(self, ts: str) -> "Relationship":
        return replace(self, intro_ts=ts)

    def with_partner_workspace(self, team_id: str | None) -> "Relationship":
        return replace(self, partner_team_id=team_id)

    def with_card(self, ts: str | None) -> "Relationship":
        return replace(self, card_ts=ts)

    def with_partner_people(self, sponsor_id: str | None, manager_id: str | None) -> "Relationship":
        return replace(self, partner_sponsor_id=sponsor_id, partner_manager_id=manager_id)

    @property
    def is_joint(self) -> bool:
        """Whether the partner organisation takes part itself, in the relationship's shared channel."""
        return self.partner_team_id is not None

    def side_of(self, organisation: str) -> Side | None:
        """Which side a person of `organisation` (a Slack workspace or Grid org) is on; None for neither."""
        if organisation == self.team_id:
            return Side.HOME
        if self.partner_team_id is not None and organisation == self.partner_team_id:
            return Side.PARTNER
        return None

    def signs_for(self, user_id: str, side: Side) -> bool:
        """Whether the person signs stage gates for `side`: its executive sponsor, or whom it delegated to (the
        owner at home, the relationship manager at the partner)."""
        match side:
            case Side.HOME:
                return self.is_leader(user_id)
            case Side.PARTNER:
                return user_id in {self.partner_sponsor_id, self.partner_manager_id} - {None}
            case _:
                assert_never(side)

    @property
    def exited(self) -> bool:
        return self.status is RelationshipStatus.EXITED

    @property
    def last_signed_off(self) -> int:
        """The latest stage signed off (0 for none): the one before the current, or 8 once exited."""
        return self.stage if self.exited else self.stage - 1

    def advanced(self, last_stage: int) -> "Relationship":
        """After its current stage is signed off: on to the next stage, or exited after the last."""
        if self.stage >= last_stage:
            return replace(self, status=RelationshipStatus.EXITED)
        return replace(self, stage=self.stage + 1)

    def reopened(self, stage: int) -> "Relationship":
        """Back at `stage`, active again (a reopened exit strategy means the relationship has not ended)."""
        return replace(self, stage=stage, status=RelationshipStatus.ACTIVE)

    def is_leader(self, user_id: str) -> bool:
        """Owners and executive sponsors lead the relationship: they sign stages off and steer it."""
        return user_id in (self.owner_id, self.sponsor_id)

    def review_overdue(self, today: date) -> bool:
        return self.status is RelationshipStatus.ACTIVE and self.next_review_due < today

    def exit_review_due(self, today: date) -> bool:
        due = self.next_exit_review_due
        return self.status is RelationshipStatus.ACTIVE and due is not None and due <= today

    def reviewed(self, at: datetime, next_due: date) -> "Relationship":
        return replace(self, last_reviewed_at=at, next_review_due=next_due)

    def exit_reviewed(self, on: date) -> "Relationship":
        return replace(self, next_exit_review_due=on + timedelta(days=self.exit_review_cadence_days))


def taking_part(relationship: Relationship, organisation: str) -> Side:
    """The side a person of `organisation` takes part for; `OutsideTheRelationship` for a third organisation."""
    side = relationship.side_of(organisation)
    if side is None:
        raise OutsideTheRelationship(relationship.name, relationship.partner)
    return side


def _text_problems(field: str, value: str, limit: int) -> list[Problem]:
    if not value:
        return [Problem(field, f"{field}_empty")]
    if len(value) > limit:
        return [Problem(field, "too_long", {"limit": limit, "length": len(value)})]
    return hidden_characters(field, value)


def _required(field: str, value: str | None, code: str, problems: list[Problem]) -> str:
    if not value:
        problems.append(Problem(field, code))
    return value or ""


def _cadence(raw: str | int | None, problems: list[Problem]) -> int:
    """Whole days between reviews; 0 (with a problem recorded) when the input is unusable."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        problems.append(Problem("cadence", "cadence_missing"))
        return 0
    days = whole_number(text)
    if days is None:
        problems.append(Problem("cadence", "cadence_not_number", {"value": text}))
        return 0
    if not CADENCE_MIN_DAYS <= days <= CADENCE_MAX_DAYS:
        problems.append(
            Problem("cadence", "cadence_range", {"min": CADENCE_MIN_DAYS, "max": CADENCE_MAX_DAYS, "value": days})
        )
        return 0
    return days
