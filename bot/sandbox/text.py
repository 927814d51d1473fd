"""Block Kit and mrkdwn as terminal text, with every button and menu numbered so it can be pressed."""

import html
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import emoji

JSON = dict[str, Any]


@dataclass
class Control:
    """A pressable thing on screen: where it is and what pressing it needs."""

    number: int
    action_id: str
    block_id: str
    kind: str
    label: str
    value: str | None
    where: Any


# A control as the person knows it: where it is (message or view), its block, its action and its value.
ControlKey = tuple[str, str, str, str]


@dataclass
class Screen:
    """Text lines plus the numbered controls shown in them.

    `numbering` is shared by the screens of one place, so a control keeps its number while its message
    changes around it, and a new control takes a new number instead of one a person may be about to press.
    """

    names: Callable[[str], str]
    lines: list[str] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    numbering: dict[ControlKey, int] = field(default_factory=dict)

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def control(self, element: JSON, block_id: str, where: Any) -> str:
        key = (_surface(where), block_id, element["action_id"], str(element.get("value", "")))
        number = self.numbering.setdefault(key, len(self.numbering) + 1)
        label = plain(element.get("text") or element.get("placeholder") or {"text": element["type"]})
        if element["type"] == "users_select":
            label = f"{label or 'Choose a person'} \u25be (@name)"
        elif element["type"] in ("static_select", "overflow"):
            options = " / ".join(o["value"] for o in element.get("options", []))
            label = f"{label or 'Choose'} \u25be ({options})"
        self.controls.append(
            Control(number, element["action_id"], block_id, element["type"], label, element.get("value"), where)
        )
        return f"[{number}] {label}"


def _surface(where: Any) -> str:
    """Which message or view a control is in: its channel and timestamp, or its view id."""
    stamp = getattr(where, "ts", None) or getattr(where, "id", "")
    return f"{type(where).__name__}:{getattr(where, 'channel', '')}:{stamp}"


def plain(text_object: Any) -> str:
    if isinstance(text_object, dict):
        return str(text_object.get("text", ""))
    return str(text_object or "")


_LINK = re.compile(r"<([@#!]?)([^|>]+)(?:\|([^>]*))?>")
_EMOJI_CODE = re.compile(r":([a-z0-9_+\-]+):")


def mrkdwn(text: str, names: Callable[[str], str]) -> str:
    """Slack mrkdwn as a terminal shows it: mentions by name, links with their target, entities decoded."""

    def link(match: re.Match[str]) -> str:
        kind, target, label = match.groups()
        if kind in ("@", "#"):
            return kind + (label or names(target))
        if kind == "!":
            return label or target.split("^")[0]
        return f"{label} ({target})" if label else target

    text = _LINK.sub(link, text)
    text = _EMOJI_CODE.sub(_emoji, text)
    return html.unescape(text)


def _emoji(match: re.Match[str]) -> str:
    """A shortcode as its emoji; Slack names some circles `large_...` where Unicode's names do not."""
    name = match.group(1)
    for candidate in (name, name.removeprefix("large_")):
        shown = emoji.emojize(f":{candidate}:", language="alias")
        if shown != f":{candidate}:":
            return shown
    return match.group(0)


def render_blocks(screen: Screen, blocks: list[JSON], where: Any, indent: str = "  ", width: int = 100) -> None:
    names = screen.names
    for block in blocks:
        kind = block.get("type")
        block_id = block.get("block_id", "")
        if kind == "header":
            screen.add(f"{indent}\u258c {plain(block.get('text')).upper()}")
        elif kind == "section":
            text = mrkdwn(plain(block.get("text")), names)
            for field_ in block.get("fields", []):
                text += "\n" + mrkdwn(plain(field_), names)
            _wrap(screen, text, indent, width)
            accessory = block.get("accessory")
            if accessory and "action_id" in accessory:
                screen.add(f"{indent}    {screen.control(accessory, block_id, where)}")
        elif kind == "context":
            parts = [mrkdwn(plain(e), names) for e in block.get("elements", []) if e.get("type") != "image"]
            _wrap(screen, "  ".join(parts), indent + "\u00b7 ", width, after=indent + "  ")
        elif kind == "divider":
            screen.add(indent + "\u2500" * 40)
        elif kind == "actions":
            controls = [screen.control(e, block_id, where) for e in block.get("elements", []) if "action_id" in e]
            screen.add(indent + "  ".join(controls))
        elif kind == "input":
            label = plain(block.get("label"))
            screen.add(f"{indent}{label}{'' if block.get('optional') else ' *'}")
        elif kind == "image":
            screen.add(f"{indent}[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            screen.add(indent + _rich_text(block))


def _rich_text(block: JSON) -> str:
    words: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "text" in node and isinstance(node["text"], str):
                words.append(node["text"])
            for child in node.get("elements", []):
                walk(child)

    walk(block)
    return "".join(words)


def _wrap(screen: Screen, text: str, indent: str, width: int, after: str | None = None) -> None:
    """Wrap `text` at `width`; later lines start with `after` (default `indent`), so a bullet shows once."""
    after = indent if after is None else after
    for number, paragraph in enumerate(text.split("\n")):
        lead = indent if number == 0 else after
        lines = textwrap.wrap(
            paragraph,
            width,
            initial_indent=lead,
            subsequent_indent=after,
            break_on_hyphens=False,
            break_long_words=False,
        )
        for line in lines or [lead]:
            screen.add(line)
