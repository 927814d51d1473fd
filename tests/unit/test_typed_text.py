"""What people type, whatever it holds: numbers only in digits 0-9, names and free text in NFKC form with no
character a reader cannot see, and nothing but a clear refusal for anything else."""

import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import subcommands
from bot.slack.subcommands import UsageError, name_and_number
from stages import checklist, disputes
from stages.catalogue import default_catalogue
from stages.checkins import item_reference, note_text, reopen_reason
from stages.errors import InvalidInput
from stages.exits import exit_draft
from stages.naming import name_key, plain_text, whole_number
from stages.relationships import RelationshipDraft
from stages.reviews import review

HIDDEN = ("Cc", "Cf", "Cs")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STAGE_1 = default_catalogue().stage(1)
RATINGS: dict[str, str | int | None] = {"delivery": 4, "trust": 4, "value": 3, "governance": 5}
# Text as hostile as a crafted request can make it: controls, NUL, zero-width and bidirectional characters,
# lone surrogates, look-alike digits and letters, among ordinary words.
hostile = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from("\x00\x07\x1b\x7f\x85\u200b\u200d\u200e\u202a\u202e\u2066\u2069\ufeff\ud800\n\t\r"),
        st.sampled_from("\u00b2\u00b3\u2460\u2469\u0663\uff11\U0001d7ce7 "),
        st.sampled_from("\uff21\ufb01\u2126\u212b\u00c5e\u0301"),
    ),
    max_size=40,
)


def seen(text: str, *, multiline: bool) -> bool:
    """Every character can be seen (multi-line text also keeps its line breaks and tabs)."""
    kept = "\n\t" if multiline else ""
    return all(unicodedata.category(c) not in HIDDEN or c in kept for c in text)


@given(hostile)
def test_only_plain_digits_are_a_number(text: str) -> None:
    number = whole_number(text)
    plain = text != "" and len(text) <= 100 and all(c in "0123456789" for c in text)
    assert number == (int(text) if plain else None)


@pytest.mark.parametrize("text", ["\u00b2", "\u2460", "\u0663", "\uff17", "+7", "1_0", " 7", "7\n", ""])
def test_look_alike_digits_are_no_number(text: str) -> None:
    assert whole_number(text) is None


@given(hostile)
def test_a_trailing_number_is_read_only_from_plain_digits(text: str) -> None:
    last = ("Acme " + text).rpartition(" ")[2]
    numbers = [number for _name, number in name_and_number("Acme " + text)[1:]]
    assert numbers == ([int(last)] if last and all(c in "0123456789" for c in last) else [])


@given(hostile)
def test_any_command_text_parses_or_is_refused_in_words(text: str) -> None:
    for command in ("status ", "checkin ", "dispute Acme ", "new ", "history "):
        try:
            invocation = subcommands().parse(command + text)
        except UsageError as refused:
            assert refused.code in ("hidden_character", "missing_argument", "argument_too_long")
            continue
        assert seen(invocation.argument, multiline=False)


@pytest.mark.parametrize("character", ["\x00", "\u200b", "\u202e", "\u2066", "\ufeff", "\x1b"])
def test_a_command_with_a_hidden_character_is_refused(character: str) -> None:
    with pytest.raises(UsageError) as refused:
        subcommands().parse(f"status Acme{character}Alliance")
    assert (refused.value.code, refused.value.word) == ("hidden_character", f"U+{ord(character):04X}")


@given(hostile, hostile)
def test_a_relationship_is_named_in_normal_form_with_nothing_hidden(name: str, partner: str) -> None:
    try:
        valid = RelationshipDraft(name, partner, "U1", "U2", "C1", "90").validated()
    except InvalidInput:
        return
    for text in (valid.name, valid.partner):
        assert unicodedata.is_normalized("NFKC", text) and seen(text, multiline=False)


@given(hostile)
def test_free_text_is_kept_in_normal_form_with_only_line_breaks_and_tabs(raw: str) -> None:
    for multiline in (True, False):
        try:
            text = plain_text("note", raw, multiline=multiline)
        except InvalidInput as refused:
            assert [p.code for p in refused.problems] == ["hidden_character"]
            continue
        assert unicodedata.is_normalized("NFKC", text) and seen(text, multiline=multiline)


@given(hostile)
def test_dispute_and_checklist_text_never_keeps_a_hidden_character(raw: str) -> None:
    kept: list[tuple[str | None, bool]] = []
    readers = [
        (lambda: disputes.summary(raw), False),
        (lambda: disputes.free_text("update", raw, required=False), True),
        (lambda: checklist.not_applicable_reason(raw), False),
        (lambda: checklist.evidence(None, raw)[1], True),
        (lambda: checklist.evidence("https://example.com/" + raw, None)[0], False),
    ]
    for read, multiline in readers:
        try:
            kept.append((read(), multiline))
        except InvalidInput:
            continue
    for text, multiline in kept:
        assert text is None or (unicodedata.is_normalized("NFKC", text) and seen(text, multiline=multiline))


