"""What Accord puts in a button's value, a menu option, a block_id or a modal's private_metadata: a small typed
reference with one `encode` and one `parse`.

Slack hands these strings back as they were sent, but anyone can forge a request, and messages outlive the code
that posted them. A string that is not one of ours (empty, not a number, truncated, out of range) is `Unreadable`:
a `Stale` the person is told about, and nothing changes. Ids name rows only in the workspace that sent the
request, since every repository is bound to one; another workspace's id finds nothing, which is stale too.
Button values already posted in channels keep working: their encodings never change.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, Self, TypeVar

from bot.slack.wording import web_address
from stages.actions import ActionSource
from stages.errors import Stale
from stages.ideas import IdeaStatus

# The largest number a reference holds: ids, rounds and tiers are SQL INTEGERs, 32 bits in PostgreSQL, where a
# larger one would fail the query instead of finding nothing.
_LARGEST = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")
_ITEM = re.compile(r"S[0-9]{1,2}\.[0-9]{1,3}")  # a checklist item's id in the catalogue


class Subject(StrEnum):
    """What a reference points at, to tell the person what has changed or gone."""

    CHECKIN = "checkin"
    DISPUTE = "dispute"
    RELATIONSHIP = "relationship"
    MESSAGE = "message"
    NUDGE = "nudge"


class Unreadable(Stale):
    """A button, menu or form value that is not one of Accord's references."""

    def __init__(self, subject: Subject, value: object) -> None:
        super().__init__(f"unreadable {subject} reference {value!r}")
        self.subject = subject


class Reference(Protocol):
    def encode(self) -> str: ...

    @classmethod
    def parse(cls, value: object) -> Self: ...


R = TypeVar("R", bound=Reference)


def pressed(body: Mapping[str, Any], kind: type[R]) -> R:
    """The reference carried by the button just pressed."""
    return kind.parse(body["actions"][0].get("value"))


def carried(view: Mapping[str, Any], kind: type[R]) -> R:
    """The reference a modal carries to its submission."""
    return kind.parse(view.get("private_metadata"))


def stored_id(row_id: int | None) -> int:
    """The id of something read from the database, which always has one."""
    if row_id is None:
        raise ValueError("this has not been stored, so nothing can refer to it")
    return row_id


def parts(value: object, separator: str, subject: Subject) -> tuple[str, str]:
    if not isinstance(value, str):
        raise Unreadable(subject, value)
    first, found, rest = value.partition(separator)
    if not found:
        raise Unreadable(subject, value)
    return first, rest


