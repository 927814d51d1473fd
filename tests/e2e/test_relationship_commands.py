"""`/accord help | new | list | status` driven through the sandbox as Slack would drive them."""

from datetime import timedelta

import pytest

from bot.app import subcommands
from bot.relationships import listeners as views
from bot.sandbox.harness import Sandbox
from bot.slack import ids
from stages import relationship_service
from stages.relationships import Relationship, RelationshipDraft
from tests.conftest import START
from tests.e2e.helpers import (
    ACME,
    ALICE,
    BOARD,
    BOB,
    CAROL,
    NEWCO,
    PARTNERSHIPS,
    create_relationship,
    last_ephemeral,
    shown,
)


def stored(sandbox: Sandbox) -> list[Relationship]:
    return relationship_service.list_relationships(sandbox.database.uow(sandbox.workspace.team_id))


# ----- help and usage


@pytest.mark.parametrize("text", ["help", "", "HELP"])
def test_help_lists_every_subcommand_with_an_example(sandbox: Sandbox, text: str) -> None:
    reply = sandbox.driver.command(ALICE, ACME, text)
    assert reply.status == 200
    help_text = shown(last_ephemeral(sandbox, ALICE))
    for usage in ("/accord help", "/accord new [&lt;name&gt;]", "/accord list", "/accord status &lt;relationship&gt;"):
        assert usage in help_text
    assert "_Example:_ `/accord status Acme Logistics`" in help_text
    message = last_ephemeral(sandbox, ALICE)
    entries = [b for b in message.blocks if b["type"] == "section" and b["text"]["text"].startswith("`/accord ")]
    assert len(entries) == len(list(subcommands()))  # every subcommand explained, none left blank


def test_help_button_opens_the_new_relationship_modal(sandbox: Sandbox) -> None:
    sandbox.driver.command(ALICE, ACME, "help")
    sandbox.driver.click(ALICE, last_ephemeral(sandbox, ALICE), ids.ACTION_OPEN_NEW)
    modal = sandbox.workspace.current_modal(ALICE)
    assert modal is not None and modal.view["callback_id"] == ids.VIEW_NEW_RELATIONSHIP


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stauts Acme", "I don't know `stauts`. Did you mean `/accord status`?"),
        ("frobnicate", "I don't know `frobnicate`. Type `/accord help` to see every command."),
        ("status", "That command needs more: `/accord status &lt;relationship&gt;`."),
        ("status   ", "That command needs more: `/accord status &lt;relationship&gt;`."),
        ("list everything", '`/accord list` takes nothing after it. Remove "everything" and try again.'),
        ("status " + "x" * 201, "That is 201 characters after `/accord status`, which takes at most 200"),
        ("review", "That command needs more: `/accord review &lt;relationship&gt;`. For example `/accord review Acme"),
        ("dispute", "For example `/accord dispute Acme Alliance deliveries late three weeks running`."),
        ("history", "For example `/accord history Acme Alliance 20`."),
        (
            "dispute Acme Alliance " + "late " * 120,
            "That is 613 characters after `/accord dispute`, which takes at most 581: shorten the dispute's summary.",
        ),
        ("help me", "There is no help on `me`. The topics are `new`, `list`, `status`, `edit`, `checkin`, `review`"),
    ],
)
def test_bad_usage_gets_a_specific_private_answer_and_changes_nothing(
    sandbox: Sandbox, text: str, expected: str
) -> None:
    create_relationship(sandbox)
    calls_before = len(sandbox.workspace.calls)
    reply = sandbox.driver.command(ALICE, ACME, text)
    assert reply.status == 200
    assert expected in last_ephemeral(sandbox, ALICE).text
    assert len(stored(sandbox)) == 1
    assert sandbox.workspace.calls[calls_before:] == []  # answered in the ack: no Web API call at all


# ----- new

SPONSOR_IS_OWNER = "Choose someone other than the relationship owner: the sponsor is who the owner turns to."


