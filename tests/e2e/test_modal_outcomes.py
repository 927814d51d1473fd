"""What a modal shows after it is submitted: "Saving…", then the outcome, a refusal, or the form given back."""

import json

import pytest

from bot.sandbox.harness import Sandbox
from bot.slack import ids
from stages import checkin_service, dispute_service, relationship_service, review_service
from stages.checklist import ItemState
from stages.relationships import RelationshipDraft
from tests.e2e.helpers import ACME, ALICE, BOB, CAROL, PARTNERSHIPS, create_relationship, fresh, relationship, shown

RATINGS = {"delivery": "4", "trust": "3", "value": "4", "governance": "5"}
LINK = "https://intranet.example.com/policy"


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB)
    return sandbox


def open_evidence(sandbox: Sandbox) -> None:
    sandbox.driver.command(ALICE, ACME, "checkin Acme Alliance")
    parent = sandbox.workspace.top_level(ACME)[-1]
    first_item = sandbox.workspace.replies(ACME, parent.ts)[0]
    sandbox.driver.click(ALICE, fresh(sandbox, first_item), ids.ACTION_ITEM_EVIDENCE)


def states(sandbox: Sandbox) -> dict[str, ItemState]:
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        return dict(uow.checklist.states(relationship(sandbox).id or 0))


def inputs(sandbox: Sandbox, user: str) -> dict[str, dict[str, object]]:
    modal = sandbox.workspace.current_modal(user)
    assert modal is not None
    return {b["block_id"]: b["element"] for b in modal.view["blocks"] if b["type"] == "input"}


def test_the_ack_shows_saving_and_the_modal_then_shows_the_outcome(acme: Sandbox) -> None:
    open_evidence(acme)
    submission = acme.driver.submit(ALICE, {"link": LINK, "note": "Board minutes"})
    acked = json.loads(submission.reply.body)
    assert acked["response_action"] == "update" and "Saving…" in json.dumps(acked["view"], ensure_ascii=False)
    assert "Saved the evidence for *S1.1*" in shown(acme.workspace.current_modal(ALICE))
    assert states(acme)["S1.1"].evidence_url == LINK


def test_a_refused_form_stays_open_and_nothing_runs_after_the_ack(acme: Sandbox) -> None:
    open_evidence(acme)
    assert acme.driver.submit(ALICE, {"link": "policy"}, client_checks=False).errors == {
        "link": "Enter a web address starting with https:// (or http://)."
    }
    assert set(inputs(acme, ALICE)) == {ids.BLOCK_LINK, ids.BLOCK_NOTE}
    assert states(acme) == {}


def test_a_failure_after_the_ack_gives_the_form_back_filled_in(acme: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    open_evidence(acme)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database went away")

    with monkeypatch.context() as patched:
        patched.setattr(checkin_service, "answer", broken)
        acme.driver.submit(ALICE, {"link": LINK, "note": "Board minutes"})
    assert "Something went wrong and nothing was saved" in shown(acme.workspace.current_modal(ALICE))
    given_back = inputs(acme, ALICE)
    assert given_back[ids.BLOCK_LINK]["initial_value"] == LINK
    assert given_back[ids.BLOCK_NOTE]["initial_value"] == "Board minutes"
    assert states(acme) == {}

    acme.driver.submit(ALICE)  # pressing the button again saves what was typed
    assert "Saved the evidence for *S1.1*" in shown(acme.workspace.current_modal(ALICE))
    assert states(acme)["S1.1"].evidence_note == "Board minutes"


def test_a_refusal_after_the_ack_is_explained_in_the_modal(acme: Sandbox) -> None:
    acme.driver.command(ALICE, ACME, "review Acme Alliance")
    # While Alice fills in the review, the sponsor hands the relationship to Carol.
    r = relationship(acme)
    draft = RelationshipDraft(r.name, r.partner, CAROL, BOB, r.channel_id, r.review_cadence_days)
    relationship_service.edit_relationship(
        acme.database.uow(acme.workspace.team_id), r.id or 0, draft, by=BOB, now=r.created_at
    )

    acme.driver.submit(ALICE, {"summary": "A good quarter", **RATINGS})
    assert f"Only the relationship's owner (<@{CAROL}>) or executive sponsor (<@{BOB}>)" in shown(
        acme.workspace.current_modal(ALICE)
    )
    assert review_service.recent(acme.database.uow(acme.workspace.team_id), r.id or 0) == []


def test_a_record_saved_but_not_posted_says_so_in_the_modal(acme: Sandbox) -> None:
    acme.driver.command(ALICE, PARTNERSHIPS, "review Acme Alliance")
    acme.emulator.fail("chat.postMessage", error="channel_not_found")
    acme.driver.submit(ALICE, {"summary": "A good quarter", **RATINGS})
    assert f"Saved. I couldn't post it in <#{ACME}>" in shown(acme.workspace.current_modal(ALICE))
    assert len(review_service.recent(acme.database.uow(acme.workspace.team_id), relationship(acme).id or 0)) == 1


def test_a_dispute_update_is_confirmed_in_the_modal(acme: Sandbox) -> None:
    acme.driver.command(CAROL, PARTNERSHIPS, "dispute Acme Alliance invoices paid late")
    parent = acme.workspace.top_level(ACME)[-1]
    acme.driver.click(ALICE, fresh(acme, parent), ids.ACTION_DISPUTE_UPDATE)
    acme.driver.submit(ALICE, {ids.BLOCK_UPDATE: "Finance is on it"})
    assert "Added your update to dispute #1" in shown(acme.workspace.current_modal(ALICE))
    assert "Finance is on it" in shown(acme.workspace.replies(ACME, parent.ts)[-1])
    [case] = dispute_service.open_cases(acme.database.uow(acme.workspace.team_id))
    assert case.dispute.summary == "invoices paid late"
