"""The composition root: one Bolt app, wired from settings and dependencies."""

import logging
from dataclasses import replace
from typing import Any, assert_never

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler

from bot.actions import listeners as actions
from bot.actions import owner_zones
from bot.checkins import listeners as checkins
from bot.checkins import threads
from bot.checkins.withdrawal import take_internal_out
from bot.deps import Deps
from bot.disputes import listeners as disputes
from bot.disputes.messages import tell_thread
from bot.governance import listeners as governance
from bot.health import listeners as health
from bot.health import sweep as health_sweep
from bot.home import listeners as home
from bot.home.publish import publish_home
from bot.ideas import listeners as ideas
from bot.installs import listeners as installs_listeners
from bot.installs.authorize import RenewingAuthorize
from bot.installs.flow import add_to_slack
from bot.installs.setup import Installations
from bot.knowledge import listeners as knowledge
from bot.meetings import listeners as meetings
from bot.nudges import listeners as nudges
from bot.nudges.delivery import update_settled_messages
from bot.records import listeners as records
from bot.relationships import buttons as relationship_buttons
from bot.relationships import listeners as relationships
from bot.relationships import partner_workspace
from bot.relationships.card import redraw_old_cards, show_card
from bot.risks import listeners as risks
from bot.runtime.verified_requests import SIGNED, FromTheInbox, Signatures, SignedBySlack
from bot.settings import Settings
from bot.slack import accord_command
from bot.slack.bot_identity import BotIdentity
from bot.slack.rate_limits import RateLimitRetryHandler
from bot.slack.references import RiskReviewRef
from bot.slack.subcommands import HELP, Registry
from bot.slack.turn import Turn
from stages.nudges import (
    NudgeKind,
    QueuedNudge,
    action_of,
    dispute_id,
    health_round_id,
    idea_stale_of,
    risk_review_of,
)

log = logging.getLogger(__name__)
NOT_INSTALLED = (
    "Accord is not installed in this workspace (or was removed). Ask an admin to add it again with Add to Slack."
)


def _bot_token(settings: Settings) -> str | None:
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None


