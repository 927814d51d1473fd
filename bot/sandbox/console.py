"""`accord console`: the real app in an offline workspace, driven from a terminal.

Type `/accord ...` as in Slack, read the channel, threads, ephemeral replies and the Home tab as text, press
buttons by number, fill modals field by field, switch person (`as @bob`) and move time (`time +7d`).
When standard input is not a terminal, lines are read from it and the screen is printed after each one, so a
whole session can be scripted: `accord console < demo.txt`.
"""

import io
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any, ClassVar, TextIO
from zoneinfo import ZoneInfo

from bot.sandbox.contract import MESSAGE_TEXT_LIMIT
from bot.sandbox.driver import ClientRefused, NotOffered, input_blocks
from bot.sandbox.harness import Sandbox
from bot.sandbox.text import Control, ControlKey, Screen, mrkdwn, plain, render_blocks
from bot.sandbox.workspace import JSON, Ephemeral, Message, SlackError, ViewRecord

log = logging.getLogger(__name__)

HELP = """\
Commands (as in Slack, plus a few to move around the sandbox):
  /accord <subcommand>   run the slash command here (/accord help lists them)
  /invite @<name>        add someone, or Accord (/invite @Accord), to the channel you are in
  <n> [value]            press button n; for a menu give the choice, e.g. 4 @bob
  say <text>             post a message in the channel, or in the open thread
  thread <n>             open the thread of message #n        back     return to the channel
  edit <n> <text>        edit your message #n                 delete <n>   delete your message #n
  shortcut <n> [name]    a message shortcut on message #n, e.g. shortcut 3 Raise as dispute
  #<channel> [--all]     go to a channel (--all: every message; also channel <name>)
  more                   scroll back to earlier messages      look     show the screen again
  home                   open Accord's Home tab               dm       your direct messages from Accord
  as @<name>             act as someone else                  time +<n>m|h|d|w   move time forward
  people, channels       who and what is in this workspace    quit     leave (everything is kept)
  workspace acme|globex  go to another workspace on this Slack (Accord serves each apart)
  install, uninstall     add Accord to this workspace with Add to Slack, or remove it
In a modal, answer each field in turn: Enter keeps the value in [brackets], '-' clears it; cancel closes it."""
MODAL_HELP = """\
In a modal, answer each field in turn: Enter keeps the value in [brackets], '-' clears it.
  look   show the modal again       help   this          cancel   close it, saving nothing"""