def number(text: object, subject: Subject, *, low: int = 1) -> int:
    """A whole number as we wrote it (ASCII digits, no sign or spaces), from `low` to the largest we hold."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text) or not low <= int(text) <= _LARGEST:
        raise Unreadable(subject, text)
    return int(text)


@dataclass(frozen=True)
class ItemRef:
    """A checklist item of a check-in: its answer buttons and assignee menu, and the forms they open."""

    checkin_id: int
    item_id: str

    def encode(self) -> str:
        return f"{self.checkin_id}:{self.item_id}"

    @classmethod
    def parse(cls, value: object) -> Self:
        checkin, item = parts(value, ":", Subject.CHECKIN)
        if not _ITEM.fullmatch(item):
            raise Unreadable(Subject.CHECKIN, value)
        return cls(number(checkin, Subject.CHECKIN), item)


@dataclass(frozen=True)
class GateRef:
    """A check-in's stage gate as shown (how often it had been signed off), so a button or form from before a
    sign-off or reopening acts on nothing."""

    checkin_id: int
    rounds: int

    def encode(self) -> str:
        return f"{self.checkin_id}@{self.rounds}"

    @classmethod
    def parse(cls, value: object) -> Self:
        checkin, rounds = parts(value, "@", Subject.CHECKIN)
        return cls(number(checkin, Subject.CHECKIN), number(rounds, Subject.CHECKIN, low=0))


@dataclass(frozen=True)
class DisputeRef:
    dispute_id: int

    def encode(self) -> str:
        return str(self.dispute_id)

    @classmethod
    def parse(cls, value: object) -> Self:
        return cls(number(value, Subject.DISPUTE))


@dataclass(frozen=True)
class EscalateRef:
    """A dispute at the tier it was shown at, so a second press or an old message moves it no further."""

    dispute_id: int
    tier: int

    def encode(self) -> str:
        return f"{self.dispute_id}@{self.tier}"

    @classmethod
    def parse(cls, value: object) -> Self:
        dispute, tier = parts(value, "@", Subject.DISPUTE)
        return cls(number(dispute, Subject.DISPUTE), number(tier, Subject.DISPUTE))


@dataclass(frozen=True)
class RelationshipRef:
    relationship_id: int

    def encode(self) -> str:
        return str(self.relationship_id)

    @classmethod
    def parse(cls, value: object) -> Self:
        return cls(number(value, Subject.RELATIONSHIP))


@dataclass(frozen=True)
class ReviewFormRef:
    """A review form, with the latest review it was opened after (None: there was none), so a second submit of
    the same form (another tab, a double click) records nothing more."""

    relationship_id: int
    seen_review_id: int | None

    def encode(self) -> str:
        seen = "" if self.seen_review_id is None else self.seen_review_id
        return f"{self.relationship_id}@{seen}"

    @classmethod
    def parse(cls, value: object) -> Self:
        relationship, seen = parts(value, "@", Subject.RELATIONSHIP)
        latest = number(seen, Subject.RELATIONSHIP) if seen else None
        return cls(number(relationship, Subject.RELATIONSHIP), latest)


@dataclass(frozen=True)
class ExitFormRef:
    """An exit strategy form, with the version it was opened at (0: none saved yet)."""

    relationship_id: int
    seen_version: int

    def encode(self) -> str:
        return f"{self.relationship_id}@{self.seen_version}"

    @classmethod
    def parse(cls, value: object) -> Self:
        relationship, version = parts(value, "@", Subject.RELATIONSHIP)
        return cls(number(relationship, Subject.RELATIONSHIP), number(version, Subject.RELATIONSHIP, low=0))


@dataclass(frozen=True)
class SourceRef:
    """The message a dispute is raised from, as its permalink (or none: raised by command)."""

    link: str | None

    def encode(self) -> str:
        return self.link or ""

    @classmethod
    def parse(cls, value: object) -> Self:
        if not isinstance(value, str) or (value and web_address(value) is None):
            raise Unreadable(Subject.MESSAGE, value)
        return cls(value or None)


@dataclass(frozen=True)
class RoundRef:
    """A health check round, on its buttons and in its answer form."""

    round_id: int

    def encode(self) -> str:
        return str(self.round_id)

    @classmethod
    def parse(cls, value: object) -> Self:
        return cls(number(value, Subject.RELATIONSHIP))


@dataclass(frozen=True)
class RiskRef:
    """A risk of a register, on its buttons and in its forms."""

    risk_id: int

    def encode(self) -> str:
        return str(self.risk_id)

    @classmethod
    def parse(cls, value: object) -> Self:
        return cls(number(value, Subject.RELATIONSHIP))


@dataclass(frozen=True)
class RiskReviewRef:
    """A risk's review form, with the review date it was opened at: once reviewed the date moves, so the same form
    sent again records nothing more."""

    risk_id: int
    seen: date

    def encode(self) -> str:
        return f"{self.risk_id}@{self.seen.isoformat()}"

    @classmethod
    def parse(cls, value: object) -> Self:
        risk, seen = parts(value, "@", Subject.RELATIONSHIP)
        try:
            day = date.fromisoformat(seen)
        except ValueError:
            raise Unreadable(Subject.RELATIONSHIP, value) from None
        return cls(number(risk, Subject.RELATIONSHIP), day)


@dataclass(frozen=True)
class ActionRef:
    """An action of a register, on its Complete buttons and in the form that completes it."""

    action_id: int

    def encode(self) -> str:
        return str(self.action_id)

    @classmethod
    def parse(cls, value: object) -> Self:
        return cls(number(value, Subject.RELATIONSHIP))


@dataclass(frozen=True)
class ActionFormRef:
    """The form that adds an action to a relationship's register, with what it comes out of (`hand:` for none)."""

    relationship_id: int
    source: ActionSource
    source_id: int | None

    def encode(self) -> str:
        return f"{self.relationship_id}:{self.source.value}:{'' if self.source_id is None else self.source_id}"

    @classmethod
    def parse(cls, value: object) -> Self:
        relationship, rest = parts(value, ":", Subject.RELATIONSHIP)
        kind, source_id = parts(rest, ":", Subject.RELATIONSHIP)
        try:
            source = ActionSource(kind)
        except ValueError:
            raise Unreadable(Subject.RELATIONSHIP, value) from None
        if (source is ActionSource.HAND) != (source_id == ""):
            raise Unreadable(Subject.RELATIONSHIP, value)
        found = None if source is ActionSource.HAND else number(source_id, Subject.RELATIONSHIP)
        return cls(number(relationship, Subject.RELATIONSHIP), source, found)


