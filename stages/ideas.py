"""The value-creation ideas register: ideas either organisation proposes to create value together, what value
means for each of them, what each idea is expected to bring and what it brought. BS 11000 asks for a joint
value-creation process, value defined for those involved, and ideas that do not deliver let go: an idea that has
not moved for a while is flagged stale and its owner asked to keep it going or drop it.

Rules only: what an idea holds, the way its status may move, who may see it, and when it is stale.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from stages.errors import InvalidInput, Problem
from stages.naming import checked_text, hidden_characters, normal
from stages.relationships import Side

TITLE_MAX = 150
TEXT_MAX = 2000
UNIT_MAX = 16
AMOUNT_MAX = Decimal("1e12")  # an amount's digits before the point: twelve at most
STALE_DAYS = 60  # IDEA_STALE_DAYS by default


class IdeaStatus(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    IN_DELIVERY = "in_delivery"
    DELIVERED = "delivered"
    DROPPED = "dropped"

    @property
    def open(self) -> bool:
        return self not in (IdeaStatus.DELIVERED, IdeaStatus.DROPPED)

    @property
    def next(self) -> "IdeaStatus | None":
        """The one step forward the model allows (proposed, agreed, in delivery, delivered); None once closed."""
        steps = list(FORWARD)
        return steps[steps.index(self) + 1] if self in steps[:-1] else None


STATUS_WORDS = {
    IdeaStatus.PROPOSED.value: "proposed",
    IdeaStatus.AGREED.value: "agreed",
    IdeaStatus.IN_DELIVERY.value: "in delivery",
    IdeaStatus.DELIVERED.value: "delivered",
    IdeaStatus.DROPPED.value: "dropped",
}  # what the plan and the evidence pack call each status
FORWARD = (IdeaStatus.PROPOSED, IdeaStatus.AGREED, IdeaStatus.IN_DELIVERY, IdeaStatus.DELIVERED)


@dataclass(frozen=True)
class Amount:
    """A value as a number and what it counts: a currency (GBP) or a unit (hours, tonnes of CO2)."""

    number: Decimal
    unit: str

    @property
    def shown(self) -> str:
        """As people write it: thousands separated, the unit after (120,000 GBP)."""
        return f"{self.number:,} {self.unit}"


@dataclass(frozen=True)
class IdeaDraft:
    """An idea as typed in its form, checked."""

    title: str
    proposer_id: str
    owner_id: str
    value_home: str  # what value means for the organisation that keeps the relationship
    value_partner: str  # ... and for the partner
    expected: Amount
    expected_words: str
    next_decision: date
    internal: bool


@dataclass(frozen=True)
class Idea:
    team_id: str
    relationship_id: int
    title: str
    proposer_id: str
    owner_id: str
    value_home: str
    value_partner: str
    expected_amount: Decimal
    expected_unit: str
    expected_words: str
    status: IdeaStatus
    next_decision: date
    internal: bool  # seen only by the side that recorded it
    side: Side  # the organisation that recorded it
    raised_by: str
    raised_at: datetime
    moved_on: date  # its last status change or decision: what staleness counts from
    delivered_amount: Decimal | None = None
    delivered_unit: str | None = None
    drop_reason: str | None = None
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.status.open

    @property
    def expected(self) -> Amount:
        return Amount(self.expected_amount, self.expected_unit)

    @property
    def delivered(self) -> Amount | None:
        if self.delivered_amount is None or self.delivered_unit is None:
            return None
        return Amount(self.delivered_amount, self.delivered_unit)

    def seen_by(self, side: Side) -> bool:
        """An internal idea is its own organisation's business: the other side never sees it."""
        return not self.internal or side is self.side

    def stale_from(self, stale_days: int) -> date:
        """The day an idea that has not moved since `moved_on` becomes stale."""
        return self.moved_on + timedelta(days=stale_days)

    def stale(self, today: date, stale_days: int) -> bool:
        """Open and not moved for `stale_days` days: stale on that day, not the one before."""
        return self.open and today >= self.stale_from(stale_days)

    def moved(self, move: "IdeaMove", today: date) -> "Idea":
        return replace(
            self,
            status=move.to,
            next_decision=move.next_decision or self.next_decision,
            moved_on=today,
            delivered_amount=move.delivered.number if move.delivered else None,
            delivered_unit=move.delivered.unit if move.delivered else None,
            drop_reason=move.reason,
        )

    def kept_going(self, next_decision: date, today: date) -> "Idea":
        """A decision to carry on, by a new date: the idea has moved."""
        return replace(self, next_decision=next_decision, moved_on=today)