def web_client(settings: Settings) -> WebClient:
    """A Web API client that retries what is safe to retry: dropped connections, 429s and 5xx answers."""
    return WebClient(
        token=_bot_token(settings),
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def _not_the_token_notice(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns that it ignores it.
    # The client carries that very token (and the API URL and retries), so the warning is noise.
    return "`token` will be unused" not in record.getMessage()


def subcommands() -> Registry:
    """Every `/accord` subcommand, each declared by its feature, in the order `/accord help` lists them."""
    return Registry(
        [
            HELP,
            *relationships.SUBCOMMANDS,
            *checkins.SUBCOMMANDS,
            *governance.SUBCOMMANDS,
            *health.SUBCOMMANDS,
            *risks.SUBCOMMANDS,
            *actions.SUBCOMMANDS,
            *ideas.SUBCOMMANDS,
            *knowledge.SUBCOMMANDS,
            *meetings.SUBCOMMANDS,
            *disputes.SUBCOMMANDS,
            *records.SUBCOMMANDS,
        ]
    )


def open_for_nudge(turn: Turn, nudge: QueuedNudge, *, other: bool = False) -> None:
    """What a nudge's button opens while what it is about is still due: the form of the feature it is about
    (`other`: the form of its second button, for the kinds that have one)."""
    match nudge.kind:
        case NudgeKind.REVIEW:
            governance.open_review(turn, nudge.relationship_id)
        case NudgeKind.EXIT_REVIEW:
            governance.open_exit(turn, nudge.relationship_id)
        case NudgeKind.DISPUTE | NudgeKind.DISPUTE_ESCALATED:
            disputes.open_resolve_form(turn, dispute_id(nudge.subject))
        case NudgeKind.HEALTH_DUE:
            health.open_start(turn, nudge.relationship_id)
        case NudgeKind.MEETING_DUE:
            meetings.open_record(turn, nudge.relationship_id)
        case NudgeKind.HEALTH_CHECK:
            health.open_answer(turn, health_round_id(nudge.subject))
        case NudgeKind.RISK_REVIEW:
            risks.open_review(turn, RiskReviewRef(*risk_review_of(nudge.subject)))
        case NudgeKind.ACTION_OVERDUE:
            actions.open_complete(turn, action_of(nudge.subject))
        case NudgeKind.IDEA_STALE:
            idea_id, _moved_on = idea_stale_of(nudge.subject)
            (ideas.open_drop if other else ideas.open_keep)(turn, idea_id)
        case NudgeKind.DISPUTE_THREAD:
            raise ValueError(f"nudge {nudge.id} is told in its dispute's thread: it has no button to open")
        case NudgeKind.SPONSOR_NAMED | NudgeKind.OWNER_NAMED | NudgeKind.ITEM_ASSIGNED | NudgeKind.EXIT_REVIEWED_WITH:
            raise ValueError(f"nudge {nudge.id} is a notice: it asks nothing to be opened")
        case unknown:
            assert_never(unknown)


def wired(deps: Deps) -> Deps:
    """`deps` with what features do for each other: features meet here, never by importing each other."""
    return replace(
        deps,
        home=publish_home,
        dispute_thread=tell_thread,
        nudge_opener=open_for_nudge,
        nudge_messages=update_settled_messages,
        channel_shared=take_internal_out,
        relationship_card=show_card,
        health_rounds=health_sweep.tend,
        old_cards=redraw_old_cards,
    )


def build_app(
    settings: Settings, deps: Deps, *, verify_requests: bool = True, installs: Installations | None = None
) -> App:
    """The Bolt app: every request's signature verified, acks sent before any slow work (lazy listeners).

    Building it calls nothing in Slack, so it starts while Slack is unreachable: the token reaches each request's
    client through BotIdentity rather than through the app's client, which would make Bolt call auth.test here.
    A work process's app runs requests from the inbox, which holds only requests verified on their way in:
    `verify_requests=False` there, so that work that waited past Slack's five minutes is still done.
    With `installs` (Add to Slack), each request is authorised with its tenant's installation instead of the
    one bot token, and the app serves the OAuth flow's pages.
    """
    logging.getLogger("slack_bolt.App").addFilter(_not_the_token_notice)
    if deps.home is None or deps.dispute_thread is None or deps.nudge_opener is None:
        deps = wired(deps)
    checked = SignedBySlack(Signatures(settings.slack_signing_secret)) if verify_requests else FromTheInbox()
    client = web_client(settings.model_copy(update={"slack_bot_token": None}))
    app = App(
        client=client,
        request_verification_enabled=False,  # SignedBySlack checks instead, keeping bodies out of the log
        before_authorize=checked,
        process_before_response=True,
        listener_executor=deps.executor,
        name="accord",
        **(_installed(settings, installs, client) if installs else _one_token(settings)),
    )
    accord_command.register(app, deps, subcommands())
    relationships.register(app, deps)
    relationship_buttons.register(app, deps)
    partner_workspace.register(app, deps)
    home.register(app, deps)
    checkins.register(app, deps)
    threads.register(app, deps)
    governance.register(app, deps)
    health.register(app, deps)
    risks.register(app, deps)
    actions.register(app, deps)
    owner_zones.register(app, deps)
    ideas.register(app, deps)
    knowledge.register(app, deps)
    meetings.register(app, deps)
    disputes.register(app, deps)
    nudges.register(app, deps)
    installs_listeners.register(app, deps)
    app.error(_unexpected_error)
    return app


def _one_token(settings: Settings) -> dict[str, Any]:
    return {"authorize": BotIdentity(_bot_token(settings), settings.slack_api_url)}


def _installed(settings: Settings, installs: Installations, client: WebClient) -> dict[str, Any]:
    authorize = RenewingAuthorize(
        logger=log,
        store=installs.store,
        expired=installs.expired,
        bot_only=True,
        # No client credentials, so Bolt makes no rotator of its own: the store's `find_bot` has already refreshed
        # an expiring token, under its installation's row lock (storage/token_refresh.py), and gives Bolt the bot
        # without its refresh token. One way to refresh, whichever process (web, work, scheduler) comes first.
        client=client,
    )
    return {
        "oauth_flow": add_to_slack(settings, installs, client),
        "authorize": authorize,
        "user_facing_authorize_error_message": NOT_INSTALLED,
    }


def _unexpected_error(error: Exception, body: dict[str, Any], context: BoltContext, respond: Any) -> BoltResponse:
    """Errors raised before or during an ack: log them and tell the person, if Slack gave a way to answer.

    Only a request known to be Slack's is answered: the response_url of any other is whoever forged it.
    """
    if not context.get(SIGNED):
        log.info("refused a request not known to be Slack's (it raised %s)", type(error).__name__)
        return BoltResponse(status=401, body="")
    log.error("unhandled error on %s request: %r", body.get("type") or "command", error, exc_info=error)
    if getattr(respond, "response_url", None):
        respond(
            text="Sorry, something went wrong on my side and nothing was changed. Please try again.",
            response_type="ephemeral",
            replace_original=False,
        )
    return BoltResponse(status=500, body="")
