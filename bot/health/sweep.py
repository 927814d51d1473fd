"""What the nudge job does for health checks before it delivers: close the rounds whose day has come and post
their results, post any results a failure kept from their channel, and queue reminders to those who have not
answered (the outbox sends them in working hours, and drops them once the round closes)."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.health.results import post_results
from stages import health_service
from stages.errors import DomainError

log = logging.getLogger(__name__)
# What keeps one round's results from its channel now (the next run tries again); anything else, a token Slack
# refuses among them, is the run's to handle.
UNPOSTED = (SlackApiError, DomainError, ValueError)


def tend(client: WebClient, deps: Deps, team_id: str) -> None:
    """One workspace's health checks; one round's trouble with Slack is logged and leaves the others be."""
    now = deps.clock.now()
    uow = deps.uow(team_id)
    tried = set()
    for health_round in health_service.due_to_close(uow, now):
        tried.add(health_round.id)
        try:
            closed = health_service.close_round(
                uow, deps.health, health_round.id or 0, by=None, organisation=None, now=now
            )
            if closed is not None:
                post_results(client, deps, closed)
        except UNPOSTED:
            log.exception("could not close health round %s of %s", health_round.id, team_id)
    for health_round in health_service.unposted(uow):
        if health_round.id in tried:
            continue  # closed just now, and Slack refused its results: the next run tries again
        try:
            post_results(client, deps, health_service.results_of(uow, deps.health, health_round.id or 0))
        except UNPOSTED:
            log.exception("could not post the results of health round %s of %s", health_round.id, team_id)
    health_service.remind(uow, deps.health, now)
