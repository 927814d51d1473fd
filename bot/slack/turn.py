"""What a lazy listener works with, and the safety net around it.

Bolt runs lazy listeners after the ack and only logs what they raise. `lazy()` wraps each one so a failure
is logged (with the request's identifiers, never its token) and the person is told, instead of silence. Once the
work is done, the directory learns the names of who acted and of whom the work named, so that readers offline
(an export, the nudge preview) name them too.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import OperationalError

from bot.deps import Deps
from bot.slack.people import SlackNames
from bot.slack.posting import direct_message
from stages.homes import HomesToDraw
from stages.ports import UnitOfWork
from storage import inbox

log = logging.getLogger(__name__)


@runtime_checkable
class Remembering(Protocol):
    """A unit of work that remembers what its commits saved, as the audit trail names it."""

    @property
    def saved(self) -> list[str]: ...


@dataclass
class Turn:
    """One request being handled: its payload, the Slack clients bound to it, and the app's dependencies."""

    body: dict[str, Any]
    client: WebClient
    context: BoltContext
    respond: Respond
    deps: Deps
    _units: list[UnitOfWork] = field(default_factory=list, init=False, repr=False)
    _people: list[str] = field(default_factory=list, init=False, repr=False)
    _channels: list[str] = field(default_factory=list, init=False, repr=False)

    @property
    def team_id(self) -> str:
        return team_of(self.context)

    @property
    def user_id(self) -> str:
        return str(self.context.user_id)

    @cached_property  # asking Slack at most once a request
    def organisation(self) -> str:
        """The organisation of the person acting: this tenant, or their own workspace when they belong to another
        organisation and act in a channel shared with it (Slack Connect). Slack names the person's own team in
        `user.team_id` of what they press and submit, beside `team`, the workspace whose app they used; events
        name it in `user_team`, which Bolt reads into `actor_team_id`."""
        user = self.body.get("user")
        actor = user.get("team_id") if isinstance(user, dict) else self.context.actor_team_id
        if not actor or actor == self.context.team_id or self._of_this_org():
            return self.team_id
        return str(actor)

    def _of_this_org(self) -> bool:
        """Whether the person, of another workspace than the request's, belongs to the Enterprise Grid org Accord
        was installed in org-wide (a colleague in an org-shared channel), as `users.info` says; not when Slack
        cannot say (then they count as another organisation's, which is refused what is the org's own)."""
        org = self.context.enterprise_id
        if not (self.context.is_enterprise_install and org):
            return False
        try:
            found = self.client.users_info(user=self.user_id)["user"]
        except SlackClientError:
            return False
        return bool((found.get("enterprise_user") or {}).get("enterprise_id") == org)

    def uow(self) -> UnitOfWork:
        unit = self.deps.uow(self.team_id)
        self._units.append(unit)
        return unit

    @property
    def saved(self) -> list[str]:
        """What this turn's work has committed so far ("dispute.raised", ...), oldest first."""
        return [action for unit in self._units if isinstance(unit, Remembering) for action in unit.saved]

    def now(self) -> datetime:
        return self.deps.clock.now()

    def today(self) -> date:
        return self.now().date()

    def draw_homes(self, homes: HomesToDraw) -> None:
        """Redraw the Home tabs a use case asked for in its committed change, crossing them off once drawn (those
        left, if this process dies first, are drawn by the next nudge run), and the nudge DMs whose subject the
        change settled (a review recorded, a dispute resolved), so they stop asking for it at once."""
        publish, messages = self.deps.home, self.deps.nudge_messages
        if publish is None or messages is None:
            raise RuntimeError("the Home tab or nudges are not wired: build dependencies with bot.app.wired")
        drawn = []
        for user_id in homes.people:
            try:
                publish(self.client, self.deps, self.team_id, user_id)
            except SlackApiError as error:  # left to the next nudge run: what was saved stays saved, and said so
                log.warning("could not draw the Home tab of %s: %s", user_id, error.response.get("error"))
                continue
            drawn.append(user_id)
        if drawn and homes.asked_at is not None:
            uow = self.uow()
            with uow:
                uow.home_redraws.drawn(drawn, homes.asked_at)
                uow.commit()
        messages(self.client, self.deps, self.team_id)

    def learn(self, *, people: Iterable[str | None] = (), channels: Iterable[str | None] = ()) -> None:
        """Have the directory learn the names of these people and channels, which the work just gave a part, once
        the work is done (asking Slack then keeps it from delaying the work)."""
        self._people += [person for person in people if person]
        self._channels += [channel for channel in channels if channel]

    def learn_names(self) -> None:
        """Learn, where the directory lacks them or they are a day old, the names of who acted, of the workspace
        and of whom the work named. Names are for readers later: no failure here may fail the request."""
        actor = self.context.user_id
        if not self.client.token:
            return  # Slack told of Accord's removal: there is no token left to ask with
        try:
            names = SlackNames(self.client, self.uow(), self.now())
            names.learn(
                people=[*([actor] if actor else []), *self._people], channels=self._channels, workspace=self.team_id
            )
        except Exception:
            log.warning("could not learn names (team %s, user %s)", self.context.team_id, actor, exc_info=True)

    def tell(self, text: str, blocks: list[dict[str, Any]] | None = None, *, channel: str | None = None) -> None:
        """Reply privately to the person who acted, where they acted (or in `channel`), else by DM."""
        if self.respond.response_url:
            self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
            return
        channel = channel or self.context.channel_id
        if channel:
            self.client.chat_postEphemeral(channel=channel, user=self.user_id, text=text, blocks=blocks)
            return
        direct_message(self.client, self.user_id, text, blocks)


def team_of(context: BoltContext) -> str:
    """The tenant a request belongs to: its workspace, or the whole Enterprise Grid org when Accord was installed
    org-wide (then people of any of the org's workspaces share one installation and its data)."""
    tenant = context.enterprise_id if context.is_enterprise_install else context.team_id or context.enterprise_id
    if not tenant:
        raise ValueError("request carries no workspace")
    return str(tenant)


Handler = Callable[[Turn], None]


def ack_silently(ack: Ack) -> None:
    """The ack of a request whose work, and whatever it has to say, comes after it: empty, at once."""
    ack()


def lazy(deps: Deps, handler: Handler, on_failure: Handler | None = None) -> Callable[..., None]:
    """A Bolt lazy listener running `handler`; on an unexpected error it runs `on_failure` (default: tell)."""

    def listener(body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
        turn = Turn(body, client, context, respond, deps)
        try:
            handler(turn)
        except Exception as error:
            if isinstance(error, OperationalError) and inbox.working():
                # The database went away mid-work: the inbox runs it again, so nothing is lost and no one is told.
                raise inbox.WorkInterrupted from error
            log.exception("%s failed (team %s, user %s)", handler.__name__, context.team_id, context.user_id)
            try:
                (on_failure or _say_sorry)(turn)
            except Exception:
                log.exception("could not tell user %s about the failure", context.user_id)
        turn.learn_names()

    listener.__name__ = handler.__name__
    return listener


def log_only(turn: Turn) -> None:
    """For work nobody is waiting on (an event): the failure is logged, and there is no one to tell."""


def _say_sorry(turn: Turn) -> None:
    turn.tell(failure_notice(turn))


def failure_notice(turn: Turn) -> str:
    """What to tell someone whose request failed: that nothing changed, or what was saved before it failed."""
    saved = turn.saved
    if saved:
        return turn.deps.copy("commands", "saved_then_failed", saved=saved[0])
    return turn.deps.copy("commands", "something_went_wrong")
