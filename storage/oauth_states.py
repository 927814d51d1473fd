"""The one-time `state` of each Add to Slack visit, as slack_sdk's OAuthStateStore, in Accord's own database."""

import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy import delete

from storage.database import Database
from storage.mapping import table
from storage.tables import OAuthStateRow

_log = logging.getLogger(__name__)
_STATE = table(OAuthStateRow)
_ISSUABLE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what `issue` makes, within the column's width


class SqlOAuthStateStore(OAuthStateStore):
    """Issues states that expire, and lets each be consumed once: by one redirect, before it expires."""

    def __init__(self, database: Database, clock: Callable[[], datetime], expiration_seconds: int = 600) -> None:
        self._database = database
        self._clock = clock
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return _log

    def issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(32)
        expires_at = self._clock() + timedelta(seconds=self.expiration_seconds)
        with self._database.engine.begin() as connection:
            connection.execute(_STATE.insert().values(state=state, expires_at=expires_at))
        return state

    def consume(self, state: str) -> bool:
        """True once for a state issued here and not yet expired; False for any other, and ever after.

        One statement deletes the row only while it is unexpired, and the count of rows it deleted says whether
        this call took it: of two redirects presenting the same state at once, exactly one sees a row deleted.
        """
        if not isinstance(state, str) or not _ISSUABLE.fullmatch(state):
            return False  # not one of ours (Bolt passes what the browser sent): no need to ask the database
        taken = delete(_STATE).where(_STATE.c.state == state, _STATE.c.expires_at > self._clock())
        with self._database.engine.begin() as connection:
            return connection.execute(taken).rowcount == 1

    def purge_expired(self, now: datetime) -> int:
        """Forget the states that expired unused; how many."""
        with self._database.engine.begin() as connection:
            return int(connection.execute(delete(_STATE).where(_STATE.c.expires_at <= now)).rowcount)
