"""Check-ins: a stage's checklist worked through by the team in one Slack thread, closed by its gate.

A check-in belongs to one relationship and one stage; its thread is where answers are given and notes are
taken. Sign-off moves the relationship on to the next stage (after stage 8, it has exited); the owner or the
executive sponsor can reopen the latest signed-off stage, giving a reason.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from stages.catalogue import ChecklistItem, Stage
from stages.errors import InvalidInput, Problem
from stages.naming import normal, plain_text, visible
from stages.relationships import Side

REOPEN_REASON_MAX = 500
NOTE_TEXT_MAX = 4000

# Read from the reply as typed, in ASCII only: a look-alike digit ("٣: ...", "²: ...") names no item.
_ITEM_ID = re.compile(r"^\s*(s\d+\.\d+)\b[\s:.,)-]*", re.IGNORECASE | re.ASCII)
_ITEM_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[:.)]\s*", re.ASCII)


class CheckinStatus(StrEnum):
    OPEN = "open"
    SIGNED_OFF = "signed_off"


@dataclass(frozen=True)
class Checkin:
    """A stage's check-in: where its thread is, and the thread message of each checklist item."""

    team_id: str
    relationship_id: int
    stage: int
    opened_by: str
    opened_at: datetime
    channel_id: str | None = None
    thread_ts: str | None = None
    status: CheckinStatus = CheckinStatus.OPEN
    item_messages: dict[str, str] = field(default_factory=dict)  # item id -> message ts in the thread
    # Its thread was taken out of a channel that came to be shared with another organisation: it is posted again
    # where someone next starts it (an internal channel), with its answers and notes.
    withdrawn_at: datetime | None = None
    id: int | None = None

    @property
    def posted(self) -> bool:
        return self.thread_ts is not None

    def withdrawn(self, at: datetime) -> "Checkin":
        return replace(self, channel_id=None, thread_ts=None, item_messages={}, withdrawn_at=at)


@dataclass(frozen=True)
class Note:
    """A person's message in a check-in thread, kept as a note (on one item when it names one)."""

    team_id: str
    checkin_id: int
    channel_id: str
    message_ts: str
    author_id: str
    text: str
    created_at: datetime
    item_id: str | None = None
    edited_at: datetime | None = None
    author_side: Side = Side.HOME  # which organisation the author wrote for
    id: int | None = None


@dataclass(frozen=True)
class SignOff:
    """A stage signed off by an owner or sponsor; reopening keeps the record and says who, when and why."""

    team_id: str
    relationship_id: int
    stage: int
    signed_by: str
    signed_at: datetime
    reopened_by: str | None = None
    reopened_at: datetime | None = None
    reopen_reason: str | None = None
    # A joint gate's second signature: the partner's sponsor (or relationship manager), with `signed_by` for home.
    partner_signed_by: str | None = None
    partner_signed_at: datetime | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.reopened_at is None

    def reopened(self, by: str, at: datetime, reason: str) -> "SignOff":
        return replace(self, reopened_by=by, reopened_at=at, reopen_reason=reason)


@dataclass(frozen=True)
class GateSignature:
    """One side's signature on a joint stage gate, waiting for the other side's: the gate opens with both.

    `round` is the gate's, as the sign-off button showed it (how often the stage was signed off before), so a
    signature given before a reopening never counts for the gate after it.
    """

    team_id: str
    relationship_id: int
    stage: int
    round: int
    side: Side
    signed_by: str
    signed_at: datetime
    id: int | None = None


def item_reference(text: str, stage: Stage) -> ChecklistItem | None:
    """The item a thread reply is about: it starts with the item's id (`S4.2 ...`) or number (`2: ...`)."""
    text = visible(text)
    by_id = _ITEM_ID.match(text)
    if by_id:
        wanted = by_id.group(1).upper()
        return next((item for item in stage.items if item.id == wanted), None)
    by_number = _ITEM_NUMBER.match(text)
    if by_number:
        position = int(by_number.group(1))
        return stage.items[position - 1] if 1 <= position <= len(stage.items) else None
    return None


def note_text(text: str) -> str:
    """A thread reply as kept: in normal form without hidden characters (a NUL among them), trimmed.

    A reply has no form to refuse it in, and it stays in the thread whatever is kept: dropping the note would
    lose what people can read there, so only what nobody can see is removed (the caller logs that)."""
    return normal(visible(text)).strip()[:NOTE_TEXT_MAX]


def reopen_reason(raw: str | None) -> str:
    reason = plain_text("reason", raw, multiline=False)
    if not reason:
        raise InvalidInput([Problem("reason", "reason_missing")])
    if len(reason) > REOPEN_REASON_MAX:
        raise InvalidInput([Problem("reason", "too_long", {"limit": REOPEN_REASON_MAX, "length": len(reason)})])
    return reason
