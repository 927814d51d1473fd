"""The real Accord app wired to an emulated workspace: one object for the console, the tests and benchmarks."""

import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

from slack_bolt import App

from bot.app import build_app
from bot.deps import Deps
from bot.sandbox.clock import MovableClock
from bot.sandbox.contract import Contract
from bot.sandbox.demo import seed
from bot.sandbox.driver import Driver, InProcess
from bot.sandbox.emulator import Emulator
from bot.sandbox.executor import TrackingExecutor
from bot.sandbox.workspace import Workspace
from bot.settings import Settings
from storage.database import Database


class Sandbox:
    """A workspace, its Web API emulator, the app talking to it, and a driver acting as its people."""

    def __init__(
        self,
        database_url: str,
        *,
        clock: MovableClock | None = None,
        populate: Callable[[Workspace], None] = seed,
        workspace_file: Path | None = None,
        manifest: Path | None = None,
    ) -> None:
        saved = (
            json.loads(workspace_file.read_text(encoding="utf-8"))
            if workspace_file and workspace_file.exists()
            else None
        )
        offset = timedelta(seconds=saved["clock_offset_seconds"]) if saved else timedelta(0)
        self.clock = clock or MovableClock(offset=offset)
        self.workspace_file = workspace_file
        self.workspace = Workspace(self.clock)
        if saved:
            self.workspace.restore(saved["workspace"])
        else:
            populate(self.workspace)
        self.contract = Contract.load(manifest)
        self.emulator = Emulator(self.workspace, self.contract).start()
        self.signing_secret = secrets.token_hex(16)
        self.settings = Settings(
            slack_bot_token=self.workspace.bot_token,
            slack_signing_secret=self.signing_secret,
            slack_api_url=self.emulator.api_url,
            database_url=database_url,
            _env_file=None,
        )
        self.database = Database(database_url)
        self.database.upgrade()
        self.executor = TrackingExecutor()
        self.deps = Deps(uow=self.database.uow, clock=self.clock, executor=self.executor)
        self.app: App = build_app(self.settings, self.deps)
        self.driver = Driver(
            self.workspace,
            self.emulator,
            InProcess(self.app),
            self.signing_secret,
            busy=lambda: self.executor.busy,
        )

    def advance(self, by: timedelta) -> datetime:
        """Move the sandbox clock forward and let the app catch up with whatever fell due."""
        now = self.clock.advance(by)
        self.driver.settle()
        return now

    def save(self) -> None:
        """Keep the workspace (and how far time was moved) for the next console session."""
        if self.workspace_file is None:
            return
        data = {"workspace": self.workspace.snapshot(), "clock_offset_seconds": self.clock.offset.total_seconds()}
        self.workspace_file.write_text(json.dumps(data), encoding="utf-8")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.driver.settle()
        self.executor.shutdown(wait=True)
        self.emulator.stop()
        self.database.dispose()
