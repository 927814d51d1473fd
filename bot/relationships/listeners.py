"""The relationship form's submissions: field rules are checked in the ack (errors show under the fields), and
the form stays open while the relationship is saved, then shows the outcome."""

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.relationships.blocks import intro_blocks, list_blocks, status_blocks
from bot.relationships.card import show_card
from bot.relationships.modal import draft_of, new_relationship_modal, read_draft, read_team, team_rows
from bot.slack import ids
from bot.slack.kit import message_blocks
from bot.slack.modal_submission import on_submit
from bot.slack.people import team_of_person
from bot.slack.posting import post_in_channel
from bot.slack.references import RelationshipRef, Subject, Unreadable, carried, stored_id
from bot.slack.refusals import explaining
from bot.slack.sharing import organisation_name, other_organisations
from bot.slack.subcommands import Invocation, Subcommand
from bot.slack.turn import Turn
from stages import (
    action_service,
    health_service,
    idea_service,
    meeting_service,
    partner_view,
    relationship_service,
    risk_service,
)
from stages.errors import InvalidInput, NameTaken, RelationshipNotFound
from stages.joint_team import checked_rows
from stages.ports import UnitOfWork
from stages.relationships import Relationship, RelationshipDraft, Side

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:

    def draft(view: dict[str, Any]) -> object:
        return read_draft(view).validated()

    def team(view: dict[str, Any]) -> object:
        rows = read_team(view)
        return checked_rows(rows) if rows is not None else None

    def name_free(uow: UnitOfWork, view: dict[str, Any]) -> None:
        relationship_service.name_available(uow, read_draft(view).name)

    def name_free_but_its_own(uow: UnitOfWork, view: dict[str, Any]) -> None:
        try:
            keeping = carried(view, RelationshipRef).relationship_id
        except Unreadable:
            return  # a form that names no relationship is refused by its saving, whatever its name
        relationship_service.name_available(uow, read_draft(view).name, keeping=keeping)

    # The name is checked with the other fields, so that every problem is told at once.
    on_submit(app, deps, ids.VIEW_NEW_RELATIONSHIP, create_relationship, draft, lookups=(name_free,))
    on_submit(
        app,
        deps,
        ids.VIEW_EDIT_RELATIONSHIP,
        save_edit,
        draft,
        team,
        lookups=(name_free_but_its_own,),
        about=Subject.RELATIONSHIP,
    )


