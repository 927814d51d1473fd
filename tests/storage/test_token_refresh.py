"""Rotating bot tokens refreshed before they expire (SQLite and PostgreSQL): once, however many callers meet at the
expiry, each then holding the same working token; a refresh token Slack refuses leaves the tenant broken."""

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from storage.database import Database
from storage.installation_store import SqlInstallationStore
from storage.token_cipher import TokenCipher
from storage.token_refresh import TenantBot, TokenRefresher
from tests.storage.installs import NOW, new_key, stores, workspace_install
from tests.storage.token_rotating_slack import LIFETIME_SECONDS, TokenRotatingSlack, serving

TENANT = "T0ACME"
INSTALLED_REFRESH = "xoxe-1-installed"
NEARLY_EXPIRED = NOW + timedelta(hours=11, minutes=45)  # the installed token has 15 minutes left
KEY = new_key()


@pytest.fixture
def slack() -> Iterator[TokenRotatingSlack]:
    with serving(TokenRotatingSlack(INSTALLED_REFRESH)) as slack:
        yield slack


@pytest.fixture
def installed(database: Database, slack: TokenRotatingSlack) -> tuple[SqlInstallationStore, TokenRefresher]:
    store, refresher = stores(database, TokenCipher(KEY), lambda: NOW, slack.url, timeout=1)
    store.save(workspace_install(TENANT, "xoxe.xoxb-1-installed", refresh_token=INSTALLED_REFRESH))
    return store, refresher


def token_of(bot: TenantBot | None) -> str | None:
    return None if bot is None else bot.bot_token.get_secret_value()


def test_a_token_with_time_left_is_used_as_it_is(
    installed: tuple[SqlInstallationStore, TokenRefresher], slack: TokenRotatingSlack
) -> None:
    _, refresher = installed

    bot = refresher.fresh_bot(TENANT, NOW + timedelta(hours=11))

    assert token_of(bot) == "xoxe.xoxb-1-installed" and slack.rotations == 0


def test_an_expiring_token_is_refreshed_and_the_new_pair_kept_encrypted(
    installed: tuple[SqlInstallationStore, TokenRefresher], slack: TokenRotatingSlack, database: Database
) -> None:
    store, refresher = installed

    bot = refresher.fresh_bot(TENANT, NEARLY_EXPIRED)

    assert slack.rotations == 1 and token_of(bot) == slack.access_token
    assert bot is not None and bot.bot_token_expires_at == NEARLY_EXPIRED + timedelta(seconds=LIFETIME_SECONDS)
    # Kept: the next caller, and Bolt through the store, get the new token without asking Slack again.
    assert token_of(refresher.fresh_bot(TENANT, NEARLY_EXPIRED)) == slack.access_token
    found = store.find_bot(enterprise_id=None, team_id=TENANT)
    assert found is not None and found.bot_token == slack.access_token
    assert slack.rotations == 1
    with database.engine.connect() as connection:
        stored = " ".join(str(value) for value in connection.execute(text("SELECT * FROM installation")).one())
    assert slack.access_token not in stored and slack.refresh_token not in stored


def test_callers_meeting_at_the_expiry_refresh_once_and_share_the_new_token(
    installed: tuple[SqlInstallationStore, TokenRefresher], slack: TokenRotatingSlack
) -> None:
    _, refresher = installed
    slack.delay = 0.3  # the first refresh is still under way when the others reach the lock
    start = threading.Barrier(3)
    tokens: list[str | None] = []

    def call() -> None:
        start.wait()
        tokens.append(token_of(refresher.fresh_bot(TENANT, NEARLY_EXPIRED)))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert slack.rotations == 1 and slack.refused == 0
    assert tokens == [slack.access_token] * 3


def test_a_refused_refresh_token_breaks_the_tenant_until_it_installs_again(
    installed: tuple[SqlInstallationStore, TokenRefresher], slack: TokenRotatingSlack
) -> None:
    store, refresher = installed
    slack.refresh_token = "xoxe-1-spent-elsewhere"  # Slack no longer accepts the one Accord holds

    assert refresher.fresh_bot(TENANT, NEARLY_EXPIRED) is None
    assert refresher.fresh_bot(TENANT, NOW) is None
    assert store.find_bot(enterprise_id=None, team_id=TENANT) is None
    assert slack.refused == 1  # broken: Slack is not asked again

    store.save(workspace_install(TENANT, "xoxe.xoxb-1-reinstalled", refresh_token=slack.refresh_token))
    assert token_of(refresher.fresh_bot(TENANT, NOW)) == "xoxe.xoxb-1-reinstalled"


def test_a_refresh_without_answer_keeps_the_token_while_it_works(
    installed: tuple[SqlInstallationStore, TokenRefresher], slack: TokenRotatingSlack
) -> None:
    _, refresher = installed
    slack.hanging = True  # past the refresher's timeout

    assert token_of(refresher.fresh_bot(TENANT, NEARLY_EXPIRED)) == "xoxe.xoxb-1-installed"
    with pytest.raises(OSError):
        refresher.fresh_bot(TENANT, NOW + timedelta(hours=13))  # expired: nothing left to hand out

    slack.hanging = False
    assert token_of(refresher.fresh_bot(TENANT, NEARLY_EXPIRED)) == slack.access_token


def test_no_bot_for_a_tenant_not_installed_or_uninstalled(
    installed: tuple[SqlInstallationStore, TokenRefresher], slack: TokenRotatingSlack
) -> None:
    store, refresher = installed
    assert refresher.fresh_bot("T0UNKNOWN", NOW) is None

    store.uninstalled(TENANT, NOW)

    assert refresher.fresh_bot(TENANT, NEARLY_EXPIRED) is None and slack.rotations == 0


def test_bolt_gets_a_refreshed_token_from_the_store(
    installed: tuple[SqlInstallationStore, TokenRefresher], slack: TokenRotatingSlack, database: Database
) -> None:
    store = SqlInstallationStore(database, TokenCipher(KEY), installed[1], lambda: NEARLY_EXPIRED)

    found = store.find_installation(enterprise_id=None, team_id=TENANT)

    assert found is not None and found.bot_token == slack.access_token and slack.rotations == 1
    assert found.bot_refresh_token is None and found.bot_token_expires_at is not None
    assert datetime.fromtimestamp(found.bot_token_expires_at, NOW.tzinfo) > NEARLY_EXPIRED + timedelta(hours=11)
