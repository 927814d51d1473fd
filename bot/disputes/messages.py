"""A dispute's thread in its relationship's channel: posting it, keeping its parent current, telling its story."""

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.disputes.blocks import thread_blocks
from bot.slack.kit import message_blocks
from bot.slack.posting import post_in_channel
from stages import dispute_service
from stages.dispute_service import Case
from stages.disputes import DisputeEventKind, handed_over, partner_counterpart, tier_owner

log = logging.getLogger(__name__)


def post_dispute(client: WebClient, deps: Deps, case: Case) -> Case:
    copy = deps.copy
    d, r = case.dispute, case.relationship
    posted = post_in_channel(
        client,
        r.channel_id,
        copy("disputes", "fallback", d=d, r=r),
        message_blocks(thread_blocks(copy, case, deps.catalogue.cadences)),
    )
    saved = dispute_service.posted(
        deps.uow(r.team_id), d, str(posted["channel"]), str(posted["ts"]), now=deps.clock.now()
    )
    return Case(saved, r)


def tell_thread(
    client: WebClient,
    deps: Deps,
    case: Case,
    kind: DisputeEventKind,
    by: str,
    text: str | None = None,
    *,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Post what happened in the dispute's thread (with `metadata`, if any) and show its new state on the parent
    message."""
    d, r = case.dispute, case.relationship
    if d.channel_id is None or d.thread_ts is None:
        return
    copy = deps.copy
    level = deps.catalogue.cadences.dispute_tier(d.tier)
    previous = tier_owner(d.tier - 1, r) if handed_over(d, r) else None  # None: it stays with its owner
    counterpart = partner_counterpart(d.tier, r)
    message = copy(
        "disputes", "event", kind=kind.value, by=by, text=text, d=d, previous=previous, level=level, r=r,
        counterpart=counterpart,
    )  # fmt: skip
    client.chat_postMessage(channel=d.channel_id, thread_ts=d.thread_ts, text=message, metadata=metadata)
    try:
        client.chat_update(
            channel=d.channel_id,
            ts=d.thread_ts,
            text=copy("disputes", "fallback", d=d, r=r),
            blocks=message_blocks(thread_blocks(copy, case, deps.catalogue.cadences)),
        )
    except SlackApiError as error:
        # The thread has been told, so this is not worth a retry that would tell it twice; a parent message that
        # can no longer be edited (deleted, say) keeps showing the earlier state.
        log.warning("could not refresh dispute %s's message: %s", d.id, error.response.get("error"))
