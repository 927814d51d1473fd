"""A modal's submission, from the ack to the outcome, so that nothing a person typed is ever lost.

The ack checks the fields with the domain's own rules, the pure ones and those that ask what is stored (a name
already taken), and shows every field's problem under it at once. A form
whose saving takes real work stays open, showing "Saving…"; the work runs after the ack and shows its outcome
(or the domain's refusal) in the modal. If the work fails, the form comes back filled with what was typed.
"""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.slack.forms import outcome
from bot.slack.references import Subject
from bot.slack.refusals import explanation
from bot.slack.turn import Turn, failure_notice, lazy, team_of
from stages.errors import DomainError, InvalidInput, Problem, Stale
from stages.ports import UnitOfWork

log = logging.getLogger(__name__)
JSON = dict[str, Any]
Check = Callable[[JSON], object]
Lookup = Callable[[UnitOfWork, JSON], object]  # a check that reads what is stored, e.g. the names taken
Guard = Callable[[UnitOfWork, str, JSON], object]  # a lookup that also weighs the submitter's organisation

# How each input reports its answer in a submitted view, and how a form is filled with it again.
_ANSWERS = {
    "plain_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "static_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "datepicker": ("selected_date", "initial_date"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
}


Work = Callable[[Turn], str | None]


def on_submit(
    app: App,
    deps: Deps,
    callback_id: str,
    work: Work,
    *checks: Check,
    lookups: tuple[Lookup, ...] = (),
    guards: tuple[Guard, ...] = (),
    about: Subject = Subject.CHECKIN,
) -> None:
    """Listen for submissions of the modal `callback_id`: `checks`, `lookups` and `guards` in the ack, then `work`
    after it; a refusal that something went stale is worded as being `about` that."""
    app.view(callback_id)(
        ack=checked(deps, checks, lookups, guards), lazy=[saving(deps, work, checks, about, lookups, guards)]
    )


def checked(
    deps: Deps, checks: tuple[Check, ...], lookups: tuple[Lookup, ...], guards: tuple[Guard, ...] = ()
) -> Callable[..., None]:
    """The ack: every problem the checks, lookups and guards find goes under its field, all in one answer;
    otherwise the modal shows "Saving…" until the work after the ack replaces it with the outcome."""
    copy = deps.copy

    def acknowledge(
        ack: Ack, body: JSON, view: JSON, context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        problems = problems_in(view, checks) + looked_up(lambda: deps.uow(team_of(context)), view, lookups)
        if guards and not problems:
            turn = Turn(body, client, context, respond, deps)
            problems = guarded(turn.uow, view, guards, turn.organisation)
        if problems:
            errors = {p.field: copy.problem(p, plain=True) for p in first_per_field(problems)}
            ack(response_action="errors", errors=errors)
        else:
            ack(response_action="update", view=outcome(copy, view, copy("commands", "saving"), closable=False))

    return acknowledge


def problems_in(view: JSON, checks: tuple[Check, ...]) -> list[Problem]:
    found: list[Problem] = []
    for check in checks:
        try:
            check(view)
        except InvalidInput as error:
            found += error.problems
    return found


def looked_up(uow: Callable[[], UnitOfWork], view: JSON, lookups: tuple[Lookup, ...]) -> list[Problem]:
    """The problems the lookups find, each reading through a unit of work of its own (none without lookups)."""
    return problems_in(view, tuple(partial(lookup, uow()) for lookup in lookups))


def guarded(uow: Callable[[], UnitOfWork], view: JSON, guards: tuple[Guard, ...], organisation: str) -> list[Problem]:
    """The problems the guards find for a submission by someone of `organisation` (none without guards). A form
    whose reference is gone or not one of ours has none here: the work refuses it, saying what went stale."""
    try:
        return problems_in(view, tuple(partial(guard, uow(), organisation) for guard in guards))
    except Stale:
        return []


def first_per_field(problems: list[Problem]) -> list[Problem]:
    return list(InvalidInput(problems).by_field().values())


def saving(
    deps: Deps,
    work: Work,
    checks: tuple[Check, ...],
    about: Subject,
    lookups: tuple[Lookup, ...],
    guards: tuple[Guard, ...] = (),
) -> Callable[..., None]:
    """The lazy listener: `work` returns the outcome to show in the modal (None: it showed its own).

    Bolt runs it after every ack, so it does nothing when the ack refused the fields (the form is still open).
    """

    def run(turn: Turn) -> None:
        copy = turn.deps.copy
        view = turn.body["view"]
        if problems_in(view, checks) or looked_up(turn.uow, view, lookups):
            return
        if guarded(turn.uow, view, guards, turn.organisation):
            return
        try:
            said = work(turn)
        except InvalidInput:
            form_again(turn, copy("commands", "check_again"))
            return
        except DomainError as refused:
            said = explanation(copy, refused, about=about) or copy("commands", "something_went_wrong")
        if said is not None:
            turn.client.views_update(view_id=turn.body["view"]["id"], view=outcome(copy, turn.body["view"], said))

    run.__name__ = work.__name__
    return lazy(deps, run, on_failure=failed)


def failed(turn: Turn) -> None:
    """Nothing saved: the form again, to try again. Something saved: say what, and offer no form to save it twice."""
    if turn.saved:
        view = outcome(turn.deps.copy, turn.body["view"], failure_notice(turn))
        turn.client.views_update(view_id=turn.body["view"]["id"], view=view)
    else:
        form_again(turn, turn.deps.copy("commands", "saved_nothing"))


def form_again(turn: Turn, notice: str) -> None:
    """Show the submitted form again, filled with what was typed, under a note saying why."""
    view = turn.body["view"]
    turn.client.views_update(view_id=view["id"], view=refilled(view, notice))


def refilled(view: JSON, notice: str) -> JSON:
    values = view.get("state", {}).get("values", {})
    blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": notice}]}]
    blocks += [_refill(block, values) for block in view.get("blocks", []) if block.get("type") != "context"]
    kept = {
        key: view[key]
        for key in ("type", "callback_id", "title", "submit", "close", "private_metadata")
        if view.get(key)
    }
    return kept | {"blocks": blocks}


def _refill(block: JSON, values: JSON) -> JSON:
    element = block.get("element")
    if block.get("type") != "input" or not element:
        return block
    answer_key, initial_key = _ANSWERS.get(element["type"], (None, None))
    answer = values.get(block["block_id"], {}).get(element["action_id"], {}).get(answer_key or "")
    element = {k: v for k, v in element.items() if not k.startswith("initial_")}
    if answer not in (None, "", []) and initial_key:
        element[initial_key] = answer
    return block | {"element": element}
