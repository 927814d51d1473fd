"""The item buttons of a check-in, shown in its thread and on the Home tab: each carries its item's `ItemRef`,
and so does the block_id of the assignee menu beside them, which has no value of its own."""

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, UserSelectElement

from bot.slack import ids
from bot.slack.kit import plain
from bot.slack.references import ItemRef
from bot.slack.wording import Copy

ANSWER_BLOCK = "answer:"  # prefix of the block_id of an item's answer buttons


def menu_item(action: dict[str, Any]) -> ItemRef:
    """The item whose assignee menu was used."""
    return ItemRef.parse(str(action.get("block_id", "")).removeprefix(ANSWER_BLOCK))


def answer_buttons(copy: Copy, item: ItemRef, assignee: str | None) -> ActionsBlock:
    """Done, In progress, Not applicable, Add evidence and Assign for one item (in its thread or the Home tab)."""
    value = item.encode()

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
