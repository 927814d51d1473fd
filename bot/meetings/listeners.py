"""The joint management team's meetings: `/accord meeting <relationship>` and the *Record meeting* button (on
the list and on the relationship's card) open the form; `/accord meetings <relationship>` lists past meetings
and when the next is due."""

import logging
from datetime import date
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.meetings.blocks import minutes_blocks, record_modal, summary_blocks
from bot.slack import ids
from bot.slack.action_buttons import add_button
from bot.slack.forms import chosen, users, value
from bot.slack.kit import message_blocks, section
from bot.slack.modal_submission import form_again, on_submit
from bot.slack.people import team_of_person
from bot.slack.posting import post_in_channel
from bot.slack.references import RelationshipRef, Subject, carried, pressed, stored_id
from bot.slack.refusals import explaining
from bot.slack.subcommands import Invocation, Subcommand
from bot.slack.turn import Turn, ack_silently, lazy
from stages import meeting_service
from stages.actions import ActionSource
from stages.errors import InvalidInput, Stale
from stages.meetings import MeetingDraft, meeting_draft, placed
from stages.ports import UnitOfWork
from stages.relationships import Relationship, Side

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.action(ids.ACTION_MEETING_RECORD)(ack=ack_silently, lazy=[lazy(deps, open_record_from_button)])
    on_submit(
        app,
        deps,
        ids.VIEW_MEETING,
        save_meeting,
        lookups=(lambda uow, view: _draft(view, deps, _began(uow, view)),),
        about=Subject.RELATIONSHIP,
    )


def _draft(view: dict[str, Any], deps: Deps, began: date) -> MeetingDraft:
    return meeting_draft(
        held_on_raw=value(view, ids.BLOCK_HELD_ON),
        attendees=users(view, ids.BLOCK_ATTENDEES),
        minutes=value(view, ids.BLOCK_MINUTES),
        decisions=value(view, ids.BLOCK_DECISIONS),
        internal=bool(chosen(view, ids.BLOCK_INTERNAL)),
        one_side_reason=value(view, ids.BLOCK_ONE_SIDE_REASON),
        today=deps.clock.now().date(),
        began=began,
    )


def _began(uow: UnitOfWork, view: dict[str, Any]) -> date:
    """The day the form's relationship began (a meeting is not held before it); a relationship gone is told
    when the form is saved."""
    try:
        relationship_id = carried(view, RelationshipRef).relationship_id
    except Stale:
        return date.min
    with uow.reading():
        found = uow.relationships.get(relationship_id)
    return found.created_at.date() if found else date.min


def show_meetings(turn: Turn, invocation: Invocation) -> None:
    """The meetings the person's organisation may see, the latest first, and when the next is due, told to them
    alone (a shared channel's other side never sees an internal one)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        found = meeting_service.minutes(
            turn.uow(), invocation.argument, turn.organisation, turn.deps.meeting_cadence_days
        )
        copy = turn.deps.copy
        turn.learn(people=[p for m in found.meetings for s in Side for p in m.attendees(s)])
        head = copy("meetings", "list_head", r=found.relationship, count=len(found.meetings))
        turn.tell(head, message_blocks(minutes_blocks(copy, found, turn.today())))


def record_meeting(turn: Turn, invocation: Invocation) -> None:
    open_record(turn, invocation.argument)


def open_record_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        open_record(turn, pressed(turn.body, RelationshipRef).relationship_id)


def open_record(turn: Turn, which: int | str) -> None:
    """The form that records a meeting, for anyone of either organisation (also what a reminder's button opens)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        relationship, team = meeting_service.relationship_for(turn.uow(), which, turn.organisation)
        view = record_modal(turn.deps.copy, relationship, team, turn.today())
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def save_meeting(turn: Turn) -> str | None:
    view = turn.body["view"]
    relationship_id = carried(view, RelationshipRef).relationship_id
    relationship, _team = meeting_service.relationship_for(turn.uow(), relationship_id, turn.organisation)
    draft = _draft(view, turn.deps, relationship.created_at.date())
    organisations = {person: team_of_person(turn.client, person) for person in draft.attendees}
    side = relationship.side_of(turn.organisation) or Side.HOME
    try:
        attendees = placed(draft, relationship, organisations, side)
    except InvalidInput as wrong:
        form_again(turn, turn.deps.copy.problem(wrong.problems[0]))
        return None
    recorded = meeting_service.record_meeting(
        turn.uow(),
        relationship_id,
        draft,
        attendees,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        form_key=str(view["id"]),
    )
    r, meeting, copy = recorded.relationship, recorded.meeting, turn.deps.copy
    turn.learn(people=draft.attendees)
    if not recorded.first or meeting.internal:  # an internal meeting is never posted where the partner reads
        if recorded.first and meeting.internal and meeting.side is Side.HOME:
            _offer_actions(turn, r, stored_id(meeting.id))
        return copy("meetings", "recorded", r=r, m=meeting, first=recorded.first)
    try:
        post_in_channel(
            turn.client,
            r.channel_id,
            copy("meetings", "summary_fallback", r=r, m=meeting),
            message_blocks(summary_blocks(copy, r, meeting)),
        )
    except SlackApiError as error:
        log.warning("could not post the meeting summary in %s: %s", r.channel_id, error.response.get("error"))
        return copy("meetings", "not_posted", r=r, m=meeting)
    return copy("meetings", "recorded", r=r, m=meeting, first=True)


def _offer_actions(turn: Turn, relationship: Relationship, meeting_id: int) -> None:
    """Tell who recorded an internal meeting of this side, alone, how to turn what it decided into actions of its
    register (internal ones: a joint meeting's summary carries the button for both organisations instead)."""
    copy = turn.deps.copy
    button = add_button(copy, relationship, ActionSource.MEETING, meeting_id)
    text = copy("actions", "after_meeting", r=relationship)
    try:
        turn.tell(text, message_blocks([section(text, block_id="meeting_actions", accessory=button)]))
    except SlackApiError as error:  # the meeting is recorded and told in the modal: the offer is a convenience
        log.warning("could not offer actions after a meeting: %s", error.response.get("error"))


SUBCOMMANDS = [
    Subcommand("meeting", "<relationship>", required=True, handler=record_meeting, opens_modal=True),
    Subcommand("meetings", "<relationship>", required=True, handler=show_meetings),
]