_DURATION = re.compile(r"^([+-]?)(\d+)([mhdw])$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
# Far enough for a relationship's whole life cycle; further is a typo, and the sandbox's dates would overflow.
LONGEST_JUMP = timedelta(days=3 * 365)
SHOWN_MESSAGES = 6
# What a keyboard cannot type into Slack's message box: C0 and C1 controls other than the tab.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# Slack's words for what its own client refuses, as the console says them.
_REFUSALS = {
    "cant_update_message": "you can only edit your own messages",
    "cant_delete_message": "you can only delete your own messages",
    "message_not_found": "that message is no longer there",
    "already_in_channel": "they are already in this channel",
    "method_not_supported_for_channel_type": "nobody can be added to a direct message",
}


@dataclass
class Mode:
    kind: str = "channel"  # channel, thread, home or dm
    thread_ts: str | None = None
    window: int | None = SHOWN_MESSAGES  # how many of the latest messages are shown; None: all of them


@dataclass
class Draft:
    """What the person has typed into one modal so far: kept until it is submitted or closed."""

    view_id: str
    answers: dict[str, Any] = field(default_factory=dict)
    ask: set[str] | None = None  # the block_ids still to ask for; None: every field


class Console:
    def __init__(self, sandbox: Sandbox, out: TextIO, *, interactive: bool, after_command: Callable[[], None]) -> None:
        self.sandbox = sandbox
        self.ws = sandbox.workspace
        self.driver = sandbox.driver
        self.out = out
        self.interactive = interactive
        self.after_command = after_command
        self.user = "U0ALICE"
        self.channel = "C0PARTNERS"
        self.mode = Mode()
        self.controls: list[Control] = []
        self.place: tuple[str, str, str, str | None] | None = None  # whose screen, where: its numbering's scope
        self.numbering: dict[ControlKey, int] = {}
        self.numbered: dict[int, Message] = {}
        self.shown_ephemerals = len(self.ws.ephemerals)
        self.on_screen: list[Ephemeral] = []  # the ephemerals the last screen showed: look shows them again
        self.looking = False
        self.shown_violations = len(self.ws.violations)
        self.dm_seen: dict[str, float] = {}
        self.draft: Draft | None = None
        self._lines: Iterator[str] = iter(())

    # ----- the loop

    def run(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.say(f"Accord console: an offline Slack workspace. You are @{self._name(self.user)}. Type help.")
        self.show()
        while True:
            line = self._read("> ")
            if line is None:
                break
            if not self.interactive:
                self.say(f"> {_visible(line)}")
            if not self.handle(line.strip()):
                break
            self.after_command()

    def _read(self, prompt: str) -> str | None:
        try:
            if self.interactive:
                return input(prompt)
            return next(self._lines).rstrip("\r\n")
        except (EOFError, StopIteration, KeyboardInterrupt):
            return None

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # ----- commands

    def handle(self, line: str) -> bool:
        """Do one command line and show the screen; False when the person leaves."""
        if line.startswith("##"):
            return True
        problem = _unreadable(line)
        if problem:
            self.say(f"! {problem}")
            return True
        word, _, rest = line.partition(" ")
        if word in ("quit", "exit"):
            return False
        if self._attempt(lambda: self._dispatch(line, word, rest.strip())):
            self._attempt(self._fill_modal)
            self.show()
        return True

    def _dispatch(self, line: str, word: str, rest: str) -> None:
        if line.startswith("/"):
            self._slash(line)
        elif word.isdigit():
            self._press(int(word), rest)
        elif word in self._COMMANDS:
            self._COMMANDS[word](self, rest)
        elif word.startswith("#"):
            self._go(f"{word} {rest}")
        else:
            raise LookupError(f"Unknown command {_shorten(word)!r}. Type help.")

    def _attempt(self, action: Callable[[], None]) -> bool:
        """Run one step; whatever goes wrong is one `!` line, and the session (and any draft) carries on."""
        try:
            action()
            return True
        except (LookupError, ValueError, NotOffered) as problem:
            self.say(f"! {problem}")
        except SlackError as refused:
            self.say(f"! {_REFUSALS.get(refused.error, f'Slack refused that: {refused.error}')}")
        except Exception as failure:  # the console must outlive any fault of the sandbox or the app
            log.exception("the console could not carry out a line")
            self.say(f"! that did not work ({type(failure).__name__}: {_shorten(str(failure))}); see the log")
        return False

    def _slash(self, line: str) -> None:
        command, _, text = line.partition(" ")
        if command == "/invite":
            self._invite(text.strip())
            return
        if command != "/accord":
            raise ValueError(f"{command} is not installed in this workspace; try /accord or /invite")
        if self.mode.kind in ("home", "dm"):
            self.mode = Mode()
        self.driver.command(self.user, self.channel, text.strip())

    def _invite(self, name: str) -> None:
        """`/invite @name`: Slack's own command, adding a person or Accord to the channel on screen."""
        if not name:
            raise ValueError("invite whom? e.g. /invite @Accord")
        if self.mode.kind in ("home", "dm"):
            raise ValueError("go to a channel first: /invite adds someone to the channel you are in")
        invited = self.ws.user_named(name, bots=True)
        channel = self.ws.invite(self.channel, invited.id, by=self.user)
        who = invited.real_name if invited.is_bot else f"@{invited.name}"
        self.say(f"{who} joined #{channel.name}, added by @{self._name(self.user)}.")

    def _press(self, number: int, value: str) -> None:
        control = next((c for c in self.controls if c.number == number), None)
        if control is None and number in self.numbering.values():
            raise LookupError(f"button [{number}] is no longer there: its message changed; type look")
        if control is None:
            raise LookupError(f"there is no button [{number}] on screen")
        selected = None
        if control.kind == "users_select":
            if not value:
                raise ValueError(f"choose someone: {number} @name")
            selected = self.ws.user_named(value).id
        elif control.kind in ("static_select", "overflow"):
            if not value:
                raise ValueError(f"choose an option: {number} <value>")
            selected = value
        self.driver.click(
            self.user,
            control.where,
            control.action_id,
            block_id=control.block_id,
            value=control.value,
            selected=selected,
        )

    def _as(self, rest: str) -> None:
        person = self.ws.user_named(rest)
        self.user = person.id
        if self.user not in self.ws.channel(self.channel).members:
            theirs = [c.id for c in self.ws.channels.values() if self.user in c.members and not c.is_im]
            self.channel = "C0GENERAL" if "C0GENERAL" in theirs or not theirs else theirs[0]
            self.mode = Mode()
        if person.team:  # another organisation's, met in a channel shared with it: no Home tab of this app
            team = self.ws.other_teams.get(person.team, person.team)
            self.say(f"You are now @{person.name}, of {team} (another organisation), in #{self._name(self.channel)}.")
            if self.mode.kind == "home":
                self.mode = Mode()
            return
        self.say(f"You are now @{self._name(self.user)}.")
        if self.mode.kind == "home":
            self.driver.open_home(self.user)

    def _go(self, rest: str) -> None:
        """`channel NAME [--all]`: go to a channel, showing its latest messages or (--all) every one."""
        name, _, flag = rest.strip().partition(" ")
        if flag.strip() not in ("", "--all"):
            raise ValueError(f"go to a channel like this: channel #{name.lstrip('#')} [--all]")
        channel = self.ws.channel_named(name)
        if self.user not in channel.members:
            raise LookupError(f"@{self._name(self.user)} is not in #{channel.name}")
        self.channel = channel.id
        self.mode = Mode(window=None if flag.strip() else SHOWN_MESSAGES)

    def _more(self, _rest: str) -> None:
        """Scroll back: show as many earlier messages again."""
        if self.mode.kind not in ("channel", "dm"):
            raise ValueError("scroll back in a channel or your direct messages; a thread and Home show everything")
        if self.mode.window is None or self.mode.window >= len(self._conversation()):
            raise ValueError("this is the beginning of the conversation")
        self.mode.window += SHOWN_MESSAGES

    def _say(self, text: str) -> None:
        if not text:
            raise ValueError("say what? e.g. say S1.2 the policy is on the intranet")
        _fits_a_message(text)
        channel = self.ws.im_with(self.user).id if self.mode.kind == "dm" else self.channel
        self.driver.say(self.user, channel, text, thread_ts=self.mode.thread_ts)

    def _thread(self, rest: str) -> None:
        message = self._message(rest)
        self.mode = Mode("thread", message.thread_ts or message.ts, window=None)

    def _edit(self, rest: str) -> None:
        number, _, text = rest.partition(" ")
        if not text.strip():
            raise ValueError("edit it to what? e.g. edit 3 the policy is on the intranet")
        _fits_a_message(text)
        self.driver.edit(self.user, self._message(number), text.strip())

    def _delete(self, rest: str) -> None:
        self.driver.delete(self.user, self._message(rest))

    def _shortcut(self, rest: str) -> None:
        """`shortcut <n> [name]`: a message shortcut from the message's menu (the manifest's), e.g. Raise as dispute."""
        number, _, name = rest.partition(" ")
        message = self._message(number)
        shortcuts = [
            s
            for s in self.sandbox.emulator.contract.manifest.get("features", {}).get("shortcuts", [])
            if s.get("type") == "message" and s["name"].casefold().startswith(name.strip().casefold())
        ]
        if len(shortcuts) != 1:
            known = " / ".join(s["name"] for s in self.sandbox.emulator.contract.manifest["features"]["shortcuts"])
            raise LookupError(f"name one message shortcut: shortcut {number} <{known}>")
        self.driver.message_shortcut(self.user, message, shortcuts[0]["callback_id"])

    def _home(self, _rest: str) -> None:
        if self.ws.user(self.user).team:
            raise NotOffered("Accord's Home tab is for people of workspaces that installed it; yours has not")
        self.mode = Mode("home")
        self.driver.open_home(self.user)

    def _dm(self, _rest: str) -> None:
        self.mode = Mode("dm")

    def _back(self, _rest: str) -> None:
        self.mode = Mode()

    def _time(self, rest: str) -> None:
        match = _DURATION.match(rest.replace(" ", ""))
        if match is None:
            raise ValueError("move time like this: time +7d (m, h, d or w)")
        sign, amount, unit = match.group(1), int(match.group(2)), _UNITS[match.group(3)]
        if sign == "-":
            raise ValueError("time only moves forward: what happened cannot be undone")
        if amount > LONGEST_JUMP // unit:
            raise ValueError(f"that is more than {LONGEST_JUMP.days // 365} years at once; move time in smaller steps")
        report = self.sandbox.advance(amount * unit)
        self.say(f"Time is now {self._local(self.ws.now().timestamp())}.")
        if report.sent:
            self.say(f"Accord sent {report.sent} nudge{'s' if report.sent != 1 else ''}.")
        if report.deferred:
            self.say(f"{report.deferred} nudge(s) wait for working hours where their recipients are.")

    def _people(self, _rest: str) -> None:
        for user in self.ws.users.values():
            if not user.is_bot:
                elsewhere = f"  of {self.ws.other_teams.get(user.team, user.team)}" if user.team else ""
                self.say(f"  @{user.name:<8} {user.real_name:<16} {user.tz}{elsewhere}")

    def _channels(self, _rest: str) -> None:
        for channel in self.ws.channels.values():
            if channel.is_im:
                continue
            notes = ["private" if channel.is_private else "public"]
            if self.ws.bot_user_id not in channel.members:
                notes.append("Accord not invited")
            if channel.shared_with:
                teams = ", ".join(self.ws.other_teams.get(team, team) for team in channel.shared_with)
                notes.append(f"shared with {teams} (Slack Connect)")
            self.say(f"  #{channel.name:<16} {', '.join(notes)}")

    def _workspace(self, rest: str) -> None:
        """`workspace NAME`: be one of another workspace's people, in its first channel."""
        wanted = rest.strip().lower()
        others = (ws for ws in self.sandbox.emulator.workspaces.values() if ws is not self.sandbox.workspace)
        hosted = {"acme": self.sandbox.workspace} | {ws.team_name.split()[0].lower(): ws for ws in others}
        if wanted not in hosted:
            raise LookupError(f"there is no workspace {wanted!r}; there are {', '.join(sorted(hosted))}")
        self.ws = hosted[wanted]
        self.driver = self.sandbox.driver.for_workspace(self.ws)
        self.user = next(u.id for u in self.ws.users.values() if not u.is_bot)
        self.channel = next(c.id for c in self.ws.channels.values() if not c.is_im and self.user in c.members)
        self.mode = Mode()
        self.shown_ephemerals = len(self.ws.ephemerals)
        self.shown_violations = len(self.ws.violations)
        self.say(f"You are in {self.ws.team_name}, as @{self._name(self.user)}.")

    def _install(self, _rest: str) -> None:
        page = self.driver.install(self.user)
        self.say(_page_text(page.body.decode()))

    def _uninstall(self, _rest: str) -> None:
        installed = self.sandbox.emulator.installation_of(self.ws)
        if installed is None:
            raise LookupError(f"Accord is not installed in {self.ws.team_name}")
        self.driver.uninstall(installed.tenant_id)
        days = self.sandbox.settings.purge_after_days
        self.say(f"Accord was removed from {self.ws.team_name}. Its data is kept {days} days: install it again to")
        self.say("have everything back.")

    def _help(self, _rest: str) -> None:
        self.say(HELP)

    def _look(self, _rest: str) -> None:
        self.looking = True

    _COMMANDS: ClassVar[dict[str, Callable[["Console", str], None]]] = {
        "as": _as,
        "go": _go,
        "channel": _go,
        "more": _more,
        "say": _say,
        "thread": _thread,
        "edit": _edit,
        "delete": _delete,
        "shortcut": _shortcut,
        "home": _home,
        "dm": _dm,
        "back": _back,
        "time": _time,
        "people": _people,
        "channels": _channels,
        "help": _help,
        "look": _look,
        "workspace": _workspace,
        "install": _install,
        "uninstall": _uninstall,
    }

    def _message(self, number: str) -> Message:
        try:
            return self.numbered[int(number.lstrip("#"))]
        except (ValueError, KeyError):
            raise LookupError(f"there is no message #{number} on screen") from None

    # ----- modals, field by field

    def _fill_modal(self) -> None:
        """Ask for each field of the open modal, submit it, and ask again only for the fields in error."""
        while (record := self.ws.current_modal(self.user)) is not None:
            if self.draft is None or self.draft.view_id != record.id:
                self._show_modal(record)
                self.draft = Draft(record.id)
            if not input_blocks(record.view):
                self.ws.close_modal(self.user)  # read it, pressed Done
                self.draft = None
                return
            draft = self.draft
            blocks = [b for b in input_blocks(record.view) if draft.ask is None or b["block_id"] in draft.ask]
            if not self._ask_fields(record, blocks, draft.answers):
                self.driver.close_modal(self.user)
                self.draft = None
                self.say("Modal closed.")
                return
            self._submit(record, draft)

    def _submit(self, record: ViewRecord, draft: Draft) -> None:
        try:
            submission = self.driver.submit(self.user, draft.answers)
        except ClientRefused as refused:
            self.say(f"! {self._label(record, refused.block_id)}: {refused.reason}")
            draft.answers.pop(refused.block_id, None)
            draft.ask = {refused.block_id}
            return
        for block_id, message in submission.errors.items():
            self.say(f"! {self._label(record, block_id)}: {message}")
        if submission.errors:
            draft.ask = set(submission.errors)
        else:
            self.draft = None  # saved: whatever the modal shows next is shown afresh

    def _show_modal(self, record: ViewRecord) -> None:
        screen = self._screen()
        screen.add(f"\u250f\u2501 {plain(record.view.get('title'))} (modal)")
        render_blocks(screen, [b for b in record.view.get("blocks", []) if b.get("type") != "input"], record)
        self._print(screen)

    def _ask_fields(self, record: ViewRecord, blocks: list[JSON], answers: dict[str, Any]) -> bool:
        """Prompt for `blocks` in turn, adding to `answers`; False when the person cancels."""
        for block in blocks:
            while True:
                block_id = block["block_id"]
                shown = self._display(answers[block_id]) if block_id in answers else self._current(record, block)
                element = block["element"]
                optional = "" if not block.get("optional") else " (optional)"
                prompt = f"  {plain(block.get('label'))}{optional} {_hint(element)}[{shown}]: "
                line = self._read(prompt)
                if line is None:
                    return False
                if not self.interactive:
                    self.say(prompt + _visible(line))
                verb = line.strip()  # the console's own verbs are never taken as answers
                if verb in ("cancel", "/cancel"):
                    return False
                if verb in ("help", "look"):
                    self._modal_verb(verb, record)
                    continue
                try:
                    value = self._answer(element, line.strip())
                except (LookupError, ValueError) as problem:
                    self.say(f"! {problem}")
                    continue
                if value is not _KEEP:
                    answers[block_id] = value
                break
        return True

    def _modal_verb(self, verb: str, record: ViewRecord) -> None:
        if verb == "help":
            self.say(MODAL_HELP)
        else:
            self._show_modal(record)

    def _answer(self, element: JSON, text: str) -> Any:
        """What the person's text means for this field, refused as Slack's own client would refuse it."""
        problem = _unreadable(text) if text else None
        if problem:
            raise ValueError(problem)
        if text == "":
            return _KEEP
        if text == "-":
            return None
        kind = element["type"]
        if kind == "users_select":
            return self.ws.user_named(text).id
        if kind == "multi_users_select":
            return [self.ws.user_named(name).id for name in re.split(r"[\s,]+", text) if name]
        if kind in ("conversations_select", "channels_select"):
            return self.ws.channel_named(text).id
        if kind in ("static_select", "radio_buttons"):
            return _option(element, text)
        if kind in ("checkboxes", "multi_static_select"):
            return [_option(element, v) for v in re.split(r"[\s,]+", text) if v]
        if kind == "datepicker":
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                raise ValueError(f"{_shorten(text)!r} is not a date: type it as YYYY-MM-DD") from None
        return text

    def _current(self, record: ViewRecord, block: JSON) -> str:
        element = block["element"]
        state = record.values.get(block["block_id"], {}).get(element["action_id"], {})
        for key in ("value", "selected_user", "selected_conversation", "selected_date", "selected_option"):
            if state.get(key):
                return self._display(state[key])
        for key, value in element.items():
            if key.startswith("initial_") and value:
                return self._display(value)
        if element.get("default_to_current_conversation") and record.conversation:
            return self._display(record.conversation)
        return ""

    def _display(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, dict):
            return str(value.get("value", ""))
        if isinstance(value, list):
            return " ".join(self._display(v) for v in value)
        text = str(value)
        if text in self.ws.users:
            return "@" + self.ws.users[text].name
        if text in self.ws.channels:
            return "#" + self.ws.channels[text].name
        return text

    def _label(self, record: ViewRecord, block_id: str) -> str:
        for block in record.view.get("blocks", []):
            if block.get("block_id") == block_id:
                return plain(block.get("label")) or block_id
        return block_id

    # ----- the screen

    def _screen(self) -> Screen:
        return Screen(self._name)

    def show(self) -> None:
        here = (self.user, self.channel, self.mode.kind, self.mode.thread_ts)
        if here != self.place:
            self.place, self.numbering = here, {}
        screen = Screen(self._name, numbering=self.numbering)
        place = {
            "channel": f"#{self._name(self.channel)}",
            "thread": f"#{self._name(self.channel)} \u203a thread",
            "home": "Accord \u203a Home",
            "dm": "Accord \u203a Messages",
        }[self.mode.kind]
        now = self._local(self.ws.now().timestamp())
        screen.add(f"\u2500\u2500 {place} \u00b7 you are @{self._name(self.user)} \u00b7 {now} \u2500\u2500")
        self.numbered = {}
        if self.mode.kind == "home":
            home = self.ws.home(self.user)
            if home is None:
                screen.add("  (Accord has not drawn a Home tab for you)")
            else:
                render_blocks(screen, home.view.get("blocks", []), home)
        elif self.mode.kind == "dm":
            self._messages(screen, self._conversation(), threads=False)
        elif self.mode.kind == "thread" and self.mode.thread_ts:
            parent = self.ws.find(self.channel, self.mode.thread_ts)
            thread = [parent] if parent else []
            self._messages(screen, thread + self.ws.replies(self.channel, self.mode.thread_ts), threads=False)
        else:
            self._messages(screen, self._conversation(), threads=True)
        self._ephemerals(screen)
        self._notices(screen)
        self.controls = screen.controls
        self._print(screen)

    def _conversation(self) -> list[Message]:
        """The top-level messages of the channel, or direct messages, on screen."""
        return self.ws.top_level(self.ws.im_with(self.user).id if self.mode.kind == "dm" else self.channel)

    def _messages(self, screen: Screen, messages: list[Message], *, threads: bool) -> None:
        """Show the latest messages (the window), numbered from the first in the conversation."""
        if not messages:
            screen.add("  (no messages yet)")
        hidden = max(0, len(messages) - self.mode.window) if self.mode.window is not None else 0
        if hidden:
            screen.add(f"  \u2191 {hidden} earlier message{'s' if hidden != 1 else ''}: type more")
        for number, message in enumerate(messages[hidden:], start=hidden + 1):
            self.numbered[number] = message
            author = "Accord" if message.bot_id else "@" + self._name(message.user or "")
            edited = " (edited)" if message.edited else ""
            screen.add(f"#{number} {author} \u00b7 {self._local(float(message.ts), short=True)}{edited}")
            if message.blocks:
                render_blocks(screen, message.blocks, message)
            else:
                render_blocks(screen, [{"type": "section", "text": {"type": "mrkdwn", "text": message.text}}], message)
            for attached in message.files:
                saved = self._saved_image(attached)
                where = f" (saved to {saved})" if saved else ""
                screen.add(f"  \U0001f4ce {attached.get('title') or attached.get('name')}{where}")
            if message.reactions:
                reactions = " ".join(f":{name}: {len(who)}" for name, who in message.reactions.items())
                screen.add("  " + mrkdwn(reactions, self._name))
            replies = self.ws.replies(message.channel, message.ts) if threads else []
            if replies:
                screen.add(f"  \U0001f4ac {len(replies)} repl{'y' if len(replies) == 1 else 'ies'} (thread {number})")

    def _saved_image(self, attached: dict[str, Any]) -> Path | None:
        """An image Accord uploaded (a chart), saved beside the console's state to be opened outside the terminal."""
        data = self.sandbox.emulator.uploads.get(str(attached.get("id")))
        name = Path(str(attached.get("name") or "")).name
        if data is None or not name.endswith(".png") or self.sandbox.workspace_file is None:
            return None
        path = self.sandbox.workspace_file.parent / "files" / f"{attached['id']}-{name}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return path

    def _ephemerals(self, screen: Screen) -> None:
        """Ephemerals that arrived since the last screen, shown once; `look` shows the last screen's again."""
        fresh = [e for e in self.ws.ephemerals[self.shown_ephemerals :] if e.user == self.user]
        self.shown_ephemerals = len(self.ws.ephemerals)
        if self.looking:
            fresh = [e for e in self.on_screen if e in self.ws.ephemerals] + fresh
            self.looking = False
        self.on_screen = fresh
        for message in fresh:
            where = "" if message.channel == self.channel else f" in #{self._name(message.channel)}"
            screen.add(f"\u2502 Only visible to you{where} \u00b7 Accord")
            blocks = message.blocks or [{"type": "section", "text": {"type": "mrkdwn", "text": message.text}}]
            render_blocks(screen, blocks, message, indent="\u2502   ")

    def _notices(self, screen: Screen) -> None:
        if self.mode.kind != "dm":
            unread = self.ws.top_level(self.ws.im_with(self.user).id)
            if unread and float(unread[-1].ts) > self.dm_seen.get(self.user, 0.0):
                screen.add("\U0001f514 New direct message from Accord: type dm to read it")
        fresh = self.ws.violations[self.shown_violations :]
        self.shown_violations = len(self.ws.violations)
        for violation in fresh:
            screen.add(f"!! Slack would refuse this: {violation}")

    def _print(self, screen: Screen) -> None:
        if self.mode.kind == "dm":
            self.dm_seen[self.user] = self.ws.now().timestamp()
        self.say("\n".join(screen.lines))

    def _name(self, ident: str) -> str:
        if ident in self.ws.users:
            return self.ws.users[ident].name
        if ident in self.ws.channels:
            return self.ws.channels[ident].name
        return ident

    def _local(self, stamp: float, *, short: bool = False) -> str:
        zone = ZoneInfo(self.ws.users[self.user].tz)
        moment = datetime.fromtimestamp(stamp, zone)
        return moment.strftime("%H:%M" if short else "%a %d %b %Y %H:%M %Z")


class _Keep:
    """The person pressed Enter: keep the field as it is."""


_KEEP = _Keep()


def _page_text(html: str) -> str:
    """A web page's words, a paragraph a line, as a person reads them."""
    words = re.sub(r"<(style|title)>.*?</\1>", "", html, flags=re.S)
    words = re.sub(r"</(h1|p|li)>", "\n", words)
    words = re.sub(r"<[^>]+>", "", words)
    lines = (" ".join(unescape(line).split()) for line in words.splitlines())
    return "\n".join(line for line in lines if line)


def _option(element: JSON, text: str) -> str:
    """The value of the option the person named by its value or its label, as a menu only offers those."""
    for option in element.get("options", []):
        if text.casefold() in (str(option["value"]).casefold(), plain(option.get("text")).casefold()):
            return str(option["value"])
    raise LookupError(f"{_shorten(text)!r} is not one of the choices: {_choices(element)}")


def _choices(element: JSON) -> str:
    """A menu's options as a person types them: the value, or the label when the value is only an id."""
    named = []
    for option in element.get("options", []):
        value, label = str(option["value"]), plain(option.get("text"))
        named.append(value if label.startswith(value) else label)
    return " / ".join(named)


def _unreadable(line: str) -> str | None:
    """Why Slack's message box could not take this line (empty, or control characters), if it could not."""
    if not line.strip():
        return "nothing typed: type a command, or help"
    control = _CONTROL.search(line)
    if control:
        return f"control character U+{ord(control.group()):04X} cannot be typed here; nothing was done"
    return None


def _visible(line: str) -> str:
    """A line echoed safely: control characters shown as escapes, not sent to the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line)


def _fits_a_message(text: str) -> None:
    if len(text) > MESSAGE_TEXT_LIMIT:
        raise ValueError(f"a message holds at most {MESSAGE_TEXT_LIMIT:,} characters; this one has {len(text):,}")


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _hint(element: JSON) -> str:
    kind = element["type"]
    hints = {
        "users_select": "(@name) ",
        "multi_users_select": "(@name @name) ",
        "conversations_select": "(#channel) ",
        "channels_select": "(#channel) ",
        "datepicker": "(YYYY-MM-DD) ",
    }
    if kind == "number_input" and "min_value" in element:
        return f"({element['min_value']}-{element.get('max_value', '')}) "
    if kind in ("static_select", "radio_buttons"):
        return f"({_choices(element)}) "
    if kind == "plain_text_input" and element.get("max_length"):
        return f"(max {element['max_length']}) "
    return hints.get(kind, "")


def _log_to_file(path: Path) -> None:
    """Send log lines (and Python's warnings) to a file beside the session: the screen is the console's alone."""
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(next((h.formatter for h in root.handlers if h.formatter), None))
    root.handlers[:] = [handler]
    logging.captureWarnings(True)


def main(sandbox: Sandbox, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    if sandbox.workspace_file is not None:
        _log_to_file(sandbox.workspace_file.with_name("console.log"))
    interactive = stdin.isatty()
    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(errors="replace")  # bytes that are not UTF-8 are typed as \ufffd, not a crash
    console = Console(sandbox, stdout, interactive=interactive, after_command=sandbox.save)
    console.run(iter(stdin))
    sandbox.save()
