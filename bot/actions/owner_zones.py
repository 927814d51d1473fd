"""A person's time zone changed in Slack (`user_change`): their open actions follow them, since an action is
overdue once its due date has passed where its owner is, and their nudges' working hours are reckoned there from
now on.

Slack may send the event again; moving actions to the zone they are in already changes nothing.
"""

from slack_bolt import App

from bot.deps import Deps
from bot.slack import ids
from bot.slack.people import person_entry
from bot.slack.turn import Turn, ack_silently, lazy, log_only
from stages import action_service
from stages.actions import known_zone


def register(app: App, deps: Deps) -> None:
    app.event(ids.EVENT_USER_CHANGE)(ack=ack_silently, lazy=[lazy(deps, user_changed, on_failure=log_only)])


def user_changed(turn: Turn) -> None:
    user = turn.body["event"].get("user") or {}
    person, tz = str(user.get("id") or ""), str(user.get("tz") or "")
    if not person or not known_zone(tz):
        return
    action_service.owner_moved(turn.uow(), person, tz)
    uow, now = turn.uow(), turn.now()
    with uow:
        uow.profiles.remember(person, tz, now)
        uow.directory.remember([person_entry(person, user, now)])
        uow.commit()
