"""The composition root's ingredients: everything a listener needs besides the Slack request."""

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from bot.clock import Clock, SystemClock
from bot.slack.wording import Copy
from stages.catalogue import Catalogue, default_catalogue
from stages.ports import UnitOfWork


@dataclass
class Deps:
    uow: Callable[[str], UnitOfWork]  # a unit of work for one workspace (team_id)
    clock: Clock = field(default_factory=SystemClock)
    catalogue: Catalogue = field(default_factory=default_catalogue)
    copy: Copy = field(default_factory=Copy)
    executor: Executor | None = None  # runs lazy listeners; None lets Bolt make its own thread pool
