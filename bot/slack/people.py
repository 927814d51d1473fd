"""People and channels by name, for what people read: asked of Slack, kept in the directory for a day."""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from stages.audit import SYSTEM
from stages.directory import ACCORD, DirectoryEntry, EntryKind, KnownNames
from stages.ports import UnitOfWork


class SlackNames:
    """Names from the directory while they are fresh, else from Slack (`users.info`, `conversations.info`), which
    the directory then keeps; when Slack cannot say, the last name known, else the id."""

    def __init__(self, client: WebClient, uow: UnitOfWork, now: datetime) -> None:
        self._client = client
        self._uow = uow
        self._now = now
        self._known: KnownNames | None = None
        self._asked: set[str] = set()  # once per id, whatever Slack answered

    def person(self, user_id: str) -> str:
        if user_id == SYSTEM:
            return ACCORD
        self._refresh(user_id, self._ask_person)
        return self._names().person(user_id)

    def channel(self, channel_id: str) -> str:
        self._refresh(channel_id, self._ask_channel)
        return self._names().channel(channel_id)

    def zone(self, user_id: str) -> ZoneInfo | None:
        """The person's time zone, as their Slack profile gives it; None if it gives none Python knows."""
        self._refresh(user_id, self._ask_person)
        entry = self._names().entry(user_id)
        try:
            return ZoneInfo(entry.tz) if entry is not None and entry.tz else None
        except ZoneInfoNotFoundError:
            return None

    def _names(self) -> KnownNames:
        if self._known is None:
            with self._uow.reading():
                self._known = KnownNames(self._uow.directory.all())
        return self._known

    def _refresh(self, entry_id: str, ask: Callable[[str], DirectoryEntry]) -> None:
        known = self._names().entry(entry_id)
        if entry_id in self._asked or (known is not None and known.fresh(self._now)):
            return
        self._asked.add(entry_id)
        try:
            entry = ask(entry_id)
        except SlackApiError:
            return  # the last name known (or the id) stands in
        with self._uow:
            self._uow.directory.remember([entry])
            self._uow.commit()
        self._known = self._names().learned(entry)

    def _ask_person(self, user_id: str) -> DirectoryEntry:
        user = self._client.users_info(user=user_id)["user"]
        profile = user.get("profile") or {}
        name = user.get("real_name") or profile.get("display_name") or user.get("name") or user_id
        return DirectoryEntry(user_id, EntryKind.PERSON, str(name), self._now, user.get("tz"))

    def _ask_channel(self, channel_id: str) -> DirectoryEntry:
        channel = self._client.conversations_info(channel=channel_id)["channel"]
        return DirectoryEntry(channel_id, EntryKind.CHANNEL, str(channel.get("name") or channel_id), self._now)
