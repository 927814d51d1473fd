"""Modal submissions. Field rules are checked in the ack (errors show under the fields); saving runs after it."""

import json
import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.blocks.kit import message_blocks
from bot.blocks.new_relationship import draft_of, message_view, new_relationship_modal, read_draft
from bot.blocks.relationships import intro_blocks
from bot.command_line import Invocation
from bot.deps import Deps
from bot.listeners.explain import explaining, explanation
from bot.listeners.modal_ack import checked
from bot.listeners.turn import Turn, lazy
from bot.posting import post_in_channel
from stages import review_service, services
from stages.errors import DomainError, InvalidInput, NameTaken
from stages.relationships import Relationship

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    copy = deps.copy

    def draft(view: dict[str, Any]) -> object:
        return read_draft(view).validated()

    # Keep the modal open while the relationship is saved, so the outcome can be shown in it.
    saving = copy("relationships", "saving")
    acknowledge = checked(copy, draft, then=lambda: message_view(copy, saving, closable=False))
    acknowledge_edit = checked(copy, draft, then=lambda: message_view(copy, saving, closable=False, editing=True))

    app.view(ids.VIEW_NEW_RELATIONSHIP)(
        ack=acknowledge, lazy=[lazy(deps, create_relationship, on_failure=_show_form_again)]
    )
    app.view(ids.VIEW_EDIT_RELATIONSHIP)(
        ack=acknowledge_edit, lazy=[lazy(deps, save_edit, on_failure=_show_edit_form_again)]
    )


def start_edit(turn: Turn, invocation: Invocation) -> None:
    """`/accord edit <relationship>`: the form, filled in, for its owner or sponsor."""
    found = services.find_relationship(turn.uow(), invocation.argument)
    with explaining(turn):
        relationship = review_service.leading(turn.uow(), found.id or 0, turn.user_id, "edit")
        view = new_relationship_modal(turn.deps.copy, draft=draft_of(relationship), editing=relationship.id)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def save_edit(turn: Turn) -> None:
    view = turn.body["view"]
    draft = read_draft(view)
    copy = turn.deps.copy
    relationship_id = int(json.loads(view.get("private_metadata") or "{}").get("relationship") or 0)
    try:
        before = services.relationship(turn.uow(), relationship_id)
        saved = services.edit_relationship(turn.uow(), relationship_id, draft, by=turn.user_id, now=turn.now())
    except InvalidInput:
        return  # the ack already showed these under the fields
    except NameTaken as taken:
        notice = copy("relationships", "name_taken", name=taken.name, existing=taken.existing)
        form = new_relationship_modal(
            copy, draft=draft, notice=notice, notice_after=ids.BLOCK_NAME, editing=relationship_id
        )
        turn.client.views_update(view_id=view["id"], view=form)
        return
    except DomainError as refused:
        text = explanation(copy, refused) or copy("commands", "something_went_wrong")
        turn.client.views_update(view_id=view["id"], view=message_view(copy, text, editing=True))
        return
    outcome = copy("relationships", "unchanged" if saved == before else "edited", r=saved)
    turn.client.views_update(view_id=view["id"], view=message_view(copy, outcome, editing=True))
    turn.refresh_home(before.owner_id, before.sponsor_id, saved.owner_id, saved.sponsor_id)


def _show_edit_form_again(turn: Turn) -> None:
    copy = turn.deps.copy
    view = turn.body["view"]
    editing = int(json.loads(view.get("private_metadata") or "{}").get("relationship") or 0)
    form = new_relationship_modal(
        copy, draft=read_draft(view), notice=copy("relationships", "edit_failed"), editing=editing
    )
    turn.client.views_update(view_id=view["id"], view=form)


def create_relationship(turn: Turn) -> None:
    view = turn.body["view"]
    draft = read_draft(view)
    copy = turn.deps.copy
    try:
        relationship = services.create_relationship(
            turn.uow(),
            draft,
            created_by=turn.user_id,
            now=turn.now(),
            exit_review_days=turn.deps.catalogue.cadences.exit_review_days,
        )
    except InvalidInput:
        return  # the ack already showed these under the fields
    except NameTaken as taken:
        notice = copy("relationships", "name_taken", name=taken.name, existing=taken.existing)
        form = new_relationship_modal(copy, draft=draft, notice=notice, notice_after=ids.BLOCK_NAME)
        turn.client.views_update(view_id=view["id"], view=form)
        return
    try:
        posted = _introduce(turn, relationship)
    except Exception:
        # The relationship is saved; only its introduction is missing, and the outcome view says so.
        log.exception("introducing relationship %s failed", relationship.id)
        posted = False
    stage = turn.deps.catalogue.stage(relationship.stage)
    outcome = copy("relationships", "created", r=relationship, stage=stage, posted=posted)
    turn.client.views_update(view_id=view["id"], view=message_view(copy, outcome))
    turn.refresh_home(relationship.owner_id, relationship.sponsor_id)


def _introduce(turn: Turn, relationship: Relationship) -> bool:
    """Post the relationship's introduction in its channel, joining a public channel first if need be."""
    deps = turn.deps
    text = deps.copy("relationships", "intro_fallback", r=relationship)
    blocks = message_blocks(intro_blocks(deps.copy, relationship, deps.catalogue))
    try:
        posted = post_in_channel(turn.client, relationship.channel_id, text, blocks)
    except SlackApiError as error:
        log.warning("could not introduce relationship %s: %s", relationship.id, error.response.get("error"))
        return False
    services.record_intro(turn.uow(), relationship, str(posted["ts"]), now=turn.now())
    return True


def _show_form_again(turn: Turn) -> None:
    """After an unexpected failure, give the person their answers back with a note, so nothing is lost."""
    copy = turn.deps.copy
    draft = read_draft(turn.body["view"])
    form = new_relationship_modal(copy, draft=draft, notice=copy("relationships", "create_failed"))
    turn.client.views_update(view_id=turn.body["view"]["id"], view=form)
