"""The relationship card: pinned in a joint relationship's shared channel, it tells both organisations' people
where the relationship stands and what each can do there, since the partner's people have no `/accord` (Slack
offers a command only where its app is installed). Kept up to date in place as people and stages change, and
drawn again by the nudge job when Accord's card offers something new (see CARD_LAYOUT).
"""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.relationships.blocks import CARD_LAYOUT, card_blocks
from bot.slack.kit import message_blocks
from bot.slack.posting import post_in_channel
from stages import checkin_service, relationship_service
from stages.relationships import Relationship

log = logging.getLogger(__name__)
_GONE = ("message_not_found", "cant_update_message")  # someone deleted the card: it is posted again
CARDS_PER_RUN = 20  # drawn again per workspace and nudge run: Slack allows chat.update about 50 times a minute


def show_card(client: WebClient, deps: Deps, relationship: Relationship) -> None:
    """Post and pin the card of a joint relationship, or bring the one pinned up to date. The card is a guide,
    brought up to date again at the next change: Slack refusing it now fails nothing else."""
    if not relationship.is_joint:
        return
    try:
        _show(client, deps, relationship)
    except SlackApiError as error:
        log.warning("could not show the card of relationship %s: %s", relationship.id, error.response.get("error"))


def redraw_old_cards(client: WebClient, deps: Deps, team_id: str) -> None:
    """Draw again the workspace's pinned cards of an older layout, a few a run. A 429 or Slack's own trouble leaves
    the card and the rest to the next run; a card Slack refuses for good (its channel archived, say) is left as it
    is, like any card that cannot be brought up to date."""
    uow = deps.uow(team_id)
    for relationship in relationship_service.cards_before(uow, CARD_LAYOUT, CARDS_PER_RUN):
        if relationship.is_joint:  # one no longer joint has no card to draw
            try:
                _show(client, deps, relationship)
            except SlackApiError as error:
                said = error.response.get("error")
                if error.response.status_code == 429 or error.response.status_code >= 500:
                    log.info("the card of relationship %s is drawn again later: %s", relationship.id, said)
                    return
                log.warning("could not draw the card of relationship %s again: %s", relationship.id, said)
        relationship_service.card_drawn(uow, relationship, CARD_LAYOUT)


def _show(client: WebClient, deps: Deps, relationship: Relationship) -> None:
    copy, uow = deps.copy, deps.uow(relationship.team_id)
    current = checkin_service.current_thread(uow, relationship)
    team = relationship_service.joint_team(uow, relationship)
    thread = None
    if current is not None and current.channel_id == relationship.channel_id and current.thread_ts:
        link = client.chat_getPermalink(channel=current.channel_id, message_ts=current.thread_ts)
        thread = str(link["permalink"])
    text = copy("relationships", "card_fallback", r=relationship)
    blocks = message_blocks(card_blocks(copy, relationship, deps.catalogue, thread, team))
    if relationship.card_ts:
        try:
            client.chat_update(channel=relationship.channel_id, ts=relationship.card_ts, text=text, blocks=blocks)
            return
        except SlackApiError as error:
            if error.response.get("error") not in _GONE:
                raise
            log.info("the card of relationship %s was deleted; posting it again", relationship.id)
    posted = post_in_channel(client, relationship.channel_id, text, blocks)
    ts = str(posted["ts"])
    try:
        client.pins_add(channel=relationship.channel_id, timestamp=ts)
    except SlackApiError as error:  # the card is there all the same, unpinned
        log.warning("could not pin the card of relationship %s: %s", relationship.id, error.response.get("error"))
    relationship_service.record_card(uow, relationship, ts, layout=CARD_LAYOUT, now=deps.clock.now())
