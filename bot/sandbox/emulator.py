"""A Slack Web API emulator on loopback: the app's `WebClient` talks to it over real HTTP.

Every call is checked against Slack's contract (method, HTTP verb, arguments, the manifest's scopes, Block Kit
validity and limits). A call that breaks it is answered with Slack's error and recorded as a violation, which
the tests fail on and the console prints. Faults (429 with Retry-After, 5xx, Slack errors) can be queued to
see how the app copes, and Slack's rate limits enforced (`enforce_rate_limits`).
"""

import base64
import html
import json
import logging
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from bot.sandbox.contract import Contract
from bot.sandbox.grid import Org
from bot.sandbox.oauth import AuthorizeRefused, Installation, OAuthApp, OAuthServer
from bot.sandbox.rate_limits import POST_METHOD, RateLimits
from bot.sandbox.workspace import JSON, ApiCall, Message, ResponseTarget, SlackError, Workspace

log = logging.getLogger(__name__)

# Methods called with the app-level token (xapp-...) rather than the bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Methods an OAuth client calls with its client id and secret, and no token.
CLIENT_METHODS = frozenset({"oauth.v2.access"})
AUTHORIZE_PATH = "/oauth/v2/authorize"
SESSION_COOKIE = "d"  # the cookie Slack's web client keeps the signed-in person in
# Arguments Slack takes as JSON-encoded strings in form bodies.
_JSON_ARGS = {"blocks", "view", "attachments", "files", "metadata"}


@dataclass
class Fault:
    """Answer the next `times` calls to `method` ("*" for any) with an HTTP status and/or a Slack error."""

    method: str
    status: int = 200
    error: str | None = None
    retry_after: int | str | None = None  # a string for what Slack does not send: a fraction, a date, nonsense
    times: int = 1
    drop: bool = False  # close the connection without answering, as a network failure would
    answer_lost: bool = False  # carry the call out, then close the connection: the caller never learns it worked
    share: float = 1.0  # the fraction of matching calls it answers, picked at random; the others go through


@dataclass(frozen=True)
class _Caller:
    """Who a Web API call acts for: the workspace its token reaches, through which installation."""

    workspace: Workspace
    installation: Installation | None = None


_CALLER: ContextVar[_Caller | None] = ContextVar("sandbox_caller", default=None)


