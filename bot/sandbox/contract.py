"""Slack's contract as data: which Web API methods exist, how they are called, what scopes and blocks they take.

The emulator checks every call the app makes against it, so a call that real Slack would refuse (or that the
app's manifest does not grant) fails here too, loudly, instead of in a customer's workspace.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.installs.setup import find_manifest
from bot.sandbox.blockkit import at, surface_problems

# Taken by every method: the token, and the workspace of an org-wide install (Bolt sends it on each call).
_GENERIC_ARGS = {"token", "team_id"}
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000
_SCALARS = (str, int, float, bool)  # what message metadata's payload values may be


def _reference(name: str) -> Any:
    return json.loads((files("bot.sandbox.reference") / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Contract:
    methods: Mapping[str, Mapping[str, Any]]
    event_scopes: Mapping[str, tuple[str, ...]]
    manifest: Mapping[str, Any]

    @classmethod
    def load(cls, manifest_path: Path | None = None) -> "Contract":
        manifest = yaml.safe_load((manifest_path or find_manifest()).read_text(encoding="utf-8"))
        events = {e["name"]: tuple(e.get("scopes") or ()) for e in _reference("events.json")}
        return cls(methods=_reference("methods.json"), event_scopes=events, manifest=manifest)

    @cached_property
    def bot_scopes(self) -> frozenset[str]:
        return frozenset(self.manifest.get("oauth_config", {}).get("scopes", {}).get("bot", []))

    @cached_property
    def bot_events(self) -> frozenset[str]:
        return frozenset(self.manifest.get("settings", {}).get("event_subscriptions", {}).get("bot_events", []))

    def check_call(self, method: str, verb: str, args: Mapping[str, Any], *, token: str | None) -> list[str]:
        """What is wrong with this Web API call, as Slack's reference describes the method; empty if nothing."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"{method} is not a Slack Web API method"]
        problems = []
        # Slack takes POST for every method (slack_sdk always posts); GET only where the method is read-only.
        if verb not in (spec["http_method"], "POST"):
            problems.append(f"{method} takes HTTP {spec['http_method']}, not {verb}")
        missing = [a for a in spec.get("required", []) if a != "token" and args.get(a) in (None, "")]
        if missing:
            problems.append(f"{method} is missing required argument(s): {', '.join(missing)}")
        if "token" in spec.get("required", []) and not token:
            problems.append(f"{method} needs a token")
        unknown = set(args) - set(spec.get("required", [])) - set(spec.get("optional", [])) - _GENERIC_ARGS
        if unknown:
            problems.append(f"{method} does not take argument(s): {', '.join(sorted(unknown))}")
        needed = spec.get("scope", {}).get("bot") or []
        if needed and not self.bot_scopes.intersection(needed):
            problems.append(f"{method} needs bot scope {' or '.join(needed)}, which manifest.yml does not request")
        return problems

    def check_event(self, event_name: str) -> list[str]:
        """An event can reach the app only if the manifest subscribes to it and grants its scopes."""
        if event_name not in self.bot_events:
            return [f"manifest.yml does not subscribe to {event_name}"]
        needed = self.event_scopes.get(event_name, ())
        if needed and not self.bot_scopes.intersection(needed):
            return [f"event {event_name} needs bot scope {' or '.join(needed)}"]
        return []

    def check_message(self, text: Any, blocks: Any) -> list[str]:
        problems = check_blocks(blocks, MESSAGE_BLOCK_LIMIT, "message", "/blocks")
        if blocks and not (isinstance(text, str) and text.strip()):
            problems.append("a message with blocks needs `text` too: it is what notifications and screen readers show")
        if not blocks and not (isinstance(text, str) and text.strip()):
            problems.append("a message needs text or blocks")
        return problems

    def check_text(self, text: Any) -> list[str]:
        """A message's top-level text: Slack refuses (or, posting, cuts) anything longer than its limit."""
        if isinstance(text, str) and len(text) > MESSAGE_TEXT_LIMIT:
            return [at("/text", f"must be at most {MESSAGE_TEXT_LIMIT} characters; got {len(text)}")]
        return []

    def check_metadata(self, metadata: Any) -> list[str]:
        """Message metadata as Slack takes it: an event type and a flat payload of strings, numbers, booleans and
        objects of those."""
        if metadata is None:
            return []
        if not isinstance(metadata, Mapping):
            return ["metadata must be a JSON object"]
        problems = []
        if not re.fullmatch(r"[A-Za-z0-9_]{1,255}", str(metadata.get("event_type", ""))):
            problems.append("metadata.event_type must be a short alphanumeric name")
        payload = metadata.get("event_payload")
        if not isinstance(payload, Mapping):
            return [*problems, "metadata.event_payload must be a JSON object"]
        for key, value in payload.items():
            if isinstance(value, _SCALARS):
                continue
            objects = value if isinstance(value, list) else [value]
            if not all(isinstance(o, Mapping) and all(isinstance(v, _SCALARS) for v in o.values()) for o in objects):
                problems.append(f"metadata.event_payload.{key} must be a string, number, boolean or object of those")
        return problems

    def check_view(self, view: Any) -> list[str]:
        if not isinstance(view, Mapping):
            return ["view must be a JSON object"]
        problems = check_blocks(view.get("blocks"), VIEW_BLOCK_LIMIT, f"{view.get('type', '?')} view", "/view/blocks")
        if view.get("type") not in ("modal", "home"):
            problems.append(at("/view/type", f"view type must be modal or home, not {view.get('type')!r}"))
        try:
            rebuilt = View(**view).to_dict()
        except (SlackObjectFormationError, TypeError, ValueError) as error:
            problems.append(at("/view", f"invalid view: {error}"))
        else:
            extra = set(view) - set(rebuilt) - {"blocks"}
            if extra:
                problems.append(at("/view", f"view field(s) Slack does not know: {', '.join(sorted(extra))}"))
        return problems