def test_new_with_a_name_already_taken_says_so_before_any_form(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance")
    opened = len(sandbox.workspace.calls_to("views.open"))
    sandbox.driver.command(CAROL, PARTNERSHIPS, "new ACME alliance")
    told = last_ephemeral(sandbox, CAROL).text
    assert "There is already a relationship called *Acme Alliance* in this workspace" in told
    assert len(sandbox.workspace.calls_to("views.open")) == opened and len(stored(sandbox)) == 1


def test_new_relationship_is_created_at_stage_one_and_introduced_in_its_channel(sandbox: Sandbox) -> None:
    outcome = create_relationship(sandbox, "Acme Alliance", partner="Acme Ltd", sponsor=BOB, cadence="60")

    assert "*Acme Alliance* is set up at *Stage 1 · Operational awareness*" in shown(outcome)
    [relationship] = stored(sandbox)
    assert (relationship.name, relationship.partner, relationship.stage) == ("Acme Alliance", "Acme Ltd", 1)
    assert (relationship.owner_id, relationship.sponsor_id, relationship.channel_id) == (ALICE, BOB, ACME)
    assert relationship.next_review_due == START.date() + timedelta(days=60)
    [intro] = sandbox.workspace.top_level(ACME)
    text = shown(intro)
    assert "*Acme Alliance* with *Acme Ltd* is now managed with Accord" in text
    assert f"Owner <@{ALICE}> · Executive sponsor <@{BOB}>" in text
    assert "*Stage 1 · Operational awareness* (Strategy phase)" in text
    assert "First review due *24 Jan 2027*, then every 60 days." in text
    assert relationship.intro_ts == intro.ts


def test_modal_starts_from_what_the_command_said_and_where(sandbox: Sandbox) -> None:
    sandbox.driver.command(CAROL, PARTNERSHIPS, "new Globex Supply")
    modal = sandbox.workspace.current_modal(CAROL)
    assert modal is not None
    elements = {b["block_id"]: b["element"] for b in modal.view["blocks"] if b["type"] == "input"}
    assert elements["name"]["initial_value"] == "Globex Supply"
    assert elements["owner"]["initial_user"] == CAROL
    assert elements["cadence"]["initial_value"] == "90"
    sandbox.driver.submit(CAROL, {"partner": "Globex", "sponsor": ALICE})
    [relationship] = stored(sandbox)
    assert (relationship.name, relationship.owner_id, relationship.channel_id) == ("Globex Supply", CAROL, PARTNERSHIPS)
    assert relationship.review_cadence_days == 90


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({"name": "   "}, {"name": "Give the relationship a name."}),
        ({"name": "N" * 81}, {"name": "Keep this to 80 characters or fewer (it has 81)."}),
        ({"partner": "P" * 121}, {"partner": "Keep this to 120 characters or fewer (it has 121)."}),
        ({"partner": ""}, {"partner": "Name the partner organisation."}),
        ({"sponsor": None}, {"sponsor": "Choose the executive sponsor."}),
        ({"owner": None}, {"owner": "Choose the relationship owner."}),
        ({"channel": None}, {"channel": "Choose the channel where the team talks about this relationship."}),
        ({"cadence": "3"}, {"cadence": "Reviews can be 7 to 365 days apart (3 is outside that)."}),
        ({"cadence": "often"}, {"cadence": 'Enter the review cadence as a whole number of days (not "often").'}),
        ({"cadence": ""}, {"cadence": "Enter how many days apart reviews should be, e.g. 90."}),
        (
            {"name": "", "cadence": "999"},
            {
                "name": "Give the relationship a name.",
                "cadence": "Reviews can be 7 to 365 days apart (999 is outside that).",
            },
        ),
        ({"sponsor": ALICE}, {"sponsor": SPONSOR_IS_OWNER}),
        (
            {"partner": "", "sponsor": ALICE, "cadence": "often"},
            {
                "partner": "Name the partner organisation.",
                "sponsor": SPONSOR_IS_OWNER,
                "cadence": 'Enter the review cadence as a whole number of days (not "often").',
            },
        ),
    ],
)
def test_bad_modal_input_is_shown_under_its_field_and_saves_nothing(
    sandbox: Sandbox, answers: dict[str, str | None], errors: dict[str, str]
) -> None:
    sandbox.driver.command(ALICE, ACME, "new")
    filled = {"name": "Acme Alliance", "partner": "Acme Ltd", "sponsor": BOB} | answers
    # What a crafted request could carry: Slack's client would refuse some of these before sending.
    submission = sandbox.driver.submit(ALICE, filled, client_checks=False)
    assert submission.errors == errors
    assert stored(sandbox) == []
    assert sandbox.workspace.top_level(ACME) == []
    modal = sandbox.workspace.current_modal(ALICE)
    assert modal is not None and modal.view["callback_id"] == ids.VIEW_NEW_RELATIONSHIP  # still open to fix


