"""The sandbox holds the app to Slack's contract: it must refuse what Slack refuses, and sign as Slack signs."""

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import web_client
from bot.sandbox.clock import MovableClock
from bot.sandbox.driver import Driver, Reply
from bot.sandbox.harness import OfflineSlack
from bot.sandbox.workspace import ResponseTarget
from bot.settings import Settings
from tests.conftest import START

ROOT = Path(__file__).resolve().parent.parent.parent
REFERENCE = ROOT / "tests/reference"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}


@pytest.fixture
def slack() -> Iterator[OfflineSlack]:
    offline = OfflineSlack(MovableClock(START))
    yield offline
    offline.close()


@pytest.fixture
def client(slack: OfflineSlack) -> WebClient:
    return WebClient(token=slack.workspace.bot_token, base_url=slack.api_url)


def refused(client: WebClient, method: str, **args: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        getattr(client, method)(**args)
    return str(raised.value.response["error"])


def test_a_valid_call_is_answered_like_slack(slack: OfflineSlack, client: WebClient) -> None:
    answer = client.chat_postMessage(channel="C0ACME", text="hello", blocks=[SECTION])
    assert answer["ok"] and answer["channel"] == "C0ACME"
    assert slack.workspace.find("C0ACME", answer["ts"]) is not None
    assert slack.workspace.violations == []


def test_a_wrong_token_is_refused(slack: OfflineSlack) -> None:
    assert refused(
        WebClient(token="xoxb-wrong", base_url=slack.api_url), "chat_postMessage", channel="C0ACME", text="x"
    ) == ("invalid_auth")


def test_missing_arguments_are_a_violation(slack: OfflineSlack, client: WebClient) -> None:
    assert (
        refused(client, "api_call", api_method="chat.postMessage", json={"text": "no channel"}) == "invalid_arguments"
    )
    assert "chat.postMessage is missing required argument(s): channel" in slack.workspace.violations[-1]


def test_get_is_refused_for_methods_that_change_things(slack: OfflineSlack) -> None:
    query = f"channel=C0ACME&text=hi&token={slack.workspace.bot_token}"
    with urllib.request.urlopen(f"{slack.api_url}chat.postMessage?{query}") as response:
        assert json.loads(response.read())["error"] == "invalid_arguments"
    assert slack.workspace.violations == ["chat.postMessage: chat.postMessage takes HTTP POST, not GET"]
    with urllib.request.urlopen(
        f"{slack.api_url}chat.getPermalink?channel=C0ACME&message_ts=1.0&token={slack.workspace.bot_token}"
    ) as response:
        assert json.loads(response.read())["error"] == "message_not_found"  # a read-only method may use GET


def test_unknown_methods_and_arguments_are_violations(slack: OfflineSlack, client: WebClient) -> None:
    assert refused(client, "api_call", api_method="chat.postMesage", json={"channel": "C0ACME"}) == "unknown_method"
    refused(client, "chat_postMessage", channel="C0ACME", text="x", colour="red")
    assert slack.workspace.violations == [
        "chat.postMesage: chat.postMesage is not a Slack Web API method",
        "chat.postMessage: chat.postMessage does not take argument(s): colour",
    ]


def test_a_scope_the_manifest_does_not_request_is_a_violation(tmp_path: Path) -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    manifest["oauth_config"]["scopes"]["bot"].remove("chat:write")
    (tmp_path / "manifest.yml").write_text(yaml.safe_dump(manifest))
    offline = OfflineSlack(MovableClock(START), manifest=tmp_path / "manifest.yml")
    try:
        client = WebClient(token=offline.workspace.bot_token, base_url=offline.api_url)
        refused(client, "chat_postMessage", channel="C0ACME", text="x")
        assert "needs bot scope chat:write, which manifest.yml does not request" in offline.workspace.violations[0]
    finally:
        offline.close()


@pytest.mark.parametrize(
    ("blocks", "text", "problem"),
    [
        ([SECTION] * 51, "x", "a message holds at most 50 blocks; got 51"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "x", "cannot exceed 3000 characters"),
        ([{"type": "sektion"}], "x", "unknown block type 'sektion'"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}], "x", "section.colour is not"),
        ([SECTION], "", "a message with blocks needs `text` too"),
    ],
)
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_blocks_slack_would_reject_are_violations(
    slack: OfflineSlack, client: WebClient, blocks: list[dict[str, object]], text: str, problem: str
) -> None:
    assert refused(client, "chat_postMessage", channel="C0ACME", text=text, blocks=blocks) == "invalid_blocks"
    assert any(problem in v for v in slack.workspace.violations), slack.workspace.violations
    assert slack.workspace.top_level("C0ACME") == []


