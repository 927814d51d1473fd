"""The actions register on SQLite and PostgreSQL: an action added once per form and audited with it, completed
once with its note, refused to who neither owns it nor leads its owner's side, and sources of another
relationship refused."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from stages import action_service, nudge_service
from stages.action_service import Owner
from stages.actions import ActionDraft, ActionSource
from stages.audit import Action as Did
from stages.catalogue import default_catalogue
from stages.errors import InvalidInput, NotAllowed, Stale
from stages.nudges import NudgeKind, NudgePolicy
from stages.relationships import Relationship, RelationshipDraft, Side
from stages.risks import Risk, RiskCategory
from storage.database import Database

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DRAFT = ActionDraft("Send the forecast", "U3", date(2026, 12, 1), internal=False)
HOME = Owner(Side.HOME, "Europe/London")


def started(database: Database, name: str = "Acme Alliance") -> Relationship:
    draft = RelationshipDraft(name, "Globex", "U1", "U2", "C1", 90).validated()
    with database.uow("T1") as uow:
        saved = uow.relationships.add(Relationship.start("T1", draft, created_by="U1", now=NOW))
        uow.commit()
    return saved


def add(database: Database, r: Relationship, form_key: str = "V1", **given: object) -> action_service.Added:
    kwargs: dict[str, object] = {"owner": HOME, "by": "U1", "organisation": "T1", "now": NOW, "form_key": form_key}
    return action_service.add_action(database.uow("T1"), r.id or 0, DRAFT, **(kwargs | given))  # type: ignore[arg-type]


def test_the_same_form_adds_one_action_audited_with_it(database: Database) -> None:
    r = started(database)
    assert [add(database, r).first for _ in range(2)] == [True, False]
    with database.uow("T1") as uow:
        (stored,) = uow.actions.of(r.id or 0)
        trail = uow.audit.all(r.id or 0)
    assert (stored.title, stored.owner_id, stored.owner_tz, stored.due) == (
        "Send the forecast",
        "U3",
        "Europe/London",
        date(2026, 12, 1),
    )
    assert [e.action for e in trail].count(Did.ACTION_ADDED) == 1


def test_an_action_is_completed_once_by_its_owner_or_who_leads_the_owners_side(database: Database) -> None:
    r = started(database)
    action_id = add(database, r).action.id or 0
    with pytest.raises(NotAllowed):
        action_service.complete_action(database.uow("T1"), action_id, by="U9", organisation="T1", now=NOW, note="x")
    with pytest.raises(InvalidInput):
        action_service.complete_action(database.uow("T1"), action_id, by="U3", organisation="T1", now=NOW, note=" ")
    done = [
        action_service.complete_action(database.uow("T1"), action_id, by=who, organisation="T1", now=NOW, note="Sent")
        for who in ("U2", "U3")
    ]
    assert [d.first for d in done] == [True, False]
    with database.uow("T1") as uow:
        assert uow.actions.of(r.id or 0) == []
        (kept,) = uow.actions.of(r.id or 0, done=True)
        assert (kept.done_by, kept.note) == ("U2", "Sent")
        assert [e.action for e in uow.audit.all(r.id or 0)].count(Did.ACTION_COMPLETED) == 1
        assert uow.actions.owned_by("U3") == []


def test_an_action_of_an_internal_risk_is_internal_and_a_source_of_another_relationship_is_refused(
    database: Database,
) -> None:
    r, other = started(database), started(database, "Beta Build")
    risk = Risk(
        "T1",
        r.id or 0,
        "Supplier fails",
        "",
        RiskCategory.OPERATIONAL,
        "Stops",
        3,
        3,
        "U1",
        "",
        date(2026, 12, 9),
        True,
        Side.HOME,
        "U1",
        NOW,
    )
    with database.uow("T1") as uow:
        risk_id = (uow.risks.add(risk, "R1") or risk).id
        uow.commit()
    added = add(database, r, source=ActionSource.RISK, source_id=risk_id)
    assert added.action.internal and added.action.source is ActionSource.RISK
    with pytest.raises(Stale):
        add(database, other, "V2", source=ActionSource.RISK, source_id=risk_id)
    with pytest.raises(InvalidInput):  # an internal action's owner is of the side that keeps it
        add(database, r, "V3", source=ActionSource.RISK, source_id=risk_id, owner=Owner(Side.PARTNER, ""))


def overdue_nudges(database: Database, now: datetime) -> list[tuple[str, int, str]]:
    """The action reminders the sweep finds due at `now`: recipient, tier and subject."""
    found, _ = nudge_service.due_nudges(database.uow("T1"), default_catalogue().cadences, NudgePolicy(), now)
    return sorted((n.recipient_id, n.tier, n.subject) for n in found if n.kind is NudgeKind.ACTION_OVERDUE)


@pytest.mark.parametrize(
    ("tz", "late_at"),
    [
        ("Pacific/Auckland", datetime(2026, 12, 1, 11, 0, tzinfo=UTC)),  # midnight on 2 Dec there (UTC+13)
        ("Europe/London", datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
        ("America/Los_Angeles", datetime(2026, 12, 2, 8, 0, tzinfo=UTC)),  # midnight on 2 Dec there (UTC-8)
    ],
)
def test_an_action_is_overdue_in_its_owners_time_zone_and_nudges_them_until_completed(
    database: Database, tz: str, late_at: datetime
) -> None:
    """Due on 1 Dec: overdue once the owner's own date is 2 Dec, not a minute before."""
    r = started(database)
    action_id = add(database, r, owner=Owner(Side.HOME, tz)).action.id
    assert overdue_nudges(database, late_at - timedelta(minutes=1)) == []
    assert overdue_nudges(database, late_at) == [("U3", 0, f"action:{action_id}")]
    action_service.complete_action(
        database.uow("T1"), action_id or 0, by="U3", organisation="T1", now=late_at, note="Sent"
    )
    assert overdue_nudges(database, late_at + timedelta(days=3)) == []


