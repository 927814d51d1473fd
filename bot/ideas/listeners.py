"""The value-creation ideas register: `/accord ideas <relationship>` or *Ideas* on the relationship card, its Add
idea, move, Drop and Keep going buttons, and their forms."""

from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.ideas.blocks import add_modal, drop_modal, keep_modal, move_modal, register_blocks
from bot.slack import ids
from bot.slack.forms import chosen, value
from bot.slack.kit import message_blocks
from bot.slack.modal_submission import form_again, on_submit
from bot.slack.people import team_of_person
from bot.slack.references import IdeaKeepRef, IdeaMoveRef, RelationshipRef, Subject, Unreadable, carried, pressed
from bot.slack.refusals import explaining
from bot.slack.register_buttons import shown_from_button
from bot.slack.register_commands import register_command
from bot.slack.subcommands import Invocation, Subcommand
from bot.slack.turn import Turn, ack_silently, lazy
from stages import idea_service
from stages.errors import Problem
from stages.ideas import IdeaDraft, IdeaMove, IdeaStatus, drop_reason, idea_draft, idea_move, keep_going_date
from stages.relationships import Relationship, taking_part


def register(app: App, deps: Deps) -> None:
    app.action(ids.ACTION_IDEA_ADD)(ack=ack_silently, lazy=[lazy(deps, open_add_from_button)])
    app.action(ids.ACTION_IDEA_MOVE)(ack=ack_silently, lazy=[lazy(deps, open_move_from_button)])
    app.action(ids.ACTION_IDEA_DROP)(ack=ack_silently, lazy=[lazy(deps, open_drop_from_button)])
    app.action(ids.ACTION_IDEA_KEEP)(ack=ack_silently, lazy=[lazy(deps, open_keep_from_button)])
    app.action(ids.ACTION_IDEAS_SHOW)(ack=ack_silently, lazy=[lazy(deps, shown_from_button(tell_register))])
    on_submit(app, deps, ids.VIEW_IDEA_ADD, save_idea, lambda view: _draft(view, deps), about=Subject.RELATIONSHIP)
    on_submit(
        app, deps, ids.VIEW_IDEA_MOVE, save_move, lambda view: _move_checked(view, deps), about=Subject.RELATIONSHIP
    )
    on_submit(
        app,
        deps,
        ids.VIEW_IDEA_DROP,
        save_drop,
        lambda view: drop_reason(value(view, ids.BLOCK_REASON)),
        about=Subject.RELATIONSHIP,
    )
    on_submit(
        app,
        deps,
        ids.VIEW_IDEA_KEEP,
        save_keep,
        lambda view: keep_going_date(value(view, ids.BLOCK_NEXT_DECISION), deps.clock.now().date()),
        about=Subject.RELATIONSHIP,
    )


def _draft(view: dict[str, Any], deps: Deps) -> IdeaDraft:
    return idea_draft(
        title=value(view, ids.BLOCK_TITLE),
        proposer_id=value(view, ids.BLOCK_PROPOSER),
        owner_id=value(view, ids.BLOCK_IDEA_OWNER),
        value_home=value(view, ids.BLOCK_VALUE_HOME),
        value_partner=value(view, ids.BLOCK_VALUE_PARTNER),
        expected_amount=value(view, ids.BLOCK_EXPECTED_AMOUNT),
        expected_unit=value(view, ids.BLOCK_EXPECTED_UNIT),
        expected_words=value(view, ids.BLOCK_EXPECTED_WORDS),
        next_decision=value(view, ids.BLOCK_NEXT_DECISION),
        internal=bool(chosen(view, ids.BLOCK_INTERNAL)),
        today=deps.clock.now().date(),
    )


def _move(view: dict[str, Any], deps: Deps) -> IdeaMove:
    """The move the form was opened for: the next status after the one it saw (a form naming a closed idea's
    status is none of ours)."""
    seen = carried(view, IdeaMoveRef).seen
    if seen.next is None:
        raise Unreadable(Subject.RELATIONSHIP, view.get("private_metadata"))
    return idea_move(
        now=seen,
        to=seen.next.value,
        next_decision=value(view, ids.BLOCK_NEXT_DECISION),
        delivered_amount=value(view, ids.BLOCK_DELIVERED_AMOUNT),
        delivered_unit=value(view, ids.BLOCK_DELIVERED_UNIT),
        today=deps.clock.now().date(),
    )


def _move_checked(view: dict[str, Any], deps: Deps) -> None:
    """The move's fields, checked under them; a form that names no idea is refused by its saving instead."""
    try:
        _move(view, deps)
    except Unreadable:
        return


def show_register(turn: Turn, invocation: Invocation) -> None:
    """`/accord ideas <relationship>`: the register told to the person alone."""
    register_command(turn, invocation, "ideas", tell_register)


def tell_register(turn: Turn, which: int | str) -> None:
    """The open ideas the person's organisation may see and the value delivered, told to them alone (a shared
    channel's other side never sees an internal one): asked for by name with the command, or from the
    relationship card's *Ideas*."""
    found = idea_service.register(turn.uow(), which, turn.organisation)
    copy = turn.deps.copy
    blocks = register_blocks(copy, found, turn.today(), turn.deps.idea_stale_days)
    turn.learn(people=[p for i in found.ideas for p in (i.owner_id, i.proposer_id)])
    head = copy("ideas", "register_head", r=found.relationship, count=len(found.ideas), delivered=list(found.delivered))
    turn.tell(head, message_blocks(blocks))


