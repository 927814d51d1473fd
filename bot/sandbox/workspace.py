"""The state of an emulated Slack workspace: people, channels, messages, threads, ephemerals, views, Home tabs.

Everything here is plain data behind one lock, shared by the Web API emulator (the app's side) and the request
driver (the people's side). Message timestamps come from the sandbox clock, so moving time moves them too.
"""

import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock

JSON = dict[str, Any]
DEFAULT_TEAM_ID = "T0ACCORD1"


class SlackError(Exception):
    """A Slack Web API error answer (`ok: false`), e.g. channel_not_found."""

    def __init__(self, error: str, detail: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str = "Europe/London"
    is_bot: bool = False
    deleted: bool = False
    team: str | None = None  # their own workspace, when it is not this one (another organisation's, or the org's)
    enterprise: str | None = None  # the Enterprise Grid org they belong to, if any

    def to_api(self, team_id: str, now: datetime) -> JSON:
        """As `users.info` shows the person to the workspace `team_id`: an external person keeps their own team."""
        team_id = self.team or team_id
        zone = ZoneInfo(self.tz)
        local = now.astimezone(zone)
        offset = local.utcoffset()
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": local.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": {"real_name": self.real_name, "display_name": self.name, "team": team_id},
        } | (
            {"enterprise_user": {"id": self.id, "enterprise_id": self.enterprise, "teams": [team_id]}}
            if self.enterprise
            else {}
        )


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    members: set[str] = field(default_factory=set)
    shared_with: list[str] = field(default_factory=list)  # other organisations' teams (Slack Connect)
    share_pending: bool = False  # invited to share with another organisation, not accepted yet
    pinned: list[str] = field(default_factory=list)  # timestamps of the messages pinned, oldest first

    @property
    def kind(self) -> str:
        """The channel_type Slack puts in message events."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def to_api(self, team_id: str) -> JSON:
        if self.is_im:
            return {"id": self.id, "is_im": True, "user": self.im_user, "is_open": True}
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_member": False,
            "context_team_id": team_id,
            "num_members": len(self.members),
            "is_shared": bool(self.shared_with),
            "is_ext_shared": bool(self.shared_with),
            "is_org_shared": False,
            "is_pending_ext_shared": self.share_pending,
            "shared_team_ids": [team_id, *self.shared_with],
            "connected_team_ids": list(self.shared_with),
            "pending_shared": [],
            "pending_connected_team_ids": [],
        }


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[JSON] = field(default_factory=list)
    user: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    edited: JSON | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    files: list[JSON] = field(default_factory=list)
    metadata: JSON | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, with_metadata: bool = False) -> JSON:
        """The message as the Web API shows it; its metadata only when asked for (`include_all_metadata`)."""
        message: JSON = {"type": "message", "ts": self.ts, "text": self.text}
        if self.blocks:
            message["blocks"] = self.blocks
        if with_metadata and self.metadata:
            message["metadata"] = self.metadata
        if self.bot_id:
            message |= {"bot_id": self.bot_id, "subtype": "bot_message"}
        if self.user:
            message["user"] = self.user
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        if self.edited:
            message["edited"] = self.edited
        if self.reactions:
            message["reactions"] = [
                {"name": name, "users": users, "count": len(users)} for name, users in self.reactions.items()
            ]
        if self.files:
            message["files"] = self.files
        return message


@dataclass
class Ephemeral:
    """A message only one person sees; it lives in their client until they leave, so nothing can edit it."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    response_url: str | None = None  # set when it came through a response_url, which may replace it


