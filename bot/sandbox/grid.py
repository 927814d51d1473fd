"""An Enterprise Grid org in the sandbox: one enterprise id, several member workspaces, one bot user for an
org-wide install. A person belongs to one workspace of the org."""

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.sandbox.workspace import Workspace


@dataclass
class Org:
    enterprise_id: str
    name: str
    domain: str
    workspaces: dict[str, Workspace] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.enterprise_id.startswith("E"):
            raise ValueError("an Enterprise Grid org's id starts with E")

    @property
    def bot_user_id(self) -> str:
        """An org-wide app has one bot user across the org's workspaces."""
        return f"W{self.enterprise_id[1:]}BOT"

    @property
    def bot_id(self) -> str:
        return f"B{self.enterprise_id[1:]}"

    def add_workspace(self, clock: Clock, team_id: str, name: str, domain: str) -> Workspace:
        workspace = Workspace(
            clock,
            team_id=team_id,
            domain=domain,
            team_name=name,
            enterprise=(self.enterprise_id, self.name),
            bot_user_id=self.bot_user_id,
            bot_id=self.bot_id,
        )
        self.workspaces[team_id] = workspace
        return workspace

    def workspace_of(self, user_id: str) -> Workspace:
        """The one workspace of the org this person belongs to."""
        for workspace in self.workspaces.values():
            if user_id in workspace.users and not workspace.users[user_id].is_bot:
                return workspace
        raise LookupError(f"{user_id} is in no workspace of {self.enterprise_id}")
