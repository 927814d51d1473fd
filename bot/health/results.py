"""A closed round's results in its relationship's channel: the text first, then its charts in the thread of it.

The round is closed and committed before anything is posted; a round whose results did not reach the channel
(Slack refused, the process died) is posted by the next nudge run, and once posted it is recorded, so its
results go out once.
"""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.charts import draw_gap, draw_trend, gap_chart, trend_chart
from bot.deps import Deps
from bot.health.blocks import results_blocks
from bot.slack.kit import message_blocks, section
from bot.slack.posting import post_in_channel
from bot.slack.wording import Copy
from stages import health_service
from stages.health import HealthRound
from stages.health_service import Closed
from stages.relationships import Relationship

log = logging.getLogger(__name__)


def post_results(client: WebClient, deps: Deps, closed: Closed) -> str:
    """Post the results and their charts; the results message's ts. Raises what Slack refused of the text; a
    chart Slack refuses is logged (the text says everything the chart shows)."""
    copy = deps.copy
    r, h, found = closed.relationship, closed.health_round, closed.results
    labels = group_labels(copy, r, h)
    blocks = results_blocks(copy, r, h, found, labels, deps.health.gap_alert)
    posted = post_in_channel(client, r.channel_id, copy("health", "results_fallback", r=r, h=h), message_blocks(blocks))
    ts = str(posted["ts"])
    health_service.posted(deps.uow(r.team_id), h.id or 0, results_ts=ts)
    _closed_announcement(client, deps, closed)
    uploads = [
        {
            "file": draw_gap(gap_chart(copy.plain("health", "chart_title", r=r, h=h), found, labels)),
            "filename": f"health-{h.number}.png",
            "title": copy.plain("health", "chart_title", r=r, h=h),
            "alt_txt": copy.plain("health", "chart_alt", res=found, labels=labels)[:1000],
        }
    ]
    if len(closed.trend) > 1:
        uploads.append(
            {
                "file": draw_trend(trend_chart(copy.plain("health", "trend_title", r=r), closed.trend, labels)),
                "filename": f"health-trend-{h.number}.png",
                "title": copy.plain("health", "trend_title", r=r),
                "alt_txt": copy.plain("health", "trend_alt", points=closed.trend)[:1000],
            }
        )
    try:
        client.files_upload_v2(
            channel=r.channel_id,
            thread_ts=ts,
            file_uploads=uploads,
            initial_comment=copy("health", "charts_comment", r=r),
        )
    except SlackApiError as error:
        log.warning("could not upload the charts of health round %s: %s", h.id, error.response.get("error"))
    return ts


def _closed_announcement(client: WebClient, deps: Deps, closed: Closed) -> None:
    """The round's message says it closed, without the buttons that no longer take answers."""
    r, h = closed.relationship, closed.health_round
    if h.message_ts is None:
        return
    blocks = message_blocks([section(deps.copy("health", "started_closed", r=r, h=h))])
    text = deps.copy("health", "started_fallback", r=r)
    try:
        client.chat_update(channel=r.channel_id, ts=h.message_ts, text=text, blocks=blocks)
    except SlackApiError as error:
        log.info("could not update the message of health round %s: %s", h.id, error.response.get("error"))


def group_labels(copy: Copy, relationship: Relationship, health_round: HealthRound) -> tuple[str, str]:
    """What the two groups are called in the results and on the charts."""
    first, second = health_round.groups
    return (
        copy.plain("health", "group_name", g=first.value, r=relationship),
        copy.plain("health", "group_name", g=second.value, r=relationship),
    )
