"""Drawing the App Home tab for one person, after they open it and after they act."""

from slack_sdk import WebClient

from bot.deps import Deps
from bot.home.blocks import home_view
from stages.attention import attention
from stages.partner_view import standings


def publish_home(client: WebClient, deps: Deps, team_id: str, user_id: str) -> None:
    now = deps.clock.now()
    summary = attention(
        deps.uow(team_id), deps.catalogue, user_id, deps.health, now, deps.idea_stale_days, deps.meeting_cadence_days
    )
    theirs = standings(deps.partner_records(team_id), team_id, user_id, deps.catalogue)
    view = home_view(deps.copy, user_id, summary, deps.catalogue, now, theirs)
    client.views_publish(user_id=user_id, view=view)