def test_a_view_over_100_blocks_is_a_violation(slack: OfflineSlack, client: WebClient) -> None:
    refused(client, "views_publish", user_id="U0ALICE", view={"type": "home", "blocks": [SECTION] * 101})
    assert any("at most 100 blocks" in v for v in slack.workspace.violations)


def test_slack_errors_for_real_situations_are_plain_errors_not_violations(
    slack: OfflineSlack, client: WebClient
) -> None:
    assert refused(client, "chat_postMessage", channel="C0NOPE", text="x") == "channel_not_found"
    assert refused(client, "chat_postMessage", channel="C0NEWCO", text="x") == "not_in_channel"
    assert refused(client, "chat_getPermalink", channel="C0ACME", message_ts="1.000001") == "message_not_found"
    assert (
        refused(
            client,
            "views_open",
            trigger_id="1.2.3",
            view={"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": [SECTION]},
        )
        == "invalid_arguments"
    )
    assert slack.workspace.violations == []


def test_rate_limits_and_server_errors_are_retried_by_the_apps_client(slack: OfflineSlack) -> None:
    client = web_client(
        Settings(slack_bot_token=slack.workspace.bot_token, slack_api_url=slack.api_url, _env_file=None)
    )
    slack.emulator.fail("chat.postMessage", status=429, retry_after=0)
    slack.emulator.fail("chat.postMessage", status=503)
    answer = client.chat_postMessage(channel="C0ACME", text="eventually")
    assert answer["ok"]
    errors = [c.error for c in slack.workspace.calls if c.method == "chat.postMessage"]
    assert errors == ["http_429", "http_503", None]


def test_a_fault_can_answer_with_a_permanent_slack_error(slack: OfflineSlack, client: WebClient) -> None:
    slack.emulator.fail("chat.postMessage", error="account_inactive")
    assert refused(client, "chat_postMessage", channel="C0ACME", text="x") == "account_inactive"
    assert client.chat_postMessage(channel="C0ACME", text="x")["ok"]


def test_the_driver_signs_exactly_as_slack_documents() -> None:
    vector = json.loads((REFERENCE / "signature_test_vector.json").read_text())
    driver = Driver.__new__(Driver)
    from slack_sdk.signature import SignatureVerifier

    driver.signer = SignatureVerifier(vector["signing_secret"])
    headers = driver.signed_headers(
        vector["body"], "application/x-www-form-urlencoded", int(vector["x_slack_request_timestamp"])
    )
    assert headers["X-Slack-Signature"] == vector["x_slack_signature"]