UNIQUE = "Names are unique (ignoring case and accents): choose another."
TAKEN = f'"Acme Alliance" already exists in this workspace. {UNIQUE}'


def test_names_are_unique_ignoring_case_and_the_answers_are_kept(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance")
    sandbox.driver.command(BOB, PARTNERSHIPS, "new")
    submission = sandbox.driver.submit(BOB, {"name": "ACME   alliance", "partner": "Another Acme", "sponsor": CAROL})

    assert submission.errors == {"name": TAKEN}  # under the name, in the form as it was filled
    modal = sandbox.workspace.current_modal(BOB)
    assert modal is not None and modal.view["callback_id"] == ids.VIEW_NEW_RELATIONSHIP
    assert len(stored(sandbox)) == 1

    sandbox.driver.submit(BOB, {"name": "Acme Europe"})
    assert sorted(r.name for r in stored(sandbox)) == ["Acme Alliance", "Acme Europe"]


def test_a_taken_name_and_other_bad_fields_are_all_told_at_once(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance")
    sandbox.driver.command(BOB, PARTNERSHIPS, "new")
    answers = {"name": "acme alliance", "partner": "", "sponsor": BOB, "cadence": "often"}
    submission = sandbox.driver.submit(BOB, answers, client_checks=False)
    assert submission.errors == {
        "name": TAKEN,
        "partner": "Name the partner organisation.",
        "sponsor": SPONSOR_IS_OWNER,
        "cadence": 'Enter the review cadence as a whole number of days (not "often").',
    }
    assert len(stored(sandbox)) == 1


def test_an_edit_to_another_relationships_name_is_told_with_the_other_problems(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance")
    create_relationship(sandbox, "Tom & Jerry", channel=PARTNERSHIPS)
    sandbox.driver.command(ALICE, ACME, "edit Acme Alliance")
    submission = sandbox.driver.submit(ALICE, {"name": "TOM & JERRY", "sponsor": ALICE})
    # A field error is plain text: the name shows as it was written.
    taken = f'"Tom & Jerry" already exists in this workspace. {UNIQUE}'
    assert submission.errors == {"name": taken, "sponsor": SPONSOR_IS_OWNER}
    submission = sandbox.driver.submit(ALICE, {"name": "acme ALLIANCE", "sponsor": CAROL})  # its own name, recased
    assert submission.errors == {}
    assert sorted((r.name, r.sponsor_id) for r in stored(sandbox)) == [("Tom & Jerry", BOB), ("acme ALLIANCE", CAROL)]


def test_bot_joins_a_public_channel_it_was_not_in_to_introduce_the_relationship(sandbox: Sandbox) -> None:
    assert sandbox.workspace.bot_user_id not in sandbox.workspace.channel(NEWCO).members
    outcome = create_relationship(sandbox, "NewCo JV", channel=NEWCO, partner="NewCo")
    assert "I introduced it in <#C0NEWCO>" in shown(outcome)
    assert len(sandbox.workspace.calls_to("conversations.join")) == 1
    assert "NewCo JV" in shown(sandbox.workspace.top_level(NEWCO)[0])


def test_a_private_channel_without_the_bot_keeps_the_relationship_and_says_how_to_fix_it(sandbox: Sandbox) -> None:
    outcome = create_relationship(sandbox, "Board Programme", channel=BOARD)
    assert "I couldn't post the introduction in <#G0BOARD>: invite me there with `/invite @Accord`" in shown(outcome)
    [relationship] = stored(sandbox)
    assert relationship.intro_ts is None
    assert sandbox.workspace.top_level(BOARD) == []


def test_a_failure_after_the_ack_gives_the_answers_back_and_saves_nothing(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> Relationship:
        raise RuntimeError("database went away")

    monkeypatch.setattr(views.relationship_service, "create_relationship", broken)
    sandbox.driver.command(ALICE, ACME, "new")
    sandbox.driver.submit(ALICE, {"name": "Acme Alliance", "partner": "Acme Ltd", "sponsor": BOB})

    modal = sandbox.workspace.current_modal(ALICE)
    assert "Something went wrong and nothing was saved. Your answers are below" in shown(modal)
    assert modal is not None
    elements = {b["block_id"]: b["element"] for b in modal.view["blocks"] if b["type"] == "input"}
    assert elements["name"]["initial_value"] == "Acme Alliance"
    assert elements["partner"]["initial_value"] == "Acme Ltd"
    assert elements["sponsor"]["initial_user"] == BOB
    assert stored(sandbox) == []


def test_commands_are_acknowledged_even_when_the_database_is_down(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_database(_team_id: str) -> None:
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(sandbox.deps, "uow", no_database)
    reply = sandbox.driver.command(ALICE, ACME, "list")
    assert (reply.status, reply.body) == (200, b"")
    assert "Sorry, something went wrong on my side and nothing was changed" in last_ephemeral(sandbox, ALICE).text


# ----- list


def test_list_when_there_are_none_says_how_to_start(sandbox: Sandbox) -> None:
    sandbox.driver.command(ALICE, ACME, "list")
    assert "No relationships yet. Start one with `/accord new`." in shown(last_ephemeral(sandbox, ALICE))


def test_list_shows_each_relationship_with_stage_phase_and_owner(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Zenith Partners", partner="Zenith")
    create_relationship(sandbox, "Acme Alliance", user=BOB, sponsor=ALICE, channel=PARTNERSHIPS)
    sandbox.driver.command(CAROL, PARTNERSHIPS, "list")
    text = shown(last_ephemeral(sandbox, CAROL))
    assert "2 relationships" in text
    assert text.index("*Acme Alliance*") < text.index("*Zenith Partners*")
    assert f"Stage 1 · Operational awareness · Strategy phase · owner <@{BOB}>" in text


def test_list_escapes_what_people_typed(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Tom & Jerry <b>", partner="<script>alert(1)</script>")
    sandbox.driver.command(ALICE, ACME, "list")
    text = shown(last_ephemeral(sandbox, ALICE))
    assert "*Tom &amp; Jerry &lt;b&gt;* · &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>" not in text


def test_a_long_list_stays_within_slacks_block_limit(sandbox: Sandbox) -> None:
    uow = sandbox.database.uow(sandbox.workspace.team_id)
    for n in range(60):
        draft = RelationshipDraft(f"Partner {n:02}", "Org", ALICE, BOB, ACME, 90)
        relationship_service.create_relationship(uow, draft, created_by=ALICE, now=START)
    sandbox.driver.command(ALICE, ACME, "list")
    message = last_ephemeral(sandbox, ALICE)
    assert len(message.blocks) == 50
    assert "…and 12 more." in shown(message)


def test_relationships_of_another_workspace_are_never_shown(sandbox: Sandbox) -> None:
    draft = RelationshipDraft("Secret Deal", "Rival Org", "U9", "U8", "C9", 90)
    relationship_service.create_relationship(sandbox.database.uow("T0OTHER"), draft, created_by="U9", now=START)
    sandbox.driver.command(ALICE, ACME, "list")
    assert "No relationships yet" in shown(last_ephemeral(sandbox, ALICE))
    sandbox.driver.command(ALICE, ACME, "status Secret Deal")
    assert "There is no relationship called *Secret Deal*" in last_ephemeral(sandbox, ALICE).text


# ----- status


def test_status_shows_stage_phase_people_review_and_progress_per_stage(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", partner="Acme Ltd", sponsor=BOB)
    sandbox.driver.command(CAROL, PARTNERSHIPS, "status   acme ALLIANCE ")
    text = shown(last_ephemeral(sandbox, CAROL))
    assert "Acme Alliance" in text
    assert "*Acme Ltd* · Stage 1 · Operational awareness · Strategy phase" in text
    assert f"*Owner* <@{ALICE}>   *Executive sponsor* <@{BOB}>   *Channel* <#{ACME}>" in text
    assert "*Next review* 23 Feb 2027 · every 90 days" in text
    for line in ("*1 Operational awareness*", "0/7 · current", "*5 Working together*", "0/12", "*8 Exit strategy*"):
        assert line in text


def test_status_accepts_a_quoted_name(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance")
    sandbox.driver.command(ALICE, ACME, "status \u201cAcme Alliance\u201d")
    assert "Stage 1 · Operational awareness" in shown(last_ephemeral(sandbox, ALICE))


def test_status_of_a_near_miss_suggests_the_name(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance")
    create_relationship(sandbox, "Globex Supply", partner="Globex")
    sandbox.driver.command(ALICE, ACME, "status acme aliance")
    assert "There is no relationship called *acme aliance* in this workspace. Did you mean *Acme Alliance*?" in (
        last_ephemeral(sandbox, ALICE).text
    )


def test_status_of_an_unknown_name_points_to_the_list(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance")
    sandbox.driver.command(ALICE, ACME, "status Initech")
    assert "There is no relationship called *Initech* in this workspace. `/accord list` shows them all." in (
        last_ephemeral(sandbox, ALICE).text
    )


def test_status_flags_an_overdue_review(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", cadence="30")
    sandbox.clock.advance(timedelta(days=31))
    sandbox.driver.command(ALICE, ACME, "status Acme Alliance")
    assert "*Next review* 25 Dec 2026 :warning: overdue" in shown(last_ephemeral(sandbox, ALICE))


# ----- Home tab


def test_home_tab_lists_what_the_viewer_leads(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    owner = shown(sandbox.driver.open_home(ALICE))
    sponsor = shown(sandbox.driver.open_home(BOB))
    bystander = shown(sandbox.driver.open_home(CAROL))
    assert "*Acme Alliance* · Acme Ltd · _owner_" in owner
    assert "*Acme Alliance* · Acme Ltd · _executive sponsor_" in sponsor
    assert "Acme Alliance" not in bystander
    assert "You don't own or sponsor any relationship yet" in bystander


def test_home_tab_button_starts_a_new_relationship(sandbox: Sandbox) -> None:
    home = sandbox.driver.open_home(CAROL)
    assert home is not None
    sandbox.driver.click(CAROL, home, ids.ACTION_OPEN_NEW)
    sandbox.driver.submit(CAROL, {"name": "Initech", "partner": "Initech", "sponsor": ALICE, "channel": PARTNERSHIPS})
    assert [r.name for r in stored(sandbox)] == ["Initech"]
    assert "*Initech* · Initech · _owner_" in shown(sandbox.driver.open_home(CAROL))


# ----- what people type: numbers in plain digits, names in one normal form, nothing hidden


@pytest.mark.parametrize("command", ["checkin", "history"])
@pytest.mark.parametrize("digit", ["\u00b2", "\u2460", "\u0663"])  # ², ①, Arabic-Indic 3: none of them a number
def test_a_number_that_is_not_in_plain_digits_is_read_as_part_of_the_name(
    sandbox: Sandbox, command: str, digit: str
) -> None:
    create_relationship(sandbox, "Acme Alliance")
    calls_before = len(sandbox.workspace.calls)
    sandbox.driver.command(ALICE, ACME, f"{command} Acme Alliance {digit}")
    answer = last_ephemeral(sandbox, ALICE).text
    assert "There is no relationship called *Acme Alliance " in answer
    assert "Did you mean *Acme Alliance*?" in answer
    assert sandbox.workspace.top_level(ACME)[1:] == []  # no check-in thread was started
    assert [c.method for c in sandbox.workspace.calls[calls_before:]] == ["response_url"]  # only the answer


@pytest.mark.parametrize(
    ("text", "shown_as"),
    [
        ("status Acme\u200bAlliance", "U+200B"),  # a zero-width space
        ("dispute Acme Alliance late \u202edeliveries", "U+202E"),  # a right-to-left override
        ("new Acme\x00Alliance", "U+0000"),
        ("history Acme Alliance\x07", "U+0007"),
    ],
)
def test_a_command_with_a_character_nobody_can_see_is_refused_and_changes_nothing(
    sandbox: Sandbox, text: str, shown_as: str
) -> None:
    create_relationship(sandbox)
    calls_before = len(sandbox.workspace.calls)
    reply = sandbox.driver.command(ALICE, ACME, text)
    assert reply.status == 200
    answer = last_ephemeral(sandbox, ALICE).text
    assert f"That has a character nobody can see ({shown_as}: a control, zero-width or text-direction" in answer
    assert sandbox.workspace.calls[calls_before:] == []  # answered in the ack
    assert len(stored(sandbox)) == 1
    assert sandbox.workspace.top_level(ACME)[1:] == []


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({"name": "Acme\u200bAlliance"}, {"name": "U+200B"}),
        ({"name": "Acme \u202eecnaillA"}, {"name": "U+202E"}),
        ({"name": "Acme\x00Alliance"}, {"name": "U+0000"}),
        ({"partner": "Acme\u2066 Ltd"}, {"partner": "U+2066"}),  # a left-to-right isolate
        ({"partner": "Acme\x1b[31m Ltd"}, {"partner": "U+001B"}),  # a terminal escape
        ({"cadence": "\u00b3\u2070"}, {"cadence": "whole number of days"}),  # ³⁰
        ({"cadence": "\u2462\u2469"}, {"cadence": "whole number of days"}),  # ③⑩
        ({"cadence": "\u0663\u0660"}, {"cadence": "whole number of days"}),  # Arabic-Indic 30
    ],
)
def test_a_modal_field_with_a_character_nobody_can_see_or_a_look_alike_number_is_refused(
    sandbox: Sandbox, answers: dict[str, str], errors: dict[str, str]
) -> None:
    sandbox.driver.command(ALICE, ACME, "new")
    filled = {"name": "Acme Alliance", "partner": "Acme Ltd", "sponsor": BOB} | answers
    submission = sandbox.driver.submit(ALICE, filled, client_checks=False)
    assert submission.errors.keys() == errors.keys()
    for field, words in errors.items():
        assert words in submission.errors[field]
    assert stored(sandbox) == []
    assert sandbox.workspace.top_level(ACME) == []


def test_look_alike_names_are_stored_in_one_form_and_are_one_name(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "\uff21\uff43\uff4d\uff45 \ufb01nance", partner="\uff21cme Ltd")  # full width, ﬁ
    [relationship] = stored(sandbox)
    assert (relationship.name, relationship.partner) == ("Acme finance", "Acme Ltd")

    sandbox.driver.command(BOB, PARTNERSHIPS, "new")
    submission = sandbox.driver.submit(BOB, {"name": "ACME FINANCE", "partner": "Other", "sponsor": CAROL})
    assert submission.errors == {"name": f'"Acme finance" already exists in this workspace. {UNIQUE}'}
    sandbox.driver.command(CAROL, PARTNERSHIPS, "status \uff41\uff43\uff4d\uff45 finance")
    assert "Acme finance" in shown(last_ephemeral(sandbox, CAROL))
    assert len(stored(sandbox)) == 1