def open_add_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        which = pressed(turn.body, RelationshipRef).relationship_id
        relationship = idea_service.relationship_for(turn.uow(), which, turn.organisation)
        side = taking_part(relationship, turn.organisation)
        view = add_modal(turn.deps.copy, relationship, turn.today(), side)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def open_move_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        seen = pressed(turn.body, IdeaMoveRef)
        idea, relationship = idea_service.idea_of(turn.uow(), seen.idea_id, turn.organisation)
        if idea.status is not seen.seen or idea.status.next is None:
            turn.tell(turn.deps.copy("ideas", "moved", r=relationship, idea=idea, first=False))
            return
        view = move_modal(turn.deps.copy, relationship, idea, turn.today())
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def open_drop_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        open_drop(turn, pressed(turn.body, IdeaMoveRef).idea_id)


def open_drop(turn: Turn, idea_id: int) -> None:
    """The Drop form of an idea the person's organisation may see (also what a stale idea's reminder opens)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        idea, relationship = idea_service.idea_of(turn.uow(), idea_id, turn.organisation)
        if not idea.open:
            turn.tell(turn.deps.copy("ideas", "moved", r=relationship, idea=idea, first=False))
            return
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=drop_modal(turn.deps.copy, relationship, idea))


def open_keep_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        open_keep(turn, pressed(turn.body, IdeaKeepRef).idea_id)


def open_keep(turn: Turn, idea_id: int) -> None:
    """The Keep going form of an idea the person's organisation may see (also what a stale idea's reminder
    opens)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        idea, relationship = idea_service.idea_of(turn.uow(), idea_id, turn.organisation)
        if not idea.open:
            turn.tell(turn.deps.copy("ideas", "moved", r=relationship, idea=idea, first=False))
            return
        view = keep_modal(turn.deps.copy, relationship, idea, turn.today())
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def _people_fit(turn: Turn, relationship: Relationship, draft: IdeaDraft) -> bool:
    """Whether the proposer and the owner are of either organisation, and the owner of the person's own for an
    internal idea; if not, the form is shown again saying so."""
    sides = {
        ids.BLOCK_PROPOSER: relationship.side_of(
            team_of_person(turn.client, draft.proposer_id) or relationship.team_id
        ),
        ids.BLOCK_IDEA_OWNER: relationship.side_of(team_of_person(turn.client, draft.owner_id) or relationship.team_id),
    }
    for block, side in sides.items():
        if side is None:
            form_again(turn, turn.deps.copy.problem(Problem(block, "idea_person_outside")))
            return False
    if draft.internal and sides[ids.BLOCK_IDEA_OWNER] is not relationship.side_of(turn.organisation):
        form_again(turn, turn.deps.copy.problem(Problem(ids.BLOCK_IDEA_OWNER, "idea_owner_internal")))
        return False
    return True


def save_idea(turn: Turn) -> str | None:
    view = turn.body["view"]
    relationship_id = carried(view, RelationshipRef).relationship_id
    draft = _draft(view, turn.deps)
    relationship = idea_service.relationship_for(turn.uow(), relationship_id, turn.organisation)
    if not _people_fit(turn, relationship, draft):
        return None
    added = idea_service.add_idea(
        turn.uow(),
        relationship_id,
        draft,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        form_key=str(view["id"]),
    )
    turn.learn(people=[draft.owner_id, draft.proposer_id])
    return turn.deps.copy("ideas", "added", r=added.relationship, idea=added.idea, first=added.first)


def save_move(turn: Turn) -> str:
    view = turn.body["view"]
    seen = carried(view, IdeaMoveRef)
    moved = idea_service.move_idea(
        turn.uow(),
        seen.idea_id,
        _move(view, turn.deps),
        seen=seen.seen,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
    )
    return turn.deps.copy("ideas", "moved", r=moved.relationship, idea=moved.idea, first=moved.first)


def save_drop(turn: Turn) -> str:
    view = turn.body["view"]
    seen = carried(view, IdeaMoveRef)
    move = IdeaMove(IdeaStatus.DROPPED, reason=drop_reason(value(view, ids.BLOCK_REASON)))
    moved = idea_service.move_idea(
        turn.uow(), seen.idea_id, move, seen=seen.seen, by=turn.user_id, organisation=turn.organisation, now=turn.now()
    )
    return turn.deps.copy("ideas", "moved", r=moved.relationship, idea=moved.idea, first=moved.first)


def save_keep(turn: Turn) -> str:
    view = turn.body["view"]
    seen = carried(view, IdeaKeepRef)
    kept = idea_service.keep_going(
        turn.uow(),
        seen.idea_id,
        keep_going_date(value(view, ids.BLOCK_NEXT_DECISION), turn.today()),
        seen=seen.seen,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
    )
    return turn.deps.copy("ideas", "kept", r=kept.relationship, idea=kept.idea, first=kept.first)


SUBCOMMANDS = [Subcommand("ideas", "<relationship>", required=True, handler=show_register)]
