"""The audit trail: every change, who made it, when, and what it was before and after. Append-only.

Use cases record an event in the same unit of work as the change itself, so either both are kept or neither.
"""

import dataclasses
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from functools import cache
from typing import Any, cast

from stages.relationships import Side

SYSTEM = "accord"  # the actor when Accord itself makes the change (the dispute ladder, say)

JSONable = dict[str, Any]


class Action(StrEnum):
    """Every kind of change the trail records (an event's `action`)."""

    RELATIONSHIP_CREATED = "relationship.created"
    RELATIONSHIP_EDITED = "relationship.edited"
    RELATIONSHIP_INTRODUCED = "relationship.introduced"
    PARTNER_WORKSPACE = "relationship.partner_workspace"
    RELATIONSHIP_CARD = "relationship.card"
    TEAM_CHANGED = "team.changed"
    CHECKIN_OPENED = "checkin.opened"
    CHECKIN_POSTED = "checkin.posted"
    CHECKIN_ABANDONED = "checkin.abandoned"
    CHECKIN_WITHDRAWN = "checkin.withdrawn"
    CHECKIN_REPOSTED = "checkin.reposted"
    ITEM_STATUS = "item.status"
    ITEM_EVIDENCE = "item.evidence"
    ITEM_ASSIGNMENT = "item.assignment"
    NOTE_ADDED = "note.added"
    NOTE_EDITED = "note.edited"
    NOTE_DELETED = "note.deleted"
    STAGE_SIGNED_OFF = "stage.signed_off"
    STAGE_COUNTERSIGNED = "stage.countersigned"
    STAGE_REOPENED = "stage.reopened"
    REVIEW_RECORDED = "review.recorded"
    DISPUTE_RAISED = "dispute.raised"
    DISPUTE_POSTED = "dispute.posted"
    DISPUTE_ACKNOWLEDGED = "dispute.acknowledged"
    DISPUTE_UPDATE = "dispute.update"
    DISPUTE_ESCALATED = "dispute.escalated"
    DISPUTE_RESOLVED = "dispute.resolved"
    EXIT_STRATEGY_SAVED = "exit_strategy.saved"
    EXIT_STRATEGY_AGREED = "exit_strategy.agreed"
    NUDGE_SNOOZED = "nudge.snoozed"
    HEALTH_STARTED = "health.started"
    HEALTH_CLOSED = "health.closed"
    RISK_ADDED = "risk.added"
    RISK_EDITED = "risk.edited"
    RISK_REVIEWED = "risk.reviewed"
    RISK_CLOSED = "risk.closed"
    ACTION_ADDED = "action.added"
    ACTION_COMPLETED = "action.completed"
    IDEA_ADDED = "idea.added"
    IDEA_MOVED = "idea.moved"
    IDEA_KEPT_GOING = "idea.kept_going"
    KNOWLEDGE_ADDED = "knowledge.added"
    KNOWLEDGE_EDITED = "knowledge.edited"
    KNOWLEDGE_RETIRED = "knowledge.retired"
    MEETING_RECORDED = "meeting.recorded"


@dataclass(frozen=True)
class AuditEvent:
    team_id: str
    relationship_id: int | None
    actor_id: str
    at: datetime
    action: str  # e.g. "item.status", "stage.signed_off"
    subject: str  # what changed, e.g. "S1.2", "stage 3", "dispute 12"
    before: JSONable | None = None
    after: JSONable | None = None
    actor_side: Side = Side.HOME  # the organisation the actor acted for (Accord itself: home)
    id: int | None = None


def snapshot(entity: Any) -> JSONable | None:
    """An entity as plain JSON values (enums by value, dates in ISO form), for the before and after of an event."""
    if entity is None:
        return None
    if dataclasses.is_dataclass(entity) and not isinstance(entity, type):
        return {name: _plain(getattr(entity, name)) for name in field_names(type(entity))}
    if isinstance(entity, Mapping):
        return {str(k): _plain(v) for k, v in entity.items()}
    raise TypeError(f"cannot snapshot {type(entity).__name__}")


def field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, worked out once per class (a sweep snapshots thousands of entities)."""
    return _field_names(cls)


@cache
def _field_names(cls: Hashable) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cast(type, cls)))


def _plain(value: Any) -> Any:
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):  # an amount, exactly as written
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return snapshot(value)
    return value


def changed_fields(before: JSONable | None, after: JSONable | None) -> list[str]:
    """The fields whose values differ, for a one-line account of an edit."""
    before, after = before or {}, after or {}
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
