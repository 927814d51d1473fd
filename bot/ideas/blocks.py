"""The value-creation ideas register in Slack: the list of open ideas and the value delivered (to the person who
asked, never posted in a channel) with its buttons, and the forms that add an idea, move it on, drop it or keep
it going."""

from datetime import date, timedelta

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
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.kit import context, plain, section
from bot.slack.references import IdeaKeepRef, IdeaMoveRef, RelationshipRef, stored_id
from bot.slack.wording import Copy
from stages.idea_service import Register
from stages.ideas import TEXT_MAX, TITLE_MAX, UNIT_MAX, Idea, IdeaStatus
from stages.relationships import Relationship, Side

LISTED = 20  # ideas shown in one message, the soonest decision first (two blocks each; Slack takes 50)
FIRST_DECISION_DAYS = 30
AMOUNT_CHARS = 20


def register_blocks(copy: Copy, register: Register, today: date, stale_days: int) -> list[Block]:
    """The open ideas this side may see, stale ones flagged, each with its next step and Drop (and Keep going
    once stale); the value delivered; Add idea below."""
    r = register.relationship
    blocks: list[Block] = [
        section(copy("ideas", "register_head", r=r, count=len(register.ideas), delivered=list(register.delivered)))
    ]
    for idea in register.ideas[:LISTED]:
        stale = idea.stale(today, stale_days)
        blocks.append(section(copy("ideas", "idea_line", idea=idea, stale=stale, r=r, side=register.side)))
        blocks.append(ActionsBlock(block_id=f"idea:{stored_id(idea.id)}", elements=_idea_buttons(copy, idea, stale)))
    if len(register.ideas) > LISTED:
        blocks.append(context(copy("ideas", "more", count=len(register.ideas) - LISTED)))
    blocks.append(
        ActionsBlock(
            block_id="idea_register",
            elements=[
                ButtonElement(
                    text=plain(copy.plain("ideas", "add_button")),
                    action_id=ids.ACTION_IDEA_ADD,
                    value=RelationshipRef(stored_id(r.id)).encode(),
                    style="primary",
                )
            ],
        )
    )
    return blocks


def _idea_buttons(copy: Copy, idea: Idea, stale: bool) -> list[ButtonElement]:
    """Its next status (Agree, Start delivery, Delivered), Drop, and Keep going when it is stale."""
    seen = IdeaMoveRef(stored_id(idea.id), idea.status).encode()
    buttons = []
    if stale:
        buttons.append(_keep_button(copy, idea))
    if idea.status.next is not None:
        buttons.append(
            ButtonElement(
                text=plain(copy.plain("ideas", "move_button", to=idea.status.next.value)),
                action_id=ids.ACTION_IDEA_MOVE,
                value=seen,
            )
        )
    buttons.append(_drop_button(copy, idea))
    return buttons


def _keep_button(copy: Copy, idea: Idea) -> ButtonElement:
    return ButtonElement(
        text=plain(copy.plain("ideas", "keep_button")),
        action_id=ids.ACTION_IDEA_KEEP,
        value=IdeaKeepRef(stored_id(idea.id), idea.moved_on).encode(),
        style="primary",
    )


def _drop_button(copy: Copy, idea: Idea) -> ButtonElement:
    return ButtonElement(
        text=plain(copy.plain("ideas", "drop_button")),
        action_id=ids.ACTION_IDEA_DROP,
        value=IdeaMoveRef(stored_id(idea.id), idea.status).encode(),
    )


