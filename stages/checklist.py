"""Checklist answers and the stage gate: when a stage's work is complete enough to be signed off.

Every answer is kept (who, when, what); an item's current state is its latest answer. A stage may be signed off
when each of its items is Done (with evidence where the catalogue asks for it) or Not applicable with a reason,
and at least one is Done: a stage whose every item was set aside has not been worked through (stage 1's "an
executive sponsor is named" is never optional, and every stage has such an item).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import assert_never

from stages.catalogue import ChecklistItem, Stage
from stages.errors import InvalidInput, Problem
from stages.naming import hidden_characters, normal, plain_text
from stages.relationships import Side

REASON_MAX = 500
NOTE_MAX = 1000
URL_MAX = 500


class ItemStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"

    @property
    def resolved(self) -> bool:
        match self:
            case ItemStatus.DONE | ItemStatus.NOT_APPLICABLE:
                return True
            case ItemStatus.OPEN | ItemStatus.IN_PROGRESS:
                return False
            case unknown:
                assert_never(unknown)


class AnswerKind(StrEnum):
    STATUS = "status"
    EVIDENCE = "evidence"
    ASSIGNMENT = "assignment"


@dataclass(frozen=True)
class ItemState:
    """Where one checklist item of one relationship stands now."""

    relationship_id: int
    item_id: str
    status: ItemStatus = ItemStatus.OPEN
    status_by: str | None = None
    status_at: datetime | None = None
    reason: str | None = None
    evidence_url: str | None = None
    evidence_note: str | None = None
    # The evidence is the home organisation's own: kept from the channel it shares with the partner.
    evidence_internal: bool = False
    assignee_id: str | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None
    version: int = 0

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_url or self.evidence_note)

    def satisfies(self, item: ChecklistItem) -> bool:
        """Done (with evidence when the item needs it), or Not applicable with a reason."""
        match self.status:
            case ItemStatus.NOT_APPLICABLE:
                return bool(self.reason)
            case ItemStatus.DONE:
                return self.has_evidence or not item.evidence_required
            case ItemStatus.OPEN | ItemStatus.IN_PROGRESS:
                return False
            case unknown:
                assert_never(unknown)

    def needs_evidence(self, item: ChecklistItem) -> bool:
        return self.status is ItemStatus.DONE and item.evidence_required and not self.has_evidence


@dataclass(frozen=True)
class Answer:
    """One change to an item, kept for ever: the item's history and the audit evidence."""

    relationship_id: int
    item_id: str
    kind: AnswerKind
    actor_id: str
    at: datetime
    status: ItemStatus | None = None
    reason: str | None = None
    evidence_url: str | None = None
    evidence_note: str | None = None
    evidence_internal: bool = False
    assignee_id: str | None = None
    actor_side: Side = Side.HOME  # which organisation the person answered for
    id: int | None = None


def blank_state(relationship_id: int, item_id: str) -> ItemState:
    return ItemState(relationship_id, item_id)


def apply(state: ItemState, answer: Answer) -> ItemState | None:
    """The state after an answer, or None when the answer would change nothing (a repeat, a double click)."""
    match answer.kind:
        case AnswerKind.STATUS:
            status = answer.status or state.status
            reason = answer.reason if status is ItemStatus.NOT_APPLICABLE else None
            unchanged = state.status is status and state.reason == reason
            changed = replace(state, status=status, reason=reason, status_by=answer.actor_id, status_at=answer.at)
        case AnswerKind.EVIDENCE:
            given = (answer.evidence_url, answer.evidence_note, answer.evidence_internal)
            unchanged = (state.evidence_url, state.evidence_note, state.evidence_internal) == given
            changed = replace(
                state,
                evidence_url=answer.evidence_url,
                evidence_note=answer.evidence_note,
                evidence_internal=answer.evidence_internal,
            )
        case AnswerKind.ASSIGNMENT:
            unchanged = state.assignee_id == answer.assignee_id
            changed = replace(state, assignee_id=answer.assignee_id)
        case unknown:
            assert_never(unknown)
    return None if unchanged else replace(changed, updated_by=answer.actor_id, updated_at=answer.at)


def status_answer(
    relationship_id: int, item_id: str, status: ItemStatus, *, actor_id: str, at: datetime, reason: str | None = None
) -> Answer:
    """A status change; Not applicable needs a reason (the gate and the auditor both ask why)."""
    why = not_applicable_reason(reason) if status is ItemStatus.NOT_APPLICABLE else None
    return Answer(relationship_id, item_id, AnswerKind.STATUS, actor_id, at, status=status, reason=why)


