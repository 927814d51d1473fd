"""The knowledge map's rules: the form's checks (terms required for an item shared under agreed terms, refused
otherwise), who holds an item and who sees one never to be shared, the grouping by class, and which texts name a
never-share item."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from stages.errors import InvalidInput
from stages.knowledge import Classification, KnowledgeItem, grouped, holder, item_draft, never_share_named
from stages.relationships import Side
from tests.unit.test_joint_team import ACME, GLOBEX, INITECH, JOINT

NOW = datetime(2027, 3, 10, tzinfo=UTC)


def answers(**changes: object) -> dict[str, object]:
    typed: dict[str, object] = {
        "title": "Turbine blade alloy",
        "description": "",
        "owner_id": "U1",
        "classification": "terms",
        "terms": "Under the NDA of March 2027",
    }
    return typed | changes


def problems(**changes: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as wrong:
        item_draft(**answers(**changes))  # type: ignore[arg-type]
    return {p.field: p.code for p in wrong.value.problems}


def test_terms_are_required_under_agreed_terms_and_refused_otherwise() -> None:
    assert problems(terms="  ") == {"terms": "knowledge_terms_missing"}
    assert problems(classification="free") == {"terms": "knowledge_terms_unwanted"}
    assert problems(classification="never") == {"terms": "knowledge_terms_unwanted"}
    assert item_draft(**answers(classification="never", terms=""))  # type: ignore[arg-type]
    assert item_draft(**answers()).terms == "Under the NDA of March 2027"  # type: ignore[arg-type]


def test_each_wrong_field_is_named() -> None:
    assert problems(title=" ", classification="maybe", owner_id=None, terms="") == {
        "title": "knowledge_title_missing",
        "classification": "knowledge_class_missing",
        "knowledge_owner": "knowledge_owner_missing",
    }
    assert problems(title="x" * 151)["title"] == "too_long"
    assert problems(title="a\u200bb")["title"] == "hidden_character"


def item(title: str, kind: Classification, side: Side = Side.HOME, **changes: object) -> KnowledgeItem:
    made = KnowledgeItem("T1", 1, title, "", "U1", kind, "", side, "U1", NOW)
    return replace(made, **changes)  # type: ignore[arg-type]


def test_a_never_share_item_is_seen_by_its_own_organisation_only() -> None:
    secret = item("Pricing model", Classification.NEVER, Side.PARTNER)
    assert secret.seen_by(Side.PARTNER) and not secret.seen_by(Side.HOME)
    assert item("Specs", Classification.TERMS, Side.PARTNER).seen_by(Side.HOME)


def test_an_item_is_held_by_its_owners_organisation_and_never_share_only_by_ones_own() -> None:
    assert holder(JOINT, GLOBEX, Side.HOME, Classification.FREE) is Side.PARTNER
    assert holder(JOINT, ACME, Side.HOME, Classification.NEVER) is Side.HOME
    for owner, kind, code in ((INITECH, Classification.FREE, "outside"), (GLOBEX, Classification.NEVER, "never")):
        with pytest.raises(InvalidInput) as wrong:
            holder(JOINT, owner, Side.HOME, kind)
        assert [(p.field, p.code) for p in wrong.value.problems] == [("knowledge_owner", f"knowledge_owner_{code}")]


def test_live_items_are_grouped_by_class_and_title() -> None:
    items = [
        item("b", Classification.NEVER),
        item("B specs", Classification.FREE),
        item("a specs", Classification.FREE),
        item("gone", Classification.TERMS, retired_at=NOW),
    ]
    assert [(c.value, [i.title for i in found]) for c, found in grouped(items)] == [
        ("free", ["a specs", "B specs"]),
        ("terms", []),
        ("never", ["b"]),
    ]


def test_a_text_names_a_never_share_item_of_the_writers_side_by_title_ignoring_case_and_spacing() -> None:
    items = [
        item("Pricing  model", Classification.NEVER),
        item("Roadmap", Classification.NEVER, Side.PARTNER),
        item("Specs", Classification.FREE),
        item("Old secret", Classification.NEVER, retired_at=NOW),
    ]
    assert never_share_named("We attach the PRICING\nmodel here", items, Side.HOME) == items[0]
    assert never_share_named("The roadmap and specs", items, Side.HOME) is None  # Globex's, and a free one
    assert never_share_named("old secret", items, Side.HOME) is None
    assert never_share_named("the Roadmap", items, Side.PARTNER) == items[1]


def test_a_title_is_named_as_whole_words_only() -> None:
    items = [item("AI", Classification.NEVER)]
    assert never_share_named("We maintain the plan", items, Side.HOME) is None
    assert never_share_named("Our AI, attached", items, Side.HOME) == items[0]
