"""The people's side of the sandbox: what Slack sends the app when someone types, clicks, submits or opens.

Every request is Slack-shaped (the payloads Slack documents), correctly signed with the app's signing secret,
and delivered the way Slack does: form-encoded commands and interactions, JSON events retried with
`X-Slack-Retry-Num` when the app does not answer 200. After each one the driver waits until the app has
settled (its lazy listeners, the Web API calls they make and the events those cause are all done).
"""

import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlencode, urlsplit

from slack_bolt import App, BoltRequest
from slack_bolt.oauth import OAuthFlow
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.emulator import AUTHORIZE_PATH, SESSION_COOKIE, Emulator
from bot.sandbox.workspace import JSON, Ephemeral, Message, ResponseTarget, ViewRecord, Workspace

VERIFICATION_TOKEN = "sandbox-verification-token"  # noqa: S105 (deprecated by Slack, still sent in payloads)
EVENT_RETRIES = 3


def signed_headers(
    signer: SignatureVerifier, body: str, content_type: str, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack sends with `body`, signed as of `timestamp` (default now)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)  # Bolt checks real time, not sandbox
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": str(signer.generate_signature(timestamp=stamp, body=body)),
    }


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, Any] = field(default_factory=dict)

    def json(self) -> JSON:
        return json.loads(self.body) if self.body.strip().startswith(b"{") else {}

    def header(self, name: str) -> list[str]:
        """Every value of a header, whatever the case of its name (Bolt keeps lists, urllib strings)."""
        values: list[str] = []
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                values += [value] if isinstance(value, str) else list(value)
        return values


class Transport(Protocol):
    def send(self, body: str, headers: dict[str, str]) -> Reply: ...


@runtime_checkable
class WebTransport(Transport, Protocol):
    """A transport a person's browser can use too: GET a page of the app (its install page, its redirect)."""

    def get(self, path: str, query: str, headers: dict[str, str]) -> Reply: ...


class InProcess:
    """Hands the signed request to the app's own dispatcher, as its HTTP adapters do."""

    def __init__(self, app: App, flows: Mapping[str, OAuthFlow] | None = None) -> None:
        """`flows`: OAuth redirects the app serves beside its own flow's (by path), as its web server routes them."""
        self.app = app
        self.flows = dict(flows or {})

    def send(self, body: str, headers: dict[str, str]) -> Reply:
        response = self.app.dispatch(BoltRequest(body=body, headers=dict[str, str | Sequence[str]](headers)))
        return _reply(response.status, response.body, response.headers)

    def get(self, path: str, query: str, headers: dict[str, str]) -> Reply:
        """The install page and the OAuth redirect, as Bolt's own adapters route them to the app's flow."""
        flow = self.app.oauth_flow
        request = BoltRequest(body="", query=query, headers=dict[str, str | Sequence[str]](headers))
        if flow is not None and path == flow.install_path:
            response = flow.handle_installation(request)
        elif flow is not None and path == flow.redirect_uri_path:
            response = flow.handle_callback(request)
        elif path in self.flows:
            response = self.flows[path].handle_callback(request)
        else:
            return Reply(404, b"Not Found")
        return _reply(response.status, response.body, response.headers)


def _reply(status: int, body: str | bytes, headers: dict[str, Sequence[str]]) -> Reply:
    return Reply(status, body.encode() if isinstance(body, str) else body, dict(headers))


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to look at (where Slack sends the browser), not to follow."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_BROWSER = urllib.request.build_opener(_KeepRedirects)


def fetch(request: urllib.request.Request) -> Reply:
    """One HTTP request on loopback, redirects not followed; every header value kept."""
    try:
        with _BROWSER.open(request, timeout=30) as response:
            return Reply(response.status, response.read(), _headers(response.headers))
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read(), _headers(error.headers))


def _headers(message: Any) -> dict[str, Any]:
    return {name: message.get_all(name) for name in set(message.keys())}


