"""A joint relationship as its partner's people see it through their own organisation's Accord.

The relationship is the host organisation's record, kept in its tenant; the partner's workspace is named on it
once their shared channel connects them. The partner's own installation reads it only for the people who take part
for the partner (its executive sponsor, relationship manager and joint management team), and only what the
partner may see: the joint stages, not the host's strategy phase.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from stages.catalogue import Catalogue
from stages.checkin_service import Board, board, current_thread
from stages.dispute_service import Case, open_cases
from stages.errors import RelationshipNotFound
from stages.joint_team import members
from stages.naming import clean_name, name_key, suggest
from stages.ports import UnitOfWork
from stages.relationship_service import StatusReport, relationship_status
from stages.relationships import Relationship, Side


def partnered(hosts: Iterable[UnitOfWork], partner: str, person: str) -> list[Relationship]:
    """The joint relationships other organisations (`hosts`, each one's own records) run with `partner`'s
    organisation in which `person` takes part for it. Others of the partner's organisation are shown none, not
    even that they exist."""
    found = []
    for uow in hosts:
        with uow.reading():
            joint = uow.relationships.partnered_with(partner)
            teams = uow.joint_teams.of_many([r.id or 0 for r in joint])
        for r in joint:
            theirs = {r.partner_sponsor_id, r.partner_manager_id, *members(teams.get(r.id or 0, []), Side.PARTNER)}
            if person in theirs:
                found.append(r)
    return sorted(found, key=lambda r: r.name.casefold())


def partner_relationship(hosts: Iterable[UnitOfWork], partner: str, person: str, name: str) -> Relationship:
    """The joint relationship called `name` that `person` takes part in for the partner; `RelationshipNotFound`
    (with the names of those they do take part in) otherwise."""
    wanted = clean_name(name)
    taking_part_in = partnered(hosts, partner, person)
    match = next((r for r in taking_part_in if name_key(r.name) == name_key(wanted)), None)
    if match is None:
        raise RelationshipNotFound(wanted, suggest(wanted, [r.name for r in taking_part_in]))
    return match


def partner_status(
    hosts: Sequence[UnitOfWork], partner: str, person: str, catalogue: Catalogue, name: str, today: date
) -> StatusReport:
    """Where a joint relationship `person` takes part in for the partner stands, as the partner may see it: the
    joint stages only. `RelationshipNotFound` for any other name."""
    match = partner_relationship(hosts, partner, person, name)
    host = next(uow for uow in hosts if uow.team_id == match.team_id)
    report = relationship_status(host, catalogue, match.name, today)
    return replace(report, stages=tuple(line for line in report.stages if not line.progress.stage.is_internal))


def host_of(hosts: Sequence[UnitOfWork], partner: str, person: str, relationship_id: int) -> UnitOfWork | None:
    """The records of the organisation running relationship `relationship_id`, when `person` takes part in it for
    `partner`'s organisation (what they then do is done there); None otherwise."""
    for r in partnered(hosts, partner, person):
        if r.id == relationship_id:
            return next(uow for uow in hosts if uow.team_id == r.team_id)
    return None


def partner_disputes(
    hosts: Sequence[UnitOfWork], partner: str, person: str, name: str | None
) -> tuple[Relationship | None, list[Case]]:
    """The open disputes of the joint relationships `person` takes part in for the partner (of the one called
    `name`, or of all); `RelationshipNotFound` for a name that is not one of them."""
    taking_part_in = partnered(hosts, partner, person)
    scope = None
    if name:
        wanted = clean_name(name)
        scope = next((r for r in taking_part_in if name_key(r.name) == name_key(wanted)), None)
        if scope is None:
            raise RelationshipNotFound(wanted, suggest(wanted, [r.name for r in taking_part_in]))
    cases = [
        case
        for r in ([scope] if scope is not None else taking_part_in)
        for case in open_cases(next(uow for uow in hosts if uow.team_id == r.team_id), r.id)
    ]
    return scope, cases


@dataclass(frozen=True)
class Standing:
    """A joint relationship on the partner's person's Home tab: where it is, and what waits for their side."""

    relationship: Relationship
    gate_waits: bool  # the host signed the current joint stage off; the partner's signature is missing
    exit_to_agree: int | None  # the exit strategy's version waiting for the partner's agreement


def standings(hosts: Sequence[UnitOfWork], partner: str, person: str, catalogue: Catalogue) -> list[Standing]:
    """What the partner's side is waited on for, in each joint relationship `person` takes part in for it."""
    found = []
    for r in partnered(hosts, partner, person):
        host = next(uow for uow in hosts if uow.team_id == r.team_id)
        checkin = current_thread(host, r)
        gate = board(host, catalogue, checkin.id) if checkin is not None and checkin.id is not None else None
        waits = gate is not None and gate.joint and _waits_for_partner(gate)
        with host.reading():
            versions = host.exit_strategies.all(r.id or 0)
        latest = versions[0] if versions else None
        found.append(Standing(r, waits, latest.version if latest is not None and not latest.agreed else None))
    return found


def _waits_for_partner(gate: Board) -> bool:
    """The host's side signed the joint gate this round, the partner's has not."""
    return gate.signed_by(Side.HOME) is not None and gate.signed_by(Side.PARTNER) is None
