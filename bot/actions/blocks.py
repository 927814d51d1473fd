"""The actions register in Slack: the list of open actions (to the person who asked, never posted in a channel)
with their Complete buttons, the Add action button (on the register and on what an action comes out of) and the
forms that add an action and complete one."""

from datetime import date, datetime, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    Option,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.action_buttons import add_button
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.kit import context, plain, section
from bot.slack.references import ActionFormRef, ActionRef, stored_id
from bot.slack.wording import Copy
from stages.action_service import Register
from stages.actions import NOTE_MAX, TITLE_MAX, Action, ActionSource
from stages.relationships import Relationship

LISTED = 40  # actions shown in one message (one block each; Slack takes 50)
FIRST_DUE_DAYS = 7


def complete_button(copy: Copy, action: Action) -> ButtonElement:
    return ButtonElement(
        text=plain(copy.plain("actions", "complete_button")),
        action_id=ids.ACTION_ACTION_COMPLETE,
        value=ActionRef(stored_id(action.id)).encode(),
    )


def _line(copy: Copy, action: Action, now: datetime, r: Relationship | None) -> Block:
    words = copy("actions", "action_line", a=action, r=r, overdue=action.days_overdue(now))
    return section(words, block_id=f"action:{stored_id(action.id)}", accessory=complete_button(copy, action))


def register_blocks(copy: Copy, register: Register, now: datetime) -> list[Block]:
    """The open actions this side may see, the person's own first, then the soonest due, the overdue marked; each
    with Complete, and Add action below."""
    r = register.relationship
    blocks: list[Block] = [section(copy("actions", "register_head", r=r, count=len(register.actions)))]
    blocks += [_line(copy, action, now, None) for action in register.actions[:LISTED]]
    if len(register.actions) > LISTED:
        blocks.append(context(copy("actions", "more", count=len(register.actions) - LISTED)))
    blocks.append(ActionsBlock(block_id="action_register", elements=[add_button(copy, r, ActionSource.HAND, None)]))
    return blocks


def mine_blocks(copy: Copy, mine: list[tuple[Relationship, Action]], now: datetime) -> list[Block]:
    """The person's own open actions across the relationships, the soonest due first, each with Complete."""
    blocks: list[Block] = [section(copy("actions", "mine_head", count=len(mine)))]
    blocks += [_line(copy, action, now, r) for r, action in mine[:LISTED]]
    if len(mine) > LISTED:
        blocks.append(context(copy("actions", "more", count=len(mine) - LISTED)))
    return blocks


def add_modal(
    copy: Copy, relationship: Relationship, today: date, source: ActionSource, source_id: int | None, internal: bool
) -> View:
    """What to do, who owns it and by when; in a joint relationship whether it is kept to this side, unless what
    it comes out of is internal (then so is the action)."""
    blocks: list[Block] = [
        section(copy("actions", "add_intro", r=relationship, source=source.value, source_id=source_id)),
        field(copy, "actions", ids.BLOCK_TITLE, text_input(TITLE_MAX, multiline=False)),
        field(copy, "actions", ids.BLOCK_ACTION_OWNER, UserSelectElement(action_id=INPUT)),
        field(
            copy,
            "actions",
            ids.BLOCK_DUE,
            DatePickerElement(action_id=INPUT, initial_date=(today + timedelta(days=FIRST_DUE_DAYS)).isoformat()),
        ),
    ]
    if internal:
        blocks.append(context(copy("actions", "internal_source", r=relationship)))
    elif relationship.is_joint:  # the partner reads the register too: an action may be kept to this side
        option = Option(value="internal", label=copy.plain("actions", "internal_option", r=relationship)[:75])
        boxes = CheckboxesElement(action_id=INPUT, options=[option])
        blocks.append(field(copy, "actions", ids.BLOCK_INTERNAL, boxes, optional=True))
    reference = ActionFormRef(stored_id(relationship.id), source, source_id)
    return form(copy, "actions", ids.VIEW_ACTION_ADD, "add_title", blocks, reference)


def complete_modal(copy: Copy, relationship: Relationship, action: Action) -> View:
    blocks: list[Block] = [
        section(copy("actions", "complete_intro", r=relationship, a=action)),
        field(copy, "actions", ids.BLOCK_NOTE, text_input(NOTE_MAX)),
    ]
    return form(copy, "actions", ids.VIEW_ACTION_COMPLETE, "complete_title", blocks, ActionRef(stored_id(action.id)))