class OverHttp:
    """POSTs the signed request to the app's HTTP endpoint, as Slack does; GETs its other pages."""

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, body: str, headers: dict[str, str]) -> Reply:
        request = urllib.request.Request(self.url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
                return Reply(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), dict(error.headers))

    def get(self, path: str, query: str, headers: dict[str, str]) -> Reply:
        base = urlsplit(self.url)
        url = base._replace(path=path, query=query).geturl()
        return fetch(urllib.request.Request(url, headers=headers, method="GET"))  # noqa: S310 (loopback)


class _Links(HTMLParser):
    """The links of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


class ClientRefused(Exception):
    """Slack's own client would not send this: a required field is empty, a value too long, and so on."""

    def __init__(self, block_id: str, reason: str) -> None:
        super().__init__(f"{block_id}: {reason}")
        self.block_id = block_id
        self.reason = reason


class NotOffered(Exception):
    """What Slack does not let a person do at all: a slash command of an app their workspace has not installed."""


@dataclass
class Submission:
    reply: Reply
    errors: dict[str, str]  # block_id -> message, when the app answered response_action=errors


class Driver:
    def __init__(
        self,
        workspace: Workspace,
        emulator: Emulator,
        transport: Transport,
        signing_secret: str,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self.workspace = workspace
        self.emulator = emulator
        self.transport = transport
        self.signing_secret = signing_secret
        self.signer = SignatureVerifier(signing_secret)
        self.app_busy = busy
        self.delivered: list[tuple[JSON, Reply]] = []
        self.interactions: list[JSON] = []  # every interactive payload sent, to replay one as Slack might
        self._events: queue.Queue[JSON] = queue.Queue()
        self._pending = 0
        self._pending_lock = threading.Lock()
        workspace.event_listeners.append(self._enqueue)
        threading.Thread(target=self._deliver_forever, name="sandbox-events", daemon=True).start()

    def for_workspace(self, workspace: Workspace) -> "Driver":
        """A driver for the people of another workspace the emulator hosts, sending to the same app."""
        if self.emulator.workspaces.get(workspace.team_id) is not workspace:
            raise LookupError(f"{workspace.team_id} is not hosted by this emulator")
        return Driver(workspace, self.emulator, self.transport, self.signing_secret, busy=self.app_busy)

    # ----- signing and sending

    def signed_headers(self, body: str, content_type: str, timestamp: int | None = None) -> dict[str, str]:
        return signed_headers(self.signer, body, content_type, timestamp)

    def send_form(self, fields: dict[str, Any], on_ack: Callable[[Reply], None] | None = None) -> Reply:
        """Send a signed form; `on_ack` shows the ack's answer as Slack would, before later work lands."""
        body = urlencode(fields)
        reply = self.transport.send(body, self.signed_headers(body, "application/x-www-form-urlencoded"))
        if on_ack is not None:
            on_ack(reply)
        self.settle()
        return reply

    def send_interaction(self, payload: JSON, on_ack: Callable[[Reply], None] | None = None) -> Reply:
        self.interactions.append(payload)
        return self.send_form({"payload": json.dumps(payload)}, on_ack)

    # ----- commands

    def command(self, user: str, channel: str, text: str, command: str = "/accord") -> Reply:
        """Someone types a slash command in a channel; the ack's answer is shown to them as Slack would."""
        ws = self.workspace
        person = ws.user(user)
        if person.team:
            raise NotOffered(
                f"Slack offers {command} only in workspaces that installed its app, and @{person.name}'s has not:"
                " use the buttons on Accord's messages instead"
            )
        place = ws.channel(channel)
        url = ws.issue_response_url(self.emulator.response_url_base, ResponseTarget(channel, user))
        return self.send_form(
            {
                "token": VERIFICATION_TOKEN,
                "team_id": ws.team_id,
                "team_domain": ws.domain,
                "channel_id": channel,
                "channel_name": place.name if not place.is_im else "directmessage",
                "user_id": user,
                "user_name": person.name,
                "command": command,
                "text": text,
                "api_app_id": ws.app_id,
                "is_enterprise_install": "true" if self._org_wide() else "false",
                "response_url": url,
                "trigger_id": ws.issue_trigger(user, channel),
            }
            | self._grid_fields(),
            on_ack=lambda reply: self._show_ack(reply, channel, user),
        )

    def _org_wide(self) -> bool:
        """Whether the app acts here through an org-wide install of the workspace's Enterprise Grid org."""
        installation = self.emulator.installation_of(self.workspace)
        return installation is not None and installation.is_enterprise_install

    def _grid_fields(self) -> dict[str, str]:
        ws = self.workspace
        if ws.enterprise_id is None:
            return {}
        return {"enterprise_id": ws.enterprise_id, "enterprise_name": ws.enterprise_name or ""}

    def _show_ack(self, reply: Reply, channel: str, user: str) -> None:
        if reply.status != 200 or not reply.body.strip():
            return
        answer = reply.json() or {"text": reply.body.decode()}
        problems = self.emulator.contract.check_message(answer.get("text"), answer.get("blocks"))
        for problem in problems:
            self.workspace.violation(f"command ack: {problem}")
        if problems:
            return
        if answer.get("response_type") == "in_channel":
            self.workspace.post(channel, answer.get("text", ""), blocks=answer.get("blocks"))
        else:
            self.workspace.ephemeral(channel, user, answer.get("text", ""), answer.get("blocks"))

    # ----- buttons and menus

    def click(
        self,
        user: str,
        where: Message | Ephemeral | ViewRecord,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str | None = None,
        selected: str | None = None,
        label: str | None = None,
    ) -> Reply:
        """Press a button (or choose `selected` in a select menu) found in a message, ephemeral or view.

        Several elements may share an action_id: `value`, `block_id` or the button's `label` picks one.
        """
        blocks = where.view.get("blocks", []) if isinstance(where, ViewRecord) else where.blocks
        found_block, element = find_element(blocks, action_id, value=value, block_id=block_id, label=label)
        action = {
            "action_id": action_id,
            "block_id": found_block,
            "type": element["type"],
            "action_ts": self.workspace.new_ts(),
        }
        if element["type"] == "button":
            action |= {"text": element.get("text"), "value": element.get("value", "")}
        elif element["type"] == "users_select":
            action["selected_user"] = selected
        elif element["type"] in ("static_select", "overflow"):
            action["selected_option"] = _chosen(element, selected)
        else:
            raise ValueError(f"the sandbox cannot operate a {element['type']}")
        conversation = None if isinstance(where, ViewRecord) else where.channel
        payload = self._interaction("block_actions", user, conversation) | {
            "actions": [action],
            "state": {"values": {}},
        }
        payload |= self._container(user, where)
        return self.send_interaction(payload)

    def _container(self, user: str, where: Message | Ephemeral | ViewRecord) -> JSON:
        ws = self.workspace
        if isinstance(where, ViewRecord):
            return {"container": {"type": "view", "view_id": where.id}, "view": self._view_payload(where)}
        channel = ws.channel(where.channel)
        ephemeral = isinstance(where, Ephemeral)
        target = ResponseTarget(where.channel, user, message_ts=where.ts, ephemeral=ephemeral)
        container: JSON = {
            "container": {
                "type": "message",
                "message_ts": where.ts,
                "channel_id": where.channel,
                "is_ephemeral": ephemeral,
            },
            "channel": {"id": channel.id, "name": channel.name},
            "response_url": ws.issue_response_url(self.emulator.response_url_base, target),
        }
        if where.thread_ts:
            container["container"]["thread_ts"] = where.thread_ts
        if isinstance(where, Message):
            container["message"] = where.to_api()
        return container

    def _interaction(self, kind: str, user: str, conversation: str | None = None) -> JSON:
        ws = self.workspace
        person = ws.user(user)
        return {
            "type": kind,
            # A person of another organisation pressing this app's button in a shared channel keeps their own
            # team here, while `team` stays the workspace whose app posted the message.
            "user": {"id": user, "username": person.name, "name": person.name, "team_id": ws.team_of(user)},
            "api_app_id": ws.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": ws.issue_trigger(user, conversation),
            "team": {"id": ws.team_id, "domain": ws.domain} | self._grid_fields(),
            "enterprise": {"id": ws.enterprise_id, "name": ws.enterprise_name} if ws.enterprise_id else None,
            "is_enterprise_install": self._org_wide(),
        }

    def _view_payload(self, record: ViewRecord) -> JSON:
        ws = self.workspace
        return record.to_api(ws.team_id, ws.app_id, ws.bot_id)

    # ----- modals

    def submit(self, user: str, answers: dict[str, Any] | None = None, *, client_checks: bool = True) -> Submission:
        """Fill the open modal's inputs (by block_id) and press its submit button.

        `client_checks` applies the rules Slack's own client enforces before sending (required fields,
        max_length, number bounds); turn it off to send what a forged or API-made payload could carry.
        """
        ws = self.workspace
        record = ws.current_modal(user)
        if record is None:
            raise LookupError(f"{user} has no modal open")
        record.values = fill_state(record, answers or {}, client_checks=client_checks)
        payload = self._interaction("view_submission", user) | {
            "view": self._view_payload(record),
            "response_urls": [],
        }
        errors: dict[str, str] = {}
        reply = self.send_interaction(payload, lambda r: errors.update(self._apply_view_ack(user, record, r)))
        return Submission(reply, errors)

    def close_modal(self, user: str) -> Reply | None:
        """Press the modal's close button; the app hears of it only if it asked (notify_on_close)."""
        ws = self.workspace
        record = ws.current_modal(user)
        if record is None:
            return None
        ws.close_modal(user)
        if not record.view.get("notify_on_close"):
            return None
        payload = self._interaction("view_closed", user) | {"view": self._view_payload(record), "is_cleared": False}
        return self.send_interaction(payload)

    def _apply_view_ack(self, user: str, record: ViewRecord, reply: Reply) -> dict[str, str]:
        ws = self.workspace
        if reply.status != 200:
            return {}
        answer = reply.json()
        action = answer.get("response_action")
        if action == "errors":
            errors = dict(answer.get("errors", {}))
            inputs = {b.get("block_id") for b in record.view.get("blocks", []) if b.get("type") == "input"}
            for block_id in sorted(set(errors) - inputs):  # Slack refuses an error it has no input to show under
                ws.violation(f"view_submission ack: errors name {block_id!r}, which is no input block of the view")
            return errors
        if action in ("update", "push"):
            problems = self.emulator.contract.check_view(answer.get("view"))
            for problem in problems:
                ws.violation(f"view_submission ack: {problem}")
            if not problems:
                if action == "update":
                    ws.update_view(record.id, answer["view"])
                else:
                    ws.open_modal(user, answer["view"], push=True)
        elif action == "clear":
            ws.close_modal(user, all_views=True)
        elif ws.current_modal(user) is record:
            ws.close_modal(user)
        return {}

    # ----- messages and the Home tab

    def say(self, user: str, channel: str, text: str, *, thread_ts: str | None = None) -> Message:
        """Someone posts a message (in a thread with `thread_ts`); the app gets the message event."""
        message = self.workspace.post(channel, text, user=user, thread_ts=thread_ts)
        self.settle()
        return message

    def edit(self, user: str, message: Message, text: str) -> Message:
        edited = self.workspace.edit(message.channel, message.ts, text, None, by=user)
        self.settle()
        return edited

    def delete(self, user: str, message: Message) -> None:
        self.workspace.delete(message.channel, message.ts, by=user)
        self.settle()

    def open_home(self, user: str) -> ViewRecord | None:
        """Someone opens the app's Home tab; returns what it shows once the app has answered."""
        ws = self.workspace
        current = ws.home(user)
        event: JSON = {
            "type": "app_home_opened",
            "user": user,
            "channel": ws.im_with(user).id,
            "tab": "home",
            "event_ts": ws.new_ts(),
        }
        if current is not None:
            event["view"] = self._view_payload(current)
        self._enqueue(event)
        self.settle()
        return ws.home(user)

    def move_time_zone(self, user_id: str, tz: str) -> None:
        """A person sets another time zone in Slack; the app hears `user_change` if they are of this workspace (a
        person of another organisation changes theirs in their own)."""
        ws = self.workspace
        user = ws.users[user_id]
        user.tz = tz
        if user.team is None:
            self._enqueue({"type": "user_change", "user": user.to_api(ws.team_id, ws.now()), "event_ts": ws.new_ts()})
            self.settle()

    def share_channel(self, channel_id: str, team_id: str) -> None:
        """Another organisation's team joins a channel by Slack Connect; the app hears `channel_shared`."""
        ws = self.workspace
        ws.share_channel(channel_id, team_id)
        event = {"type": "channel_shared", "connected_team_id": team_id, "channel": channel_id, "event_ts": ws.new_ts()}
        self._enqueue(event)
        self.settle()

    def unshare_channel(self, channel_id: str, team_id: str) -> None:
        """The other organisation's team leaves the channel (or is removed); the app hears `channel_unshared`."""
        ws = self.workspace
        channel = ws.unshare_channel(channel_id, team_id)
        event = {
            "type": "channel_unshared",
            "previously_connected_team_id": team_id,
            "channel": channel_id,
            "is_ext_shared": bool(channel.shared_with),
            "event_ts": ws.new_ts(),
        }
        self._enqueue(event)
        self.settle()

    def message_shortcut(self, user: str, message: Message, callback_id: str) -> Reply:
        ws = self.workspace
        channel = ws.channel(message.channel)
        target = ResponseTarget(message.channel, user)
        payload = self._interaction("message_action", user, message.channel) | {
            "callback_id": callback_id,
            "channel": {"id": channel.id, "name": channel.name},
            "message": message.to_api(),
            "message_ts": message.ts,
            "action_ts": ws.new_ts(),
            "response_url": ws.issue_response_url(self.emulator.response_url_base, target),
        }
        return self.send_interaction(payload)

    # ----- events

    def envelope(self, event: JSON, *, tenant: str | None = None) -> JSON:
        """The Events API envelope of an event in this workspace, or of one about a whole `tenant` (T... or E...)."""
        ws = self.workspace
        authorization = self._authorization(tenant or self._tenant())
        envelope: JSON = {
            "token": VERIFICATION_TOKEN,
            "team_id": tenant or ws.team_id,
            "api_app_id": ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": ws.new_id("Ev"),
            "event_time": int(ws.now().timestamp()),
            "authorizations": [authorization],
            "is_ext_shared_channel": self._ext_shared(event.get("channel")),
        }
        if authorization["enterprise_id"] is not None:
            envelope["enterprise_id"] = authorization["enterprise_id"]
        return envelope

    def _ext_shared(self, channel_id: object) -> bool:
        """Whether an event happened in a channel shared with another organisation, as Slack flags its envelope."""
        channel = self.workspace.channels.get(channel_id) if isinstance(channel_id, str) else None
        return bool(channel and channel.shared_with)

    def _tenant(self) -> str:
        installation = self.emulator.installation_of(self.workspace)
        return installation.tenant_id if installation is not None else self.workspace.team_id

    def _authorization(self, tenant: str) -> JSON:
        """Whom an event is for, as Slack lists it in `authorizations`: an org-wide install has no team."""
        installation = self.emulator.oauth.installations.get(tenant)
        if installation is not None and installation.is_enterprise_install:
            return {
                "enterprise_id": tenant,
                "team_id": None,
                "user_id": installation.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ws = self.emulator.workspaces[tenant]
        return {
            "enterprise_id": ws.enterprise_id,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "is_bot": True,
            "is_enterprise_install": False,
        }

    def deliver(self, envelope: JSON, *, retry: int = 0, reason: str = "http_timeout") -> Reply:
        """Send one event envelope; `retry` > 0 marks it as Slack's redelivery of the same event_id."""
        body = json.dumps(envelope)
        headers = self.signed_headers(body, "application/json")
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": reason}
        reply = self.transport.send(body, headers)
        self.delivered.append((envelope, reply))
        return reply

    def redeliver(self, envelope: JSON, times: int = 1) -> list[Reply]:
        """Slack's retries of an event it believes was not received: same envelope, same event_id."""
        replies = [self.deliver(envelope, retry=attempt) for attempt in range(1, times + 1)]
        self.settle()
        return replies

    def _subscribed(self, event: JSON) -> bool:
        name = event["type"]
        if name == "message":
            kind = event.get("channel_type", "channel")
            name = {"channel": "message.channels", "group": "message.groups", "im": "message.im"}[kind]
        return not self.emulator.contract.check_event(name)

    def _enqueue(self, event: JSON) -> None:
        if not self._subscribed(event):
            return
        with self._pending_lock:
            self._pending += 1
        self._events.put(self.envelope(event))

    def _deliver_forever(self) -> None:
        while True:
            envelope = self._events.get()
            try:
                reply = self.deliver(envelope)
                for attempt in range(1, EVENT_RETRIES + 1):
                    if reply.status == 200:
                        break
                    reply = self.deliver(envelope, retry=attempt, reason="http_error")
            except Exception as error:
                self.workspace.violation(f"event delivery failed: {error!r}")
            finally:
                with self._pending_lock:
                    self._pending -= 1

    # ----- installing and uninstalling (OAuth)

    def install(
        self,
        user: str,
        page: Reply | str | None = None,
        *,
        org: bool = False,
        deny: bool = False,
        install_path: str = "/slack/install",
    ) -> Reply:
        """Someone adds the app to Slack: opens its install page (or the one given, a Reply or its HTML),
        follows the authorize link to Slack, allows (or, with `deny`, cancels) the install for their
        workspace (or with `org`, their whole Enterprise Grid org) and lands on the app's redirect page,
        which this returns."""
        if page is None:
            page = self._web().get(install_path, "", {})
        redirect = self.authorize(user, authorize_link(page), org=org, deny=deny)
        return self.open_redirect(redirect, cookies(page) if isinstance(page, Reply) else "")

    def authorize(self, user: str, url: str, *, org: bool = False, deny: bool = False) -> str:
        """The person's step on Slack's authorize page: returns where Slack sends their browser next,
        `redirect_uri?code=...&state=...` or `redirect_uri?error=access_denied&state=...`."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.emulator.base_url or parts.path != AUTHORIZE_PATH:
            raise LookupError(f"the install link does not lead to the sandbox's Slack: {url}")
        form = urlencode({"decision": "deny" if deny else "allow", "install_on": "org" if org else "workspace"})
        headers = {"Cookie": f"{SESSION_COOKIE}={user}", "Content-Type": "application/x-www-form-urlencoded"}
        reply = fetch(urllib.request.Request(url, data=form.encode(), headers=headers, method="POST"))  # noqa: S310
        if reply.status != 302:
            raise AuthorizeRefused(reply.body.decode())
        return reply.header("Location")[0]

    def admin_install(self, admin: str) -> Reply:
        """An org admin installs the app org-wide from Slack's admin pages: the browser lands on the app's
        redirect with a code and no `state`."""
        app = self.emulator.oauth.app
        if app is None or not app.org_deploy:
            raise AuthorizeRefused("the app is not registered for org-wide installs (org_deploy_enabled)")
        installation = self.emulator.installation_request(admin, org=True)
        installation.scopes = tuple(sorted(app.bot_scopes))
        return self.open_redirect(
            f"{app.redirect_uri}?{urlencode({'code': self.emulator.oauth.issue_code(installation)})}"
        )

    def open_redirect(self, url: str, cookie: str = "") -> Reply:
        """The browser opens the app's redirect page (with the cookies the install page set)."""
        parts = urlsplit(url)
        return self._web().get(parts.path, parts.query, {"Cookie": cookie} if cookie else {})

    def uninstall(
        self, tenant: str, *, order: Sequence[str] = ("app_uninstalled", "tokens_revoked"), repeat: int = 1
    ) -> list[Reply]:
        """The app is removed from a workspace (T...) or an org (E...): its tokens stop working at once and
        Slack tells the app, with each event in `order` (delivered `repeat` times, as Slack's retries)."""
        authorization = self._authorization(tenant)
        self.emulator.uninstall(tenant)
        events: dict[str, JSON] = {
            "app_uninstalled": {"type": "app_uninstalled"},
            "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [authorization["user_id"]]}},
        }
        envelopes = [self._tenant_envelope(tenant, authorization, events[name]) for name in order]
        replies = [
            self.deliver(envelope, retry=attempt, reason="http_error")
            for attempt in range(repeat)
            for envelope in envelopes
            if self._subscribed(envelope["event"])
        ]
        self.settle()
        return replies

    def grant_team_access(self, enterprise_id: str, team_ids: list[str], *, granted: bool = True) -> Reply | None:
        """An org admin adds workspaces to (or with `granted=False` removes them from) an org-wide install;
        the app hears `team_access_granted` / `team_access_revoked` if it subscribes."""
        self.emulator.grant_team_access(enterprise_id, team_ids, granted=granted)
        event = {
            "type": "team_access_granted" if granted else "team_access_revoked",
            "team_ids": team_ids,
            "event_ts": self.workspace.new_ts(),
        }
        if not self._subscribed(event):
            return None
        reply = self.deliver(self._tenant_envelope(enterprise_id, self._authorization(enterprise_id), event))
        self.settle()
        return reply

    def _tenant_envelope(self, tenant: str, authorization: JSON, event: JSON) -> JSON:
        """An envelope about a whole installation, with whom it was for (looked up before it was revoked)."""
        return self.envelope(event, tenant=tenant) | {"authorizations": [authorization]}

    def web_page(self, path: str, query: str = "", headers: dict[str, str] | None = None) -> Reply:
        """A person's browser opens one of the app's web pages."""
        return self._web().get(path, query, headers or {})

    def _web(self) -> WebTransport:
        if not isinstance(self.transport, WebTransport):
            raise TypeError(f"{type(self.transport).__name__} cannot open the app's web pages")
        return self.transport

    # ----- waiting for the app

    def settle(self, timeout: float = 20.0) -> None:
        """Wait until no event is queued, no request is in the emulator and the app has no work running."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 3:
            if self._pending or self.emulator.busy or self.app_busy():
                quiet = 0
            else:
                quiet += 1
            if time.monotonic() > deadline:
                raise TimeoutError("the app did not settle")
            time.sleep(0.002)


class AuthorizeRefused(Exception):
    """Slack's authorize page refused the link (wrong client id, redirect URL or scopes) instead of asking."""


def authorize_link(page: Reply | str) -> str:
    """Where the app's install page sends the person: its redirect, or the link to Slack's authorize page."""
    if isinstance(page, Reply) and page.header("Location"):
        return page.header("Location")[0]
    text = page.body.decode() if isinstance(page, Reply) else page
    if text.startswith("http"):
        return text
    parser = _Links()
    parser.feed(text)
    found = [link for link in parser.links if urlsplit(link).path == AUTHORIZE_PATH]
    if not found:
        raise LookupError("the install page has no link to Slack's authorize page")
    return found[0]


def cookies(page: Reply) -> str:
    """The Cookie header a browser sends back after this page's Set-Cookie headers."""
    jar: SimpleCookie = SimpleCookie()
    for value in page.header("Set-Cookie"):
        jar.load(value)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def find_element(
    blocks: list[JSON],
    action_id: str,
    *,
    value: str | None = None,
    block_id: str | None = None,
    label: str | None = None,
) -> tuple[str, JSON]:
    """The interactive element with this action_id (and value, block_id or label when several share it)."""
    matches = [
        (block.get("block_id", ""), element)
        for block in blocks
        for element in _elements(block)
        if element.get("action_id") == action_id
        and (value is None or element.get("value") == value)
        and (block_id is None or block.get("block_id") == block_id)
        and (label is None or element.get("text", {}).get("text") == label)
    ]
    if not matches:
        raise LookupError(f"no element {action_id!r} (value={value!r}, block_id={block_id!r}) on screen")
    if len(matches) > 1:
        raise LookupError(f"{len(matches)} elements match {action_id!r}: give value or block_id")
    return matches[0]


def _elements(block: JSON) -> Iterator[JSON]:
    yield from block.get("elements", []) if block.get("type") == "actions" else ()
    if block.get("accessory"):
        yield block["accessory"]


# How each input element reports its value in view state, and how a typed answer becomes that value.
_STATE_KEYS = {
    "plain_text_input": "value",
    "number_input": "value",
    "url_text_input": "value",
    "email_text_input": "value",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "static_select": "selected_option",
    "radio_buttons": "selected_option",
    "multi_users_select": "selected_users",
    "checkboxes": "selected_options",
    "multi_static_select": "selected_options",
}
_INITIAL_KEYS = {
    "plain_text_input": "initial_value",
    "number_input": "initial_value",
    "url_text_input": "initial_value",
    "email_text_input": "initial_value",
    "users_select": "initial_user",
    "conversations_select": "initial_conversation",
    "channels_select": "initial_channel",
    "datepicker": "initial_date",
    "timepicker": "initial_time",
    "static_select": "initial_option",
    "radio_buttons": "initial_option",
    "multi_users_select": "initial_users",
    "checkboxes": "initial_options",
    "multi_static_select": "initial_options",
}


def input_blocks(view: JSON) -> list[JSON]:
    return [b for b in view.get("blocks", []) if b.get("type") == "input"]


def fill_state(record: ViewRecord, answers: dict[str, Any], *, client_checks: bool) -> dict[str, dict[str, JSON]]:
    """The view's state after a person typed `answers` (block_id -> value) into it."""
    state: dict[str, dict[str, JSON]] = {}
    current = record.values
    for block in input_blocks(record.view):
        element = block["element"]
        kind = element["type"]
        key = _STATE_KEYS.get(kind)
        if key is None:
            raise ValueError(f"the sandbox cannot fill a {kind}")
        block_id, action_id = block["block_id"], element["action_id"]
        if block_id in answers:
            value = _typed(element, answers[block_id])
        elif action_id in current.get(block_id, {}):
            value = current[block_id][action_id].get(key)
        elif kind == "conversations_select" and element.get("default_to_current_conversation"):
            value = element.get(_INITIAL_KEYS[kind]) or record.conversation
        else:
            value = element.get(_INITIAL_KEYS[kind])
        if client_checks:
            _client_rules(block, element, value)
        state[block_id] = {action_id: {"type": kind, key: value}}
    unknown = set(answers) - set(state)
    if unknown:
        raise LookupError(f"the modal has no input {', '.join(sorted(unknown))}")
    return state


def _typed(element: JSON, answer: Any) -> Any:
    kind = element["type"]
    if kind in ("static_select", "radio_buttons"):
        return None if answer is None else _chosen(element, answer)
    if kind in ("checkboxes", "multi_static_select"):
        return [o for o in element.get("options", []) if o["value"] in answer]
    if kind == "number_input" and answer is not None:
        return str(answer)
    return answer


def _chosen(element: JSON, value: Any) -> JSON:
    """The option with this value: a menu offers nothing else."""
    for option in element.get("options", []):
        if option["value"] == value:
            return dict(option)
    raise LookupError(f"{value!r} is not one of the choices: {' / '.join(o['value'] for o in element['options'])}")


def _client_rules(block: JSON, element: JSON, value: Any) -> None:
    block_id = block["block_id"]
    if value in (None, "", []) and not block.get("optional", False):
        raise ClientRefused(block_id, "this field is required")
    if isinstance(value, str) and value:
        if element.get("max_length") and len(value) > int(element["max_length"]):
            raise ClientRefused(block_id, f"at most {element['max_length']} characters")
        if element.get("min_length") and len(value) < int(element["min_length"]):
            raise ClientRefused(block_id, f"at least {element['min_length']} characters")
        if element["type"] == "number_input":
            _number_rules(block_id, element, value)
    if (
        isinstance(value, list)
        and element.get("max_selected_items")
        and len(value) > int(element["max_selected_items"])
    ):
        raise ClientRefused(block_id, f"at most {element['max_selected_items']} choices")


def _number_rules(block_id: str, element: JSON, value: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise ClientRefused(block_id, "enter a number") from None
    if not element.get("is_decimal_allowed") and not number.is_integer():
        raise ClientRefused(block_id, "enter a whole number")
    if "min_value" in element and number < float(element["min_value"]):
        raise ClientRefused(block_id, f"at least {element['min_value']}")
    if "max_value" in element and number > float(element["max_value"]):
        raise ClientRefused(block_id, f"at most {element['max_value']}")
