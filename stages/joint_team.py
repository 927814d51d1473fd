"""The joint management team: people of both organisations who run the relationship day to day, named in pairs
of counterparts (our delivery lead and theirs), so that each knows whom to talk to on the other side.

The team is who a dispute reaches at its second tier, and who the partner meets in the joint management meetings.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, assert_never

from stages.errors import InvalidInput, Problem
from stages.naming import hidden_characters, normal
from stages.relationships import Relationship, Side

ROLE_MAX = 60
PAIRS_MAX = 8  # a team larger than this is no longer one that meets and decides together


@dataclass(frozen=True)
class PairDraft:
    """One row of the team as typed: a role, and the people (one of each side, or one side alone for now)."""

    role: str
    people: tuple[str, ...]
    row: int  # the form's row it was typed in, from 1, where its problems are told


@dataclass(frozen=True)
class TeamPair:
    """A role held on both sides: the home organisation's person and the partner's counterpart (either may be
    missing while the other side has not named theirs)."""

    role: str
    home_id: str | None
    partner_id: str | None

    def person(self, side: Side) -> str | None:
        match side:
            case Side.HOME:
                return self.home_id
            case Side.PARTNER:
                return self.partner_id
            case _:
                assert_never(side)

    @property
    def people(self) -> list[str]:
        return [person for person in (self.home_id, self.partner_id) if person]


def row_block(kind: str, row: int) -> str:
    """The form's field of one row of the team: `kind` is "role" or "people"; rows count from 1."""
    return f"team_{kind}_{row}"


def checked_rows(rows: Sequence[PairDraft]) -> list[PairDraft]:
    """The rows filled in, each with its role and its people, or `InvalidInput` naming each row's problem: a role
    without anyone, people without a role, more than a pair, or a person in two roles. Empty rows are dropped."""
    problems: list[Problem] = []
    kept: list[PairDraft] = []
    seen: set[str] = set()
    for raw in rows:
        role = " ".join(normal(raw.role or "").split())
        people = tuple(dict.fromkeys(raw.people))
        if not role and not people:
            continue
        role_field, people_field = row_block("role", raw.row), row_block("people", raw.row)
        if not role:
            problems.append(Problem(role_field, "team_role_missing"))
        elif len(role) > ROLE_MAX:
            problems.append(Problem(role_field, "too_long", {"limit": ROLE_MAX, "length": len(role)}))
        else:
            problems += hidden_characters(role_field, role)
        if not people:
            problems.append(Problem(people_field, "team_people_missing", {"role": role}))
        elif len(people) > 2:
            problems.append(Problem(people_field, "team_pair_too_many"))
        twice = [person for person in people if person in seen]
        if twice:
            problems.append(Problem(people_field, "team_person_twice", {"person": twice[0]}))
        seen.update(people)
        kept.append(PairDraft(role, people, raw.row))
    if len(kept) > PAIRS_MAX:
        problems.append(Problem(row_block("role", kept[PAIRS_MAX].row), "team_too_large", {"most": PAIRS_MAX}))
    if problems:
        raise InvalidInput(problems)
    return kept


def paired(rows: Sequence[PairDraft], relationship: Relationship, organisations: Mapping[str, str]) -> list[TeamPair]:
    """The checked rows as pairs, each person on the side their organisation (`organisations`: person to Slack
    workspace) takes part for; `InvalidInput` for someone of neither organisation, two people of one side in a
    pair, or a partner's person while the partner does not take part."""
    problems: list[Problem] = []
    pairs: list[TeamPair] = []
    for row in rows:
        field = row_block("people", row.row)
        sides: dict[Side, str] = {}
        for person in row.people:
            side = relationship.side_of(organisations.get(person, ""))
            if side is None:
                code = "team_person_outside" if relationship.is_joint else "team_person_not_ours"
                problems.append(Problem(field, code, {"partner": relationship.partner}))
            elif side in sides:
                problems.append(Problem(field, "team_pair_same_side", {"partner": relationship.partner}))
            else:
                sides[side] = person
        pairs.append(TeamPair(row.role, sides.get(Side.HOME), sides.get(Side.PARTNER)))
    if problems:
        raise InvalidInput(problems)
    return pairs


def members(pairs: Sequence[TeamPair], side: Side | None = None) -> list[str]:
    """The team's people, of one side or both, in the order of the roster."""
    sides = [side] if side is not None else [Side.HOME, Side.PARTNER]
    found = [pair.person(s) for pair in pairs for s in sides]
    return list(dict.fromkeys(person for person in found if person))


def roster(pairs: Sequence[TeamPair]) -> dict[str, Any]:
    """The team as the audit trail keeps it, before and after a change."""
    return {"pairs": [{"role": p.role, "home_id": p.home_id, "partner_id": p.partner_id} for p in pairs]}
