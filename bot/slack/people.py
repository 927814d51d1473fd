"""People's display names, asked of Slack once each, for documents read outside Slack."""

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from stages.audit import SYSTEM


def display_names(client: WebClient) -> Callable[[str], str]:
    """A name for each user id (`users.info`, remembered), falling back to `@id` if Slack cannot say."""
    known: dict[str, str] = {SYSTEM: "Accord"}

    def name(user_id: str) -> str:
        if user_id not in known:
            try:
                user = client.users_info(user=user_id)["user"]
                known[user_id] = str(user.get("real_name") or user.get("name") or f"@{user_id}")
            except SlackApiError:
                known[user_id] = f"@{user_id}"
        return known[user_id]

    return name
