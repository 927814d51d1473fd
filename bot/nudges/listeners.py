"""The snooze buttons of a nudge: remind me again tomorrow, or next week."""

from slack_bolt import Ack, App

from bot.deps import Deps
from bot.nudges.blocks import read_snooze
from bot.slack import ids
from bot.slack.refusals import explaining
from bot.slack.turn import Turn, lazy
from stages import nudge_service
from stages.errors import Stale


def register(app: App, deps: Deps) -> None:
    app.action(ids.SNOOZE_ACTIONS)(ack=_ack, lazy=[lazy(deps, snooze)])


def _ack(ack: Ack) -> None:
    ack()


def snooze(turn: Turn) -> None:
    with explaining(turn):
        try:
            days, kind, subject = read_snooze(turn.body["actions"][0].get("value") or "")
        except ValueError as error:
            raise Stale("unreadable snooze button") from error
        nudge_service.snooze(turn.uow(), kind, subject, turn.user_id, now=turn.now(), days=days)
        turn.tell(turn.deps.copy("nudges", "snoozed", days=days))
