"""Disputes and their escalation ladder: "DON'T let disputes linger so long that they damage the relationship".

A dispute starts at tier 1 (working level) and climbs to the joint management team (tier 2) and the executive
sponsors (tier 3), by hand or when it outstays its tier's time limit. Every step is kept as an event.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import assert_never

from stages.catalogue import Cadences
from stages.errors import InvalidInput, Problem, Stale
from stages.naming import plain_text
from stages.relationships import Relationship

SUMMARY_MAX = 500
TEXT_MAX = 3000


class Tier(IntEnum):
    """The rungs of the ladder, each with the people who answer for a dispute there (the catalogue names them
    and sets their time limits; a test holds the two to the same rungs)."""

    WORKING_LEVEL = 1
    JOINT_MANAGEMENT = 2
    EXECUTIVE_SPONSORS = 3


TOP_TIER = max(Tier)


class DisputeMovedOn(Stale):
    """The dispute is no longer where the person saw it (a second press, a button on an old message)."""


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class DisputeEventKind(StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    UPDATE = "update"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Dispute:
    team_id: str
    relationship_id: int
    summary: str
    raised_by: str
    raised_at: datetime
    owner_id: str  # who answers for it at working level: the relationship's owner
    tier: int = 1
    tier_since: datetime | None = None
    status: DisputeStatus = DisputeStatus.OPEN
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    root_cause: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    source_link: str | None = None
    version: int = 0  # bumped by every stored change, so concurrent changes cannot both win
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.status is DisputeStatus.OPEN

    def since(self) -> datetime:
        return self.tier_since or self.raised_at

    def age(self, now: datetime) -> timedelta:
        return now - self.raised_at

    def tier_deadline(self, cadences: Cadences) -> datetime | None:
        """When the dispute outstays its tier; None at the top tier, which has no limit."""
        days = cadences.tier_days(self.tier)
        return None if days is None else self.since() + timedelta(days=days)

    def escalated(self, now: datetime) -> "Dispute":
        if self.tier >= TOP_TIER:
            raise InvalidInput([Problem("tier", "top_tier")])
        return replace(self, tier=self.tier + 1, tier_since=now)

    def acknowledged(self, by: str, now: datetime) -> "Dispute":
        return replace(self, acknowledged_by=by, acknowledged_at=now)

    def resolved(self, by: str, now: datetime, resolution: str, root_cause: str) -> "Dispute":
        return replace(
            self,
            status=DisputeStatus.RESOLVED,
            resolved_by=by,
            resolved_at=now,
            resolution=resolution,
            root_cause=root_cause,
        )


@dataclass(frozen=True)
class DisputeEvent:
    team_id: str
    dispute_id: int
    kind: DisputeEventKind
    actor_id: str
    at: datetime
    tier: int
    text: str | None = None
    id: int | None = None


def tier_people(dispute: Dispute, relationship: Relationship) -> tuple[str, ...]:
    """Who answers for the dispute at its tier: working level, the joint management team, the sponsors."""
    people: tuple[str, ...]
    match Tier(dispute.tier):  # a tier off the ladder raises: nobody is made to answer for it by default
        case Tier.WORKING_LEVEL:
            people = (dispute.owner_id, dispute.raised_by)
        case Tier.JOINT_MANAGEMENT:
            people = (relationship.owner_id, dispute.owner_id)
        case Tier.EXECUTIVE_SPONSORS:
            people = (relationship.sponsor_id,)
        case unknown:
            assert_never(unknown)
    return tuple(dict.fromkeys(people))


def may_handle(dispute: Dispute, relationship: Relationship, user_id: str) -> bool:
    """Acknowledging, escalating and resolving are for the dispute's owner and the relationship's leaders."""
    return user_id == dispute.owner_id or relationship.is_leader(user_id)


def summary(raw: str | None) -> str:
    text = plain_text("summary", raw, multiline=False)
    if not text:
        raise InvalidInput([Problem("summary", "dispute_summary_missing")])
    if len(text) > SUMMARY_MAX:
        raise InvalidInput([Problem("summary", "too_long", {"limit": SUMMARY_MAX, "length": len(text)})])
    return text


def free_text(field: str, raw: str | None, *, required: bool) -> str | None:
    text = plain_text(field, raw, multiline=True)
    if required and not text:
        raise InvalidInput([Problem(field, f"{field}_missing")])
    if len(text) > TEXT_MAX:
        raise InvalidInput([Problem(field, "too_long", {"limit": TEXT_MAX, "length": len(text)})])
    return text or None
