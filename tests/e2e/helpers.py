"""Reading what the app showed people, as a Slack client would; waiting for a process that serves them."""

import socket
import time
from collections.abc import Callable
from typing import Any

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Ephemeral, Message, ViewRecord
from bot.slack import ids
from stages import relationship_service
from stages.relationships import Relationship

ALICE, BOB, CAROL, DAVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"
PARTNERSHIPS, ACME, NEWCO, BOARD = "C0PARTNERS", "C0ACME", "C0NEWCO", "G0BOARD"


def text_of(blocks: list[dict[str, Any]]) -> str:
    """All the words in some blocks, in order, as one string."""
    words: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                words.append(node["text"])
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(words)


def shown(item: Message | Ephemeral | ViewRecord | None) -> str:
    assert item is not None, "nothing was shown"
    if isinstance(item, ViewRecord):
        return text_of(item.view.get("blocks", []))
    return item.text + "\n" + text_of(item.blocks)


def last_ephemeral(sandbox: Sandbox, user: str) -> Ephemeral:
    mine = sandbox.workspace.ephemerals_for(user)
    assert mine, f"{user} was shown nothing"
    return mine[-1]


def create_relationship(
    sandbox: Sandbox,
    name: str = "Acme Alliance",
    *,
    user: str = ALICE,
    channel: str = ACME,
    partner: str = "Acme Ltd",
    sponsor: str = BOB,
    owner: str | None = None,
    cadence: str | None = None,
) -> ViewRecord | None:
    """Open the new-relationship modal with /accord new and submit it; returns the modal afterwards."""
    sandbox.driver.command(user, channel, "new")
    answers: dict[str, Any] = {"name": name, "partner": partner, "sponsor": sponsor}
    if owner:
        answers["owner"] = owner
    if cadence:
        answers["cadence"] = cadence
    submission = sandbox.driver.submit(user, answers)
    assert submission.errors == {}, submission.errors
    return sandbox.workspace.current_modal(user)


def relationship(sandbox: Sandbox, name: str = "Acme Alliance") -> Relationship:
    """The relationship as stored now."""
    return relationship_service.find_relationship(sandbox.database.uow(sandbox.workspace.team_id), name)


def fresh(sandbox: Sandbox, message: Message) -> Message:
    """The message as it is now in the channel (after any updates the app made to it)."""
    found = sandbox.workspace.find(message.channel, message.ts)
    assert found is not None, "the message is gone"
    return found


def escalate(sandbox: Sandbox, user: str, dispute: Message, reason: str = "No agreement at this tier") -> str:
    """Press a dispute's Escalate button and give the reason its form asks for; what the form says then."""
    sandbox.driver.click(user, dispute, ids.ACTION_DISPUTE_ESCALATE)
    submission = sandbox.driver.submit(user, {"reason": reason})
    assert submission.errors == {}, submission.errors
    return shown(sandbox.workspace.current_modal(user))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Until `condition` holds: the app under test runs in another process or thread."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)
