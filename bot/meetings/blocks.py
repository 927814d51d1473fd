"""The meetings in Slack: the list of past meetings and when the next is due (to the person who asked), the form
that records one, and the summary of a joint meeting posted in the relationship's channel."""

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    Option,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.action_buttons import add_button
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.kit import context, plain, section
from bot.slack.references import RelationshipRef, stored_id
from bot.slack.wording import Copy
from stages.actions import ActionSource
from stages.joint_team import TeamPair, members
from stages.meeting_service import Minutes
from stages.meetings import ATTENDEES_MAX, DECISIONS_TEXT_MAX, MINUTES_MAX, REASON_MAX, Meeting
from stages.relationships import Relationship

LISTED = 10  # meetings shown in one message, the latest first


def _record_button(copy: Copy, relationship: Relationship) -> ButtonElement:
    return ButtonElement(
        text=plain(copy.plain("meetings", "record_button")),
        action_id=ids.ACTION_MEETING_RECORD,
        value=RelationshipRef(stored_id(relationship.id)).encode(),
    )


def minutes_blocks(copy: Copy, found: Minutes, today: date) -> list[Block]:
    """The meetings this side may see, the latest first, when the next is due, and Record meeting below."""
    r = found.relationship
    blocks: list[Block] = [
        section(copy("meetings", "list_head", r=r, count=len(found.meetings))),
        context(copy("meetings", "next_due", due=found.next_due, overdue=found.next_due <= today)),
    ]
    for meeting in found.meetings[:LISTED]:
        blocks.append(section(copy("meetings", "meeting_line", r=r, m=meeting, side=found.side)))
    if len(found.meetings) > LISTED:
        blocks.append(context(copy("meetings", "more", count=len(found.meetings) - LISTED)))
    blocks.append(ActionsBlock(block_id="meeting_list", elements=[_record_button(copy, r)]))
    return blocks


def record_modal(copy: Copy, relationship: Relationship, team: list[TeamPair], today: date) -> View:
    """Its date (today), who attended (the joint management team of both sides, or the relationship's managers
    while it has none), the minutes and the decisions; for a joint relationship, why only one side came, and
    whether it is internal."""
    r = relationship
    attending = members(team) or [p for p in (r.owner_id, r.partner_manager_id) if p]
    blocks: list[Block] = [
        section(copy("meetings", "record_intro", r=r)),
        field(copy, "meetings", ids.BLOCK_HELD_ON, DatePickerElement(action_id=INPUT, initial_date=today.isoformat())),
        field(
            copy,
            "meetings",
            ids.BLOCK_ATTENDEES,
            UserMultiSelectElement(
                action_id=INPUT, initial_users=attending[:ATTENDEES_MAX] or None, max_selected_items=ATTENDEES_MAX
            ),
        ),
        field(copy, "meetings", ids.BLOCK_MINUTES, text_input(MINUTES_MAX)),
        field(copy, "meetings", ids.BLOCK_DECISIONS, text_input(DECISIONS_TEXT_MAX), optional=True),
    ]
    if r.is_joint:  # the partner reads the meetings too: one side alone says why, and a meeting may be internal
        blocks.append(
            field(copy, "meetings", ids.BLOCK_ONE_SIDE_REASON, text_input(REASON_MAX, multiline=False), optional=True)
        )
        internal = Option(value="internal", label=copy.plain("meetings", "internal_option", r=r)[:75])
        blocks.append(
            field(
                copy,
                "meetings",
                ids.BLOCK_INTERNAL,
                CheckboxesElement(action_id=INPUT, options=[internal]),
                optional=True,
            )
        )
    return form(copy, "meetings", ids.VIEW_MEETING, "record_title", blocks, RelationshipRef(stored_id(r.id)))


def summary_blocks(copy: Copy, relationship: Relationship, meeting: Meeting) -> list[Block]:
    """A joint meeting's summary for the relationship's channel: its date, who came for each side, its
    decisions (the minutes stay in the register), and Add action, for either organisation to follow them up."""
    add = add_button(copy, relationship, ActionSource.MEETING, stored_id(meeting.id))
    return [
        section(copy("meetings", "summary", r=relationship, m=meeting)),
        ActionsBlock(block_id="meeting_actions", elements=[add]),
    ]