class Emulator:
    """Slack for one workspace (`workspace`, whose `bot_token` always works) and any more the tests add."""

    def __init__(self, workspace: Workspace, contract: Contract, host: str = "127.0.0.1", port: int = 0) -> None:
        self.workspace = workspace
        self.contract = contract
        self.workspaces: dict[str, Workspace] = {workspace.team_id: workspace}
        self.orgs: dict[str, Org] = {}
        self.oauth = OAuthServer(workspace.clock)
        self._revoked: set[str] = set()  # workspaces' own bot tokens, revoked by an uninstall
        self.faults: list[Fault] = []
        self.limits: RateLimits | None = None  # Slack's rate limits, once enforced
        # Picks the calls a fault with a `share` answers (not a secret); seed it to replay a run.
        self.chance = random.Random()  # noqa: S311
        self.uploads: dict[str, bytes] = {}
        self.socket_url: Callable[[], str] | None = None  # where apps.connections.open sends a Socket Mode app
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.emulator = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None
        self._busy = 0
        self._idle = threading.Condition()
        self.methods: dict[str, Callable[[JSON], JSON]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.info": self.conversations_info,
            "conversations.history": self.conversations_history,
            "conversations.join": self.conversations_join,
            "conversations.open": self.conversations_open,
            "conversations.replies": self.conversations_replies,
            "users.info": self.users_info,
            "team.info": self.team_info,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "reactions.add": self.reactions_add,
            "pins.add": self.pins_add,
            "reactions.remove": self.reactions_remove,
            "files.getUploadURLExternal": self.files_get_upload_url,
            "files.completeUploadExternal": self.files_complete_upload,
            "apps.connections.open": self.apps_connections_open,
        }

    # ----- lifecycle

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    @property
    def response_url_base(self) -> str:
        return f"{self.base_url}/response/"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | str | None = None,
        times: int = 1,
        drop: bool = False,
        answer_lost: bool = False,
        share: float = 1.0,
    ) -> None:
        self.faults.append(Fault(method, status, error, retry_after, times, drop, answer_lost, share))

    def enforce_rate_limits(self) -> RateLimits:
        """From now on each workspace's calls are held to Slack's rate limits, on the sandbox's clock."""
        self.limits = RateLimits(self.contract.methods, self.workspace.clock.now)
        return self.limits

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def _enter(self) -> None:
        with self._idle:
            self._busy += 1

    def _leave(self) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    # ----- workspaces, orgs and installations

    def add_workspace(self, workspace: Workspace) -> Workspace:
        """Host another workspace; its own `bot_token` works on it alone, as OAuth-issued tokens do."""
        if workspace.team_id in self.workspaces:
            raise ValueError(f"{workspace.team_id} is already hosted")
        self.workspaces[workspace.team_id] = workspace
        return workspace

    def add_org(self, org: Org) -> Org:
        """Host an Enterprise Grid org and its member workspaces."""
        self.orgs[org.enterprise_id] = org
        for workspace in org.workspaces.values():
            self.add_workspace(workspace)
        return org

    def register_app(self, app: OAuthApp) -> OAuthApp:
        """Make the app an OAuth client of this Slack, as its app settings page would."""
        self.oauth.app = app
        return app

    @property
    def current(self) -> Workspace:
        """The workspace the Web API call being answered acts on."""
        caller = _CALLER.get()
        return caller.workspace if caller is not None else self.workspace

    @contextmanager
    def _acting_in(self, workspace: Workspace) -> Iterator[None]:
        bound = _CALLER.set(_Caller(workspace))
        try:
            yield
        finally:
            _CALLER.reset(bound)

    def person(self, user_id: str) -> Workspace:
        """The workspace a person (not a bot) belongs to: their own, not one they meet in a shared channel."""
        for workspace in self.workspaces.values():
            found = workspace.users.get(user_id)
            if found is not None and not found.is_bot and found.team in (None, workspace.team_id):
                return workspace
        raise LookupError(f"{user_id} is in no hosted workspace")

    def installation_request(self, user_id: str, *, org: bool) -> Installation:
        """What a person asks for on the authorize page: the app in their workspace, or in their whole org."""
        ws = self.person(user_id)
        if org and ws.enterprise_id is None:
            raise LookupError(f"{ws.team_id} is in no Enterprise Grid org: it cannot be installed org-wide")
        return Installation(
            team_id=None if org else ws.team_id,
            team_name=None if org else ws.team_name,
            enterprise_id=ws.enterprise_id,
            enterprise_name=ws.enterprise_name,
            bot_user_id=ws.bot_user_id,
            installer=user_id,
            scopes=(),
        )

    def installation_of(self, workspace: Workspace) -> Installation | None:
        """How the app is installed where this workspace's people act: org-wide, in the workspace, or not."""
        org_wide = self.oauth.installations.get(workspace.enterprise_id or "")
        if org_wide is not None and not org_wide.revoked and org_wide.reaches(workspace.team_id):
            return org_wide
        return self.oauth.installations.get(workspace.team_id)

    def uninstall(self, tenant_id: str) -> Installation | None:
        """The app is removed from a workspace (T...) or an org (E...): every token of it stops working."""
        self.oauth.revoke(tenant_id)
        hosted = self.workspaces.get(tenant_id)
        if hosted is not None:
            self._revoked.add(hosted.bot_token)
        return self.oauth.installations.get(tenant_id)

    def grant_team_access(self, enterprise_id: str, team_ids: list[str], *, granted: bool = True) -> Installation:
        """An org admin adds (or removes) workspaces of the org to an org-wide install."""
        installation = self.oauth.installations.get(enterprise_id)
        if installation is None or not installation.is_enterprise_install:
            raise LookupError(f"the app is not installed org-wide in {enterprise_id}")
        unknown = [t for t in team_ids if t not in self.orgs[enterprise_id].workspaces]
        if unknown:
            raise LookupError(f"{', '.join(unknown)} not in {enterprise_id}")
        with self.oauth.lock:
            if granted:
                installation.granted_teams |= set(team_ids)
            else:
                installation.granted_teams -= set(team_ids)
        return installation

    def _caller(self, method: str, args: JSON, token: str | None) -> _Caller:
        """Whom the token acts for; Slack's `invalid_auth` or `token_expired` when it acts for nobody."""
        if method in APP_TOKEN_METHODS:
            if token != self.workspace.app_token:
                raise SlackError("invalid_auth")
            return _Caller(self.workspace)
        if token in self._revoked:
            raise SlackError("invalid_auth")
        for workspace in self.workspaces.values():
            if token == workspace.bot_token:
                return _Caller(workspace)
        installation = self.oauth.installation_for(token or "")
        if installation is None:
            raise SlackError("invalid_auth")
        return _Caller(self._reached(installation, method, args), installation)

    def _reached(self, installation: Installation, method: str, args: JSON) -> Workspace:
        """The workspace a call acts on: the install's own, or for an org-wide install the granted workspace
        the call names (`team_id`) or holds what the call names."""
        if installation.team_id is not None:
            return self.workspaces[installation.team_id]
        org = self.orgs[installation.enterprise_id or ""]
        named = args.get("team_id")
        if named:
            if not installation.reaches(str(named)):
                raise SlackError("team_access_not_granted")
            return self.workspaces[str(named)]
        granted = [org.workspaces[t] for t in sorted(installation.granted_teams)]
        holding = next((ws for ws in granted if _holds(ws, args)), None)
        if holding is not None:
            return holding
        if method == "auth.test":
            return next(iter(org.workspaces.values()))
        raise SlackError(_not_found(args))

    # ----- one Web API call

    def call(
        self, method: str, verb: str, args: JSON, token: str | None, *, basic: tuple[str, str] | None = None
    ) -> tuple[int, dict[str, str], JSON]:
        """Check and perform one call; returns HTTP status, headers and Slack's JSON answer.

        `basic` is the client id and secret of an HTTP Basic `Authorization` header (oauth.v2.access).
        """
        ws = self.current
        fault = self._take_fault(method)
        if fault is not None and fault.answer_lost:
            self._perform(method, verb, args, token, basic)
            raise ConnectionDropped
        if fault is not None and fault.drop:
            ws.record(ApiCall(method, args, ws.now(), error="connection_dropped"))
            raise ConnectionDropped
        if fault is not None:
            ws.record(ApiCall(method, args, ws.now(), error=fault.error or f"http_{fault.status}"))
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            error = fault.error or ("ratelimited" if fault.status == 429 else "fatal_error")
            return fault.status, headers, {"ok": False, "error": error}
        return self._perform(method, verb, args, token, basic)

    def _perform(
        self, method: str, verb: str, args: JSON, token: str | None, basic: tuple[str, str] | None
    ) -> tuple[int, dict[str, str], JSON]:
        problems = self.contract.check_call(method, verb, args, token=token)
        if problems:
            return self._violation(
                method, args, problems, "unknown_method" if method not in self.methods else "invalid_arguments"
            )
        if method in CLIENT_METHODS:
            return self._answer(method, args, lambda: self.oauth.access(args, basic))
        try:
            caller = self._caller(method, args, token)
        except SlackError as error:
            return self._refuse(method, args, error)
        bound = _CALLER.set(caller)
        try:
            limited = self._over_limit(method, args)
            if limited is not None:
                return limited
            handler = self.methods.get(method)
            if handler is None:
                return self._violation(method, args, [f"{method} is not emulated by the sandbox"], "unknown_method")
            return self._answer(method, args, lambda: handler(args))
        finally:
            _CALLER.reset(bound)

    def _answer(self, method: str, args: JSON, perform: Callable[[], JSON]) -> tuple[int, dict[str, str], JSON]:
        ws = self.current
        try:
            answer = perform()
        except _ContractBreach as breach:
            return self._violation(method, args, breach.problems, breach.error)
        except SlackError as error:
            return self._refuse(method, args, error)
        ws.record(ApiCall(method, args, ws.now()))
        return 200, {}, {"ok": True, **answer}

    def _refuse(self, method: str, args: JSON, error: SlackError) -> tuple[int, dict[str, str], JSON]:
        ws = self.current
        ws.record(ApiCall(method, args, ws.now(), error=error.error))
        body: JSON = {"ok": False, "error": error.error}
        if error.detail:
            body["response_metadata"] = {"messages": [error.detail]}
        return 200, {}, body

    def _violation(self, method: str, args: JSON, problems: list[str], error: str) -> tuple[int, dict[str, str], JSON]:
        ws = self.current
        for problem in problems:
            ws.violation(f"{method}: {problem}")
            log.error("Slack contract violation: %s: %s", method, problem)
        ws.record(ApiCall(method, args, ws.now(), error=error))
        return 200, {}, _refusal(error, problems)

    def _over_limit(self, method: str, args: JSON) -> tuple[int, dict[str, str], JSON] | None:
        """Slack's 429 for a call past the workspace's limit for the method; None if it may be carried out."""
        if self.limits is None:
            return None
        ws = self.current
        channel = args.get("channel") if method == POST_METHOD else None
        refusal = self.limits.admit(ws.team_id, method, self._conversation(str(channel)) if channel else None)
        if refusal is None:
            return None
        if refusal.early:
            ws.violation(f"{method}: called inside the {refusal.retry_after} s a 429 had asked to wait")
        ws.record(ApiCall(method, args, ws.now(), error="ratelimited"))
        return 429, {"Retry-After": str(refusal.retry_after)}, {"ok": False, "error": "ratelimited"}

    def _take_fault(self, method: str) -> Fault | None:
        with self.workspace.lock:
            for fault in self.faults:
                if fault.method in (method, "*") and (fault.share >= 1.0 or self.chance.random() < fault.share):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # ----- methods

    def auth_test(self, args: JSON) -> JSON:
        caller = _CALLER.get()
        if caller is not None and caller.installation is not None and caller.installation.is_enterprise_install:
            org = self.orgs[caller.installation.enterprise_id or ""]
            return {
                "url": f"https://{org.domain}.enterprise.slack.com/",
                "team": org.name,
                "user": "accord",
                "team_id": org.enterprise_id,
                "user_id": org.bot_user_id,
                "bot_id": org.bot_id,
                "enterprise_id": org.enterprise_id,
                "is_enterprise_install": True,
            }
        ws = self.current
        answer: JSON = {
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.team_name,
            "user": "accord",
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }
        if ws.enterprise_id is not None:
            answer["enterprise_id"] = ws.enterprise_id
        return answer

    def apps_connections_open(self, args: JSON) -> JSON:
        if self.socket_url is None:
            raise SlackError("socket_mode_not_enabled")
        return {"url": self.socket_url()}

    def chat_post_message(self, args: JSON) -> JSON:
        ws = self.current
        self._check_message(args)
        _check(self.contract.check_metadata(args.get("metadata")), "invalid_metadata_format")
        channel = self._conversation(args["channel"])
        message = ws.post(
            channel,
            args.get("text") or "",
            blocks=args.get("blocks"),
            thread_ts=args.get("thread_ts"),
            metadata=args.get("metadata"),
        )
        return {"channel": channel, "ts": message.ts, "message": message.to_api()}

    def chat_post_ephemeral(self, args: JSON) -> JSON:
        self._check_message(args)
        ws = self.current
        ws.user(args["user"])
        channel = self._conversation(args["channel"])
        message = ws.ephemeral(
            channel, args["user"], args.get("text") or "", args.get("blocks"), thread_ts=args.get("thread_ts")
        )
        return {"message_ts": message.ts}

    def chat_update(self, args: JSON) -> JSON:
        self._check_message(args)
        message = self.current.edit(args["channel"], args["ts"], args.get("text") or "", args.get("blocks"), by=None)
        return {"channel": args["channel"], "ts": message.ts, "text": message.text, "message": message.to_api()}

    def _check_message(self, args: JSON) -> None:
        _check(self.contract.check_message(args.get("text"), args.get("blocks")))
        _check(self.contract.check_text(args.get("text")), "msg_too_long")

    def chat_delete(self, args: JSON) -> JSON:
        self.current.delete(args["channel"], args["ts"], by=None)
        return {"channel": args["channel"], "ts": args["ts"]}

    def chat_get_permalink(self, args: JSON) -> JSON:
        ws = self.current
        message = ws.find(args["channel"], args["message_ts"])
        if message is None:
            raise SlackError("message_not_found")
        link = f"https://{ws.domain}.slack.com/archives/{message.channel}/p{message.ts.replace('.', '')}"
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
        return {"channel": message.channel, "permalink": link}

    def conversations_info(self, args: JSON) -> JSON:
        ws = self.current
        channel = ws.channel(args["channel"])
        if channel.is_private and ws.bot_user_id not in channel.members:
            raise SlackError("channel_not_found")  # a private channel is invisible to a bot not in it
        return {"channel": channel.to_api(ws.team_id) | {"is_member": ws.bot_user_id in channel.members}}

    def conversations_join(self, args: JSON) -> JSON:
        ws = self.current
        channel = ws.channel(args["channel"])
        if channel.is_private or channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        with ws.lock:
            channel.members.add(ws.bot_user_id)
        return {"channel": channel.to_api(ws.team_id) | {"is_member": True}}

    def conversations_open(self, args: JSON) -> JSON:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if len(users) != 1:
            raise SlackError("invalid_arguments", "the sandbox opens direct messages with one person")
        self._own_person(users[0], "user_not_visible")
        return {"channel": {"id": self.current.im_with(users[0]).id}}

    def conversations_history(self, args: JSON) -> JSON:
        """Top-level messages, newest first, a page at a time (the cursor is the offset of the next page)."""
        ws = self.current
        channel = ws.channel(args["channel"])
        if ws.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        messages = list(reversed(_between(ws.top_level(channel.id), args)))
        return _page(messages, args)

    def conversations_replies(self, args: JSON) -> JSON:
        """A thread: its parent first, then the replies in the window asked for, oldest first."""
        ws = self.current
        parent = ws.find(args["channel"], args["ts"])
        if parent is None:
            raise SlackError("thread_not_found")
        return _page([parent, *_between(ws.replies(args["channel"], parent.ts), args)], args)

    def team_info(self, args: JSON) -> JSON:
        """The workspace itself, or another organisation's it shares a channel with (what Slack shows of it: its
        name); any other is not found."""
        ws = self.current
        team = str(args.get("team") or ws.team_id)
        if team == ws.team_id:
            return {"team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.domain}}
        if team in ws.other_teams:
            return {"team": {"id": team, "name": ws.other_teams[team]}}
        raise SlackError("team_not_found")

    def users_info(self, args: JSON) -> JSON:
        ws = self.current
        return {"user": ws.user(args["user"]).to_api(ws.team_id, ws.now())}

    def views_open(self, args: JSON) -> JSON:
        return self._open_view(args, push=False)

    def views_push(self, args: JSON) -> JSON:
        return self._open_view(args, push=True)

    def _open_view(self, args: JSON, *, push: bool) -> JSON:
        ws = self.current
        view = args["view"]
        _check(self.contract.check_view(view), "invalid_arguments")
        if view.get("type") != "modal":
            raise _ContractBreach(["views.open and views.push take modal views"])
        if "trigger_id" not in args and "interactivity_pointer" not in args:
            raise _ContractBreach(["views.open needs a trigger_id"])
        user, conversation = ws.use_trigger(args.get("trigger_id") or args["interactivity_pointer"])
        record = ws.open_modal(user, view, push=push, conversation=conversation)
        return {"view": record.to_api(ws.team_id, ws.app_id, ws.bot_id)}

    def views_update(self, args: JSON) -> JSON:
        ws = self.current
        view = args["view"]
        _check(self.contract.check_view(view), "invalid_arguments")
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            view_id = next((v.id for v in ws.views.values() if v.view.get("external_id") == args["external_id"]), None)
        if not view_id:
            raise _ContractBreach(["views.update needs view_id or external_id"])
        record = ws.update_view(view_id, view, args.get("hash"))
        return {"view": record.to_api(ws.team_id, ws.app_id, ws.bot_id)}

    def views_publish(self, args: JSON) -> JSON:
        ws = self.current
        view = args["view"]
        _check(self.contract.check_view(view), "invalid_arguments")
        if view.get("type") != "home":
            raise _ContractBreach(["views.publish takes a home view"])
        record = ws.publish_home(args["user_id"], view, args.get("hash"))
        return {"view": record.to_api(ws.team_id, ws.app_id, ws.bot_id)}

    def pins_add(self, args: JSON) -> JSON:
        if not args.get("timestamp"):
            raise SlackError("no_item_specified")
        ws = self.current
        ws.pin(args["channel"], args["timestamp"], ws.bot_user_id)
        return {}

    def reactions_add(self, args: JSON) -> JSON:
        ws = self.current
        ws.react(args["channel"], args["timestamp"], args["name"], ws.bot_user_id)
        return {}

    def reactions_remove(self, args: JSON) -> JSON:
        ws = self.current
        ws.unreact(args["channel"], args["timestamp"], args["name"], ws.bot_user_id)
        return {}

    def files_get_upload_url(self, args: JSON) -> JSON:
        ws = self.current
        file_id = ws.new_id("F")
        ws.files[file_id] = {"id": file_id, "name": args["filename"], "length": int(args["length"]), "uploaded": False}
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def files_complete_upload(self, args: JSON) -> JSON:
        ws = self.current
        entries = args["files"]
        shared = []
        for entry in entries:
            found = ws.files.get(entry.get("id", ""))
            if found is None or not found["uploaded"]:
                raise SlackError("file_not_found", f"file {entry.get('id')} was not uploaded")
            found["title"] = entry.get("title") or found["name"]
            shared.append({"id": found["id"], "name": found["name"], "title": found["title"]})
        if args.get("channel_id"):
            ws.post(
                args["channel_id"],
                args.get("initial_comment") or "",
                thread_ts=args.get("thread_ts"),
                files=shared,
            )
        return {"files": shared}

    # ----- other endpoints

    def upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        ws = next((w for w in self.workspaces.values() if file_id in w.files), self.workspace)
        found = ws.files.get(file_id)
        if found is None:
            return 404, "unknown file"
        if len(data) != found["length"]:
            ws.violation(f"upload of {file_id}: {len(data)} bytes sent, {found['length']} announced")
            return 400, "length mismatch"
        self.uploads[file_id] = data
        found["uploaded"] = True
        return 200, f"OK - {len(data)}"

    def respond(self, key: str, body: JSON) -> tuple[int, str]:
        """A POST to a response_url: an ephemeral or in-channel reply, or a change to the original message."""
        ws = next((w for w in self.workspaces.values() if key in w.response_targets), self.workspace)
        with self._acting_in(ws):
            return self._respond(ws, key, body)

    def _respond(self, ws: Workspace, key: str, body: JSON) -> tuple[int, str]:
        target = ws.response_targets.get(key)
        if target is None or target.uses >= ws.RESPONSE_URL_USES:
            return 404, "expired_url"
        for problems, error in (
            (self.contract.check_message(body.get("text"), body.get("blocks")), "invalid_blocks"),
            (self.contract.check_text(body.get("text")), "msg_too_long"),
        ):
            for problem in problems:
                ws.violation(f"response_url: {problem}")
            if problems:
                return 400, error
        target.uses += 1
        ws.record(ApiCall("response_url", body, ws.now()))
        text, blocks = body.get("text") or "", body.get("blocks")
        if body.get("delete_original") and target.message_ts:
            self._drop_original(target)
        elif body.get("replace_original") and target.message_ts:
            self._replace_original(target, text, blocks)
        elif body.get("response_type") == "in_channel":
            ws.post(target.channel, text, blocks=blocks, thread_ts=body.get("thread_ts"))
        else:
            url = f"{self.response_url_base}{key}"
            ws.ephemeral(target.channel, target.user, text, blocks, thread_ts=body.get("thread_ts"), response_url=url)
        return 200, "ok"

    def authorize_page(self, query: JSON) -> tuple[int, str]:
        """What the person's browser shows at the authorize link: what the app asks for, or why Slack refuses."""
        app = self.oauth.app
        problem = self.oauth.refusal(query)
        if problem is not None or app is None:
            return 400, self._refused_link(problem or "invalid_client_id")
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in str(query.get("scope", "")).split(","))
        return 200, f"<html><body><h1>Accord is requesting permission</h1><ul>{scopes}</ul></body></html>"

    def decide(self, query: JSON, form: JSON, user_id: str | None) -> tuple[int, dict[str, str], str]:
        """The person presses Allow or Cancel on the authorize page: Slack sends their browser to the app."""
        if user_id is None:
            return 401, {}, "not signed in"
        try:
            installation = self.installation_request(user_id, org=form.get("install_on") == "org")
            location = self.oauth.authorize(query, installation, deny=form.get("decision") == "deny")
        except AuthorizeRefused as refused:
            return 400, {}, self._refused_link(str(refused))
        except LookupError as error:
            return 400, {}, str(error)
        return 302, {"Location": location}, ""

    def _refused_link(self, problem: str) -> str:
        self.workspace.violation(f"oauth/v2/authorize: {problem}")
        return f"<html><body><h1>Something went wrong when authorizing this app</h1><p>{html.escape(problem)}</p>"

    def _replace_original(self, target: ResponseTarget, text: str, blocks: list[JSON] | None) -> None:
        ws = self.current
        if target.ephemeral:
            for message in ws.ephemerals:
                if message.ts == target.message_ts and message.user == target.user:
                    message.text, message.blocks = text, blocks or []
            return
        ws.edit(target.channel, target.message_ts or "", text, blocks, by=None)

    def _drop_original(self, target: ResponseTarget) -> None:
        ws = self.current
        if target.ephemeral:
            ws.ephemerals = [e for e in ws.ephemerals if not (e.ts == target.message_ts and e.user == target.user)]
        else:
            ws.delete(target.channel, target.message_ts or "", by=None)

    def _conversation(self, channel: str) -> str:
        """A channel id; a user id means the bot's direct messages with that person, as in Slack: only with this
        workspace's own people (another organisation's, met in a shared channel, cannot be messaged by its app)."""
        if channel.startswith(("U", "W")):
            self._own_person(channel, "channel_not_found")
            return self.current.im_with(channel).id
        return channel

    def _own_person(self, user_id: str, error: str) -> None:
        person = self.current.users.get(user_id)
        if person is not None and person.team not in (None, self.current.team_id):
            raise SlackError(error, f"{user_id} is another organisation's person: the app cannot message them")


