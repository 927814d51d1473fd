"""People, channels and the workspace by name, for what people read: asked of Slack, kept in the directory for a
day, so that readers offline (an export, the nudge preview) find them too."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from stages.audit import SYSTEM
from stages.directory import ACCORD, DirectoryEntry, EntryKind, KnownNames
from stages.ports import UnitOfWork
from stages.pseudonyms import erased_name

Ask = Callable[[str], DirectoryEntry | None]  # None: Slack has nothing to say of that id


class SlackNames:
    """Names from the directory while they are fresh, else from Slack (`users.info`, `conversations.info`,
    `auth.test`), which the directory then keeps; when Slack cannot say, the last name known, else the id."""

    def __init__(self, client: WebClient, uow: UnitOfWork, now: datetime) -> None:
        self._client = client
        self._uow = uow
        self._now = now
        self._known: KnownNames | None = None
        self._asked: set[str] = set()  # once per id, whatever Slack answered

    def person(self, user_id: str) -> str:
        if user_id == SYSTEM:
            return ACCORD
        erased = erased_name(user_id)
        if erased is not None:
            return erased  # nobody to ask Slack about
        self._refresh(user_id, self._ask_person, self._names().entry(user_id))
        return self._names().person(user_id)

    def channel(self, channel_id: str) -> str:
        self._refresh(channel_id, self._ask_channel, self._names().entry(channel_id))
        return self._names().channel(channel_id)

    def zone(self, user_id: str) -> ZoneInfo | None:
        """The person's time zone, as their Slack profile gives it; None if it gives none Python knows."""
        if erased_name(user_id) is not None:
            return None
        self._refresh(user_id, self._ask_person, self._names().entry(user_id))
        entry = self._names().entry(user_id)
        try:
            return ZoneInfo(entry.tz) if entry is not None and entry.tz else None
        except ZoneInfoNotFoundError:
            return None

    def learn(self, *, people: Iterable[str] = (), channels: Iterable[str] = (), workspace: str | None = None) -> None:
        """Have the directory hold these by a name at most a day old, asking Slack only for those it lacks. It
        reads only their entries, not the whole directory: it runs after every request."""
        asks: dict[str, Ask] = {p: self._ask_person for p in people if p != SYSTEM and erased_name(p) is None}
        asks |= dict.fromkeys(channels, self._ask_channel)
        if workspace is not None:
            asks[workspace] = self._ask_workspace
        if not asks:
            return
        with self._uow.reading():
            held = {entry.id: entry for entry in self._uow.directory.among(list(asks))}
        for entry_id, ask in asks.items():
            self._refresh(entry_id, ask, held.get(entry_id))

    def _names(self) -> KnownNames:
        if self._known is None:
            with self._uow.reading():
                self._known = KnownNames(self._uow.directory.all())
        return self._known

    def _refresh(self, entry_id: str, ask: Ask, known: DirectoryEntry | None) -> None:
        if entry_id in self._asked or (known is not None and known.fresh(self._now)):
            return
        self._asked.add(entry_id)
        try:
            entry = ask(entry_id)
        except (SlackClientError, OSError):
            return  # Slack cannot say (an error, no connection): the last name known (or the id) stands in
        if entry is None:
            return
        with self._uow:
            self._uow.directory.remember([entry])
            self._uow.commit()
        if self._known is not None:
            self._known = self._known.learned(entry)

    def _ask_person(self, user_id: str) -> DirectoryEntry:
        return person_entry(user_id, self._client.users_info(user=user_id)["user"], self._now)

    def _ask_channel(self, channel_id: str) -> DirectoryEntry:
        channel = self._client.conversations_info(channel=channel_id)["channel"]
        return DirectoryEntry(channel_id, EntryKind.CHANNEL, str(channel.get("name") or channel_id), self._now)

    def _ask_workspace(self, team_id: str) -> DirectoryEntry | None:
        """The workspace's name, from `auth.test`, which needs no scope; it names the token's own workspace only."""
        answer = self._client.auth_test()
        if answer.get("team_id") != team_id or not answer.get("team"):
            return None
        return DirectoryEntry(team_id, EntryKind.WORKSPACE, str(answer["team"]), self._now)


def person_entry(user_id: str, user: dict[str, Any], now: datetime) -> DirectoryEntry:
    """A person's directory entry from the `user` object of Slack's `users.info` answer."""
    profile = user.get("profile") or {}
    name = user.get("real_name") or profile.get("display_name") or user.get("name")
    return DirectoryEntry(user_id, EntryKind.PERSON, str(name or user_id), now, user.get("tz"))


def team_of_person(client: WebClient, user_id: str) -> str:
    """The Slack workspace a person belongs to (another organisation's, for someone met in a shared channel);
    empty when Slack cannot say, which no organisation's id matches."""
    try:
        return str(client.users_info(user=user_id)["user"].get("team_id") or "")
    except SlackClientError:
        return ""
