"""What one process builds once: its settings, its database, its clock and the wired dependencies.

Every entry point (the web process and its workers, each work process, the scheduler, Socket Mode, the console
and the one-off commands) builds one Bootstrap and takes from it what it needs, so that a process opens one
engine, one pool of connections, per database whatever number of parts use it. Nothing is opened until asked
for: `accord --help` touches no database. The heavy imports wait as well, for the same reason.
"""

from concurrent.futures import Executor
from functools import cached_property, partial
from typing import TYPE_CHECKING

from bot.clock import Clock, SystemClock
from bot.settings import Settings

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.deps import Deps
    from bot.installs.setup import Installations
    from bot.nudges.delivery import Nudger
    from storage.database import Database


class Bootstrap:
    """One process's composition, built on first use and then shared by everything in the process."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, executor: Executor | None = None) -> None:
        """`executor` runs lazy listeners (None: Bolt's own thread pool)."""
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._executor = executor

    @cached_property
    def database(self) -> "Database":
        from storage.database import Database
        from storage.sweep_helpers import SweepHelpers

        processes = self.settings.sweep_processes
        return Database(self.settings.database_url, helpers=SweepHelpers(processes) if processes else None)

    @cached_property
    def deps(self) -> "Deps":
        from bot.app import wired
        from bot.deps import LOCAL_HEALTH_KEY, Deps

        installs = self.installations
        tenants = installs.store if installs else None
        health = self.settings.health(LOCAL_HEALTH_KEY)
        return wired(
            Deps(
                uow=self.database.uow,
                clock=self.clock,
                executor=self._executor,
                tenants=tenants,
                health=health,
                idea_stale_days=self.settings.idea_stale_days,
                meeting_cadence_days=self.settings.meeting_cadence_days,
                partner_hosts=self.database.partner_hosts,
                clients=self.client_for if installs else None,
            )
        )

    def client_for(self, tenant_id: str) -> "WebClient | None":
        """The tenant's own installation's client, its token fresh; None when it has no working installation."""
        from bot.nudges.delivery import sender_client

        installs = self.installations
        if installs is None:
            return None
        return installs.client_for(tenant_id, self.clock.now(), partial(sender_client, self.settings))

    @cached_property
    def installations(self) -> "Installations | None":
        """The installations by OAuth (Add to Slack), when the app is configured for them; None with one token."""
        if not self.settings.installs:
            return None
        from bot.installs.setup import installations

        return installations(self.settings, self.database, self.clock.now)

    @cached_property
    def nudger(self) -> "Nudger":
        from bot.nudges.delivery import nudger_for

        installs = self.installations
        if installs is None:
            return nudger_for(self.settings, self.deps, self.database.team_ids, self.database.sweeping)
        return nudger_for(
            self.settings, self.deps, self.database.team_ids, self.database.sweeping, self.client_for, installs.expired
        )

    def app(self, *, verify_requests: bool = True) -> "App":
        """A Bolt app on this process's dependencies (see `bot.app.build_app` for `verify_requests`)."""
        from bot.app import build_app

        return build_app(self.settings, self.deps, verify_requests=verify_requests, installs=self.installations)

    def close(self) -> None:
        """Close the database's connections, if it was opened. A process about to fork calls this first, so that
        its children start with an empty pool rather than sharing its connections."""
        if "database" in self.__dict__:
            self.database.dispose()
            if self.database.helpers is not None:
                self.database.helpers.close()
