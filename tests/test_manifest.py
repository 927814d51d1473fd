"""manifest.yml is valid for Slack and agrees with the code, both ways."""

import inspect
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from slack_sdk import WebClient

from bot.app import subcommands
from bot.sandbox.contract import Contract
from bot.sandbox.harness import Sandbox
from bot.slack import ids
from tests.e2e.helpers import ACME, ALICE

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())


def constants(prefix: str) -> set[str]:
    return {value for name, value in vars(ids).items() if name.startswith(prefix)}


def test_manifest_is_valid_against_slacks_schema() -> None:
    schema = json.loads((ROOT / "tests/reference/manifest.schema.1.0.0.json").read_text())
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(MANIFEST)
    ]
    assert errors == []


def test_the_schema_check_would_catch_a_broken_manifest() -> None:
    schema = json.loads((ROOT / "tests/reference/manifest.schema.1.0.0.json").read_text())
    broken = MANIFEST | {"display_information": {"name": "x" * 36}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_slash_commands_match_both_ways() -> None:
    assert {c["command"] for c in MANIFEST["features"]["slash_commands"]} == {ids.COMMAND}


def test_the_usage_hint_lists_every_subcommand_and_only_those() -> None:
    """Slack shows the hint as people type /accord: it lists what `/accord help` does, in the same order."""
    (command,) = MANIFEST["features"]["slash_commands"]
    hinted = [word.strip() for word in command["usage_hint"].split("|")]
    assert hinted == [subcommand.name for subcommand in subcommands()]


def test_shortcuts_match_both_ways() -> None:
    declared = {s["callback_id"] for s in MANIFEST["features"].get("shortcuts", [])}
    assert declared == constants("SHORTCUT_")


def test_event_subscriptions_match_both_ways() -> None:
    declared = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    # Bolt listens to the "message" event; Slack subscribes to it per kind of channel.
    assert declared == constants("EVENT_") - {ids.EVENT_MESSAGE} | constants("MESSAGE_EVENT_")


def _api_methods(client_method: str, seen: set[str] | None = None) -> set[str]:
    """The Web API methods one WebClient method calls, following its calls to other WebClient methods."""
    seen = seen if seen is not None else set()
    if client_method in seen:
        return set()
    seen.add(client_method)
    source = inspect.getsource(getattr(WebClient, client_method))
    found = set(re.findall(r'api_call\(\s*"([a-z.A-Z]+)"', source))
    for inner in re.findall(r"self\.([a-z]+_[A-Za-z_]+)\(", source):
        if hasattr(WebClient, inner):
            found |= _api_methods(inner, seen)
    return found


def _web_api_methods_called_by_the_app() -> set[str]:
    """Every Web API method the app's code calls through a WebClient (the sandbox aside)."""
    called = set()
    for path in (ROOT / "bot").rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        for name in re.findall(r"client\.([a-z]+_[A-Za-z0-9_]+)\(", path.read_text()):
            called |= _api_methods(name)
    return called


def test_bot_scopes_cover_every_web_api_method_the_app_calls() -> None:
    contract = Contract.load(ROOT / "manifest.yml")
    called = _web_api_methods_called_by_the_app()
    assert {"chat.postMessage", "views.open", "views.publish", "files.completeUploadExternal"} <= called
    for method in sorted(called):
        needed = contract.methods[method].get("scope", {}).get("bot") or []
        assert not needed or contract.bot_scopes & set(needed), f"{method} needs one of {needed}"


def test_no_scope_is_requested_without_a_use() -> None:
    contract = Contract.load(ROOT / "manifest.yml")
    used = {"commands"}
    for method in _web_api_methods_called_by_the_app():
        used |= set(contract.methods[method].get("scope", {}).get("bot") or [])
    for event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        used |= set(contract.event_scopes.get(event, ()))
    assert contract.bot_scopes <= used


@pytest.mark.parametrize("action_id", sorted(constants("ACTION_")))
def test_every_action_id_has_a_listener(sandbox: Sandbox, action_id: str) -> None:
    payload = sandbox.driver._interaction("block_actions", ALICE, ACME) | {
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": "0", "action_ts": "1.0"}],
        "container": {"type": "message", "message_ts": "1.0", "channel_id": ACME, "is_ephemeral": True},
        "channel": {"id": ACME, "name": "acme-alliance"},
        "state": {"values": {}},
    }
    assert sandbox.driver.send_interaction(payload).status != 404  # Bolt answers 404 when nothing listens
    sandbox.workspace.violations.clear()


@pytest.mark.parametrize("callback_id", sorted(constants("VIEW_")))
def test_every_view_callback_id_has_a_listener(sandbox: Sandbox, callback_id: str) -> None:
    view = {"id": "V1", "type": "modal", "callback_id": callback_id, "state": {"values": {}}, "private_metadata": ""}
    payload = sandbox.driver._interaction("view_submission", ALICE) | {"view": view, "response_urls": []}
    assert sandbox.driver.send_interaction(payload).status != 404
    sandbox.workspace.violations.clear()


def test_unknown_action_ids_really_are_unanswered(sandbox: Sandbox) -> None:
    payload = sandbox.driver._interaction("block_actions", ALICE, ACME) | {
        "actions": [{"action_id": "nobody_listens", "block_id": "b", "type": "button", "action_ts": "1.0"}],
        "container": {"type": "message", "message_ts": "1.0", "channel_id": ACME, "is_ephemeral": True},
        "state": {"values": {}},
    }
    assert sandbox.driver.send_interaction(payload).status == 404