def add_modal(copy: Copy, relationship: Relationship, today: date, side: Side) -> View:
    """The form for a new idea, for someone of `side`: what value means for their own organisation is asked first
    (as "for us"), then for the other."""
    ours, theirs = (ids.BLOCK_VALUE_HOME, ids.BLOCK_VALUE_PARTNER)[:: 1 if side is Side.HOME else -1]
    blocks: list[Block] = [
        section(copy("ideas", "add_intro", r=relationship)),
        field(copy, "ideas", ids.BLOCK_TITLE, text_input(TITLE_MAX, multiline=False)),
        field(copy, "ideas", ids.BLOCK_PROPOSER, UserSelectElement(action_id=INPUT)),
        field(copy, "ideas", ours, text_input(TEXT_MAX), worded_as="value_ours"),
        field(copy, "ideas", theirs, text_input(TEXT_MAX), worded_as="value_theirs"),
        field(copy, "ideas", ids.BLOCK_EXPECTED_AMOUNT, text_input(AMOUNT_CHARS, multiline=False)),
        field(copy, "ideas", ids.BLOCK_EXPECTED_UNIT, text_input(UNIT_MAX, multiline=False)),
        field(copy, "ideas", ids.BLOCK_EXPECTED_WORDS, text_input(TEXT_MAX)),
        field(copy, "ideas", ids.BLOCK_IDEA_OWNER, UserSelectElement(action_id=INPUT)),
        field(
            copy,
            "ideas",
            ids.BLOCK_NEXT_DECISION,
            DatePickerElement(action_id=INPUT, initial_date=(today + timedelta(days=FIRST_DECISION_DAYS)).isoformat()),
        ),
    ]
    if relationship.is_joint:  # the partner reads the register too: an idea may be kept to this side
        internal = Option(value="internal", label=copy.plain("ideas", "internal_option", r=relationship)[:75])
        blocks.append(
            field(
                copy, "ideas", ids.BLOCK_INTERNAL, CheckboxesElement(action_id=INPUT, options=[internal]), optional=True
            )
        )
    return form(copy, "ideas", ids.VIEW_IDEA_ADD, "add_title", blocks, RelationshipRef(stored_id(relationship.id)))


def move_modal(copy: Copy, relationship: Relationship, idea: Idea, today: date) -> View:
    """The idea's next status and what it needs: the value delivered (in the unit it was expected in, to start
    from), or the date of the next decision."""
    to = idea.status.next or IdeaStatus.DELIVERED
    blocks: list[Block] = [section(copy("ideas", "move_intro", r=relationship, idea=idea, to=to.value))]
    if to is IdeaStatus.DELIVERED:
        blocks += [
            field(copy, "ideas", ids.BLOCK_DELIVERED_AMOUNT, text_input(AMOUNT_CHARS, multiline=False)),
            field(copy, "ideas", ids.BLOCK_DELIVERED_UNIT, text_input(UNIT_MAX, idea.expected_unit, multiline=False)),
        ]
    else:
        blocks.append(
            field(
                copy,
                "ideas",
                ids.BLOCK_NEXT_DECISION,
                DatePickerElement(
                    action_id=INPUT, initial_date=(today + timedelta(days=FIRST_DECISION_DAYS)).isoformat()
                ),
            )
        )
    reference = IdeaMoveRef(stored_id(idea.id), idea.status)
    return form(copy, "ideas", ids.VIEW_IDEA_MOVE, "move_title", blocks, reference)


def drop_modal(copy: Copy, relationship: Relationship, idea: Idea) -> View:
    blocks: list[Block] = [
        section(copy("ideas", "drop_intro", r=relationship, idea=idea)),
        field(copy, "ideas", ids.BLOCK_REASON, text_input(TEXT_MAX)),
    ]
    reference = IdeaMoveRef(stored_id(idea.id), idea.status)
    return form(copy, "ideas", ids.VIEW_IDEA_DROP, "drop_title", blocks, reference, submit="drop_submit")


def keep_modal(copy: Copy, relationship: Relationship, idea: Idea, today: date) -> View:
    """A new decision date, after today: the idea has moved, and is not stale again for a while."""
    blocks: list[Block] = [
        section(copy("ideas", "keep_intro", r=relationship, idea=idea)),
        field(
            copy,
            "ideas",
            ids.BLOCK_NEXT_DECISION,
            DatePickerElement(action_id=INPUT, initial_date=(today + timedelta(days=FIRST_DECISION_DAYS)).isoformat()),
        ),
    ]
    reference = IdeaKeepRef(stored_id(idea.id), idea.moved_on)
    return form(copy, "ideas", ids.VIEW_IDEA_KEEP, "keep_title", blocks, reference)
