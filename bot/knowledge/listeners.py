"""The knowledge map: `/accord knowledge <relationship> [post]` or *Knowledge map* on the relationship card, its
Add item, Edit, Retire and Show me the map buttons, and their forms."""

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.knowledge.blocks import add_modal, edit_modal, map_blocks
from bot.slack import ids
from bot.slack.forms import value
from bot.slack.kit import message_blocks
from bot.slack.modal_submission import form_again, on_submit
from bot.slack.people import team_of_person
from bot.slack.references import KnowledgeRef, RelationshipRef, Subject, carried, pressed
from bot.slack.refusals import explaining
from bot.slack.register_buttons import shown_from_button
from bot.slack.register_commands import register_command
from bot.slack.sharing import sharing
from bot.slack.subcommands import Invocation, Subcommand
from bot.slack.turn import Turn, ack_silently, lazy
from stages import knowledge_service
from stages.errors import InvalidInput
from stages.knowledge import ItemDraft, item_draft
from stages.relationships import Relationship

log = logging.getLogger(__name__)
POST = "post"


def register(app: App, deps: Deps) -> None:
    app.action(ids.ACTION_KNOWLEDGE_ADD)(ack=ack_silently, lazy=[lazy(deps, open_add_from_button)])
    app.action(ids.ACTION_KNOWLEDGE_EDIT)(ack=ack_silently, lazy=[lazy(deps, open_edit_from_button)])
    app.action(ids.ACTION_KNOWLEDGE_RETIRE)(ack=ack_silently, lazy=[lazy(deps, retire_from_button)])
    app.action(ids.ACTION_KNOWLEDGE_SHOW)(ack=ack_silently, lazy=[lazy(deps, shown_from_button(tell_map))])
    on_submit(app, deps, ids.VIEW_KNOWLEDGE_ADD, save_item, _draft, about=Subject.RELATIONSHIP)
    on_submit(app, deps, ids.VIEW_KNOWLEDGE_EDIT, save_edit, _draft, about=Subject.RELATIONSHIP)


def _draft(view: dict[str, Any]) -> ItemDraft:
    return item_draft(
        title=value(view, ids.BLOCK_TITLE),
        description=value(view, ids.BLOCK_DESCRIPTION),
        owner_id=value(view, ids.BLOCK_KNOWLEDGE_OWNER),
        classification=value(view, ids.BLOCK_CLASSIFICATION),
        terms=value(view, ids.BLOCK_TERMS),
    )


def show_map(turn: Turn, invocation: Invocation) -> None:
    """`/accord knowledge <relationship>`: the map told to the person alone; `<relationship> post` posts in the
    relationship's channel what everyone there may see instead."""
    register_command(turn, invocation, "knowledge", tell_map, (POST, post_map))


def tell_map(turn: Turn, which: int | str) -> None:
    """The live items the person's organisation may see (its never-share items too), told to them alone: asked
    for by name with the command, or from *Show me the map* on the map posted or *Knowledge map* on the card."""
    found = knowledge_service.knowledge_map(turn.uow(), which, turn.organisation)
    copy = turn.deps.copy
    turn.learn(people=[i.owner_id for i in found.items])
    head = copy("knowledge", "map_head", r=found.relationship, count=len(found.items), posted=False)
    turn.tell(head, message_blocks(map_blocks(copy, found)))


def post_map(turn: Turn, which: str) -> None:
    """The map everyone in the relationship's channel may see, posted there: in a channel shared with another
    organisation (or one Slack does not say is not), no item either organisation never shares."""
    copy = turn.deps.copy
    with explaining(turn, about=Subject.RELATIONSHIP):
        r = knowledge_service.relationship_for(turn.uow(), which, turn.organisation)
        shared = r.is_joint or not sharing(turn.client, r.channel_id).may_hold_internal
        found = knowledge_service.channel_map(turn.uow(), r.id or 0, turn.organisation, shared=shared)
        try:
            turn.client.chat_postMessage(
                channel=r.channel_id,
                text=copy("knowledge", "map_head", r=r, count=len(found.items), posted=True),
                blocks=message_blocks(map_blocks(copy, found, posted=True)),
            )
        except SlackApiError as error:
            log.warning("could not post the knowledge map of %s: %s", r.id, error.response.get("error"))
            turn.tell(copy("knowledge", "not_posted", r=r))


def open_add_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        which = pressed(turn.body, RelationshipRef).relationship_id
        relationship = knowledge_service.relationship_for(turn.uow(), which, turn.organisation)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=add_modal(turn.deps.copy, relationship))


def open_edit_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        item_id = pressed(turn.body, KnowledgeRef).item_id
        item, relationship = knowledge_service.item_of(turn.uow(), item_id, turn.organisation)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=edit_modal(turn.deps.copy, relationship, item))


def retire_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        retired = knowledge_service.retire_item(
            turn.uow(),
            pressed(turn.body, KnowledgeRef).item_id,
            by=turn.user_id,
            organisation=turn.organisation,
            now=turn.now(),
        )
        said = turn.deps.copy("knowledge", "retired", r=retired.relationship, item=retired.item, first=retired.first)
        turn.tell(said)


def _owner_organisation(turn: Turn, relationship: Relationship, owner_id: str) -> str:
    """The organisation of the owner chosen, as Slack says (this workspace when it cannot say)."""
    return team_of_person(turn.client, owner_id) or relationship.team_id


def save_item(turn: Turn) -> str | None:
    view = turn.body["view"]
    relationship_id = carried(view, RelationshipRef).relationship_id
    draft = _draft(view)
    relationship = knowledge_service.relationship_for(turn.uow(), relationship_id, turn.organisation)
    try:
        added = knowledge_service.add_item(
            turn.uow(),
            relationship_id,
            draft,
            owner_organisation=_owner_organisation(turn, relationship, draft.owner_id),
            by=turn.user_id,
            organisation=turn.organisation,
            now=turn.now(),
            form_key=str(view["id"]),
        )
    except InvalidInput as refused:
        form_again(turn, turn.deps.copy.problem(refused.problems[0]))
        return None
    turn.learn(people=[draft.owner_id])
    return turn.deps.copy("knowledge", "added", r=added.relationship, item=added.item, first=added.first)


def save_edit(turn: Turn) -> str | None:
    view = turn.body["view"]
    item_id = carried(view, KnowledgeRef).item_id
    draft = _draft(view)
    _item, relationship = knowledge_service.item_of(turn.uow(), item_id, turn.organisation)
    try:
        edited = knowledge_service.edit_item(
            turn.uow(),
            item_id,
            draft,
            owner_organisation=_owner_organisation(turn, relationship, draft.owner_id),
            by=turn.user_id,
            organisation=turn.organisation,
            now=turn.now(),
        )
    except InvalidInput as refused:
        form_again(turn, turn.deps.copy.problem(refused.problems[0]))
        return None
    turn.learn(people=[draft.owner_id])
    return turn.deps.copy("knowledge", "edited", r=edited.relationship, item=edited.item, first=edited.changed)


SUBCOMMANDS = [Subcommand("knowledge", "<relationship> [post]", required=True, handler=show_map)]