def ranked(ideas: Sequence[Idea]) -> list[Idea]:
    """Open ideas, the soonest decision first."""
    return sorted((i for i in ideas if i.open), key=lambda i: (i.next_decision, i.id or 0))


def delivered_totals(ideas: Sequence[Idea]) -> list[Amount]:
    """The value delivered, summed for each currency or unit (amounts of different units never add up)."""
    totals: dict[str, Decimal] = {}
    for idea in ideas:
        value = idea.delivered
        if idea.status is IdeaStatus.DELIVERED and value is not None:
            totals[value.unit] = totals.get(value.unit, Decimal(0)) + value.number
    return [Amount(number, unit) for unit, number in sorted(totals.items(), key=lambda kv: kv[0].casefold())]


@dataclass(frozen=True)
class IdeaSummary:
    """How many open ideas one side sees, how many of those are stale, and the value delivered."""

    open: int
    stale: int
    delivered: list[Amount]


def summary(ideas: Sequence[Idea], side: Side, today: date, stale_days: int) -> IdeaSummary:
    seen = [i for i in ideas if i.seen_by(side)]
    opened = [i for i in seen if i.open]
    return IdeaSummary(len(opened), sum(i.stale(today, stale_days) for i in opened), delivered_totals(seen))


def amount_of(field: str, raw: str | None, problems: list[Problem]) -> Decimal:
    """A number of at most two decimals, zero or more (commas between thousands allowed)."""
    text = (raw or "").strip().replace(",", "")
    try:
        number = Decimal(text) if text.isascii() and text else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number >= AMOUNT_MAX:
        problems.append(Problem(field, "idea_amount_invalid"))
        return Decimal(0)
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.append(Problem(field, "idea_amount_decimals"))
        return Decimal(0)
    return number.quantize(Decimal("0.01")) if number != number.to_integral_value() else number.quantize(Decimal(1))


def unit_of(field: str, raw: str | None, problems: list[Problem]) -> str:
    """A currency or unit in a few characters; a three-letter code is upper-cased (gbp is GBP)."""
    text = " ".join(normal(raw or "").split())
    if not text:
        problems.append(Problem(field, "idea_unit_missing"))
    elif len(text) > UNIT_MAX:
        problems.append(Problem(field, "too_long", {"limit": UNIT_MAX, "length": len(text)}))
    else:
        problems += hidden_characters(field, text)
    return text.upper() if len(text) == 3 and text.isascii() and text.isalpha() else text


def decision_day(raw: str | None, today: date, problems: list[Problem], *, field: str = "next_decision") -> date:
    """The next decision date: a calendar date, today or later (a decision already missed is no plan)."""
    if raw is None or not raw.strip():
        problems.append(Problem(field, "idea_decision_missing"))
        return today
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        problems.append(Problem(field, "date_invalid", {"value": raw}))
        return today
    if day < today:
        problems.append(Problem(field, "idea_decision_past"))
    return day