class Recorder:
    """A transport that keeps what the driver sent instead of delivering it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    def send(self, body: str, headers: dict[str, str]) -> Reply:
        self.sent.append((body, headers))
        return Reply(200, b"")


def _keys(path: str) -> set[str]:
    return set(json.loads((REFERENCE / "payloads" / path).read_text()))


def test_driver_payloads_carry_every_field_slack_sends(slack: OfflineSlack) -> None:
    recorder = Recorder()
    driver = slack.driver(recorder)
    driver.command("U0ALICE", "C0ACME", "help")
    sample = dict(parse_qsl((REFERENCE / "payloads/bolt/test_slash_command__slash_command_body.txt").read_text()))
    sent = dict(parse_qsl(recorder.sent[-1][0]))
    assert set(sample) - {"enterprise_id", "enterprise_name"} <= set(sent)

    message = slack.workspace.post(
        "C0ACME",
        "hi",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Go"}, "value": "1"}
                ],
            }
        ],
    )
    driver.click("U0ALICE", message, "a")
    forms = [dict(parse_qsl(body)) for body, headers in recorder.sent if "form" in headers["Content-Type"]]
    sent_action = json.loads(forms[-1]["payload"])
    assert _keys("bolt/test_block_actions__body.json") <= set(sent_action)
    assert set(
        json.loads((REFERENCE / "payloads/bolt/test_block_actions__body.json").read_text())["actions"][0]
    ) <= set(sent_action["actions"][0])

    envelope = driver.envelope({"type": "app_home_opened", "user": "U0ALICE", "tab": "home"})
    assert _keys("bolt/test_payload_utils__app_home_opened_home_body.json") - {"enterprise_id"} <= set(envelope)


def test_history_pages_newest_first_and_shows_metadata_only_when_asked(client: WebClient) -> None:
    meta = {"event_type": "accord_nudges", "event_payload": {"nudge_ids": "1,2"}}
    posted = [client.chat_postMessage(channel="C0ACME", text=f"m{n}", metadata=meta)["ts"] for n in range(5)]
    client.chat_postMessage(channel="C0ACME", text="a reply", thread_ts=posted[0])

    history = client.conversations_history(channel="C0ACME", oldest=posted[0], limit=2, include_all_metadata=True)
    pages = [list(page["messages"]) for page in history]  # the SDK follows the cursor, one page at a time
    assert [[m["text"] for m in page] for page in pages] == [["m4", "m3"], ["m2", "m1"]]  # not m0: oldest excludes it
    assert all(m["metadata"] == meta for page in pages for m in page)
    plain = client.conversations_history(channel="C0ACME", limit=10)["messages"]
    assert [m["text"] for m in plain][-1] == "m0" and not any("metadata" in m for m in plain)

    thread = client.conversations_replies(channel="C0ACME", ts=posted[0], include_all_metadata=True)["messages"]
    assert [m["text"] for m in thread] == ["m0", "a reply"] and thread[0]["metadata"] == meta


@pytest.mark.parametrize(
    "metadata",
    [
        {"event_type": "has spaces", "event_payload": {}},
        {"event_type": "accord_nudges"},
        {"event_type": "accord_nudges", "event_payload": {"ids": [1, 2]}},
        {"event_type": "accord_nudges", "event_payload": {"nested": {"too": {"deep": 1}}}},
    ],
)
def test_malformed_message_metadata_is_refused(slack: OfflineSlack, client: WebClient, metadata: dict) -> None:
    answer = refused(client, "chat_postMessage", channel="C0ACME", text="x", metadata=metadata)
    assert answer == "invalid_metadata_format"
    assert slack.workspace.top_level("C0ACME") == []


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def button(action_id: str = "go", **fields: object) -> dict[str, object]:
    return {"type": "button", "action_id": action_id, "text": plain("Go")} | fields


def option(text: str = "o", value: str = "v", **fields: object) -> dict[str, object]:
    return {"text": plain(text), "value": value} | fields


def options(count: int) -> list[dict[str, object]]:
    return [option(value=str(n)) for n in range(count)]


def actions(*elements: dict[str, object]) -> list[dict[str, object]]:
    return [{"type": "actions", "elements": list(elements)}]


def select(**fields: object) -> dict[str, object]:
    return {"type": "static_select", "action_id": "pick", "placeholder": plain("p"), "options": options(1)} | fields


def text_input(**fields: object) -> list[dict[str, object]]:
    return [{"type": "input", "label": plain("l"), "element": {"type": "plain_text_input", "action_id": "i"} | fields}]


def group(n: int = 1, label: str = "g") -> dict[str, object]:
    return {"label": plain(label), "options": options(n)}


def grouped(*groups: dict[str, object]) -> dict[str, object]:
    return {"type": "static_select", "action_id": "pick", "placeholder": plain("p"), "option_groups": list(groups)}


# Slack's Block Kit limits, each with a message that holds `n` of what is limited. The first group is what the
# emulator adds to slack_sdk's own checks; the rest the SDK checks, and the emulator must apply them to raw JSON too.
MESSAGE_LIMITS = {
    "section field length": (2000, lambda n: [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * n}]}]),
    "option text": (75, lambda n: actions(select(options=[option(text="x" * n)]))),
    "option value": (150, lambda n: actions(select(options=[option(value="x" * n)]))),
    "option description": (75, lambda n: actions(select(options=[option(description=plain("x" * n))]))),
    "option url": (
        3000,
        lambda n: actions(
            {
                "type": "overflow",
                "action_id": "o",
                "options": [option(), option(value="w", url="https://" + "x" * (n - 8))],
            }
        ),
    ),
    "option group label": (75, lambda n: actions(grouped(group(label="x" * n)))),
    "options in a group": (100, lambda n: actions(grouped(group(n)))),
    "checkboxes": (10, lambda n: actions({"type": "checkboxes", "action_id": "c", "options": options(n)})),
    "radio buttons": (10, lambda n: actions({"type": "radio_buttons", "action_id": "r", "options": options(n)})),
    "plain_text_input max_length": (3000, lambda n: text_input(max_length=n)),
    "plain_text_input min_length": (3000, lambda n: text_input(min_length=n)),
    "blocks in a message": (50, lambda n: [{"type": "divider"}] * n),
    "section text": (3000, lambda n: [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * n}}]),
    "section fields": (10, lambda n: [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * n}]),
    "header text": (150, lambda n: [{"type": "header", "text": plain("x" * n)}]),
    "context elements": (10, lambda n: [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * n}]),
    "actions elements": (25, lambda n: actions(*(button(f"b{i}") for i in range(n)))),
    "button text": (75, lambda n: actions(button(text=plain("x" * n)))),
    "button value": (2000, lambda n: actions(button(value="x" * n))),
    "button url": (3000, lambda n: actions(button(url="https://" + "x" * (n - 8)))),
    "action_id length": (255, lambda n: actions(button("x" * n))),
    "block_id length": (255, lambda n: [{"type": "divider", "block_id": "x" * n}]),
    "options in a select": (100, lambda n: actions(select(options=options(n)))),
    "option groups": (100, lambda n: actions(grouped(*(group() for _ in range(n))))),
    "placeholder": (150, lambda n: actions(select(placeholder=plain("x" * n)))),
    "input label": (
        2000,
        lambda n: [{"type": "input", "label": plain("x" * n), "element": {"type": "plain_text_input"}}],
    ),
    "input hint": (
        2000,
        lambda n: [
            {"type": "input", "label": plain("l"), "hint": plain("x" * n), "element": {"type": "plain_text_input"}}
        ],
    ),
}


@pytest.mark.parametrize(("limit", "build"), MESSAGE_LIMITS.values(), ids=MESSAGE_LIMITS.keys())
@pytest.mark.parametrize("method", ["chat_postMessage", "chat_postEphemeral"])
def test_a_message_at_a_block_kit_limit_is_posted_and_one_past_it_is_refused(
    slack: OfflineSlack, client: WebClient, method: str, limit: int, build: Callable[[int], list[object]]
) -> None:
    where = {"channel": "C0ACME", "text": "x"} | ({"user": "U0ALICE"} if method == "chat_postEphemeral" else {})
    assert getattr(client, method)(**where, blocks=build(limit))["ok"]
    assert slack.workspace.violations == []
    assert refused(client, method, **where, blocks=build(limit + 1)) == "invalid_blocks"
    assert len(slack.workspace.violations) == 1


def modal(**fields: object) -> dict[str, object]:
    return {"type": "modal", "title": plain("Title"), "blocks": [{"type": "divider"}]} | fields


VIEW_LIMITS = {
    "title": (24, lambda n: modal(title=plain("x" * n))),
    "submit": (24, lambda n: modal(submit=plain("x" * n))),
    "close": (24, lambda n: modal(close=plain("x" * n))),
    "private_metadata": (3000, lambda n: modal(private_metadata="x" * n)),
    "callback_id": (255, lambda n: modal(callback_id="x" * n)),
    "blocks in a view": (100, lambda n: modal(blocks=[{"type": "divider"}] * n)),
    "option text in a view": (75, lambda n: modal(blocks=actions(select(options=[option(text="x" * n)])))),
}


@pytest.mark.parametrize(("limit", "build"), VIEW_LIMITS.values(), ids=VIEW_LIMITS.keys())
def test_a_modal_at_a_limit_opens_and_one_past_it_is_refused(
    slack: OfflineSlack, client: WebClient, limit: int, build: Callable[[int], dict[str, object]]
) -> None:
    assert client.views_open(trigger_id=slack.workspace.issue_trigger("U0ALICE"), view=build(limit))["ok"]
    assert slack.workspace.violations == []
    over = build(limit + 1)
    assert refused(client, "views_open", trigger_id=slack.workspace.issue_trigger("U0ALICE"), view=over) == (
        "invalid_arguments"
    )
    assert slack.workspace.violations


def test_an_action_id_twice_in_one_block_is_refused_as_slack_words_it(slack: OfflineSlack, client: WebClient) -> None:
    blocks = actions(button("snooze", value="1"), button("snooze", value="7"))
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0ACME", text="x", blocks=blocks)
    reason = "duplicate action_id 'snooze' in this block [json-pointer:/blocks/0/elements/1/action_id]"
    assert raised.value.response.data == {
        "ok": False,
        "error": "invalid_blocks",
        "errors": [reason],
        "response_metadata": {"messages": [f"[ERROR] {reason}"]},
    }
    assert slack.workspace.top_level("C0ACME") == []


def test_the_same_action_id_in_different_blocks_is_accepted(slack: OfflineSlack, client: WebClient) -> None:
    blocks = actions(button("snooze:1"), button("snooze:7")) + actions(button("snooze:1"), button("snooze:7"))
    assert client.chat_postMessage(channel="C0ACME", text="x", blocks=blocks)["ok"]
    assert slack.workspace.violations == []


def test_a_select_and_a_button_sharing_an_action_id_in_one_block_are_refused(client: WebClient) -> None:
    blocks = actions(select(action_id="go"), button("go"))
    assert refused(client, "chat_postMessage", channel="C0ACME", text="x", blocks=blocks) == "invalid_blocks"


def test_a_block_id_twice_in_one_message_is_refused_even_in_an_update(slack: OfflineSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0ACME", text="x", blocks=[{"type": "divider", "block_id": "a"}])
    twice = [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}]
    assert refused(client, "chat_update", channel="C0ACME", ts=posted["ts"], text="x", blocks=twice) == "invalid_blocks"
    assert slack.workspace.violations == [
        "chat.update: duplicate block_id 'a' in this surface [json-pointer:/blocks/1/block_id]"
    ]


@pytest.mark.parametrize(
    ("blocks", "where"),
    [
        ([{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}], "/view/blocks/1/block_id"),
        (actions(button("go"), button("go")), "/view/blocks/0/elements/1/action_id"),
    ],
    ids=["block_id", "action_id"],
)
def test_a_view_repeating_an_id_is_refused_as_slack_words_it(
    client: WebClient, blocks: list[dict[str, object]], where: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": blocks})
    assert raised.value.response["error"] == "invalid_arguments"
    [message] = raised.value.response["response_metadata"]["messages"]
    assert message.startswith("[ERROR] duplicate ") and message.endswith(f" [json-pointer:{where}]")


def test_a_message_text_past_40000_characters_is_refused(slack: OfflineSlack, client: WebClient) -> None:
    assert client.chat_postMessage(channel="C0ACME", text="x" * 40_000)["ok"]
    assert refused(client, "chat_postMessage", channel="C0ACME", text="x" * 40_001) == "msg_too_long"
    assert len(slack.workspace.top_level("C0ACME")) == 1


def test_a_response_url_reply_breaking_a_block_kit_rule_is_refused(slack: OfflineSlack) -> None:
    url = slack.workspace.issue_response_url(slack.emulator.response_url_base, ResponseTarget("C0ACME", "U0ALICE"))
    twice = {"text": "x", "blocks": actions(button("go"), button("go"))}
    request = urllib.request.Request(url, json.dumps(twice).encode(), {"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    assert raised.value.code == 400 and raised.value.read() == b"invalid_blocks"
    assert slack.workspace.ephemerals_for("U0ALICE") == []


def test_a_reply_cut_off_by_a_dying_sender_is_dropped_not_acted_on(slack: OfflineSlack) -> None:
    url = urlsplit(
        slack.workspace.issue_response_url(slack.emulator.response_url_base, ResponseTarget("C0ACME", "U0ALICE"))
    )
    body = json.dumps({"text": "a whole reply"}).encode()
    with socket.create_connection((url.hostname, url.port)) as sender:
        head = f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
        sender.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body[:5])
        sender.shutdown(socket.SHUT_WR)
        assert sender.recv(1024) == b""
    assert slack.workspace.ephemerals_for("U0ALICE") == []
    assert slack.workspace.violations == []


def test_a_trigger_opens_one_modal_within_slacks_three_seconds_and_none_after(
    slack: OfflineSlack, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack.workspace, "trigger_seconds", 3.0)
    trigger = slack.workspace.issue_trigger("U0ALICE")
    assert client.views_open(trigger_id=trigger, view=modal())["ok"]
    assert refused(client, "views_open", trigger_id=trigger, view=modal()) == "invalid_arguments"  # used already
    monkeypatch.setattr(slack.workspace, "trigger_seconds", 0.0)
    assert refused(client, "views_open", trigger_id=slack.workspace.issue_trigger("U0ALICE"), view=modal()) == (
        "expired_trigger_id"
    )
