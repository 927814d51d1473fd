"""Who the bot is, asked of Slack when a request first needs it rather than when a process starts.

Bolt's single-workspace set-up calls auth.test while the app is built, so a web worker or work process could
not start while Slack was unreachable. Accord's listeners need only the bot token; Bolt needs the bot's ids
to pass over the bot's own events, and Accord's listeners pass over bots' messages themselves. So the ids are
asked for on the first request and kept; if Slack does not answer, the request goes on without them and they
are asked for again a little later.
"""

import logging
import threading
import time

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

log = logging.getLogger(__name__)
ASK_AGAIN_SECONDS = 60.0  # an outage costs one slow acknowledgement a minute, not one per request
ASK_TIMEOUT_SECONDS = 2  # the question is asked while Slack waits for an acknowledgement


class BotIdentity(Authorize):
    """Bolt's authorize step for the one workspace the bot token belongs to."""

    def __init__(self, token: str | None, api_url: str) -> None:
        self._token = token
        self._client = WebClient(token=token, base_url=api_url, timeout=ASK_TIMEOUT_SECONDS)
        self._ids: tuple[str | None, str | None] | None = None  # bot_id, bot_user_id
        self._asking = threading.Lock()
        self._ask_after = 0.0

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        bot_id, bot_user_id = self._known_ids()
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            bot_token=self._token,
            bot_id=bot_id,
            bot_user_id=bot_user_id,
        )

    def _known_ids(self) -> tuple[str | None, str | None]:
        # One thread asks at a time; the others go on without waiting for its answer.
        if self._ids is None and time.monotonic() >= self._ask_after and self._asking.acquire(blocking=False):
            try:
                self._ids = self._ask()
            finally:
                self._asking.release()
        return self._ids or (None, None)

    def _ask(self) -> tuple[str | None, str | None] | None:
        try:
            answer = self._client.auth_test()
        except (SlackClientError, OSError) as error:
            self._ask_after = time.monotonic() + ASK_AGAIN_SECONDS
            log.warning("could not ask Slack who the bot is (%s); asking again in %.0f s", error, ASK_AGAIN_SECONDS)
            return None
        return answer.get("bot_id"), answer.get("user_id")
