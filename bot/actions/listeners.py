"""The actions register: `/accord actions [relationship]` or *Actions* on the relationship card, its Add action
button (also on what an action comes out of: a risk, a health check's gaps, a resolved dispute, a recorded review)
and Complete buttons, and their forms."""

from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackClientError

from bot.actions.blocks import add_modal, complete_modal, mine_blocks, register_blocks
from bot.deps import Deps
from bot.slack import ids
from bot.slack.forms import chosen, value
from bot.slack.kit import message_blocks
from bot.slack.modal_submission import form_again, on_submit
from bot.slack.partners import partners_told
from bot.slack.references import ActionFormRef, ActionRef, Subject, carried, pressed
from bot.slack.refusals import explaining
from bot.slack.register_buttons import shown_from_button
from bot.slack.subcommands import Invocation, Subcommand
from bot.slack.turn import Turn, ack_silently, lazy
from stages import action_service
from stages.action_service import Owner
from stages.actions import TZ_MAX, ActionDraft, action_draft, completion_note
from stages.errors import Problem
from stages.relationships import Relationship


def register(app: App, deps: Deps) -> None:
    app.action(ids.ACTION_ACTION_ADD)(ack=ack_silently, lazy=[lazy(deps, open_add_from_button)])
    app.action(ids.ACTION_ACTION_COMPLETE)(ack=ack_silently, lazy=[lazy(deps, open_complete_from_button)])
    app.action(ids.ACTION_ACTIONS_SHOW)(ack=ack_silently, lazy=[lazy(deps, shown_from_button(tell_register))])
    on_submit(app, deps, ids.VIEW_ACTION_ADD, save_action, lambda view: _draft(view, deps), about=Subject.RELATIONSHIP)
    on_submit(
        app,
        deps,
        ids.VIEW_ACTION_COMPLETE,
        save_completion,
        lambda view: completion_note(value(view, ids.BLOCK_NOTE)),
        about=Subject.RELATIONSHIP,
    )


def _draft(view: dict[str, Any], deps: Deps) -> ActionDraft:
    return action_draft(
        title=value(view, ids.BLOCK_TITLE),
        owner_id=value(view, ids.BLOCK_ACTION_OWNER),
        due=value(view, ids.BLOCK_DUE),
        internal=bool(chosen(view, ids.BLOCK_INTERNAL)),
        today=deps.clock.now().date(),
    )


def show_actions(turn: Turn, invocation: Invocation) -> None:
    """`/accord actions [relationship]`: with a relationship, its register; without one, the person's own open
    actions across the relationships. Told to them alone: an internal action is never shown in a channel."""
    copy = turn.deps.copy
    partners = partners_told(turn, [invocation.argument], lambda r: copy("actions", "partners_register", r=r))
    with partners, explaining(turn, about=Subject.RELATIONSHIP):
        if invocation.argument:
            tell_register(turn, invocation.argument)
            return
        mine = action_service.mine(turn.uow(), turn.user_id, turn.organisation)
        turn.tell(copy("actions", "mine_head", count=len(mine)), message_blocks(mine_blocks(copy, mine, turn.now())))


def tell_register(turn: Turn, which: int | str) -> None:
    """The relationship's open actions the person's organisation may see, theirs first: asked for by name with
    the command, or from the relationship card's *Actions*."""
    copy = turn.deps.copy
    found = action_service.register(turn.uow(), which, turn.organisation, turn.user_id)
    blocks = register_blocks(copy, found, turn.now())
    turn.learn(people=[a.owner_id for a in found.actions])
    turn.tell(copy("actions", "register_head", r=found.relationship, count=len(found.actions)), message_blocks(blocks))


def open_add_from_button(turn: Turn) -> None:
    """The form adding an action to the relationship's register, out of what the button was on (if anything)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        ref = pressed(turn.body, ActionFormRef)
        uow = turn.uow()
        relationship = action_service.relationship_for(uow, ref.relationship_id, turn.organisation)
        internal = action_service.source_internal(
            uow, ref.relationship_id, turn.organisation, ref.source, ref.source_id, turn.user_id
        )
        view = add_modal(turn.deps.copy, relationship, turn.today(), ref.source, ref.source_id, internal)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def _owner(turn: Turn, relationship: Relationship, owner_id: str, *, internal: bool) -> Owner | None:
    """The owner's side and time zone, as Slack's `users.info` gives them; if they are of neither organisation (or
    of the other, for an internal action) the form is shown again saying so."""
    try:
        user: dict[str, Any] = turn.client.users_info(user=owner_id)["user"] or {}
    except SlackClientError:
        user = {}
    side = relationship.side_of(str(user.get("team_id") or ""))
    if side is None:
        form_again(turn, turn.deps.copy.problem(Problem(ids.BLOCK_ACTION_OWNER, "action_owner_outside")))
        return None
    if internal and side is not relationship.side_of(turn.organisation):
        form_again(turn, turn.deps.copy.problem(Problem(ids.BLOCK_ACTION_OWNER, "action_owner_internal")))
        return None
    tz = str(user.get("tz") or "")
    return Owner(side, tz if len(tz) <= TZ_MAX else "")


def save_action(turn: Turn) -> str | None:
    view = turn.body["view"]
    ref = carried(view, ActionFormRef)
    draft = _draft(view, turn.deps)
    uow = turn.uow()
    relationship = action_service.relationship_for(uow, ref.relationship_id, turn.organisation)
    internal = draft.internal or action_service.source_internal(
        uow, ref.relationship_id, turn.organisation, ref.source, ref.source_id, turn.user_id
    )
    owner = _owner(turn, relationship, draft.owner_id, internal=internal)
    if owner is None:
        return None
    added = action_service.add_action(
        uow,
        ref.relationship_id,
        draft,
        owner=owner,
        source=ref.source,
        source_id=ref.source_id,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        form_key=str(view["id"]),
    )
    turn.learn(people=[draft.owner_id])
    return turn.deps.copy("actions", "added", r=added.relationship, a=added.action, first=added.first)


def open_complete_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        open_complete(turn, pressed(turn.body, ActionRef).action_id)


def open_complete(turn: Turn, action_id: int) -> None:
    """The form completing an action, for its owner or who leads the owner's side (also what a reminder opens)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        action, relationship = action_service.completable(turn.uow(), action_id, turn.organisation, turn.user_id)
        view = complete_modal(turn.deps.copy, relationship, action)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def save_completion(turn: Turn) -> str:
    view = turn.body["view"]
    completed = action_service.complete_action(
        turn.uow(),
        carried(view, ActionRef).action_id,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        note=value(view, ids.BLOCK_NOTE),
    )
    return turn.deps.copy("actions", "completed", r=completed.relationship, a=completed.action, first=completed.first)


SUBCOMMANDS = [Subcommand("actions", "<relationship>", handler=show_actions)]
