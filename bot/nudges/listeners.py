"""The snooze buttons of a nudge: remind me again tomorrow, or next week."""

from slack_bolt import App

from bot.deps import Deps
from bot.nudges import updates
from bot.nudges.references import SnoozeChoice
from bot.slack import ids
from bot.slack.references import pressed
from bot.slack.refusals import explaining
from bot.slack.turn import Turn, ack_silently, lazy
from stages import nudge_service
from stages.nudges import Outcome, Settled, Snooze


def register(app: App, deps: Deps) -> None:
    app.action(ids.SNOOZE_ACTIONS)(ack=ack_silently, lazy=[lazy(deps, snooze)])


def snooze(turn: Turn) -> None:
    """Snooze the nudge the button belongs to; the same button pressed again says so and changes nothing."""
    with explaining(turn):
        choice = pressed(turn.body, SnoozeChoice)
        saved = nudge_service.snooze(turn.uow(), choice.nudge_id, turn.user_id, now=turn.now(), days=choice.days)
        said = "snoozed" if saved is not None else "already_snoozed"
        turn.tell(turn.deps.copy("nudges", said, days=choice.days))
        if saved is not None:
            _show_snoozed(turn, choice.nudge_id, saved)


def _show_snoozed(turn: Turn, nudge_id: int, saved: Snooze) -> None:
    """The DM's item says until when it is snoozed, and its buttons go, at once."""
    nudge = nudge_service.queued(turn.uow(), nudge_id)
    channel = turn.body.get("container", {}).get("channel_id")
    message = turn.body.get("message")
    if channel and message:
        text = updates.note(turn.deps.copy, nudge, Settled(Outcome.SNOOZED, saved.user_id, saved.until.date()))
        updates.close_items(turn.client, channel, message, {nudge_id: text})
    nudge_service.close(turn.uow(), [nudge_id], turn.now())
