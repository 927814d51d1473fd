"""The health check: `/accord health`, the card's button for the partner's people, the round's buttons in its
channel and in invitations, and its two modals (start a round, answer it)."""

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.deps import Deps
from bot.health.blocks import answer_modal, start_modal, started_blocks
from bot.health.results import post_results
from bot.slack import ids
from bot.slack.forms import users, value
from bot.slack.kit import message_blocks
from bot.slack.modal_submission import form_again, on_submit
from bot.slack.posting import post_in_channel
from bot.slack.references import RelationshipRef, RoundRef, Subject, carried, pressed
from bot.slack.refusals import explaining
from bot.slack.subcommands import Invocation, Subcommand
from bot.slack.turn import Turn, ack_silently, lazy
from stages import health_service
from stages.errors import InvalidInput, Problem
from stages.health import Participant, default_participants, group_of, round_draft
from stages.relationships import Relationship, Side

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.action(ids.ACTION_HEALTH_START)(ack=ack_silently, lazy=[lazy(deps, open_start_from_button)])
    app.action(ids.ACTION_HEALTH_ANSWER)(ack=ack_silently, lazy=[lazy(deps, open_answer_from_button)])
    app.action(ids.ACTION_HEALTH_CLOSE)(ack=ack_silently, lazy=[lazy(deps, close_now)])
    on_submit(
        app,
        deps,
        ids.VIEW_HEALTH_START,
        save_start,
        lambda view: round_draft(
            value(view, ids.BLOCK_DIMENSIONS), value(view, ids.BLOCK_CLOSES), now=deps.clock.now()
        ),
        _someone_asked,
        about=Subject.RELATIONSHIP,
    )
    on_submit(app, deps, ids.VIEW_HEALTH_ANSWER, save_answer, about=Subject.RELATIONSHIP)


def _someone_asked(view: dict[str, Any]) -> None:
    if not users(view, ids.BLOCK_PARTICIPANTS):
        raise InvalidInput([Problem(ids.BLOCK_PARTICIPANTS, "participants_missing")])


# ----- opening the modals


def start_health(turn: Turn, invocation: Invocation) -> None:
    open_start(turn, invocation.argument)


def open_start_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        open_start(turn, pressed(turn.body, RelationshipRef).relationship_id)


def open_start(turn: Turn, relationship: int | str) -> None:
    """The form that starts a round, for the owner or sponsor of either organisation."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        found = health_service.round_form(turn.uow(), relationship, turn.user_id, turn.organisation)
        view = start_modal(turn.deps.copy, found.relationship, found.dimensions, found.participants, turn.today())
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def open_answer_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        open_answer(turn, pressed(turn.body, RoundRef).round_id)


def open_answer(turn: Turn, round_id: int) -> None:
    """The answer form of a round, for someone it asks, filled with their earlier answer (also what an
    invitation's button opens)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        found = health_service.answer_form(
            turn.uow(), turn.deps.health, round_id, turn.user_id, turn.organisation, turn.now()
        )
        view = answer_modal(turn.deps.copy, found.relationship, found.health_round, found.previous)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


# ----- saving


def save_start(turn: Turn) -> str | None:
    view = turn.body["view"]
    relationship_id = carried(view, RelationshipRef).relationship_id
    found = health_service.round_form(turn.uow(), relationship_id, turn.user_id, turn.organisation)
    try:
        people = _participants(turn, found.relationship, users(view, ids.BLOCK_PARTICIPANTS))
    except InvalidInput as wrong:
        form_again(turn, turn.deps.copy.problem(wrong.problems[0]))
        return None
    started = health_service.start_round(
        turn.uow(),
        relationship_id,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        dimensions=value(view, ids.BLOCK_DIMENSIONS),
        closes_on=value(view, ids.BLOCK_CLOSES),
        participants=people,
    )
    r, h = started.relationship, started.health_round
    copy = turn.deps.copy
    turn.draw_homes(started.home_for)
    turn.learn(people=[p.user_id for p in h.participants])
    try:
        posted = post_in_channel(
            turn.client,
            r.channel_id,
            copy("health", "started_fallback", r=r),
            message_blocks(started_blocks(copy, r, h)),
        )
    except SlackApiError as error:
        log.warning("could not post in %s: %s", r.channel_id, error.response.get("error"))
        return copy("health", "not_posted", r=r)
    health_service.posted(turn.uow(), h.id or 0, message_ts=str(posted["ts"]))
    return copy("health", "started_saved", r=r, h=h)


def _participants(turn: Turn, relationship: Relationship, chosen: list[str]) -> list[Participant]:
    """The people chosen, each in their group: the default participants in theirs, anyone else by the
    organisation Slack says they belong to. `InvalidInput` for someone of neither organisation (or of one Slack
    cannot say)."""
    known = {p.user_id: p for p in default_participants(relationship)}
    people = []
    for person in chosen:
        if person in known:
            people.append(known[person])
            continue
        side = _side_of(turn, relationship, person)
        if side is None:
            raise InvalidInput([Problem(ids.BLOCK_PARTICIPANTS, "participant_outside")])
        people.append(Participant(person, group_of(relationship, side)))
    return people


def _side_of(turn: Turn, relationship: Relationship, person: str) -> Side | None:
    """The side of the relationship a person belongs to, by their workspace or, in an Enterprise Grid organisation
    that installed Accord for all its workspaces, by their organisation; None for another, or when Slack cannot say."""
    try:
        user = turn.client.users_info(user=person)["user"]
    except SlackClientError:
        return None
    grid = (user.get("enterprise_user") or {}).get("enterprise_id")
    return relationship.side_of(str(user.get("team_id") or "")) or (relationship.side_of(grid) if grid else None)


def save_answer(turn: Turn) -> str:
    view = turn.body["view"]
    round_id = carried(view, RoundRef).round_id
    count = sum(1 for block in view.get("blocks", []) if str(block.get("block_id", "")).startswith(ids.BLOCK_SCORE))
    answered = health_service.give_answer(
        turn.uow(),
        turn.deps.health,
        round_id,
        user_id=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        scores=[value(view, f"{ids.BLOCK_SCORE}{n}") for n in range(count)],
        comments=[value(view, f"{ids.BLOCK_COMMENT}{n}") for n in range(count)],
        improve=value(view, ids.BLOCK_IMPROVE),
    )
    turn.draw_homes(answered.home_for)
    return turn.deps.copy("health", "answered", r=answered.relationship, h=answered.health_round, first=answered.first)


def close_now(turn: Turn) -> None:
    """A leader closes the round before its date; its results are posted at once (once, however often pressed)."""
    copy = turn.deps.copy
    with explaining(turn, about=Subject.RELATIONSHIP):
        round_id = pressed(turn.body, RoundRef).round_id
        closed = health_service.close_round(
            turn.uow(), turn.deps.health, round_id, by=turn.user_id, organisation=turn.organisation, now=turn.now()
        )
        if closed is None:
            found = health_service.results_of(turn.uow(), turn.deps.health, round_id)
            turn.tell(copy("health", "already_closed", r=found.relationship))
            return
        post_results(turn.client, turn.deps, closed)
        turn.draw_homes(closed.home_for)
        turn.tell(copy("health", "closed_now", r=closed.relationship))


SUBCOMMANDS = [Subcommand("health", "<relationship>", required=True, handler=start_health, opens_modal=True)]
