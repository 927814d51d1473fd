"""Disputes and their escalation ladder: "DON'T let disputes linger so long that they damage the relationship".

A dispute starts at tier 1 (working level) and climbs to the joint management team (tier 2) and the executive
sponsors (tier 3), by hand (giving a reason) or when it outstays its tier's time limit. Every step is kept as an
event. A dispute has one owner, who answers for it at its tier: the relationship's owner at the first two tiers
(they lead the joint management team), the executive sponsor at the top.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import assert_never

from stages.catalogue import Cadences
from stages.errors import InvalidInput, Problem, Stale
from stages.naming import plain_text
from stages.relationships import Relationship, Side

SUMMARY_MAX = 500
TEXT_MAX = 3000
ESCALATION_REASON_MAX = 500


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
    owner_id: str  # who answers for it at its tier (`tier_owner`), moved with it up the ladder
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

    def escalated(self, now: datetime, relationship: Relationship) -> "Dispute":
        """One tier up, owned by whoever answers for it there."""
        if self.tier >= TOP_TIER:
            raise InvalidInput([Problem("tier", "top_tier")])
        tier = Tier(self.tier + 1)
        return replace(self, tier=tier, tier_since=now, owner_id=tier_owner(tier, relationship))

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
    actor_side: Side = Side.HOME  # the organisation the person acted for
    id: int | None = None


class OwnerRole(StrEnum):
    """Whose a dispute is at a tier, as a role of its relationship."""

    RELATIONSHIP_OWNER = "relationship_owner"
    EXECUTIVE_SPONSOR = "executive_sponsor"


def owner_role(tier: Tier) -> OwnerRole:
    match tier:
        case Tier.WORKING_LEVEL | Tier.JOINT_MANAGEMENT:
            return OwnerRole.RELATIONSHIP_OWNER
        case Tier.EXECUTIVE_SPONSORS:
            return OwnerRole.EXECUTIVE_SPONSOR
        case unknown:
            assert_never(unknown)


def tier_owner(tier: int, relationship: Relationship) -> str:
    """Who owns a dispute at `tier` (one off the ladder raises: nobody is made to answer for it by default)."""
    match owner_role(Tier(tier)):
        case OwnerRole.RELATIONSHIP_OWNER:
            return relationship.owner_id
        case OwnerRole.EXECUTIVE_SPONSOR:
            return relationship.sponsor_id
        case unknown:
            assert_never(unknown)


def partner_counterpart(tier: int, relationship: Relationship) -> str | None:
    """Who answers for a dispute at `tier` on the partner's side of a joint relationship: their relationship
    manager at the first two tiers (their sponsor if no manager is named), their executive sponsor at the top."""
    if not relationship.is_joint:
        return None
    match owner_role(Tier(tier)):
        case OwnerRole.RELATIONSHIP_OWNER:
            return relationship.partner_manager_id or relationship.partner_sponsor_id
        case OwnerRole.EXECUTIVE_SPONSOR:
            return relationship.partner_sponsor_id
        case unknown:
            assert_never(unknown)


def handed_over(dispute: Dispute, relationship: Relationship) -> bool:
    """Whether reaching its tier gave the dispute a new owner: only they are told it is now theirs."""
    return dispute.tier > Tier.WORKING_LEVEL and tier_owner(dispute.tier - 1, relationship) != dispute.owner_id


def may_handle(dispute: Dispute, relationship: Relationship, user_id: str, side: Side = Side.HOME) -> bool:
    """Acknowledging, escalating and resolving are for the dispute's owner and the relationship's leaders, and in
    a joint relationship for the partner's executive sponsor and relationship manager."""
    match side:
        case Side.HOME:
            return user_id == dispute.owner_id or relationship.is_leader(user_id)
        case Side.PARTNER:
            return relationship.signs_for(user_id, Side.PARTNER)
        case _:
            assert_never(side)


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


def escalation_reason(raw: str | None) -> str:
    """Why a person moved the dispute up: kept in its history and told in its thread."""
    text = plain_text("reason", raw, multiline=True)
    if not text:
        raise InvalidInput([Problem("reason", "escalation_reason_missing")])
    if len(text) > ESCALATION_REASON_MAX:
        raise InvalidInput([Problem("reason", "too_long", {"limit": ESCALATION_REASON_MAX, "length": len(text)})])
    return text
