"""A nudge's buttons: open what it is about (or, once that was settled elsewhere, say what became of it), and
snooze it (remind me again tomorrow, or next week)."""

from slack_bolt import App

from bot.deps import Deps, NudgeOpener
from bot.nudges import updates
from bot.nudges.references import NudgeRef, SnoozeChoice
from bot.slack import ids
from bot.slack.references import Subject, pressed, stored_id
from bot.slack.refusals import explaining
from bot.slack.turn import Turn, ack_silently, lazy
from stages import nudge_service
from stages.nudges import Outcome, QueuedNudge, Settled


def register(app: App, deps: Deps) -> None:
    app.action(ids.ACTION_NUDGE_OPEN)(ack=ack_silently, lazy=[lazy(deps, open_subject)])
    app.action(ids.ACTION_NUDGE_OTHER)(ack=ack_silently, lazy=[lazy(deps, open_subject)])
    app.action(ids.SNOOZE_ACTIONS)(ack=ack_silently, lazy=[lazy(deps, snooze)])


def open_subject(turn: Turn) -> None:
    """While what the nudge is about is still due, open its form as its feature does. Once it was settled
    elsewhere (before the nudge run brought the DM up to date), say what happened instead, in the words the DM
    will use, and bring the DM's item up to date at once: a form then would only be refused on submit."""
    with explaining(turn, about=Subject.NUDGE):
        found = nudge_service.pressed(turn.uow(), pressed(turn.body, NudgeRef).nudge_id, turn.user_id)
        if found.settled is None:
            _opener(turn)(turn, found.nudge, other=turn.body["actions"][0].get("action_id") == ids.ACTION_NUDGE_OTHER)
            return
        note = updates.note(turn.deps.copy, found.nudge, found.settled)
        turn.tell(note)
        _close_item(turn, found.nudge, note)


def _opener(turn: Turn) -> NudgeOpener:
    opener = turn.deps.nudge_opener
    if opener is None:
        raise RuntimeError("nudge openers are not wired: build dependencies with bot.app.wired")
    return opener


def snooze(turn: Turn) -> None:
    """Snooze the nudge the button belongs to; the same button pressed again says so and changes nothing."""
    with explaining(turn):
        choice = pressed(turn.body, SnoozeChoice)
        done = nudge_service.snooze(turn.uow(), choice.nudge_id, turn.user_id, now=turn.now(), days=choice.days)
        saved = done.snooze
        turn.tell(turn.deps.copy("nudges", "snoozed" if saved else "already_snoozed", days=choice.days))
        if saved is not None:  # the DM's item says until when it is snoozed, and its buttons go, at once
            settled = Settled(Outcome.SNOOZED, saved.user_id, saved.until.date())
            _close_item(turn, done.nudge, updates.note(turn.deps.copy, done.nudge, settled))


def _close_item(turn: Turn, nudge: QueuedNudge, text: str) -> None:
    """The DM's item of this nudge says `text` in place of its buttons, unless it already says what became of it.
    The DM is edited as Slack shows it now: the nudge run may have brought its other items up to date since the
    person's client showed it."""
    if nudge.closed_at is not None:
        return
    container = turn.body.get("container", {})
    channel, ts = container.get("channel_id"), container.get("message_ts")
    message = updates.current(turn.client, channel, ts) if channel and ts else None
    if message is not None:
        updates.close_items(turn.client, channel, message, {stored_id(nudge.id): text})
    nudge_service.close(turn.uow(), [stored_id(nudge.id)], turn.now())