def idea_draft(
    *,
    title: str | None,
    proposer_id: str | None,
    owner_id: str | None,
    value_home: str | None,
    value_partner: str | None,
    expected_amount: str | None,
    expected_unit: str | None,
    expected_words: str | None,
    next_decision: str | None,
    internal: bool,
    today: date,
) -> IdeaDraft:
    """The form's answers as an idea, or `InvalidInput` naming each field that is wrong."""
    problems: list[Problem] = []
    name = " ".join(normal(title or "").split())
    if not name:
        problems.append(Problem("title", "idea_title_missing"))
    elif len(name) > TITLE_MAX:
        problems.append(Problem("title", "too_long", {"limit": TITLE_MAX, "length": len(name)}))
    else:
        problems += hidden_characters("title", name)
    if not proposer_id:
        problems.append(Problem("proposer", "idea_proposer_missing"))
    if not owner_id:
        problems.append(Problem("idea_owner", "idea_owner_missing"))
    draft = IdeaDraft(
        title=name,
        proposer_id=proposer_id or "",
        owner_id=owner_id or "",
        value_home=checked_text("value_home", value_home, problems, limit=TEXT_MAX, missing="idea_value_missing"),
        value_partner=checked_text(
            "value_partner", value_partner, problems, limit=TEXT_MAX, missing="idea_value_missing"
        ),
        expected=Amount(
            amount_of("expected_amount", expected_amount, problems), unit_of("expected_unit", expected_unit, problems)
        ),
        expected_words=checked_text(
            "expected_words", expected_words, problems, limit=TEXT_MAX, missing="idea_expected_missing"
        ),
        next_decision=decision_day(next_decision, today, problems),
        internal=internal,
    )
    if problems:
        raise InvalidInput(problems)
    return draft


@dataclass(frozen=True)
class IdeaMove:
    """An idea's next status and what that status needs: a new decision date while it is still to deliver, the
    value delivered, or the reason it is dropped."""

    to: IdeaStatus
    next_decision: date | None = None
    delivered: Amount | None = None
    reason: str | None = None


def idea_move(
    *,
    now: IdeaStatus,
    to: str | None,
    next_decision: str | None = None,
    delivered_amount: str | None = None,
    delivered_unit: str | None = None,
    reason: str | None = None,
    today: date,
) -> IdeaMove:
    """The move of an idea at status `now` to `to`, checked: one step forward, or dropped while open; nothing after
    delivered or dropped. `InvalidInput` names each field that is wrong."""
    problems: list[Problem] = []
    try:
        target = IdeaStatus(to or "")
    except ValueError:
        raise InvalidInput([Problem("status", "idea_status_missing")]) from None
    if not now.open or (target is not IdeaStatus.DROPPED and target is not now.next):
        raise InvalidInput([Problem("status", "idea_move_refused", {"now": now.value, "to": target.value})])
    match target:
        case IdeaStatus.DROPPED:
            move = IdeaMove(
                target, reason=checked_text("reason", reason, problems, limit=TEXT_MAX, missing="idea_reason_missing")
            )
        case IdeaStatus.DELIVERED:
            value = Amount(
                amount_of("delivered_amount", delivered_amount, problems),
                unit_of("delivered_unit", delivered_unit, problems),
            )
            move = IdeaMove(target, delivered=value)
        case IdeaStatus.AGREED | IdeaStatus.IN_DELIVERY | IdeaStatus.PROPOSED:
            move = IdeaMove(target, next_decision=decision_day(next_decision, today, problems))
    if problems:
        raise InvalidInput(problems)
    return move


def keep_going_date(raw: str | None, today: date) -> date:
    """The new decision date of an idea kept going: after today (a decision due at once has set no date)."""
    problems: list[Problem] = []
    day = decision_day(raw, today, problems)
    if day <= today and not problems:
        problems.append(Problem("next_decision", "date_not_future"))
    if problems:
        raise InvalidInput(problems)
    return day


def drop_reason(raw: str | None) -> str:
    """Why an idea is dropped, required."""
    problems: list[Problem] = []
    text = checked_text("reason", raw, problems, limit=TEXT_MAX, missing="idea_reason_missing")
    if problems:
        raise InvalidInput(problems)
    return text


def idea_subject(idea_id: int) -> str:
    """How the audit trail names an idea."""
    return f"idea {idea_id}"