def test_a_long_overdue_action_also_nudges_the_sponsor_of_its_owners_side(database: Database) -> None:
    r = started(database)
    with database.uow("T1") as uow:
        uow.relationships.update(replace(r, partner_team_id="T2", partner_sponsor_id="P1", partner_manager_id="P2"))
        uow.commit()
    ours = add(database, r).action.id
    theirs = add(database, r, "V2", owner=Owner(Side.PARTNER, "")).action.id
    week = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)  # seven days overdue
    assert overdue_nudges(database, week - timedelta(days=1)) == [
        ("U3", 0, f"action:{ours}"),
        ("U3", 0, f"action:{theirs}"),
    ]
    assert overdue_nudges(database, week) == [
        ("P1", 1, f"action:{theirs}"),  # the partner's sponsor, for the partner's action
        ("U2", 1, f"action:{ours}"),  # ours
        ("U3", 0, f"action:{ours}"),
        ("U3", 0, f"action:{theirs}"),
    ]


def test_an_owner_who_moved_takes_only_their_open_actions_of_this_workspace_along(database: Database) -> None:
    r = started(database)
    open_one = add(database, r).action.id
    done_one = add(database, r, form_key="V2").action.id or 0
    action_service.complete_action(database.uow("T1"), done_one, by="U3", organisation="T1", now=NOW, note="Sent")
    action_service.add_action(
        database.uow("T1"),
        r.id or 0,
        replace(DRAFT, owner_id="U4"),
        owner=HOME,
        by="U1",
        organisation="T1",
        now=NOW,
        form_key="V3",
    )
    elsewhere = RelationshipDraft("Initech deal", "Initech", "U1", "U2", "C2", 90).validated()
    with database.uow("T2") as uow:
        theirs = uow.relationships.add(Relationship.start("T2", elsewhere, created_by="U1", now=NOW))
        uow.commit()
    action_service.add_action(
        database.uow("T2"), theirs.id or 0, DRAFT, owner=HOME, by="U1", organisation="T2", now=NOW, form_key="V1"
    )
    assert action_service.owner_moved(database.uow("T1"), "U3", "Asia/Tokyo") == 1
    assert action_service.owner_moved(database.uow("T1"), "U3", "Asia/Tokyo") == 0  # said again
    assert action_service.owner_moved(database.uow("T1"), "U3", "Mars/Olympus_Mons") == 0
    with database.uow("T1") as uow:
        zones = {(a.id, a.owner_id): a.owner_tz for a in uow.actions.of(r.id or 0, done=True)}
    with database.uow("T2") as uow:
        (their_action,) = uow.actions.of(theirs.id or 0)
    assert zones[(open_one, "U3")] == "Asia/Tokyo"
    assert zones[(done_one, "U3")] == "Europe/London"  # done: as it was when completed
    assert [tz for (_, owner), tz in zones.items() if owner == "U4"] == ["Europe/London"]
    assert their_action.owner_tz == "Europe/London"  # another workspace's, never touched