def check_blocks(blocks: Any, limit: int, surface: str, root: str) -> list[str]:
    """Blocks must parse under `slack_sdk.models`, keep to Slack's field limits and to the surface's count, and
    keep the rules the SDK leaves to Slack; `root` is the blocks' JSON pointer in the request."""
    if blocks in (None, ""):
        return []
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except json.JSONDecodeError:
            return [at(root, "blocks is not valid JSON")]
    if not isinstance(blocks, list):
        return [at(root, "blocks must be a list")]
    problems = []
    if len(blocks) > limit:
        problems.append(at(root, f"a {surface} holds at most {limit} blocks; got {len(blocks)}"))
    for index, raw in enumerate(blocks):
        pointer = f"{root}/{index}"
        try:
            block = Block.parse(raw)
            if block is None or type(block) is Block:
                problems.append(at(pointer, f"unknown block type {raw.get('type')!r}"))
                continue
            rebuilt = block.to_dict()
        except (SlackObjectFormationError, TypeError, ValueError, AttributeError) as error:
            problems.append(at(pointer, f"{raw.get('type') if isinstance(raw, dict) else raw!r}: {error}"))
            continue
        problems += [at(pointer, p) for p in _lost_keys(raw, rebuilt, raw.get("type", "block"))]
    return problems + surface_problems(blocks, root)


def _lost_keys(original: Any, rebuilt: Any, where: str) -> list[str]:
    """Keys the SDK dropped when it rebuilt the block: fields Slack does not know (likely typos)."""
    if isinstance(original, Mapping) and isinstance(rebuilt, Mapping):
        problems = [f"{where}.{key} is not a Block Kit field" for key in original if key not in rebuilt]
        for key, value in original.items():
            if key in rebuilt:
                problems += _lost_keys(value, rebuilt[key], f"{where}.{key}")
        return problems
    if isinstance(original, list) and isinstance(rebuilt, list) and len(original) == len(rebuilt):
        return [
            p for i, (a, b) in enumerate(zip(original, rebuilt, strict=True)) for p in _lost_keys(a, b, f"{where}[{i}]")
        ]
    return []