def not_applicable_reason(raw: str | None) -> str:
    reason = plain_text("reason", raw, multiline=False)
    if not reason:
        raise InvalidInput([Problem("reason", "reason_missing")])
    if len(reason) > REASON_MAX:
        raise InvalidInput([Problem("reason", "too_long", {"limit": REASON_MAX, "length": len(reason)})])
    return reason


def evidence_answer(
    relationship_id: int,
    item_id: str,
    *,
    url: str | None,
    note: str | None,
    actor_id: str,
    at: datetime,
    internal: bool = False,
) -> Answer:
    """Evidence is a link, a note, or both; a link must be a web address. `internal`: the home organisation's
    own, never shown where the partner reads."""
    link, text = evidence(url, note)
    return Answer(
        relationship_id,
        item_id,
        AnswerKind.EVIDENCE,
        actor_id,
        at,
        evidence_url=link or None,
        evidence_note=text or None,
        evidence_internal=internal,
    )


def evidence(url: str | None, note: str | None) -> tuple[str, str]:
    """The evidence's link and note, cleaned; `InvalidInput` when neither is given or the link is not a web one."""
    link = normal(url or "").strip()
    text = normal(note or "").strip()
    problems = hidden_characters("link", link) + hidden_characters("note", text, multiline=True)
    if not link and not text:
        problems.append(Problem("link", "evidence_missing"))
    if link and not link.lower().startswith(("https://", "http://")):
        problems.append(Problem("link", "link_not_web"))
    if len(link) > URL_MAX:
        problems.append(Problem("link", "too_long", {"limit": URL_MAX, "length": len(link)}))
    if len(text) > NOTE_MAX:
        problems.append(Problem("note", "too_long", {"limit": NOTE_MAX, "length": len(text)}))
    if problems:
        raise InvalidInput(problems)
    return link, text


def assignment_answer(
    relationship_id: int, item_id: str, assignee_id: str | None, *, actor_id: str, at: datetime
) -> Answer:
    return Answer(relationship_id, item_id, AnswerKind.ASSIGNMENT, actor_id, at, assignee_id=assignee_id or None)


@dataclass(frozen=True)
class StageProgress:
    """A stage's checklist for one relationship: each item with its state, and what the gate still needs."""

    stage: Stage
    states: tuple[ItemState, ...]

    @classmethod
    def of(cls, stage: Stage, relationship_id: int, states: Mapping[str, ItemState]) -> "StageProgress":
        return cls(stage, tuple(states.get(i.id) or blank_state(relationship_id, i.id) for i in stage.items))

    @property
    def total(self) -> int:
        return len(self.stage.items)

    @property
    def complete(self) -> int:
        """Items that need nothing more: Done (with any evidence needed) or Not applicable with a reason."""
        return sum(1 for item, state in self.pairs() if state.satisfies(item))

    @property
    def done(self) -> int:
        return self._count(ItemStatus.DONE)

    @property
    def not_applicable(self) -> int:
        return self._count(ItemStatus.NOT_APPLICABLE)

    @property
    def still_open(self) -> int:
        """Items not answered Done or Not applicable yet (In progress among them)."""
        return self.total - self.done - self.not_applicable

    @property
    def all_not_applicable(self) -> bool:
        """Every item set aside: the gate refuses such a stage."""
        return self.not_applicable == self.total

    @property
    def ready(self) -> bool:
        """The gate: every item satisfied, and not every one of them Not applicable."""
        return not self.outstanding() and not self.all_not_applicable

    def outstanding(self) -> list[ChecklistItem]:
        return [item for item, state in self.pairs() if not state.satisfies(item)]

    def open_items(self) -> list[ChecklistItem]:
        return [item for item, state in self.pairs() if not state.status.resolved]

    def needing_evidence(self) -> list[ChecklistItem]:
        """Items answered Done without the evidence the catalogue asks for: what blocks sign-off once answered."""
        return [item for item, state in self.pairs() if state.needs_evidence(item)]

    def _count(self, status: ItemStatus) -> int:
        return sum(1 for state in self.states if state.status is status)

    def pairs(self) -> Iterable[tuple[ChecklistItem, ItemState]]:
        return zip(self.stage.items, self.states, strict=True)
