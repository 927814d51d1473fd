"""Block Kit rules Slack enforces that `slack_sdk.models` does not check when it builds a block.

The SDK checks most field limits, but not: that an action_id is unique among the elements of its block, that a
block_id is unique in its message or view, the length of a section's fields, anything about option objects and
option groups inside a block (their `to_dict` skips validation), the number of checkboxes and radio buttons, and a
plain-text input's length bounds. Problems read as Slack words them: a reason and the JSON pointer of the field.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Keys under which a block or an element holds option objects.
_OPTION_KEYS = frozenset({"options", "initial_options", "initial_option"})


def at(pointer: str, reason: str) -> str:
    """A problem as Slack reports it: the reason, then where it is."""
    return f"{reason} [json-pointer:{pointer}]"


@dataclass(frozen=True)
class Chars:
    """A string, or a text object's text, of at most `limit` characters."""

    field: str
    limit: int

    def check(self, node: Mapping[str, Any], pointer: str) -> list[str]:
        value = node.get(self.field)
        where = f"{pointer}/{self.field}"
        if isinstance(value, Mapping):
            value, where = value.get("text"), f"{where}/text"
        if isinstance(value, str) and len(value) > self.limit:
            return [at(where, f"must be at most {self.limit} characters; got {len(value)}")]
        return []


@dataclass(frozen=True)
class Items:
    """A list of at most `limit` items."""

    field: str
    limit: int

    def check(self, node: Mapping[str, Any], pointer: str) -> list[str]:
        value = node.get(self.field)
        if isinstance(value, list) and len(value) > self.limit:
            return [at(f"{pointer}/{self.field}", f"must hold at most {self.limit} items; got {len(value)}")]
        return []


@dataclass(frozen=True)
class Between:
    """A whole number from `low` to `high`."""

    field: str
    low: int
    high: int

    def check(self, node: Mapping[str, Any], pointer: str) -> list[str]:
        value = node.get(self.field)
        if value is None or (isinstance(value, int) and self.low <= value <= self.high):
            return []
        return [at(f"{pointer}/{self.field}", f"must be a whole number from {self.low} to {self.high}; got {value!r}")]


Rule = Chars | Items | Between

# By the role a JSON object plays (see `_role`), from Slack's Block Kit reference.
RULES: Mapping[str, tuple[Rule, ...]] = {
    "section_field": (Chars("text", 2000),),
    "option": (Chars("text", 75), Chars("value", 150), Chars("description", 75), Chars("url", 3000)),
    "option_group": (Chars("label", 75), Items("options", 100)),
    "checkboxes": (Items("options", 10),),
    "radio_buttons": (Items("options", 10),),
    "plain_text_input": (Between("max_length", 1, 3000), Between("min_length", 0, 3000)),
}


def surface_problems(blocks: Sequence[Any], root: str) -> list[str]:
    """What Slack would refuse in these blocks of one message or view; `root` is their JSON pointer."""
    problems: list[str] = []
    block_ids: set[Any] = set()
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            continue  # the SDK's parse reports it
        pointer = f"{root}/{index}"
        if "block_id" in block:
            if block["block_id"] in block_ids:
                problems.append(at(f"{pointer}/block_id", f"duplicate block_id {block['block_id']!r} in this surface"))
            block_ids.add(block["block_id"])
        problems += _block_problems(block, pointer)
    return problems


def _block_problems(block: Mapping[str, Any], pointer: str) -> list[str]:
    """The field rules, and action_ids unique among the block's elements (Slack tells clicks apart by them)."""
    problems: list[str] = []
    action_ids: set[Any] = set()
    for where, key, node in _objects(block, pointer, "block"):
        for rule in RULES.get(_role(key, node), ()):
            problems += rule.check(node, where)
        if "action_id" in node:
            if node["action_id"] in action_ids:
                problems.append(at(f"{where}/action_id", f"duplicate action_id {node['action_id']!r} in this block"))
            action_ids.add(node["action_id"])
    return problems


def _role(key: str, node: Mapping[str, Any]) -> str:
    if key in _OPTION_KEYS:
        return "option"
    if key == "option_groups":
        return "option_group"
    if key == "fields":
        return "section_field"
    return str(node.get("type", ""))


def _objects(node: Any, pointer: str, key: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Every JSON object in `node` with its pointer and the key it sits under (a list's key for its items)."""
    if isinstance(node, Mapping):
        yield pointer, key, node
        for name, value in node.items():
            yield from _objects(value, f"{pointer}/{name}", str(name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, f"{pointer}/{index}", key)
