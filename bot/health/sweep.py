"""What the nudge job does for health checks before it delivers: close the rounds whose day has come and post
their results, post any results a failure kept from their channel, and queue reminders to those who have not
answered (the outbox sends them in working hours, and drops them once the round closes)."""

import logging

from slack_sdk import WebClient

from bot.deps import Deps
from bot.health.results import post_results
from stages import health_service

log = logging.getLogger(__name__)


def tend(client: WebClient, deps: Deps, team_id: str) -> None:
    """One workspace's health checks; one round's trouble is logged and leaves the others (and the nudges) be."""
    now = deps.clock.now()
    uow = deps.uow(team_id)
    for health_round in health_service.due_to_close(uow, now):
        try:
            closed = health_service.close_round(
                uow, deps.health, health_round.id or 0, by=None, organisation=None, now=now
            )
            if closed is not None:
                post_results(client, deps, closed)
        except Exception:
            log.exception("could not close health round %s of %s", health_round.id, team_id)
    for health_round in health_service.unposted(uow):
        try:
            post_results(client, deps, health_service.results_of(uow, deps.health, health_round.id or 0))
        except Exception:
            log.exception("could not post the results of health round %s of %s", health_round.id, team_id)
    health_service.remind(uow, deps.health, now)