def a_review(summary: str | None, decisions: str | None = None) -> tuple[str, str | None]:
    made = review(
        "T1",
        1,
        by="U1",
        at=NOW,
        summary=summary,
        ratings=RATINGS,
        decisions=decisions,
        next_review_due=date(2027, 3, 1),
    )
    return made.summary, made.decisions


def an_exit(**typed: str | None) -> tuple[str | None, ...]:
    fields = {"triggers": "insolvency", "plan": "hand over", "continuity": None, "assets": None, **typed}
    draft = exit_draft(reviewed_with=["U1", "U2"], **fields)
    return draft.triggers, draft.plan, draft.continuity, draft.assets


@given(hostile)
def test_review_exit_and_reopen_text_never_keeps_a_hidden_character(raw: str) -> None:
    kept: list[tuple[str | None, bool]] = []
    readers: list[tuple[Callable[[], tuple[str | None, ...]], bool]] = [
        (lambda: a_review(raw), True),
        (lambda: a_review("on track", raw), True),
        *(
            (lambda field=field: an_exit(**{field: raw}), True)
            for field in ("triggers", "plan", "continuity", "assets")
        ),
        (lambda: (reopen_reason(raw),), False),
    ]
    for read, multiline in readers:
        try:
            kept.extend((text, multiline) for text in read())
        except InvalidInput as refused:
            assert {p.code for p in refused.problems} <= {"hidden_character", "too_long"} | {
                f"{name}_missing" for name in ("summary", "triggers", "plan", "reason")
            }
            continue
    for text, multiline in kept:
        assert text is None or (unicodedata.is_normalized("NFKC", text) and seen(text, multiline=multiline))


@given(hostile)
def test_a_thread_reply_is_kept_in_normal_form_without_what_nobody_can_see(raw: str) -> None:
    kept = note_text(raw)
    assert unicodedata.is_normalized("NFKC", kept) and seen(kept, multiline=True) and "\x00" not in kept


def test_a_thread_reply_loses_only_its_hidden_characters() -> None:
    assert note_text(" 2: sent\x00 the \u200bplan\n\tto\u202e legal ") == "2: sent the plan\n\tto legal"


@given(
    st.text(st.one_of(st.characters(categories=("Nd", "No")), st.sampled_from("0123456789")), min_size=1, max_size=2)
)
def test_only_plain_digits_name_an_item_in_a_thread_reply(number: str) -> None:
    plain = all(c in "0123456789" for c in number) and 1 <= int(number) <= len(STAGE_1.items)
    assert item_reference(f"{number}: done", STAGE_1) == (STAGE_1.items[int(number) - 1] if plain else None)


@pytest.mark.parametrize("number", ["\u0663", "\u00b2", "\uff13", "\u2462", "\U0001d7d1"])
def test_a_look_alike_digit_names_no_item(number: str) -> None:
    assert item_reference(f"{number}: agreed with legal", STAGE_1) is None
    assert item_reference(f"S1.{number} agreed with legal", STAGE_1) is None
    assert item_reference("3: agreed with legal", STAGE_1) == STAGE_1.items[2]


@pytest.mark.parametrize(
    ("read", "field"),
    [
        (lambda raw: a_review(raw), "summary"),
        (lambda raw: a_review("on track", raw), "decisions"),
        (lambda raw: an_exit(triggers=raw), "triggers"),
        (lambda raw: an_exit(plan=raw), "plan"),
        (lambda raw: an_exit(continuity=raw), "continuity"),
        (lambda raw: an_exit(assets=raw), "assets"),
        (lambda raw: reopen_reason(raw), "reason"),
        (lambda raw: disputes.summary(raw), "summary"),
        (lambda raw: disputes.free_text("resolution", raw, required=True), "resolution"),
        (lambda raw: checklist.not_applicable_reason(raw), "reason"),
        (lambda raw: checklist.evidence(None, raw), "note"),
        (lambda raw: checklist.evidence("https://example.com/" + raw, None), "link"),
        (lambda raw: RelationshipDraft(raw, "Acme Ltd", "U1", "U2", "C1", 90).validated(), "name"),
        (lambda raw: RelationshipDraft("Acme", raw, "U1", "U2", "C1", 90).validated(), "partner"),
    ],
)
@pytest.mark.parametrize("character", ["\x00", "\u200b", "\u202e", "\x07"])
def test_each_field_names_the_hidden_character(read: Callable[[str], object], field: str, character: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read(f"late{character}deliveries")
    [problem] = refused.value.problems
    assert (problem.field, problem.code, problem.params) == (
        field,
        "hidden_character",
        {"character": f"U+{ord(character):04X}"},
    )


def test_multi_line_text_keeps_its_line_breaks_and_tabs() -> None:
    assert disputes.free_text("update", " first\n\tsecond ", required=True) == "first\n\tsecond"
    assert checklist.evidence(None, "a\nb")[1] == "a\nb"


def test_look_alikes_are_one_name() -> None:
    assert name_key("\uff21\uff43\uff4d\uff45 \ufb01nance") == name_key("ACME FINANCE") == "acme finance"
    assert name_key("Stra\u00dfe") == name_key("STRASSE")