_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,8}")  # a message's timestamp, as Slack writes it


@dataclass(frozen=True)
class ReviewRef:
    """A review shared with the partner, on the button its people give their view by."""

    review_id: int

    def encode(self) -> str:
        return str(self.review_id)

    @classmethod
    def parse(cls, value: object) -> Self:
        return cls(number(value, Subject.RELATIONSHIP))


@dataclass(frozen=True)
class ReviewViewRef:
    """The partner's view form of a review, with the review's message, whose thread the view is told in."""

    review_id: int
    thread_ts: str

    def encode(self) -> str:
        return f"{self.review_id}@{self.thread_ts}"

    @classmethod
    def parse(cls, value: object) -> Self:
        review, ts = parts(value, "@", Subject.RELATIONSHIP)
        if not _TS.fullmatch(ts):
            raise Unreadable(Subject.RELATIONSHIP, value)
        return cls(number(review, Subject.RELATIONSHIP), ts)


@dataclass(frozen=True)
class IdeaMoveRef:
    """An idea's move or drop form, with the status it was opened at: once the idea moves, the same form sent
    again moves nothing more."""

    idea_id: int
    seen: IdeaStatus

    def encode(self) -> str:
        return f"{self.idea_id}@{self.seen.value}"

    @classmethod
    def parse(cls, value: object) -> Self:
        idea, seen = parts(value, "@", Subject.RELATIONSHIP)
        try:
            status = IdeaStatus(seen)
        except ValueError:
            raise Unreadable(Subject.RELATIONSHIP, value) from None
        return cls(number(idea, Subject.RELATIONSHIP), status)


@dataclass(frozen=True)
class IdeaKeepRef:
    """An idea's Keep going form, with the day it last moved: once kept going (or moved), the same form sent
    again records nothing more."""

    idea_id: int
    seen: date

    def encode(self) -> str:
        return f"{self.idea_id}@{self.seen.isoformat()}"

    @classmethod
    def parse(cls, value: object) -> Self:
        idea, seen = parts(value, "@", Subject.RELATIONSHIP)
        try:
            day = date.fromisoformat(seen)
        except ValueError:
            raise Unreadable(Subject.RELATIONSHIP, value) from None
        return cls(number(idea, Subject.RELATIONSHIP), day)


@dataclass(frozen=True)
class KnowledgeRef:
    """An item of a knowledge map, on its buttons and in its forms."""

    item_id: int

    def encode(self) -> str:
        return str(self.item_id)

    @classmethod
    def parse(cls, value: object) -> Self:
        return cls(number(value, Subject.RELATIONSHIP))
