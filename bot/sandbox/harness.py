"""The real Accord app wired to an emulated workspace: one object for the console, the tests and benchmarks."""

import json
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from cryptography.fernet import Fernet
from slack_bolt import App
from slack_bolt.oauth import OAuthFlow

from bot.app import web_client
from bot.installs.flow import ORG_REDIRECT_PATH, org_admins
from bot.nudges.delivery import RunReport
from bot.runtime.bootstrap import Bootstrap
from bot.sandbox.clock import MovableClock
from bot.sandbox.contract import Contract
from bot.sandbox.demo import seed, seed_globex
from bot.sandbox.driver import Driver, InProcess, Transport
from bot.sandbox.emulator import Emulator
from bot.sandbox.executor import TrackingExecutor
from bot.sandbox.oauth import OAuthApp
from bot.sandbox.workspace import Workspace
from bot.settings import Settings

REDIRECT_URI = "https://accord.example/slack/oauth_redirect"  # where the sandbox's Slack sends installers back


def _restore(snapshot: dict[str, Any], workspace: Workspace) -> None:
    workspace.restore(snapshot)


class OfflineSlack:
    """A workspace and its Web API emulator, with no app: point any Slack app at `api_url`."""

    def __init__(
        self,
        clock: MovableClock,
        *,
        populate: Callable[[Workspace], None] = seed,
        snapshot: dict[str, Any] | None = None,
        manifest: Path | None = None,
    ) -> None:
        self.clock = clock
        self.workspace = Workspace(clock)
        if snapshot is not None:
            self.workspace.restore(snapshot)
        else:
            populate(self.workspace)
        self.contract = Contract.load(manifest)
        self.emulator = Emulator(self.workspace, self.contract).start()
        self.signing_secret = secrets.token_hex(16)

    @property
    def api_url(self) -> str:
        return self.emulator.api_url

    def driver(self, transport: Transport, busy: Callable[[], bool] = lambda: False) -> Driver:
        return Driver(self.workspace, self.emulator, transport, self.signing_secret, busy=busy)

    def close(self) -> None:
        self.emulator.stop()


class Sandbox:
    """The app in process, talking over HTTP to an offline workspace, and a driver acting as its people."""

    def __init__(
        self,
        database_url: str,
        *,
        clock: MovableClock | None = None,
        populate: Callable[[Workspace], None] = seed,
        workspace_file: Path | None = None,
        manifest: Path | None = None,
        installs: bool = False,
        token_rotation: bool = False,
        **settings: Any,
    ) -> None:
        """`settings` overrides configuration, e.g. `working_days="mon-sun"` for nudges at any time.

        With `installs`, the app is a distributed Slack app: workspaces add it with Add to Slack (the driver's
        `install`) and it holds no token until they do; `token_rotation` makes the tokens it gets expire.
        """
        saved = None
        if workspace_file is not None and workspace_file.exists():
            saved = json.loads(workspace_file.read_text(encoding="utf-8"))
        offset = timedelta(seconds=saved["clock_offset_seconds"]) if saved else timedelta(0)
        self.clock = clock or MovableClock(offset=offset)
        self.workspace_file = workspace_file
        self.slack = OfflineSlack(
            self.clock, populate=populate, snapshot=saved["workspace"] if saved else None, manifest=manifest
        )
        self.workspace = self.slack.workspace
        self.emulator = self.slack.emulator
        connection: dict[str, Any] = {"slack_bot_token": self.workspace.bot_token}
        if installs:
            registered = self.emulator.register_app(
                OAuthApp.from_manifest(self.slack.contract.manifest, REDIRECT_URI, token_rotation=token_rotation)
            )
            connection = {
                "slack_client_id": registered.client_id,
                "slack_client_secret": registered.client_secret,
                "slack_redirect_uri": REDIRECT_URI,
                # Kept with the workspace: the next console session reads the tokens this one stored.
                "accord_encryption_key": (saved or {}).get("encryption_key") or Fernet.generate_key().decode(),
            }
        self.settings = Settings(
            slack_signing_secret=self.slack.signing_secret,
            slack_api_url=self.slack.api_url,
            database_url=database_url,
            _env_file=None,
            **(connection | settings),
        )
        self.executor = TrackingExecutor()
        self.process = Bootstrap(self.settings, clock=self.clock, executor=self.executor)
        self.database = self.process.database
        self.database.upgrade()
        self.deps = self.process.deps
        self.app: App = self.process.app()
        self.driver = self.slack.driver(InProcess(self.app, self._beside_the_app()), busy=lambda: self.executor.busy)
        self.nudger = self.process.nudger
        for other in saved.get("others", []) if saved else []:
            self.add_workspace(other["team_id"], other["name"], other["domain"], partial(_restore, other["snapshot"]))

    def _beside_the_app(self) -> dict[str, OAuthFlow]:
        """What the web server serves beside the app: the org admins' install redirect, with installs."""
        installs = self.process.installations
        if installs is None:
            return {}
        return {ORG_REDIRECT_PATH: org_admins(self.settings, installs, web_client(self.settings))}

    def add_workspace(
        self, team_id: str, name: str, domain: str, populate: Callable[[Workspace], None] = seed_globex
    ) -> Driver:
        """Another workspace on the same Slack, with its people (by default Globex's); its people's driver."""
        workspace = Workspace(self.clock, team_id=team_id, team_name=name, domain=domain)
        populate(workspace)
        self.emulator.add_workspace(workspace)
        return self.driver.for_workspace(workspace)

    def install_again(self, first: str) -> None:
        """Install Accord again, as they were, in the hosted workspaces whose installation the database holds (with
        `first` installing the default workspace on the very first start): an emulated Slack's tokens last only as
        long as its process, while the database keeps the installations and everything else."""
        installs = self.process.installations
        if installs is None:
            raise ValueError("this sandbox's app has one bot token: it is not installed with Add to Slack")
        fresh = not self.database.team_ids() and installs.store.tenant_for(None, self.workspace.team_id, False) is None
        for ws in self.emulator.workspaces.values():
            bot = installs.refresher.fresh_bot(ws.team_id, self.clock.now())
            if bot is not None or (fresh and ws is self.workspace):
                installer = bot.installer_user_id if bot else first
                self.driver.for_workspace(ws).install(installer if installer in ws.users else first)

    def advance(self, by: timedelta) -> RunReport:
        """Move the sandbox clock forward and run the nudge job, as the scheduler would at that moment."""
        self.clock.advance(by)
        return self.run_nudges()

    def run_nudges(self) -> RunReport:
        report = self.nudger.run()
        self.driver.settle()
        return report

    def save(self) -> None:
        """Keep the workspace (and how far time was moved) for the next console session."""
        if self.workspace_file is None:
            return
        others = [
            {"team_id": ws.team_id, "name": ws.team_name, "domain": ws.domain, "snapshot": ws.snapshot()}
            for ws in self.emulator.workspaces.values()
            if ws is not self.workspace
        ]
        data = {
            "workspace": self.workspace.snapshot(),
            "others": others,
            "clock_offset_seconds": self.clock.offset.total_seconds(),
        }
        if self.settings.accord_encryption_key is not None:
            data["encryption_key"] = self.settings.accord_encryption_key.get_secret_value()
        self.workspace_file.write_text(json.dumps(data), encoding="utf-8")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.driver.settle()
        self.executor.shutdown(wait=True)
        self.slack.close()
        self.process.close()
