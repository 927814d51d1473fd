"""Which nudges Slack already has: every nudge message carries its outbox ids as message metadata.

Slack offers no idempotency key for posting, so when an attempt's outcome is unknown (its sender died, or the
answer was lost on the way back) the next sender reads the conversation from that attempt on, and counts the
nudges it finds there as sent instead of posting them twice.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from stages.nudges import QueuedNudge

EVENT_TYPE = "accord_nudges"
# Slack's clock and ours may differ: look a little further back than the attempt, which costs only a longer read.
CLOCK_MARGIN = timedelta(minutes=5)
PAGE = 200


def metadata(nudges: Sequence[QueuedNudge]) -> dict[str, Any]:
    """The message metadata naming these nudges (Slack keeps payload values as strings, numbers or booleans)."""
    return {"event_type": EVENT_TYPE, "event_payload": {"nudge_ids": ",".join(str(n.id) for n in nudges)}}


def in_direct_message(client: WebClient, person: str, since: datetime) -> set[int]:
    """Nudges posted to `person`'s direct messages with the app since `since`."""
    channel = client.conversations_open(users=person)["channel"]["id"]
    pages = client.conversations_history(channel=channel, oldest=_ts(since), include_all_metadata=True, limit=PAGE)
    return _posted(pages)


def in_channel(client: WebClient, channel: str, since: datetime) -> set[int]:
    """Nudges posted in a channel since `since` (to the partner's people in a shared channel)."""
    pages = client.conversations_history(channel=channel, oldest=_ts(since), include_all_metadata=True, limit=PAGE)
    return _posted(pages)


def in_thread(client: WebClient, channel: str, thread_ts: str, since: datetime) -> set[int]:
    """Nudges posted in a thread since `since`."""
    pages = client.conversations_replies(
        channel=channel, ts=thread_ts, oldest=_ts(since), include_all_metadata=True, limit=PAGE
    )
    return _posted(pages)


def _posted(pages: Iterable[Any]) -> set[int]:
    """Read every page (the SDK follows Slack's cursor) for messages carrying this app's nudge ids."""
    found: set[int] = set()
    for page in pages:
        for message in page.get("messages", []):
            meta = message.get("metadata") or {}
            if meta.get("event_type") == EVENT_TYPE:
                ids = str(meta.get("event_payload", {}).get("nudge_ids", ""))
                found |= {int(part) for part in ids.split(",") if part.isdigit()}
    return found


def _ts(moment: datetime) -> str:
    return f"{(moment - CLOCK_MARGIN).timestamp():.6f}"
