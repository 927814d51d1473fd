"""The checklist rules: answers and their history, the stage gate, thread references, sign-off and reopening."""

from datetime import UTC, datetime

import pytest

from stages.catalogue import default_catalogue
from stages.checkins import item_reference, reopen_reason
from stages.checklist import (
    ItemStatus,
    StageProgress,
    apply,
    assignment_answer,
    blank_state,
    evidence_answer,
    status_answer,
)
from stages.errors import InvalidInput
from stages.relationships import Relationship, RelationshipDraft, RelationshipStatus

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
CATALOGUE = default_catalogue()
STAGE_1 = CATALOGUE.stage(1)


def done(item_id: str, *, evidence: bool = False) -> tuple[str, object]:
    state = apply(blank_state(1, item_id), status_answer(1, item_id, ItemStatus.DONE, actor_id="U1", at=NOW))
    assert state is not None
    if evidence:
        state = apply(state, evidence_answer(1, item_id, url="https://x.example/doc", note=None, actor_id="U1", at=NOW))
    return item_id, state


def test_an_answer_changes_the_state_and_a_repeat_changes_nothing() -> None:
    answer = status_answer(1, "S1.2", ItemStatus.IN_PROGRESS, actor_id="U2", at=NOW)
    state = apply(blank_state(1, "S1.2"), answer)
    assert state is not None
    assert (state.status, state.status_by, state.status_at, state.updated_by) == (
        ItemStatus.IN_PROGRESS,
        "U2",
        NOW,
        "U2",
    )
    assert apply(state, answer) is None
    assert apply(state, status_answer(1, "S1.2", ItemStatus.IN_PROGRESS, actor_id="U3", at=NOW)) is None


def test_who_set_the_status_survives_other_changes() -> None:
    _, state = done("S1.3")
    assigned = apply(state, assignment_answer(1, "S1.3", "U7", actor_id="U9", at=NOW))  # type: ignore[arg-type]
    assert assigned is not None
    assert (assigned.status_by, assigned.updated_by, assigned.assignee_id) == ("U1", "U9", "U7")
    assert apply(assigned, assignment_answer(1, "S1.3", "U7", actor_id="U1", at=NOW)) is None


def test_not_applicable_needs_a_reason_and_leaving_it_drops_the_reason() -> None:
    with pytest.raises(InvalidInput) as raised:
        status_answer(1, "S1.6", ItemStatus.NOT_APPLICABLE, actor_id="U1", at=NOW, reason="  ")
    assert raised.value.problems[0].code == "reason_missing"
    na = apply(
        blank_state(1, "S1.6"),
        status_answer(1, "S1.6", ItemStatus.NOT_APPLICABLE, actor_id="U1", at=NOW, reason=" Only  one partner "),
    )
    assert na is not None and na.reason == "Only one partner"
    back = apply(na, status_answer(1, "S1.6", ItemStatus.IN_PROGRESS, actor_id="U1", at=NOW, reason="ignored"))
    assert back is not None and back.reason is None


@pytest.mark.parametrize(
    ("url", "note", "code"),
    [
        ("", "", "evidence_missing"),
        ("ftp://files/policy", None, "link_not_web"),
        ("javascript:alert(1)", None, "link_not_web"),
        ("https://x.example/" + "a" * 500, None, "too_long"),
        (None, "n" * 1001, "too_long"),
    ],
)
def test_evidence_must_be_a_web_link_or_a_note(url: str | None, note: str | None, code: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        evidence_answer(1, "S1.2", url=url, note=note, actor_id="U1", at=NOW)
    assert raised.value.problems[0].code == code


def test_the_gate_needs_every_item_done_with_evidence_where_required_or_not_applicable_with_reason() -> None:
    evidence_needed = [i.id for i in STAGE_1.items if i.evidence_required]
    assert evidence_needed  # the catalogue asks for evidence on some stage 1 items
    states = dict(done(item.id, evidence=item.evidence_required) for item in STAGE_1.items)
    progress = StageProgress.of(STAGE_1, 1, states)  # type: ignore[arg-type]
    assert progress.ready and progress.done == 7 and progress.outstanding() == []

    without = dict(states)
    without[evidence_needed[0]] = done(evidence_needed[0])[1]
    missing = StageProgress.of(STAGE_1, 1, without)  # type: ignore[arg-type]
    assert not missing.ready and missing.done == 7
    assert [i.id for i in missing.outstanding()] == [evidence_needed[0]]

    unanswered = StageProgress.of(STAGE_1, 1, {})
    assert not unanswered.ready and unanswered.done == 0 and len(unanswered.outstanding()) == 7


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("S1.3 objectives are in the deck", "S1.3"),
        ("s1.3: lower case works", "S1.3"),
        ("  S1.7 - the RMP", "S1.7"),
        ("4: benefits paper", "S1.4"),
        ("4) benefits paper", "S1.4"),
        ("7. the RMP", "S1.7"),
        ("8: there is no eighth item in stage 1", None),
        ("S2.1 belongs to another stage", None),
        ("In 2024 we met", None),
        ("Great start", None),
    ],
)
def test_a_reply_names_an_item_by_id_or_number(text: str, item: str | None) -> None:
    found = item_reference(text, STAGE_1)
    assert (found.id if found else None) == item


def test_advancing_through_the_last_stage_exits_and_reopening_returns() -> None:
    draft = RelationshipDraft("Acme", "Acme Ltd", "U1", "U2", "C1", 90).validated()
    relationship = Relationship.start("T1", draft, created_by="U1", now=NOW)
    assert relationship.last_signed_off == 0
    second = relationship.advanced(8)
    assert (second.stage, second.last_signed_off) == (2, 1)
    at_exit = second
    for _ in range(6):
        at_exit = at_exit.advanced(8)
    assert at_exit.stage == 8 and not at_exit.exited
    exited = at_exit.advanced(8)
    assert (exited.stage, exited.status, exited.last_signed_off) == (8, RelationshipStatus.EXITED, 8)
    back = exited.reopened(8)
    assert (back.stage, back.status) == (8, RelationshipStatus.ACTIVE)


def test_a_reopen_reason_is_required_and_bounded() -> None:
    assert reopen_reason("  partner  changed ") == "partner changed"
    for bad in ("", "   ", "r" * 501):
        with pytest.raises(InvalidInput):
            reopen_reason(bad)
