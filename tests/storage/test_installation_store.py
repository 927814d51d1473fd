"""Installations kept by Accord (SQLite and PostgreSQL): tokens encrypted at rest and re-keyed, one bot per tenant,
org-wide installations found from any of the org's workspaces, and uninstalling stopping the tenant at once."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from storage.database import Database
from storage.installation_store import SqlInstallationStore
from storage.tables import WorkspaceRow
from storage.token_cipher import TokenCipher, UnknownTokenKey, rekey
from tests.storage.installs import NOW, new_key, org_install, stores, workspace_install

KEY = new_key()


@pytest.fixture
def store(database: Database) -> SqlInstallationStore:
    return stores(database, TokenCipher(KEY), lambda: NOW)[0]


def raw_rows(database: Database) -> list[tuple[object, ...]]:
    with database.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT * FROM installation"))]


def add_data(database: Database, team_id: str) -> None:
    with database.sessions() as session:
        session.add(WorkspaceRow(team_id=team_id, created_at=NOW))
        session.commit()


def uninstalled_at(database: Database, team_id: str) -> datetime | None:
    with database.sessions() as session:
        workspace = session.get(WorkspaceRow, team_id)
        assert workspace is not None, f"no workspace row for {team_id}"
        return workspace.uninstalled_at


def test_tokens_are_stored_encrypted_and_found_in_clear(store: SqlInstallationStore, database: Database) -> None:
    store.save(workspace_install(token="xoxb-acme-secret-1", refresh_token="xoxe-1-acme-refresh"))

    [row] = raw_rows(database)
    assert not any("acme-secret" in str(value) or "acme-refresh" in str(value) for value in row)
    bot = store.find_bot(enterprise_id=None, team_id="T0ACME")
    assert bot is not None and bot.bot_token == "xoxb-acme-secret-1"
    assert bot.bot_refresh_token is None  # Bolt is never handed the refresh token, so it never refreshes beside us


def test_neither_keys_nor_tokens_show_in_reprs(database: Database) -> None:
    cipher = TokenCipher(KEY)
    store, refresher = stores(database, cipher, lambda: NOW)
    store.save(workspace_install(token="xoxb-acme-secret-1", refresh_token="xoxe-1-acme-refresh"))
    bot = refresher.fresh_bot("T0ACME", NOW)

    assert bot is not None and bot.bot_token.get_secret_value() == "xoxb-acme-secret-1"
    shown = repr(bot) + str(bot) + repr(cipher)
    assert "acme-secret" not in shown and "acme-refresh" not in shown and KEY not in shown


def test_rekey_moves_every_token_to_the_newest_key(database: Database) -> None:
    old, new = new_key(), new_key()
    stores(database, TokenCipher(old), lambda: NOW)[0].save(workspace_install(refresh_token="xoxe-1-acme-refresh"))
    stores(database, TokenCipher(old), lambda: NOW)[0].save(org_install())

    assert rekey(database, TokenCipher(f"{new},{old}")) == 2

    only_new = stores(database, TokenCipher(new), lambda: NOW)[0]
    found = only_new.find_installation(enterprise_id=None, team_id="T0ACME")
    assert found is not None and found.bot_token == "xoxb-acme-secret-1"
    org = only_new.find_bot(enterprise_id="E0GLOBEX", team_id=None, is_enterprise_install=True)
    assert org is not None and org.bot_token == "xoxb-globex-secret-1"
    with pytest.raises(UnknownTokenKey):
        stores(database, TokenCipher(old), lambda: NOW)[0].find_bot(enterprise_id=None, team_id="T0ACME")


def test_rekey_without_the_old_key_changes_nothing(database: Database) -> None:
    old = new_key()
    stores(database, TokenCipher(old), lambda: NOW)[0].save(workspace_install())

    with pytest.raises(UnknownTokenKey):
        rekey(database, TokenCipher(new_key()))
    assert stores(database, TokenCipher(old), lambda: NOW)[0].find_bot(enterprise_id=None, team_id="T0ACME")


def test_installing_again_replaces_the_bot_and_brings_the_tenant_back(
    store: SqlInstallationStore, database: Database
) -> None:
    add_data(database, "T0ACME")
    store.save(workspace_install(token="xoxb-acme-secret-1", installer="U0ALICE"))
    store.uninstalled("T0ACME", NOW)
    assert database.team_ids() == []

    store.save(workspace_install(token="xoxb-acme-secret-2", installer="U0BOB"))

    assert len(raw_rows(database)) == 1
    found = store.find_installation(enterprise_id=None, team_id="T0ACME")
    assert found is not None and (found.bot_token, found.user_id) == ("xoxb-acme-secret-2", "U0BOB")
    assert uninstalled_at(database, "T0ACME") is None
    assert database.team_ids() == ["T0ACME"]


def test_installing_again_mends_a_broken_installation(store: SqlInstallationStore, database: Database) -> None:
    store.save(workspace_install(token="xoxb-acme-secret-1"))
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE installation SET broken = 'invalid_refresh_token'"))
    assert store.find_bot(enterprise_id=None, team_id="T0ACME") is None

    store.save(workspace_install(token="xoxb-acme-secret-2"))

    bot = store.find_bot(enterprise_id=None, team_id="T0ACME")
    assert bot is not None and bot.bot_token == "xoxb-acme-secret-2"


def test_an_org_wide_installation_serves_every_workspace_of_the_org(store: SqlInstallationStore) -> None:
    store.save(org_install(enterprise_id="E0GLOBEX", token="xoxb-globex-secret-1"))
    store.save(workspace_install(team_id="T0GLOBEXHR", token="xoxb-hr-secret", enterprise_id="E0GLOBEX"))

    for team_id, org_wide in (("T0GLOBEXSALES", True), ("T0GLOBEXOPS", False), (None, True)):
        bot = store.find_bot(enterprise_id="E0GLOBEX", team_id=team_id, is_enterprise_install=org_wide)
        assert bot is not None and bot.bot_token == "xoxb-globex-secret-1", team_id
        assert store.tenant_for("E0GLOBEX", team_id, org_wide) == "E0GLOBEX"
    found = store.find_installation(enterprise_id="E0GLOBEX", team_id="T0GLOBEXSALES", is_enterprise_install=True)
    assert found is not None and found.is_enterprise_install and found.team_id is None
    # A workspace of the org that installed Accord itself keeps its own bot.
    own = store.find_bot(enterprise_id="E0GLOBEX", team_id="T0GLOBEXHR", is_enterprise_install=False)
    assert own is not None and own.bot_token == "xoxb-hr-secret"
    assert store.find_bot(enterprise_id="E0INITECH", team_id="T0INITECH") is None


def test_installation_of_another_user_is_not_the_installers(store: SqlInstallationStore) -> None:
    store.save(workspace_install(installer="U0ALICE"))

    assert store.find_installation(enterprise_id=None, team_id="T0ACME", user_id="U0ALICE") is not None
    assert store.find_installation(enterprise_id=None, team_id="T0ACME", user_id="U0BOB") is None


def test_uninstalling_removes_the_tokens_and_stops_the_tenant_from_the_first_time(
    store: SqlInstallationStore, database: Database
) -> None:
    add_data(database, "T0ACME")
    add_data(database, "T0OTHER")
    store.save(workspace_install(team_id="T0ACME"))

    store.uninstalled("T0ACME", NOW)
    store.uninstalled("T0ACME", NOW + timedelta(days=3))

    assert raw_rows(database) == []
    assert store.find_bot(enterprise_id=None, team_id="T0ACME") is None
    assert uninstalled_at(database, "T0ACME") == NOW
    assert database.team_ids() == ["T0OTHER"]


def test_uninstalling_a_tenant_without_data_still_records_when(store: SqlInstallationStore, database: Database) -> None:
    store.save(org_install())

    store.uninstalled("E0GLOBEX", NOW)

    assert uninstalled_at(database, "E0GLOBEX") == NOW
    assert database.team_ids() == []


def test_bolts_revocation_of_the_bot_uninstalls_but_a_users_does_not(
    store: SqlInstallationStore, database: Database
) -> None:
    store.save(org_install())
    store.save(workspace_install(team_id="T0ACME"))

    store.delete_installation(enterprise_id=None, team_id="T0ACME", user_id="U0ALICE")
    assert store.find_bot(enterprise_id=None, team_id="T0ACME") is not None

    store.delete_all(enterprise_id=None, team_id="T0ACME")
    store.delete_bot(enterprise_id="E0GLOBEX", team_id="T0GLOBEXSALES")  # an event from one of the org's workspaces

    assert raw_rows(database) == []
    assert uninstalled_at(database, "T0ACME") is not None
    assert uninstalled_at(database, "E0GLOBEX") is not None
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM workspace")).scalar_one() == 2
