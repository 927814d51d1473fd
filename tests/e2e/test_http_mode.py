"""`accord run --http` as a real process on loopback: signed requests answered, forged or stale ones refused."""

import hashlib
import hmac
import http.client
import http.cookiejar
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from bot.sandbox.demo import GLOBEX, seed_globex
from bot.sandbox.driver import Driver, OverHttp, authorize_link
from bot.sandbox.harness import REDIRECT_URI, OfflineSlack
from bot.sandbox.oauth import OAuthApp
from bot.sandbox.workspace import ResponseTarget, Workspace
from stages import relationship_service
from stages.relationships import RelationshipDraft
from storage.database import Database
from storage.tables import RelationshipRow
from tests.e2e.helpers import ACME, ALICE, BOB, free_port, shown, wait_for


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def serving(slack: OfflineSlack, tmp_path: Path, **settings: str) -> Iterator[int]:
    """`accord run --http` against the offline Slack, on a port of its own, its log written to server.log."""
    port = free_port()
    env = os.environ | {
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'http.db'}",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)]
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(command, env=env | settings, cwd=tmp_path, stderr=log)
        try:
            wait_for(lambda: healthy(f"http://127.0.0.1:{port}/healthz"), timeout=30)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=15)


def add_to_slack(slack: OfflineSlack, **settings: str) -> dict[str, str]:
    """The settings of `accord run --http` for an app workspaces install with Add to Slack (registered with the
    offline Slack), with no bot token of its own; `settings` adds to them or overrides them."""
    registered = slack.emulator.register_app(OAuthApp.from_manifest(slack.contract.manifest, REDIRECT_URI))
    return {
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": registered.client_id,
        "SLACK_CLIENT_SECRET": registered.client_secret,
        "SLACK_REDIRECT_URI": REDIRECT_URI,
        "ACCORD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    } | settings


@pytest.fixture
def driver(slack: OfflineSlack, tmp_path: Path) -> Iterator[Driver]:
    with serving(slack, tmp_path) as port:
        yield slack.driver(OverHttp(f"http://127.0.0.1:{port}/slack/events"))


def test_signed_requests_are_answered_over_http(slack: OfflineSlack, driver: Driver) -> None:
    reply = driver.command(ALICE, ACME, "list")
    assert (reply.status, reply.body) == (200, b"")  # acknowledged at once, answered after
    wait_for(lambda: bool(slack.workspace.ephemerals_for(ALICE)))
    assert "No relationships yet" in shown(slack.workspace.ephemerals_for(ALICE)[-1])

    driver.command(ALICE, ACME, "new")
    wait_for(lambda: slack.workspace.current_modal(ALICE) is not None)
    driver.submit(ALICE, {"name": "Acme Alliance", "partner": "Acme Ltd", "sponsor": BOB})
    wait_for(lambda: bool(slack.workspace.top_level(ACME)))
    assert "*Acme Alliance* with *Acme Ltd* is now managed with Accord" in shown(slack.workspace.top_level(ACME)[0])


def test_usage_errors_and_help_are_answered_in_the_ack_over_http(slack: OfflineSlack, driver: Driver) -> None:
    """Only a well-formed command is acknowledged ahead of Bolt; these go through it, answered at once."""
    mistyped = driver.command(ALICE, ACME, "lsit")
    assert mistyped.status == 200 and b"Did you mean" in mistyped.body
    assert "I don't know `lsit`" in shown(slack.workspace.ephemerals_for(ALICE)[-1])
    helped = driver.command(ALICE, ACME, "help")
    assert helped.status == 200 and b"/accord new" in helped.body
    time.sleep(0.5)
    assert len(slack.workspace.ephemerals_for(ALICE)) == 2  # nothing was queued for after the ack


def test_a_command_sent_twice_is_worked_once_over_http(slack: OfflineSlack, driver: Driver) -> None:
    ws = slack.workspace
    url = ws.issue_response_url(slack.emulator.response_url_base, ResponseTarget(ACME, ALICE))
    fields = {"command": "/accord", "text": "list", "team_id": ws.team_id, "user_id": ALICE, "channel_id": ACME}
    body = urlencode(fields | {"response_url": url, "trigger_id": ws.issue_trigger(ALICE, ACME)})
    for _ in range(2):  # Slack replaying it, or someone resending a captured request within five minutes
        reply = driver.transport.send(body, driver.signed_headers(body, "application/x-www-form-urlencoded"))
        assert (reply.status, reply.body) == (200, b"")
    wait_for(lambda: bool(ws.ephemerals_for(ALICE)))
    time.sleep(0.5)
    assert len(ws.ephemerals_for(ALICE)) == 1


def test_a_forged_signature_is_refused_and_changes_nothing(slack: OfflineSlack, driver: Driver) -> None:
    body = "command=%2Faccord&text=list&team_id=T0ACCORD1&user_id=U0ALICE&channel_id=C0ACME&trigger_id=1.2.3"
    headers = driver.signed_headers(body, "application/x-www-form-urlencoded")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    calls = len(slack.workspace.calls)
    assert driver.transport.send(body, headers).status == 401
    time.sleep(0.3)
    assert slack.workspace.calls[calls:] == [] and slack.workspace.ephemerals == []


def test_a_six_minute_old_request_is_refused_and_changes_nothing(slack: OfflineSlack, driver: Driver) -> None:
    body = "command=%2Faccord&text=list&team_id=T0ACCORD1&user_id=U0ALICE&channel_id=C0ACME&trigger_id=1.2.3"
    stale = int(time.time()) - 6 * 60
    calls = len(slack.workspace.calls)
    reply = driver.transport.send(body, driver.signed_headers(body, "application/x-www-form-urlencoded", stale))
    assert reply.status == 401
    time.sleep(0.3)
    assert slack.workspace.calls[calls:] == [] and slack.workspace.ephemerals == []


class _Hook(http.server.ThreadingHTTPServer):
    """Stands for any host a forged request might name as its response_url: notes every request it gets."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture
def hook() -> Iterator[_Hook]:
    server = _Hook()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


MARK = "FORGEDMARK"  # in every refused body: it must reach no log line
FORM = "application/x-www-form-urlencoded"


def post(port: int, body: bytes | Iterable[bytes], headers: dict[str, str]) -> int:
    """POST to the app as any client could, the body sent as given (bytes, or chunks when an iterable)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def declare_only(port: int, length: int) -> int:
    """Announce a body of `length` bytes and wait for the answer without sending any of it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("POST", "/slack/events")
        connection.putheader("Content-Type", FORM)
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def test_forged_malformed_and_oversized_requests_are_refused_without_a_call_or_a_traceback(
    slack: OfflineSlack, tmp_path: Path, hook: _Hook
) -> None:
    driver = slack.driver(OverHttp(""))
    form = (
        f"command=%2Faccord&text={MARK}&team_id=T0ACCORD1&user_id=U0ALICE&channel_id=C0ACME"
        f"&response_url={quote(hook.url, safe='')}&trigger_id=1.2.3"
    )
    interaction = {"type": "block_actions", "response_url": hook.url, "team": {"id": "T0ACCORD1"}, "note": MARK}
    broken = "payload=" + quote(json.dumps(interaction)[:-2])
    array = json.dumps([MARK, hook.url])

    def signed(body: str, content_type: str = FORM) -> tuple[bytes, dict[str, str]]:
        return body.encode(), driver.signed_headers(body, content_type)

    def unsigned(body: str, content_type: str = FORM) -> tuple[bytes, dict[str, str]]:
        return body.encode(), driver.signed_headers(body, content_type) | {"X-Slack-Signature": "v0=" + "0" * 64}

    def without(header: str) -> tuple[bytes, dict[str, str]]:
        body, headers = signed(form)
        return body, {name: value for name, value in headers.items() if name != header}

    def not_utf8() -> tuple[bytes, dict[str, str]]:
        raw = f"text={MARK}&response_url={quote(hook.url, safe='')}&user_name=".encode() + b"\xff\xfe"
        stamp = str(int(time.time()))
        digest = hmac.new(slack.signing_secret.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256).hexdigest()
        return raw, {"Content-Type": FORM, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}

    requests: dict[str, tuple[bytes, dict[str, str]]] = {
        "timestamp not a number": (form.encode(), signed(form)[1] | {"X-Slack-Request-Timestamp": "soon"}),
        "no timestamp": without("X-Slack-Request-Timestamp"),
        "six minutes old": (form.encode(), driver.signed_headers(form, FORM, int(time.time()) - 6 * 60)),
        "no signature": without("X-Slack-Signature"),
        "wrong signature": unsigned(form),
        "unsigned, payload not JSON": unsigned(broken),
        "unsigned, not UTF-8": not_utf8(),
        "unsigned, JSON not an object": unsigned(array, "application/json"),
        "unsigned, form labelled JSON": unsigned(form, "application/json"),
        "unsigned, payload a string": unsigned("payload=" + quote(json.dumps(MARK))),
        "unsigned, empty": unsigned(""),
        "signed, payload not JSON": signed(broken),
        "signed, JSON not an object": signed(array, "application/json"),
        "signed, form labelled JSON": signed(form, "application/json"),
        "signed, payload a number": signed("payload=42"),
    }
    big = form + "&pad=" + "x" * (1 << 20)
    with serving(slack, tmp_path, LOG_LEVEL="DEBUG") as port:
        calls = len(slack.workspace.calls)
        answers = {name: post(port, body, headers) for name, (body, headers) in requests.items()}
        assert answers == {name: 400 if name.startswith("signed") else 401 for name in requests}
        assert hook.hits == [] and slack.workspace.calls[calls:] == []

        chunks = (big[i : i + 65536].encode() for i in range(0, len(big), 65536))
        assert post(port, chunks, driver.signed_headers(big, FORM)) == 413
        assert declare_only(port, 2 << 20) == 413
        assert slack.workspace.calls[calls:] == []

        genuine = slack.driver(OverHttp(f"http://127.0.0.1:{port}/slack/events"))
        assert genuine.command(ALICE, ACME, "help").status == 200
        wait_for(lambda: bool(slack.workspace.ephemerals_for(ALICE)))
    assert "/accord new" in shown(slack.workspace.ephemerals_for(ALICE)[-1])
    assert hook.hits == []
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log and MARK not in log and hook.url not in log
    assert "refused a request whose signature is not Slack's" in log


def test_a_worker_starts_while_slack_is_unreachable_and_answers(slack: OfflineSlack, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    with serving(slack, tmp_path, SLACK_API_URL=closed) as port:
        driver = slack.driver(OverHttp(f"http://127.0.0.1:{port}/slack/events"))
        assert driver.command(ALICE, ACME, "help").status == 200
        wait_for(lambda: bool(slack.workspace.ephemerals_for(ALICE)))
    assert "/accord new" in shown(slack.workspace.ephemerals_for(ALICE)[-1])


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([], ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "--http", "accord console"]),
        (["--http"], ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "accord console"]),
    ],
)
def test_missing_credentials_are_named_and_point_to_the_console(
    tmp_path: Path, args: list[str], named: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    for word in named:
        assert word in result.stderr


def test_a_bad_setting_is_named_and_nothing_starts(tmp_path: Path) -> None:
    env = os.environ | {"NUDGE_CLAIM_LEASE_SECONDS": "0", "WORKING_HOURS": "nine to five"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "nudges", "--dry-run"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "NUDGE_CLAIM_LEASE_SECONDS: Input should be greater than or equal to 1 (got '0')" in result.stderr
    assert "WORKING_HOURS: Value error, working hours must be like 09:00-17:00" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no database was created


@pytest.mark.parametrize("with_scheduler", [True, False])
def test_the_nudge_job_runs_beside_the_web_server_unless_told_not_to(
    slack: OfflineSlack, tmp_path: Path, with_scheduler: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'shapes.db'}"
    database = Database(url)
    database.upgrade()
    draft = RelationshipDraft("Acme Alliance", "Acme Ltd", ALICE, BOB, ACME, 7)
    week_ago = datetime.now(UTC) - timedelta(days=7)
    relationship_service.create_relationship(
        database.uow(slack.workspace.team_id), draft, created_by=ALICE, now=week_ago
    )
    database.dispose()
    port = free_port()
    env = os.environ | {
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "NUDGE_INTERVAL_SECONDS": "1",
        "WORKING_DAYS": "mon-sun",
        "WORKING_HOURS": "00:00-00:00",
        "LOG_LEVEL": "WARNING",
    }
    flags = [] if with_scheduler else ["--no-scheduler"]
    command = [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port), *flags]
    server = subprocess.Popen(command, env=env, cwd=tmp_path)
    inbox = slack.workspace.im_with(ALICE).id
    try:
        wait_for(lambda: healthy(f"http://127.0.0.1:{port}/healthz"), timeout=30)
        if with_scheduler:
            wait_for(lambda: bool(slack.workspace.top_level(inbox)), timeout=30)
            assert "The review of *Acme Alliance* is due today." in shown(slack.workspace.top_level(inbox)[0])
        else:
            time.sleep(4)
            assert slack.workspace.top_level(inbox) == []
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_add_to_slack_over_http_installs_and_an_uninstall_stops_the_work(slack: OfflineSlack, tmp_path: Path) -> None:
    with serving(slack, tmp_path, **add_to_slack(slack)) as port:
        driver = slack.driver(OverHttp(f"http://127.0.0.1:{port}/slack/events"))
        page = driver.install(ALICE)
        assert page.status == 200 and "Accord is in Accord Sandbox" in page.body.decode()

        driver.command(ALICE, ACME, "list")
        wait_for(lambda: bool(slack.workspace.ephemerals_for(ALICE)))
        assert "No relationships yet" in shown(slack.workspace.ephemerals_for(ALICE)[-1])

        driver.uninstall(slack.workspace.team_id)
        driver.command(ALICE, ACME, "list")
        wait_for(lambda: len(slack.workspace.ephemerals_for(ALICE)) == 2)
        assert "not installed in this workspace" in slack.workspace.ephemerals_for(ALICE)[-1].text
        assert "xox" not in (tmp_path / "server.log").read_text()


def test_with_add_to_slack_the_nudge_job_sends_with_each_installation_and_purges_the_uninstalled(
    slack: OfflineSlack, tmp_path: Path
) -> None:
    """The scheduler `accord run --http` starts holds no bot token either: it nudges each installed workspace with
    that workspace's own token, stops for one that uninstalled, and purges it once the grace period is over."""
    globex = Workspace(slack.clock, team_id=GLOBEX[0], team_name=GLOBEX[1], domain=GLOBEX[2])
    seed_globex(globex)
    slack.emulator.add_workspace(globex)
    hank, ivy, vendors = "U0GLXHANK", "U0GLXIVY", "C0GLXVENDORS"
    url = f"sqlite:///{tmp_path / 'http.db'}"
    database = Database(url)
    database.upgrade()

    def due_review(workspace: Workspace, name: str, owner: str, sponsor: str, channel: str) -> None:
        draft = RelationshipDraft(name, "Partner Ltd", owner, sponsor, channel, 7)
        week_ago = datetime.now(UTC) - timedelta(days=7)
        relationship_service.create_relationship(database.uow(workspace.team_id), draft, created_by=owner, now=week_ago)

    def reviews_due(workspace: Workspace, person: str) -> list[str]:
        return [shown(m) for m in workspace.top_level(workspace.im_with(person).id) if "The review of" in shown(m)]

    installs = add_to_slack(
        slack, NUDGE_INTERVAL_SECONDS="1", WORKING_DAYS="mon-sun", WORKING_HOURS="00:00-00:00", PURGE_AFTER_DAYS="0"
    )
    with serving(slack, tmp_path, **installs) as port:
        driver = slack.driver(OverHttp(f"http://127.0.0.1:{port}/slack/events"))
        driver.install(ALICE)
        driver.for_workspace(globex).install(hank)
        due_review(slack.workspace, "Acme Alliance", ALICE, BOB, ACME)
        due_review(globex, "Globex Supply", hank, ivy, vendors)
        wait_for(lambda: bool(reviews_due(slack.workspace, ALICE) and reviews_due(globex, hank)), timeout=30)
        assert "*Acme Alliance*" in reviews_due(slack.workspace, ALICE)[0]
        assert "*Globex Supply*" in reviews_due(globex, hank)[0]

        driver.uninstall(slack.workspace.team_id)
        due_review(slack.workspace, "Acme Logistics", ALICE, BOB, ACME)
        due_review(globex, "Globex Freight", hank, ivy, vendors)
        wait_for(lambda: len(reviews_due(globex, hank)) == 2, timeout=30)
        time.sleep(2)  # two more sweeps: had Acme not been stopped, its nudge would be there too
        assert len(reviews_due(slack.workspace, ALICE)) == 1
    log = (tmp_path / "server.log").read_text()
    assert "not set" not in log and "xox" not in log

    with serving(slack, tmp_path, **installs):  # started again: its purge runs at once

        def tenants() -> set[str]:
            with database.sessions() as session:
                return set(session.exec(select(RelationshipRow.team_id)))

        wait_for(lambda: tenants() == {globex.team_id}, timeout=30)
    database.dispose()


def test_add_to_slack_served_over_plain_http_installs_with_any_standard_browser(
    slack: OfflineSlack, tmp_path: Path
) -> None:
    """A browser sends a Secure cookie back only over https: served over plain http, the install page's state cookie
    is not Secure, so a standard cookie jar carries it to the redirect; behind an https proxy it stays Secure."""
    # No redirect address: Slack sends the browser back to the one registered with the app.
    with serving(slack, tmp_path, **add_to_slack(slack, SLACK_REDIRECT_URI="")) as port:
        base = f"http://127.0.0.1:{port}"
        behind_proxy = urllib.request.Request(f"{base}/slack/install", headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(behind_proxy, timeout=5) as response:
            assert "; Secure" in response.headers["Set-Cookie"]

        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(f"{base}/slack/install", timeout=5) as response:
            assert "Secure" not in response.headers["Set-Cookie"]
            page = response.read().decode()
        driver = slack.driver(OverHttp(f"{base}/slack/events"))
        redirect = urlsplit(driver.authorize(ALICE, authorize_link(page)))
        with browser.open(f"{base}{redirect.path}?{redirect.query}", timeout=5) as response:
            assert response.status == 200 and "Accord is in Accord Sandbox" in response.read().decode()
