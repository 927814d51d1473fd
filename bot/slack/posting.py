"""Posting in a relationship's channel, joining it first if it is public and Accord is not in it yet, or to a person."""

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse


def post_in_channel(
    client: WebClient, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, **extra: Any
) -> SlackResponse:
    """`chat.postMessage`, joining the channel once if Slack says the app is not in it (public channels only)."""
    try:
        return client.chat_postMessage(channel=channel, text=text, blocks=blocks, **extra)
    except SlackApiError as error:
        if error.response.get("error") != "not_in_channel":
            raise
    client.conversations_join(channel=channel)
    return client.chat_postMessage(channel=channel, text=text, blocks=blocks, **extra)


def direct_message(
    client: WebClient, person: str, text: str, blocks: list[dict[str, Any]] | None = None
) -> SlackResponse:
    """A message in `person`'s direct messages with the app."""
    channel = client.conversations_open(users=person)["channel"]["id"]
    return client.chat_postMessage(channel=channel, text=text, blocks=blocks)
