"""The Add action button, on the actions register and on what an action comes out of (a risk, a health check's
gaps, a resolved dispute, a recorded review): each feature shows it, the actions feature answers it."""

from slack_sdk.models.blocks import ButtonElement

from bot.slack import ids
from bot.slack.kit import plain
from bot.slack.references import ActionFormRef, stored_id
from bot.slack.wording import Copy
from stages.actions import ActionSource
from stages.relationships import Relationship


def add_button(copy: Copy, relationship: Relationship, source: ActionSource, source_id: int | None) -> ButtonElement:
    """The button that opens the form adding an action out of `source` (by hand: `ActionSource.HAND`, no id)."""
    return ButtonElement(
        text=plain(copy.plain("actions", "add_button")),
        action_id=ids.ACTION_ACTION_ADD,
        value=ActionFormRef(stored_id(relationship.id), source, source_id).encode(),
    )