@dataclass
class ViewRecord:
    """A modal or Home tab as Slack holds it: the app's view plus Slack's id, hash and the person's input."""

    id: str
    user: str
    view: JSON
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    values: dict[str, dict[str, JSON]] = field(default_factory=dict)
    conversation: str | None = None  # where it was opened from: default_to_current_conversation picks it

    @property
    def type(self) -> str:
        return str(self.view.get("type"))

    def to_api(self, team_id: str, app_id: str, bot_id: str) -> JSON:
        return {
            "id": self.id,
            "team_id": team_id,
            "type": self.view.get("type"),
            "blocks": self.view.get("blocks", []),
            "private_metadata": self.view.get("private_metadata", ""),
            "callback_id": self.view.get("callback_id", ""),
            "state": {"values": self.values},
            "hash": self.hash,
            "title": self.view.get("title"),
            "clear_on_close": self.view.get("clear_on_close", False),
            "notify_on_close": self.view.get("notify_on_close", False),
            "close": self.view.get("close"),
            "submit": self.view.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": app_id,
            "external_id": self.view.get("external_id", ""),
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }


@dataclass
class ResponseTarget:
    """Where a response_url leads: who may see the reply, in which channel, replacing which message."""

    channel: str
    user: str
    message_ts: str | None = None
    ephemeral: bool = False
    uses: int = 0


@dataclass
class ApiCall:
    method: str
    args: JSON
    at: datetime
    error: str | None = None


