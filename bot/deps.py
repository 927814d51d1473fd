"""The composition root's ingredients: everything a listener needs besides the Slack request."""

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.slack.wording import Copy
from stages.catalogue import Catalogue, default_catalogue
from stages.dispute_service import Case
from stages.disputes import DisputeEventKind
from stages.health import HealthSettings
from stages.ideas import STALE_DAYS
from stages.meetings import DEFAULT_CADENCE_DAYS
from stages.nudges import QueuedNudge
from stages.ports import UnitOfWork
from stages.relationships import Relationship

# The key of the respondents' hashes where none is configured (the console, tests): a deployment sets its own
# (HEALTH_KEY), or derives one from its signing secret (see Settings.health).
LOCAL_HEALTH_KEY = b"accord-local-health-key"

if TYPE_CHECKING:
    from bot.slack.turn import Turn  # which takes Deps itself


class HomePublisher(Protocol):
    """Draws someone's Home tab again (the home feature's)."""

    def __call__(self, client: WebClient, deps: "Deps", team_id: str, user_id: str) -> None: ...


class DisputeThreadTeller(Protocol):
    """Posts what happened in a dispute's thread (the disputes feature's): the nudge sender tells it a climb."""

    def __call__(
        self,
        client: WebClient,
        deps: "Deps",
        case: Case,
        kind: DisputeEventKind,
        by: str,
        text: str | None = None,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> None: ...


class NudgeMessages(Protocol):
    """Brings up to date the nudge DMs of a workspace whose subject is settled (the nudges feature's)."""

    def __call__(self, client: WebClient, deps: "Deps", team_id: str) -> None: ...


class NudgeOpener(Protocol):
    """Opens, for the person who pressed a nudge's button, the form of what it is about (the feature's own)."""

    def __call__(self, turn: "Turn", nudge: QueuedNudge, *, other: bool = False) -> None:
        """`other`: the nudge's second button was pressed (see bot.nudges.blocks.has_other_button)."""


class RelationshipCard(Protocol):
    """Brings a joint relationship's pinned card up to date (the relationships feature's): a stage moved."""

    def __call__(self, client: WebClient, deps: "Deps", relationship: Relationship) -> None: ...


class ChannelShared(Protocol):
    """What a channel newly shared with another organisation means for a feature's own posts there (the check-ins
    feature takes its strategy-phase threads out)."""

    def __call__(self, turn: "Turn", channel_id: str) -> None: ...


class TenantChore(Protocol):
    """Work another feature does for one workspace when the nudge job runs, on the job's paced client: the health
    feature closes health checks whose day has come and reminds those who have not answered; the relationships
    feature draws again pinned cards of an older layout."""

    def __call__(self, client: WebClient, deps: "Deps", team_id: str) -> None: ...


class Tenants(Protocol):
    """What Slack tells of an installation's life (the installs feature's, on the installation store)."""

    def uninstalled(self, tenant_id: str, now: datetime) -> None:
        """Accord was removed: its tokens are gone and no more work is done for the tenant until it installs again."""


@dataclass
class Deps:
    uow: Callable[[str], UnitOfWork]  # a unit of work for one workspace (team_id)
    clock: Clock = field(default_factory=SystemClock)
    catalogue: Catalogue = field(default_factory=default_catalogue)
    copy: Copy = field(default_factory=Copy)
    executor: Executor | None = None  # runs lazy listeners; None lets Bolt make its own thread pool
    health: HealthSettings = field(default_factory=lambda: HealthSettings(LOCAL_HEALTH_KEY))
    idea_stale_days: int = STALE_DAYS  # an idea unmoved this long is flagged stale (IDEA_STALE_DAYS)
    meeting_cadence_days: int = DEFAULT_CADENCE_DAYS  # the joint management team meets at least this often
    # What one feature does for another, wired by the composition root (bot/app.py `wired`): features do not
    # import each other.
    home: HomePublisher | None = None
    dispute_thread: DisputeThreadTeller | None = None
    nudge_opener: NudgeOpener | None = None
    nudge_messages: NudgeMessages | None = None
    channel_shared: ChannelShared | None = None
    relationship_card: RelationshipCard | None = None
    health_rounds: TenantChore | None = None
    old_cards: TenantChore | None = None
    tenants: Tenants | None = None  # set by the process's bootstrap, on its database
    # The tenants running joint relationships with a workspace: where its own installation finds what its people
    # take part in for their organisation (set by the bootstrap, on its database).
    partner_hosts: Callable[[str], list[str]] | None = None
    # Each tenant's own installation (many organisations installed Accord): what one organisation's people ask of
    # a relationship another organisation runs is posted by that organisation's Accord, whose buttons then reach
    # its records. None with one workspace's token.
    clients: Callable[[str], WebClient | None] | None = None

    def partner_records(self, team_id: str) -> list[UnitOfWork]:
        """The records of the organisations that run joint relationships with `team_id`'s (each its own tenant)."""
        hosts = self.partner_hosts(team_id) if self.partner_hosts is not None else []
        return [self.uow(host) for host in hosts if host != team_id]
