"""The workspace, its people and channels by name, as Slack last told them, so that what people read names them.

Slack ids (`T0…`, `U0…`, `C0…`) mean nothing to a reader. Names are asked of Slack, kept with the time they were
asked, and asked again once they are a day old; where Slack cannot be asked (an export from the command line), the
last names known stand in, else the id itself.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from stages.audit import SYSTEM
from stages.pseudonyms import erased_name

FRESH_FOR = timedelta(days=1)
ACCORD = "Accord"  # how Accord itself is named when it is the one acting


class EntryKind(StrEnum):
    PERSON = "person"
    CHANNEL = "channel"
    WORKSPACE = "workspace"


@dataclass(frozen=True)
class DirectoryEntry:
    """A person, channel or workspace as Slack described it at `fetched_at`; `tz`: a person's time zone, if known."""

    id: str
    kind: EntryKind
    name: str
    fetched_at: datetime
    tz: str | None = None

    def fresh(self, now: datetime) -> bool:
        return now - self.fetched_at < FRESH_FOR


class Names(Protocol):
    """What a document needs to name people and channels."""

    def person(self, user_id: str) -> str: ...

    def channel(self, channel_id: str) -> str: ...


class KnownNames:
    """Names from what the directory holds, however old: the reader is offline, and an old name beats an id."""

    def __init__(self, entries: Iterable[DirectoryEntry] = ()) -> None:
        self._entries = {entry.id: entry for entry in entries}

    def learned(self, entry: DirectoryEntry) -> "KnownNames":
        """These names with `entry` replacing what was known of its id."""
        return KnownNames([*(e for e in self._entries.values() if e.id != entry.id), entry])

    def entry(self, entry_id: str) -> DirectoryEntry | None:
        return self._entries.get(entry_id)

    def person(self, user_id: str) -> str:
        if user_id == SYSTEM:
            return ACCORD
        known = self._entries.get(user_id)
        return known.name if known is not None else erased_name(user_id) or user_id

    def channel(self, channel_id: str) -> str:
        known = self._entries.get(channel_id)
        return f"#{known.name}" if known is not None else channel_id

    def workspace(self, team_id: str) -> str:
        known = self._entries.get(team_id)
        return known.name if known is not None else team_id
