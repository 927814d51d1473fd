"""The item and gate buttons of a check-in, shown in its thread and on the Home tab, with their values' one
encoding and one parse: a value that does not parse is stale, never a number made up with `or 0`."""

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, UserSelectElement

from bot.slack import ids
from bot.slack.kit import plain
from bot.slack.wording import Copy
from stages.errors import Stale

ANSWER_BLOCK = "answer:"  # prefix of the block_id of an item's answer buttons


def item_value(checkin_id: int, item_id: str) -> str:
    return f"{checkin_id}:{item_id}"


def read_item_value(value: str) -> tuple[int, str]:
    """The check-in and item a button or menu belongs to; `Stale` for anything that is not one of ours."""
    checkin, _, item = value.removeprefix(ANSWER_BLOCK).partition(":")
    if not (checkin.isascii() and checkin.isdigit()) or not item:
        raise Stale(f"unreadable button value {value!r}")
    return int(checkin), item


def gate_value(checkin_id: int | None, rounds: int) -> str:
    """Sign off and Reopen carry the gate's round as shown, so a button from before a reopening acts on nothing."""
    return f"{checkin_id}@{rounds}"


def read_gate_value(value: str | None) -> tuple[int, int]:
    """The check-in and the round its gate button was shown at; `Stale` for anything that is not one of ours."""
    checkin, at, rounds = (value or "").partition("@")
    if not at or not (checkin + rounds).isascii() or not checkin.isdigit() or not rounds.isdigit():
        raise Stale(f"unreadable gate button value {value!r}")
    return int(checkin), int(rounds)


def answer_buttons(copy: Copy, checkin_id: int, item_id: str, assignee: str | None) -> ActionsBlock:
    """Done, In progress, Not applicable, Add evidence and Assign for one item (in its thread or the Home tab).

    Buttons carry the check-in and item in their value; the assignee menu has no value, so its block_id does.
    """
    value = item_value(checkin_id, item_id)

    def button(action: str, action_id: str) -> ButtonElement:
        return ButtonElement(
            text=plain(copy.plain("checkins", "button", action=action)), action_id=action_id, value=value
        )

    return ActionsBlock(
        block_id=f"{ANSWER_BLOCK}{value}",
        elements=[
            button("done", ids.ACTION_ITEM_DONE),
            button("in_progress", ids.ACTION_ITEM_IN_PROGRESS),
            button("not_applicable", ids.ACTION_ITEM_NOT_APPLICABLE),
            button("evidence", ids.ACTION_ITEM_EVIDENCE),
            UserSelectElement(
                action_id=ids.ACTION_ITEM_ASSIGN,
                placeholder=plain(copy.plain("checkins", "assign_placeholder")),
                initial_user=assignee,
            ),
        ],
    )