class Workspace:
    """One team's Slack, as the emulator serves it and the driver acts on it."""

    MAX_MODAL_STACK = 3
    RESPONSE_URL_USES = 5  # Slack allows five replies per response_url
    # A trigger_id opens a modal within three seconds of real time, as in Slack. A test run on a loaded machine
    # gives the app more (tests/conftest.py): there the app's speed is not what is tested, and the window's refusal
    # is tested on its own.
    trigger_seconds = 3.0

    def __init__(
        self,
        clock: Clock,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        domain: str = "accord-sandbox",
        team_name: str = "Accord Sandbox",
        enterprise: tuple[str, str] | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
    ) -> None:
        """`enterprise` is the (id, name) of the Enterprise Grid org the workspace belongs to, if any."""
        self.clock = clock
        self.team_id = team_id
        self.team_name = team_name
        self.domain = domain
        self.enterprise_id: str | None = enterprise[0] if enterprise else None
        self.enterprise_name: str | None = enterprise[1] if enterprise else None
        self.app_id = "A0ACCORD1"
        # Ids another workspace cannot hold: they carry the team's own id (Slack's are globally unique).
        self._id_tag = "0" if team_id == DEFAULT_TEAM_ID else team_id[1:]
        self.bot_id = bot_id or f"B{self._id_tag}ACCORD1"
        self.bot_user_id = bot_user_id or f"U{self._id_tag}ACCORDBOT"
        self.bot_token = "xoxb-sandbox-" + secrets.token_hex(8)
        self.app_token = "xapp-sandbox-" + secrets.token_hex(8)  # app-level, for Socket Mode
        self.lock = threading.RLock()
        self.users: dict[str, User] = {self.bot_user_id: User(self.bot_user_id, "accord", "Accord", is_bot=True)}
        self.channels: dict[str, Channel] = {}
        self.other_teams: dict[str, str] = {}  # other organisations' workspaces met in shared channels: their names
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, ViewRecord] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.triggers: dict[str, tuple[str, str | None, float]] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        self.files: dict[str, JSON] = {}
        self.calls: list[ApiCall] = []
        self.violations: list[str] = []
        self.event_listeners: list[Callable[[JSON], None]] = []
        self._ids = itertools.count(1)
        self._last_second = 0
        self._sequence = 0
        self._stamps: Workspace = self  # whose timestamps it takes: the host's, once it shares a channel with it

    # ----- identifiers and time

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{self._id_tag}{next(self._ids):08X}"

    def new_ts(self) -> str:
        """A message timestamp: the clock's second plus a sequence, unique and increasing like Slack's (in a channel
        two workspaces share, unique across both)."""
        if self._stamps is not self:
            return self._stamps.new_ts()
        with self.lock:
            second = int(self.clock.now().timestamp())
            if second > self._last_second:
                self._last_second, self._sequence = second, 0
            else:
                self._sequence += 1
            return f"{self._last_second}.{self._sequence:06d}"

    def now(self) -> datetime:
        return self.clock.now()

    # ----- people and channels

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str,
        tz: str = "Europe/London",
        *,
        team: str | None = None,
        enterprise: str | None = None,
    ) -> User:
        """A person of this workspace, or with `team` a person of another workspace met in a shared channel: of
        another organisation, or with `enterprise` of another workspace of this one's Enterprise Grid org."""
        own_org = self.enterprise_id if team is None else None
        user = User(user_id, name, real_name, tz, team=team, enterprise=enterprise or own_org)
        self.users[user_id] = user
        return user

    def team_of(self, user_id: str) -> str:
        """The workspace a person belongs to: this one, or their own organisation's (Slack Connect)."""
        return self.user(user_id).team or self.team_id

    def add_channel(
        self, channel_id: str, name: str, members: list[str], *, private: bool = False, bot_member: bool = True
    ) -> Channel:
        channel = Channel(channel_id, name, is_private=private, members=set(members))
        if bot_member:
            channel.members.add(self.bot_user_id)
        self.channels[channel_id] = channel
        self.messages.setdefault(channel_id, [])
        return channel

    def user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        return user

    def user_named(self, name: str, *, bots: bool = False) -> User:
        """A person by their @name; with `bots`, an app's bot user too (as /invite @Accord finds it)."""
        wanted = name.lstrip("@").casefold()
        for user in self.users.values():
            if user.name.casefold() == wanted and (bots or not user.is_bot):
                return user
        raise LookupError(f"no person called @{wanted}")

    def share_channel(self, channel_id: str, team_id: str, *, pending: bool = False) -> Channel:
        """Share a channel with another organisation's team (Slack Connect), or invite it to (`pending`)."""
        with self.lock:
            channel = self.channel(channel_id)
            if pending:
                channel.share_pending = True
            elif team_id not in channel.shared_with:
                channel.shared_with.append(team_id)
                channel.share_pending = False
            return channel

    def see_shared_channel(self, host: "Workspace", channel_id: str) -> Channel:
        """The channel `host` shares with this workspace's organisation (Slack Connect), as this workspace sees it
        once its app is in it too: the same channel and messages, the host's people in it as another
        organisation's."""
        with self.lock:
            channel = host.channel(channel_id)
            self.channels[channel_id] = channel
            self.messages[channel_id] = host.messages.setdefault(channel_id, [])
            for member in sorted(channel.members):
                person = host.users.get(member)
                if person is not None and not person.is_bot and member not in self.users:
                    self.users[member] = replace(person, team=person.team or host.team_id)
            channel.members.add(self.bot_user_id)
            self.other_teams[host.team_id] = host.team_name
            self._stamps = host
            return channel

    def unshare_channel(self, channel_id: str, team_id: str) -> Channel:
        with self.lock:
            channel = self.channel(channel_id)
            if team_id in channel.shared_with:
                channel.shared_with.remove(team_id)
            return channel

    def channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def channel_named(self, name: str) -> Channel:
        wanted = name.lstrip("#").casefold()
        for channel in self.channels.values():
            if channel.name.casefold() == wanted and not channel.is_im:
                return channel
        raise LookupError(f"no channel called #{wanted}")

    def invite(self, channel_id: str, user_id: str, *, by: str) -> Channel:
        """Someone in a channel adds another person, or an app, to it; Slack refuses what conversations.invite does."""
        with self.lock:
            channel = self.channel(channel_id)
            self.user(user_id)
            if channel.is_im:
                raise SlackError("method_not_supported_for_channel_type")
            if by not in channel.members:
                raise SlackError("not_in_channel")
            if user_id in channel.members:
                raise SlackError("already_in_channel")
            channel.members.add(user_id)
            return channel

    def im_with(self, user_id: str) -> Channel:
        """The bot's direct-message channel with a person, opened on first use."""
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return channel
            self.user(user_id)
            channel = Channel(self.new_id("D"), f"dm-{user_id}", is_im=True, im_user=user_id)
            channel.members = {user_id, self.bot_user_id}
            self.channels[channel.id] = channel
            self.messages[channel.id] = []
            return channel

    # ----- messages

    def post(
        self,
        channel_id: str,
        text: str,
        *,
        user: str | None = None,
        blocks: list[JSON] | None = None,
        thread_ts: str | None = None,
        files: list[JSON] | None = None,
        metadata: JSON | None = None,
    ) -> Message:
        """Add a message from a person (`user`) or, without one, from the bot; tell event listeners."""
        with self.lock:
            channel = self.channel(channel_id)
            if thread_ts is not None and self.find(channel_id, thread_ts) is None:
                raise SlackError("thread_not_found", f"no message {thread_ts} in {channel_id} to reply to")
            author = user or self.bot_user_id
            if author not in channel.members:
                raise SlackError("not_in_channel" if not channel.is_private else "channel_not_found")
            message = Message(
                channel=channel_id,
                ts=self.new_ts(),
                text=text,
                blocks=blocks or [],
                user=author,
                bot_id=None if user else self.bot_id,
                thread_ts=thread_ts,
                files=files or [],
                metadata=metadata,
            )
            self.messages[channel_id].append(message)
        self._emit_message(channel, message)
        return message

    def find(self, channel_id: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel_id, []) if m.ts == ts), None)

    def edit(self, channel_id: str, ts: str, text: str, blocks: list[JSON] | None, *, by: str | None) -> Message:
        """Change a message's content; a person may only edit their own, the bot only its own."""
        with self.lock:
            message = self.find(channel_id, ts)
            if message is None:
                raise SlackError("message_not_found")
            own = message.bot_id == self.bot_id if by is None else message.user == by and message.bot_id is None
            if not own:
                raise SlackError("cant_update_message")
            previous = message.to_api()
            message.text = text
            if blocks is not None:
                message.blocks = blocks
            message.edited = {"user": by or self.bot_user_id, "ts": self.new_ts()}
        if by is not None:
            self._emit_change(channel_id, message, previous)
        return message

    def delete(self, channel_id: str, ts: str, *, by: str | None) -> Message:
        with self.lock:
            message = self.find(channel_id, ts)
            if message is None:
                raise SlackError("message_not_found")
            own = message.bot_id == self.bot_id if by is None else message.user == by and message.bot_id is None
            if not own:
                raise SlackError("cant_delete_message")
            self.messages[channel_id].remove(message)
        if by is not None:
            self._emit_deletion(channel_id, message)
        return message

    def top_level(self, channel_id: str) -> list[Message]:
        return [m for m in self.messages.get(channel_id, []) if not m.is_reply]

    def replies(self, channel_id: str, thread_ts: str) -> list[Message]:
        return [m for m in self.messages.get(channel_id, []) if m.is_reply and m.thread_ts == thread_ts]

    def pin(self, channel_id: str, ts: str, user: str) -> None:
        """Pin a message, as `pins.add` does: by a member of the channel, once."""
        with self.lock:
            channel = self.channel(channel_id)
            if user not in channel.members:
                raise SlackError("not_in_channel")
            if self.find(channel_id, ts) is None:
                raise SlackError("message_not_found")
            if ts in channel.pinned:
                raise SlackError("already_pinned")
            channel.pinned.append(ts)

    def react(self, channel_id: str, ts: str, name: str, user: str) -> None:
        with self.lock:
            message = self.find(channel_id, ts)
            if message is None:
                raise SlackError("message_not_found")
            people = message.reactions.setdefault(name, [])
            if user in people:
                raise SlackError("already_reacted")
            people.append(user)

    def unreact(self, channel_id: str, ts: str, name: str, user: str) -> None:
        with self.lock:
            message = self.find(channel_id, ts)
            if message is None:
                raise SlackError("message_not_found")
            people = message.reactions.get(name, [])
            if user not in people:
                raise SlackError("no_reaction")
            people.remove(user)
            if not people:
                del message.reactions[name]

    def ephemeral(
        self,
        channel_id: str,
        user: str,
        text: str,
        blocks: list[JSON] | None = None,
        *,
        thread_ts: str | None = None,
        response_url: str | None = None,
    ) -> Ephemeral:
        with self.lock:
            channel = self.channel(channel_id)
            if user not in channel.members and not channel.is_im:
                raise SlackError("user_not_in_channel")
            message = Ephemeral(channel_id, user, self.new_ts(), text, blocks or [], thread_ts, response_url)
            self.ephemerals.append(message)
            return message

    def ephemerals_for(self, user: str, channel_id: str | None = None) -> list[Ephemeral]:
        return [e for e in self.ephemerals if e.user == user and (channel_id is None or e.channel == channel_id)]

    # ----- triggers and response URLs

    def issue_trigger(self, user: str, conversation: str | None = None) -> str:
        """A trigger_id, valid for `trigger_seconds` of real time (three in Slack), to open one modal."""
        trigger = f"{next(self._ids)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        self.triggers[trigger] = (user, conversation, time.monotonic() + self.trigger_seconds)
        return trigger

    def use_trigger(self, trigger: str) -> tuple[str, str | None]:
        """The person (and conversation) a trigger_id was issued for; each can open one view."""
        with self.lock:
            found = self.triggers.pop(trigger, None)
        if found is None:
            raise SlackError("invalid_arguments", "invalid `trigger_id`: unknown or already used")
        user, conversation, expires = found
        if time.monotonic() > expires:
            raise SlackError("expired_trigger_id")
        return user, conversation

    def issue_response_url(self, base: str, target: ResponseTarget) -> str:
        key = secrets.token_urlsafe(12)
        self.response_targets[key] = target
        return f"{base}{key}"

    # ----- views

    def open_modal(self, user: str, view: JSON, *, push: bool = False, conversation: str | None = None) -> ViewRecord:
        with self.lock:
            stack = self.modal_stacks.setdefault(user, [])
            if push and not stack:
                raise SlackError("invalid_arguments", "views.push needs an open modal")
            if push and len(stack) >= self.MAX_MODAL_STACK:
                raise SlackError("push_limit_reached")
            if not push:
                for old in stack:
                    self.views.pop(old, None)
                stack.clear()
            record = self._new_view(user, view, root=stack[0] if stack else None, previous=stack[-1] if stack else None)
            record.conversation = conversation
            stack.append(record.id)
            return record

    def update_view(self, view_id: str, view: JSON, expected_hash: str | None = None) -> ViewRecord:
        with self.lock:
            record = self.views.get(view_id)
            if record is None:
                raise SlackError("not_found")
            if expected_hash and expected_hash != record.hash:
                raise SlackError("hash_conflict")
            record.view = view
            record.hash = self._hash()
            record.values = _keep_values(record.values, view)
            return record

    def publish_home(self, user: str, view: JSON, expected_hash: str | None = None) -> ViewRecord:
        with self.lock:
            self.user(user)
            existing = self.views.get(self.homes.get(user, ""))
            if existing is not None:
                return self.update_view(existing.id, view, expected_hash)
            record = self._new_view(user, view)
            self.homes[user] = record.id
            return record

    def current_modal(self, user: str) -> ViewRecord | None:
        stack = self.modal_stacks.get(user) or []
        return self.views.get(stack[-1]) if stack else None

    def home(self, user: str) -> ViewRecord | None:
        return self.views.get(self.homes.get(user, ""))

    def close_modal(self, user: str, *, all_views: bool = False) -> None:
        with self.lock:
            stack = self.modal_stacks.get(user) or []
            while stack:
                self.views.pop(stack.pop(), None)
                if not all_views:
                    break

    def _new_view(self, user: str, view: JSON, root: str | None = None, previous: str | None = None) -> ViewRecord:
        view_id = self.new_id("V")
        record = ViewRecord(view_id, user, view, self._hash(), root or view_id, previous)
        self.views[view_id] = record
        return record

    def _hash(self) -> str:
        return f"{int(self.clock.now().timestamp())}.{secrets.token_hex(4)}"

    # ----- the record of calls, violations and events

    def record(self, call: ApiCall) -> None:
        with self.lock:
            self.calls.append(call)

    def violation(self, text: str) -> None:
        with self.lock:
            self.violations.append(text)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method and c.error is None]

    def _emit(self, event: JSON) -> None:
        for listener in list(self.event_listeners):
            listener(event)

    def _emit_message(self, channel: Channel, message: Message) -> None:
        event = message.to_api() | {"channel": channel.id, "event_ts": message.ts, "channel_type": channel.kind}
        if message.user and not message.bot_id:
            team = self.team_of(message.user) if message.user in self.users else self.team_id
            event |= {"client_msg_id": secrets.token_hex(16), "team": team, "user_team": team, "source_team": team}
        if message.is_reply:
            parent = self.find(channel.id, message.thread_ts or "")
            event["parent_user_id"] = parent.user if parent else None
        self._emit(event)

    def _emit_change(self, channel_id: str, message: Message, previous: JSON) -> None:
        self._emit_hidden(channel_id, "message_changed", message=message.to_api(), previous_message=previous)

    def _emit_deletion(self, channel_id: str, message: Message) -> None:
        self._emit_hidden(channel_id, "message_deleted", deleted_ts=message.ts, previous_message=message.to_api())

    def _emit_hidden(self, channel_id: str, subtype: str, **fields: object) -> None:
        """A message event of the kind Slack sends when a message is edited or deleted."""
        ts = self.new_ts()
        kind = self.channel(channel_id).kind
        self._emit(
            {"type": "message", "subtype": subtype, "hidden": True, "channel": channel_id, "channel_type": kind}
            | fields
            | {"event_ts": ts, "ts": ts}
        )

    # ----- persistence, so a console session can carry on where it stopped

    def snapshot(self) -> JSON:
        """Everything worth keeping between console sessions (not live modals or response URLs)."""
        with self.lock:
            return {
                "team_id": self.team_id,
                "bot_token": self.bot_token,
                "ids": next(self._ids),
                "users": [asdict(u) for u in self.users.values()],
                "channels": [asdict(c) | {"members": sorted(c.members)} for c in self.channels.values()],
                "messages": [asdict(m) for ms in self.messages.values() for m in ms],
                "views": [asdict(v) for v in self.views.values() if v.type == "home"],
                "homes": self.homes,
                "other_teams": self.other_teams,
            }

    def restore(self, data: JSON) -> None:
        with self.lock:
            self.team_id = data["team_id"]
            self.bot_token = data["bot_token"]
            self._ids = itertools.count(data["ids"])
            self.users = {u["id"]: User(**u) for u in data["users"]}
            self.channels = {c["id"]: Channel(**(c | {"members": set(c["members"])})) for c in data["channels"]}
            self.messages = {channel_id: [] for channel_id in self.channels}
            for raw in data["messages"]:
                self.messages[raw["channel"]].append(Message(**raw))
            self.views = {v["id"]: ViewRecord(**v) for v in data["views"]}
            self.homes = {user: view_id for user, view_id in data["homes"].items() if view_id in self.views}
            self.other_teams = dict(data.get("other_teams", {}))  # absent from states saved before Slack Connect
            stamps = [m.ts for ms in self.messages.values() for m in ms]
            if stamps:
                second, sequence = max(stamps, key=lambda ts: tuple(map(int, ts.split(".")))).split(".")
                self._last_second, self._sequence = int(second), int(sequence)


def _keep_values(values: dict[str, dict[str, JSON]], view: JSON) -> dict[str, dict[str, JSON]]:
    """Like Slack, keep what a person typed into inputs whose block_id and action_id survive an update."""
    kept: dict[str, dict[str, JSON]] = {}
    for block in view.get("blocks", []):
        element = block.get("element") if block.get("type") == "input" else None
        if element is None:
            continue
        old = values.get(block.get("block_id", ""), {}).get(element.get("action_id", ""))
        if old is not None and not _has_initial(element):
            kept.setdefault(block["block_id"], {})[element["action_id"]] = old
    return kept


def _has_initial(element: JSON) -> bool:
    return any(key.startswith("initial_") for key in element)