_CHANNEL_ARGS = ("channel", "channel_id")
_USER_ARGS = ("user", "user_id", "users")


def _holds(ws: Workspace, args: JSON) -> bool:
    """Whether what the call names (a channel, person, trigger or view) is this workspace's."""
    for key in _CHANNEL_ARGS:
        if args.get(key):
            return str(args[key]) in ws.channels or str(args[key]) in ws.users
    for key in _USER_ARGS:
        if args.get(key):
            return str(args[key]).split(",")[0] in ws.users
    if args.get("trigger_id"):
        return str(args["trigger_id"]) in ws.triggers
    return bool(args.get("view_id")) and str(args["view_id"]) in ws.views


def _not_found(args: JSON) -> str:
    """Slack's error for a call whose channel or person no workspace it may act in holds."""
    if any(args.get(key) for key in _CHANNEL_ARGS):
        return "channel_not_found"
    if any(args.get(key) for key in _USER_ARGS):
        return "user_not_found"
    return "team_not_found"


def _between(messages: list[Message], args: JSON) -> list[Message]:
    """The messages within `oldest` and `latest` (exclusive unless `inclusive`), as Slack filters by ts."""
    oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")
    inclusive = _flag(args.get("inclusive"))
    return [m for m in messages if (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)]


def _page(messages: list[Message], args: JSON) -> JSON:
    start = int(args.get("cursor") or 0)
    limit = int(args.get("limit") or 100)
    shown = messages[start : start + limit]
    with_metadata = _flag(args.get("include_all_metadata"))
    more = start + limit < len(messages)
    return {
        "messages": [m.to_api(with_metadata=with_metadata) for m in shown],
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def _flag(value: Any) -> bool:
    """A boolean argument as the Web API reads it from a form or a query string."""
    return value is True or str(value).lower() in ("1", "true")


class ConnectionDropped(Exception):
    """The emulator hangs up instead of answering."""


class _ContractBreach(Exception):
    def __init__(self, problems: list[str], error: str = "invalid_arguments") -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.error = error


def _refusal(error: str, problems: list[str]) -> JSON:
    """Slack's answer to a call it refuses: each reason, marked as an error; Block Kit's also as `errors`."""
    body: JSON = {"ok": False, "error": error}
    if error == "invalid_blocks":
        body["errors"] = problems
    return body | {"response_metadata": {"messages": [f"[ERROR] {problem}" for problem in problems]}}


def _check(problems: list[str], error: str = "invalid_blocks") -> None:
    if problems:
        raise _ContractBreach(problems, error)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("emulator: " + format, *args)

    def _handle(self, verb: str) -> None:
        emulator: Emulator = self.server.emulator
        emulator._enter()
        try:
            url = urlsplit(self.path)
            expected = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(expected)
            if len(raw) < expected:
                # The sender died mid-request: Slack never acts on a request it did not receive whole.
                self.close_connection = True
                return
            if url.path == AUTHORIZE_PATH:
                self._authorize(emulator, verb, dict(parse_qsl(url.query)), raw)
            elif url.path.startswith("/api/"):
                args = self._args(url.query, raw)
                try:
                    method = url.path[len("/api/") :]
                    status, headers, body = emulator.call(method, verb, args, self._token(args), basic=self._basic())
                except ConnectionDropped:
                    self.close_connection = True
                    self.connection.close()
                    return
                self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)
            elif url.path.startswith("/response/") and verb == "POST":
                code, text = emulator.respond(url.path[len("/response/") :], json.loads(raw or b"{}"))
                self._send(code, text.encode(), "text/plain")
            elif url.path.startswith("/upload/") and verb == "POST":
                code, text = emulator.upload(url.path[len("/upload/") :], raw)
                self._send(code, text.encode(), "text/plain")
            else:
                self._send(404, b"not found", "text/plain")
        except Exception:
            log.exception("emulator failed on %s %s", verb, self.path)
            self._send(500, b"emulator error", "text/plain")
        finally:
            emulator._leave()

    def _authorize(self, emulator: Emulator, verb: str, query: JSON, raw: bytes) -> None:
        if verb == "GET":
            status, page = emulator.authorize_page(query)
            self._send(status, page.encode(), "text/html; charset=utf-8")
            return
        cookies = SimpleCookie(self.headers.get("Cookie") or "")
        person = cookies[SESSION_COOKIE].value if SESSION_COOKIE in cookies else None
        status, headers, page = emulator.decide(query, dict(parse_qsl(raw.decode())), person)
        self._send(status, page.encode(), "text/html; charset=utf-8", headers)

    def _basic(self) -> tuple[str, str] | None:
        """The client id and secret of an HTTP Basic `Authorization` header, as slack_sdk sends them."""
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Basic "):
            return None
        client_id, _, secret = base64.b64decode(header[len("Basic ") :]).decode().partition(":")
        return client_id, secret

    def _args(self, query: str, raw: bytes) -> JSON:
        args: JSON = dict(parse_qsl(query, keep_blank_values=True))
        if raw:
            if "json" in (self.headers.get("Content-Type") or ""):
                args.update(json.loads(raw))
            else:
                args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        for key in _JSON_ARGS & set(args):
            if isinstance(args[key], str) and args[key]:
                try:
                    args[key] = json.loads(args[key])
                except json.JSONDecodeError:
                    self.server.emulator.workspace.violation(f"argument {key} is not valid JSON")
        return args

    def _token(self, args: JSON) -> str | None:
        header = self.headers.get("Authorization") or ""
        if header.startswith("Bearer "):
            return header[len("Bearer ") :]
        token = args.pop("token", None)
        return str(token) if token else None

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