def start_edit(turn: Turn, invocation: Invocation) -> None:
    """`/accord edit <relationship>`: the form, filled in, for its owner or sponsor."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        relationship, pairs = relationship_service.editable(turn.uow(), invocation.argument, turn.user_id)
        editing = RelationshipRef(stored_id(relationship.id))
        partner = relationship.partner if relationship.is_joint else None
        view = new_relationship_modal(
            turn.deps.copy,
            draft=draft_of(relationship),
            editing=editing,
            partner=partner,
            team=team_rows(pairs),
            workspaces=_workspaces(turn, relationship.channel_id),
        )
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def save_edit(turn: Turn) -> str | None:
    view = turn.body["view"]
    relationship_id = carried(view, RelationshipRef).relationship_id
    draft = read_draft(view)
    team = read_team(view)
    named = [person for person in (draft.partner_sponsor_id, draft.partner_manager_id) if person]
    named += [person for row in team or [] for person in row.people]
    try:
        edited = relationship_service.edit_relationship(
            turn.uow(),
            relationship_id,
            draft,
            by=turn.user_id,
            now=turn.now(),
            catalogue=turn.deps.catalogue,
            organisations={person: _organisation(turn, person) for person in set(named)},
            channel_partner=_partner_of(turn, draft.channel_id, chosen=draft.partner_team_id),
            team=team,
        )
    except NameTaken as taken:
        _name_taken(turn, taken, RelationshipRef(relationship_id))
        return None
    except InvalidInput as wrong:  # a partner's person who is not one of theirs: said under that field
        problem = wrong.problems[0]
        _form_again(turn, turn.deps.copy.problem(problem), problem.field, RelationshipRef(relationship_id))
        return None
    turn.draw_homes(edited.home_for)
    saved = edited.relationship
    if edited.changed:
        show_card(turn.client, turn.deps, saved)
    turn.learn(people=[saved.owner_id, saved.sponsor_id], channels=[saved.channel_id])
    return turn.deps.copy("relationships", "edited" if edited.changed else "unchanged", r=saved)


def create_relationship(turn: Turn) -> str | None:
    draft = read_draft(turn.body["view"])
    try:
        created = relationship_service.create_relationship(
            turn.uow(),
            draft,
            created_by=turn.user_id,
            now=turn.now(),
            exit_review_days=turn.deps.catalogue.cadences.exit_review_days,
            catalogue=turn.deps.catalogue,
            partner_team_id=_partner_of(turn, draft.channel_id),
        )
    except NameTaken as taken:
        _name_taken(turn, taken, None)
        return None
    relationship = created.relationship
    turn.draw_homes(created.home_for)
    turn.learn(people=[relationship.owner_id, relationship.sponsor_id], channels=[relationship.channel_id])
    try:
        posted = _introduce(turn, relationship)
    except Exception:
        # The relationship is saved; only its introduction is missing, and the outcome says so.
        log.exception("introducing relationship %s failed", relationship.id)
        posted = False
    show_card(turn.client, turn.deps, relationship)
    stage = turn.deps.catalogue.stage(relationship.stage)
    return turn.deps.copy("relationships", "created", r=relationship, stage=stage, posted=posted)


def _partner_of(turn: Turn, channel: str | None, *, chosen: str | None = None) -> str | None:
    """The organisation `channel` is shared with already (Slack Connect), which is then the partner, taking part:
    the one `chosen` among several, or the only one; None when it is shared with several and none was chosen."""
    others = other_organisations(turn.client, channel, turn.context.team_id or "") if channel else []
    if chosen in others:
        return chosen
    return others[0] if len(others) == 1 else None


def _workspaces(turn: Turn, channel: str | None) -> list[tuple[str, str]]:
    """The organisations `channel` is shared with, named, when there are several to choose the partner among."""
    others = other_organisations(turn.client, channel, turn.context.team_id or "") if channel else []
    return [(team, organisation_name(turn.client, team)) for team in others] if len(others) > 1 else []


def _organisation(turn: Turn, person: str) -> str:
    """The organisation a person named in the form takes part for: their Slack workspace, or this installation's
    tenant for one of its own workspaces (an org-wide install keeps its relationships under the org)."""
    organisation = team_of_person(turn.client, person)
    own = {turn.context.team_id, turn.context.enterprise_id} - {None}
    return turn.team_id if organisation in own else organisation


def _name_taken(turn: Turn, taken: NameTaken, editing: RelationshipRef | None) -> None:
    """The form again, with the clash explained under the name."""
    notice = turn.deps.copy("relationships", "name_taken", name=taken.name, existing=taken.existing)
    _form_again(turn, notice, ids.BLOCK_NAME, editing)


def _form_again(turn: Turn, notice: str, after: str, editing: RelationshipRef | None) -> None:
    """The submitted form again, as it was filled in, with `notice` under the field `after`."""
    view = turn.body["view"]
    draft = read_draft(view)
    asked_partner = any(block.get("block_id") == ids.BLOCK_PARTNER_SPONSOR for block in view.get("blocks", []))
    form = new_relationship_modal(
        turn.deps.copy,
        draft=draft,
        notice=notice,
        notice_after=after,
        editing=editing,
        partner=draft.partner if asked_partner else None,
        team=read_team(view),
        workspaces=_workspaces(turn, draft.channel_id),
    )
    turn.client.views_update(view_id=view["id"], view=form)


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
    relationship_service.record_intro(turn.uow(), relationship, str(posted["ts"]), now=turn.now())
    return True


def _new(turn: Turn, invocation: Invocation) -> None:
    """The form, started from the name typed; a name already taken is told at once, before any form is filled."""
    prefill = None
    if invocation.argument:
        try:
            relationship_service.name_free(turn.uow(), invocation.argument)
        except NameTaken as taken:
            turn.tell(turn.deps.copy("relationships", "name_taken_already", name=taken.name, existing=taken.existing))
            return
        prefill = RelationshipDraft(invocation.argument, "", turn.user_id, None, None, None)
    view = new_relationship_modal(turn.deps.copy, draft=prefill, owner_id=turn.user_id)
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def _list(turn: Turn, invocation: Invocation) -> None:
    deps = turn.deps
    relationships = relationship_service.list_relationships(turn.uow())
    partnered = partner_view.partnered(turn.deps.partner_records(turn.team_id), turn.team_id, turn.user_id)
    blocks = message_blocks(list_blocks(deps.copy, relationships, deps.catalogue, turn.today(), partnered))
    turn.tell(deps.copy("relationships", "list_title", count=len(relationships)), blocks)


def _status(turn: Turn, invocation: Invocation) -> None:
    deps = turn.deps
    uow = turn.uow()
    try:
        with uow.reading():  # one snapshot for the whole card, and one transaction rather than six
            report = relationship_service.relationship_status(uow, deps.catalogue, invocation.argument, turn.today())
            found = report.relationship.id or 0
            report = replace(
                report,
                health=health_service.latest(uow, deps.health, found),
                risks=risk_service.summary_of(uow, found, Side.HOME, turn.today()),
                actions=action_service.summary_of(uow, found, Side.HOME, turn.now()),
                ideas=idea_service.summary_of(uow, found, Side.HOME, turn.today(), deps.idea_stale_days),
                meetings=meeting_service.summary_of(uow, report.relationship, deps.meeting_cadence_days, turn.today()),
            )
        theirs = False
    except RelationshipNotFound as ours:
        try:  # one a partner runs with this organisation, that the person takes part in for it
            report = partner_view.partner_status(
                turn.deps.partner_records(turn.team_id),
                turn.team_id,
                turn.user_id,
                deps.catalogue,
                invocation.argument,
                turn.today(),
            )
        except RelationshipNotFound:
            raise ours from None
        theirs = True
    blocks = message_blocks(status_blocks(deps.copy, report, partner_view=theirs))
    turn.tell(deps.copy("relationships", "status_title", r=report.relationship), blocks)


SUBCOMMANDS = [
    Subcommand("new", "<name>", handler=_new, opens_modal=True),
    Subcommand("list", handler=_list),
    Subcommand("status", "<relationship>", required=True, handler=_status),
    Subcommand("edit", "<relationship>", required=True, handler=start_edit, opens_modal=True),
]
