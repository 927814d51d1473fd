"""Use cases of check-ins: opening one, answering items, taking notes, signing stages off and reopening them."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import assert_never

from stages.audit import SYSTEM, snapshot
from stages.catalogue import Catalogue, ChecklistItem, Stage
from stages.checkins import (
    Checkin,
    CheckinStatus,
    GateSignature,
    Note,
    SignOff,
    item_reference,
    note_text,
    reopen_reason,
)
from stages.checklist import Answer, ItemState, StageProgress, apply
from stages.errors import GateNotReady, NotAllowed, StageOutOfOrder, Stale
from stages.homes import HomesToDraw, homes
from stages.knowledge_service import refuse_never_shared
from stages.naming import hidden_characters
from stages.nudges import assignment_nudges
from stages.ports import UnitOfWork
from stages.relationship_service import relationship_and_number
from stages.relationships import Relationship, Side, taking_part
from stages.rmp import save_version

log = logging.getLogger(__name__)

SAVE_ATTEMPTS = 3  # concurrent answers to one item are retried against the fresh state
HOME_UNNAMED = "the host organisation"  # before Slack has told the home workspace's name


@dataclass(frozen=True)
class Board:
    """Everything shown about one check-in: its relationship, stage progress, sign-off and notes per item."""

    relationship: Relationship
    checkin: Checkin
    progress: StageProgress
    sign_off: SignOff | None
    notes: dict[str | None, int]
    rounds: int  # how often the stage has been signed off, reopened ones included: the gate's state, as shown
    signatures: tuple[GateSignature, ...] = ()  # a joint gate's signatures so far, this round
    home_name: str = ""  # the home organisation's name, as its workspace is called (for a joint relationship)

    @property
    def stage(self) -> Stage:
        return self.progress.stage

    @property
    def joint(self) -> bool:
        """Whether the gate needs both organisations: from the engagement phase on, once the partner takes part."""
        return self.relationship.is_joint and not self.stage.is_internal

    def signed_by(self, side: Side) -> GateSignature | None:
        """That side's signature on the joint gate, this round."""
        return next((s for s in self.signatures if s.side == side), None)

    def organisation(self, side: Side) -> str:
        """What a side is called: the partner as the relationship names it, home as its workspace is named."""
        match side:
            case Side.HOME:
                return self.home_name or HOME_UNNAMED
            case Side.PARTNER:
                return self.relationship.partner
            case _:
                assert_never(side)

    @property
    def signed_off(self) -> bool:
        return self.sign_off is not None

    def state(self, item_id: str) -> ItemState:
        return next(s for s in self.progress.states if s.item_id == item_id)

    def item(self, item_id: str) -> ChecklistItem:
        return next(i for i in self.stage.items if i.id == item_id)


def choose_stage(catalogue: Catalogue, relationship: Relationship, requested: int | None) -> Stage:
    """The stage to check in on: the current one by default; never one the relationship has not reached."""
    number = relationship.stage if requested is None else requested
    if not catalogue.first_stage.number <= number <= catalogue.last_stage.number:
        raise StageOutOfOrder("no_such_stage", number, relationship.stage, relationship.name)
    if number > relationship.stage:
        raise StageOutOfOrder("not_reached", number, relationship.stage, relationship.name)
    return catalogue.stage(number)


@dataclass(frozen=True)
class CheckinClaimed:
    """A check-in just claimed for its stage: its thread is to be posted (or the claim abandoned)."""

    board: Board


@dataclass(frozen=True)
class CheckinRunning:
    """The stage already has a check-in: the person is pointed to it."""

    checkin: Checkin
    relationship: Relationship
    stage: Stage


def start(
    uow: UnitOfWork,
    catalogue: Catalogue,
    readings: Sequence[tuple[str, int | None]],
    *,
    by: str,
    now: datetime,
) -> CheckinClaimed | CheckinRunning:
    """`<relationship> [stage]` (its `readings`, most literal first): the stage's check-in, claimed for posting
    unless it has one already. `RelationshipNotFound`, or `StageOutOfOrder` for a stage not reached."""
    with uow:
        relationship, requested = relationship_and_number(uow, readings)
        stage = choose_stage(catalogue, relationship, requested)
        checkin, claimed = claim(uow, relationship, stage, by=by, now=now)
        if not claimed:
            return CheckinRunning(checkin, relationship, stage)
        return CheckinClaimed(board(uow, catalogue, checkin.id or 0))


def claim(uow: UnitOfWork, relationship: Relationship, stage: Stage, *, by: str, now: datetime) -> tuple[Checkin, bool]:
    """The stage's check-in, claimed for posting when there is none yet (True) or the existing one (False)."""
    relationship_id = _stored(relationship)
    with uow:
        existing = uow.checkins.for_stage(relationship_id, stage.number)
        if existing is not None and existing.withdrawn_at is not None and uow.checkins.repost(existing):
            taken = replace(existing, withdrawn_at=None)
            uow.audit.record(relationship_id, by, now, "checkin.reposted", f"stage {stage.number}", existing, taken)
            uow.commit()
            return taken, True
        if existing is not None:
            return existing, False
        claimed = uow.checkins.claim(Checkin(uow.team_id, relationship_id, stage.number, by, now))
        if claimed is not None:
            uow.audit.record(relationship_id, by, now, "checkin.opened", f"stage {stage.number}", after=claimed)
        if claimed is None:  # someone else claimed it a moment ago
            found = uow.checkins.for_stage(relationship_id, stage.number)
            if found is None:
                raise Stale("check-in vanished while being claimed")
            return found, False
        uow.commit()
        return claimed, True


def posted(
    uow: UnitOfWork, checkin: Checkin, channel_id: str, thread_ts: str, items: dict[str, str], *, now: datetime
) -> Checkin:
    """Record where the check-in's thread and item messages are, so they are never searched for again."""
    with uow:
        saved = uow.checkins.update(replace(checkin, channel_id=channel_id, thread_ts=thread_ts, item_messages=items))
        subject = f"stage {checkin.stage}"
        uow.audit.record(checkin.relationship_id, SYSTEM, now, "checkin.posted", subject, checkin, saved)
        uow.commit()
        return saved


def current_thread(uow: UnitOfWork, relationship: Relationship) -> Checkin | None:
    """The posted check-in of the relationship's current stage, if there is one."""
    with uow.reading():
        checkin = uow.checkins.for_stage(relationship.id or 0, relationship.stage)
    return checkin if checkin is not None and checkin.posted else None


def internal_threads(uow: UnitOfWork, catalogue: Catalogue, channel_id: str) -> list[Board]:
    """The strategy-phase check-ins posted in `channel_id`: what must leave it once another organisation reads it."""
    with uow.reading():
        found = [c for c in uow.checkins.in_channel(channel_id) if catalogue.stage(c.stage).is_internal]
        return [_board(uow, catalogue, checkin) for checkin in found]


def withdraw(uow: UnitOfWork, checkins: Sequence[Checkin], *, now: datetime) -> None:
    """Record that these check-ins' threads were taken out of their channel: their answers and notes stay, and
    each is posted again where it is next started."""
    with uow:
        for checkin in checkins:
            current = uow.checkins.get(checkin.id or 0)
            if current is None or current.channel_id != checkin.channel_id:
                continue  # withdrawn already (a retried event), or moved since
            taken = uow.checkins.update(current.withdrawn(now))
            subject = f"stage {checkin.stage}"
            uow.audit.record(checkin.relationship_id, SYSTEM, now, "checkin.withdrawn", subject, current, taken)
        uow.commit()


def abandon(uow: UnitOfWork, checkin: Checkin, *, now: datetime) -> None:
    """Release a claim whose thread could not be posted, so the check-in can be started again."""
    with uow:
        uow.checkins.delete(checkin)
        uow.audit.record(checkin.relationship_id, SYSTEM, now, "checkin.abandoned", f"stage {checkin.stage}", checkin)
        uow.commit()


def board(uow: UnitOfWork, catalogue: Catalogue, checkin_id: int) -> Board:
    with uow.reading():
        checkin = uow.checkins.get(checkin_id)
        if checkin is None:
            raise Stale(f"check-in {checkin_id}")
        return _board(uow, catalogue, checkin)


def _board(uow: UnitOfWork, catalogue: Catalogue, checkin: Checkin) -> Board:
    relationship = uow.relationships.get(checkin.relationship_id)
    if relationship is None or relationship.id is None:
        raise Stale(f"relationship of check-in {checkin.id}")
    stage = catalogue.stage(checkin.stage)
    progress = StageProgress.of(stage, relationship.id, uow.checklist.states(relationship.id))
    sign_off = uow.sign_offs.active(relationship.id, stage.number)
    rounds = sum(1 for s in uow.sign_offs.for_relationship(relationship.id) if s.stage == stage.number)
    signatures = () if sign_off else tuple(uow.gate_signatures.of_round(relationship.id, stage.number, rounds))
    notes = uow.notes.counts(checkin.id or 0)
    named = uow.directory.among([relationship.team_id]) if relationship.is_joint else []
    home_name = named[0].name if named else ""
    return Board(relationship, checkin, progress, sign_off, notes, rounds, signatures, home_name)


@dataclass(frozen=True)
class Answered:
    """An item answered: as it was, the board after, and the Home tabs to draw again (the person who answered,
    those the item was and is assigned to, and the relationship's leaders)."""

    before: ItemState
    board: Board  # after the answer
    home_for: HomesToDraw

    @property
    def after(self) -> ItemState:
        return self.board.state(self.before.item_id)


def answer(
    uow: UnitOfWork,
    catalogue: Catalogue,
    checkin_id: int,
    item_id: str,
    make: Callable[[int], Answer],
    *,
    organisation: str,
    link: str | None = None,
) -> Answered | None:
    """Apply an answer to an item of the check-in's stage; None when it changes nothing (a repeat click).

    `make` builds the answer for the relationship's id, given by a person of `organisation`, which must be one of
    the relationship's two (`OutsideTheRelationship`); the answer records which. Two answers racing for one item
    are serialised by the state's version: the loser re-reads and is applied to (or found to repeat) the winner's
    state. Someone else the item is assigned to is told, with `link` to where it is answered.
    """
    for _ in range(SAVE_ATTEMPTS):
        with uow:
            current = answerable(board(uow, catalogue, checkin_id), item_id)
            side = taking_part(current.relationship, organisation)
            made = make(current.relationship.id or 0)
            # Only the home organisation keeps evidence from the partner, and only where the partner reads it.
            internal = made.evidence_internal and side is Side.HOME and current.joint
            the_answer = replace(made, actor_side=side, evidence_internal=internal)
            state = current.state(item_id)
            changed = apply(state, the_answer)
            if changed is None:
                return None
            if not uow.checklist.save(changed):
                continue
            uow.checklist.record(the_answer)
            relationship_id = current.relationship.id
            action = f"item.{the_answer.kind.value}"
            uow.audit.record(
                relationship_id, the_answer.actor_id, the_answer.at, action, item_id, state, changed, side=side
            )
            told = assignment_nudges(
                current.relationship,
                current.stage,
                current.item(item_id),
                state,
                changed,
                by=the_answer.actor_id,
                link=link,
            )
            uow.nudges.enqueue(told, the_answer.at)
            r = current.relationship
            people = homes(
                uow,
                the_answer.at,
                the_answer.actor_id,
                state.assignee_id,
                changed.assignee_id,
                r.owner_id,
                r.sponsor_id,
            )
            uow.commit()
            return Answered(state, board(uow, catalogue, checkin_id), people)
    raise Stale(f"{item_id} kept changing under this answer")


def answerable(current: Board, item_id: str) -> Board:
    """The board, if the item may be answered there: one of its stage's, not frozen by a sign-off since shown."""
    if item_id not in {i.id for i in current.stage.items}:
        raise Stale(f"{item_id} is not in stage {current.stage.number}")
    if current.signed_off:
        raise StageOutOfOrder("already_signed_off", current.stage.number, current.relationship.stage)
    return current


@dataclass(frozen=True)
class GateMoved:
    """A stage signed off or reopened: its thread is to be told and every message of it shown anew, and these
    Home tabs drawn again."""

    board: Board
    home_for: HomesToDraw


@dataclass(frozen=True)
class GateCountersigned:
    """One side signed a joint gate, which waits for the other side's signature (`board.signatures`)."""

    board: Board
    side: Side
    home_for: HomesToDraw


def sign_off(
    uow: UnitOfWork,
    catalogue: Catalogue,
    checkin_id: int,
    *,
    by: str,
    organisation: str,
    now: datetime,
    seen_round: int,
) -> GateMoved | GateCountersigned | None:
    """Close the stage through its gate and move the relationship on, from the gate they saw (`seen_round`): a
    button from before a reopening is `Stale`.

    The owner or executive sponsor signs. A joint gate (see `Board.joint`) needs both organisations: the first
    side's signature waits for the other's (the partner's sponsor or relationship manager), and the second moves
    the relationship on. None when this side had signed already and the other has not (a double click); when
    both sides signed at the same moment, each unseen by the other, the next press of either moves it on.
    """
    with uow:
        current = board(uow, catalogue, checkin_id)
        relationship = current.relationship
        side = taking_part(relationship, organisation) if current.joint else Side.HOME
        if not relationship.signs_for(by, side):
            if current.joint:
                r = relationship
                raise NotAllowed("joint_sign_off", r.owner_id, r.sponsor_id, also=r.partner_sponsor_id)
            raise NotAllowed("sign_off", relationship.owner_id, relationship.sponsor_id)
        if current.signed_off or relationship.stage != current.stage.number or relationship.exited:
            raise StageOutOfOrder("already_signed_off", current.stage.number, relationship.stage)
        if current.rounds != seen_round:
            raise Stale(f"stage {current.stage.number} was reopened since round {seen_round}")
        if not current.progress.ready:
            raise _not_ready(current.progress)
        home_signer, partner = by, None
        if current.joint:
            signature = GateSignature(
                uow.team_id, relationship.id or 0, current.stage.number, current.rounds, side, by, now
            )
            added = uow.gate_signatures.add(signature)
            # Read again, not from the board: the other side may have signed at the same moment, unseen by it.
            of_round = uow.gate_signatures.of_round(signature.relationship_id, signature.stage, signature.round)
            signatures = {s.side: s for s in of_round}
            other = signatures.get(side.other)
            if other is None and not added:
                return None  # this side signed already (a double click): the gate still waits for the other
            if other is None:
                subject = f"stage {current.stage.number}"
                uow.audit.record(relationship.id, by, now, "stage.countersigned", subject, after=signature, side=side)
                people = homes(uow, now, by, relationship.owner_id, relationship.sponsor_id)
                uow.commit()
                return GateCountersigned(board(uow, catalogue, checkin_id), side, people)
            mine = signatures.get(side, signature)  # this side's first signature, if this press was a second one
            home, partner = (mine, other) if side is Side.HOME else (other, mine)
            home_signer = home.signed_by
        moved = relationship.advanced(catalogue.last_stage.number)
        if current.stage.number >= catalogue.cadences.exit_review_at_signoff_from_stage:
            moved = replace(moved, next_exit_review_due=now.date())  # the exit strategy is reviewed at each one
        if not uow.relationships.move(relationship, from_stage=relationship.stage, to=moved):
            raise StageOutOfOrder("already_signed_off", current.stage.number, relationship.stage)
        signed = uow.sign_offs.add(
            SignOff(
                uow.team_id,
                relationship.id or 0,
                current.stage.number,
                home_signer,
                now,
                partner_signed_by=partner.signed_by if partner else None,
                partner_signed_at=partner.signed_at if partner else None,
            )
        )
        uow.checkins.update(replace(current.checkin, status=CheckinStatus.SIGNED_OFF))
        subject = f"stage {current.stage.number}"
        after = {**_plain(moved), "sign_off": signed}
        uow.audit.record(relationship.id, by, now, "stage.signed_off", subject, relationship, after, side=side)
        save_version(
            uow, catalogue, relationship.id or 0, reason=f"stage {current.stage.number} signed off", by=by, now=now
        )
        leaders = homes(uow, now, by, relationship.owner_id, relationship.sponsor_id)
        uow.commit()
        return GateMoved(board(uow, catalogue, checkin_id), leaders)


def reopen_form(
    uow: UnitOfWork, catalogue: Catalogue, checkin_id: int, *, by: str, organisation: str, seen_round: int
) -> Board:
    """The check-in, for its owner or sponsor to say why the stage signed off in `seen_round` is reopened."""
    return _reopenable(uow, catalogue, checkin_id, by, organisation, seen_round)[0]


def _reopenable(
    uow: UnitOfWork, catalogue: Catalogue, checkin_id: int, by: str, organisation: str, seen_round: int
) -> tuple[Board, Side]:
    """The check-in, if `by` signs its gate (else `NotAllowed`) and it is still at the sign-off they saw (else
    `Stale`: a button from before a later sign-off). Either organisation's signatory reopens a joint gate."""
    current = board(uow, catalogue, checkin_id)
    relationship = current.relationship
    side = taking_part(relationship, organisation) if current.joint else Side.HOME
    if not relationship.signs_for(by, side):
        raise NotAllowed("reopen", relationship.owner_id, relationship.sponsor_id)
    if current.rounds != seen_round:
        raise Stale(f"stage {current.stage.number} was signed off again since round {seen_round}")
    return current, side


def reopen(
    uow: UnitOfWork,
    catalogue: Catalogue,
    checkin_id: int,
    *,
    by: str,
    organisation: str,
    reason: str,
    now: datetime,
    seen_round: int,
) -> GateMoved:
    """Reopen the latest signed-off stage: the relationship goes back to it. Only the owner or sponsor may (of
    either organisation, for a joint gate), and only the sign-off they saw (`seen_round`): a button from before a
    later sign-off is `Stale`."""
    why = reopen_reason(reason)
    with uow:
        current, side = _reopenable(uow, catalogue, checkin_id, by, organisation, seen_round)
        relationship = current.relationship
        if current.sign_off is None:
            raise StageOutOfOrder("not_signed_off", current.stage.number, relationship.stage)
        if current.stage.number != relationship.last_signed_off:
            raise StageOutOfOrder("reopen_latest_first", current.stage.number, relationship.last_signed_off)
        moved = relationship.reopened(current.stage.number)
        if not uow.relationships.move(relationship, from_stage=relationship.stage, to=moved):
            raise StageOutOfOrder("not_signed_off", current.stage.number, relationship.stage)
        reopened = uow.sign_offs.update(current.sign_off.reopened(by, now, why))
        uow.checkins.update(replace(current.checkin, status=CheckinStatus.OPEN))
        subject = f"stage {current.stage.number}"
        uow.audit.record(relationship.id, by, now, "stage.reopened", subject, current.sign_off, reopened, side=side)
        leaders = homes(uow, now, by, relationship.owner_id, relationship.sponsor_id)
        uow.commit()
        return GateMoved(board(uow, catalogue, checkin_id), leaders)


@dataclass(frozen=True)
class NoteChange:
    """What a captured, edited or deleted thread message did: the board after it and the items it touched."""

    board: Board
    note: Note
    items: frozenset[str]  # item ids whose note count changed


def capture(
    uow: UnitOfWork,
    catalogue: Catalogue,
    *,
    channel_id: str,
    thread_ts: str,
    message_ts: str,
    author_id: str,
    organisation: str,
    text: str,
    now: datetime,
) -> NoteChange | None:
    """Keep a reply in a check-in thread as a note, by a person of `organisation` (`OutsideTheRelationship` for
    a third one); None if the thread is not a check-in or it was kept already."""
    with uow:
        checkin = uow.checkins.by_thread(channel_id, thread_ts)
        if checkin is None or checkin.id is None:
            return None
        relationship = uow.relationships.get(checkin.relationship_id)
        if relationship is None:
            return None
        side = taking_part(relationship, organisation)
        _never_shared_in_thread(uow, catalogue, relationship, checkin, side, text)
        item = item_reference(text, catalogue.stage(checkin.stage))
        kept = _kept(text, message_ts)
        note = Note(
            uow.team_id, checkin.id, channel_id, message_ts, author_id, kept, now, item.id if item else None,
            author_side=side,
        )  # fmt: skip
        added = uow.notes.add(note)
        if added is None:
            return None
        subject = added.item_id or "check-in"
        uow.audit.record(checkin.relationship_id, author_id, now, "note.added", subject, after=added, side=side)
        uow.commit()
        return NoteChange(_board(uow, catalogue, checkin), added, _touched(added.item_id))


def _never_shared_in_thread(
    uow: UnitOfWork, catalogue: Catalogue, relationship: Relationship, checkin: Checkin, side: Side, text: str
) -> None:
    """A reply in a joint stage's thread, which the other organisation reads, is not kept as a note when it names
    one of its writer's organisation's never-share items (`InvalidInput` saying which)."""
    if relationship.is_joint and not catalogue.stage(checkin.stage).is_internal:
        refuse_never_shared(uow, checkin.relationship_id, side, {"note": text}, code="never_share_noted")


def refuse_never_shared_answer(
    uow: UnitOfWork,
    catalogue: Catalogue,
    checkin_id: int,
    organisation: str,
    texts: dict[str, str | None],
    *,
    internal: bool | None,
) -> None:
    """An answer's texts (evidence, a reason) naming one of the writer's organisation's never-share items are
    refused in a joint stage's check-in, which is posted in the channel shared with the other organisation, unless
    kept internal; `internal` is None where the form offers no such box."""
    found = board(uow, catalogue, checkin_id)
    side = found.relationship.side_of(organisation)
    if not found.joint or side is None or (internal and side is Side.HOME):
        return  # no other organisation reads it, a third one is refused its answer anyway, or it stays at home
    refuse_never_shared(
        uow, found.relationship.id or 0, side, texts, may_keep_internal=internal is not None and side is Side.HOME
    )


def revise(
    uow: UnitOfWork, catalogue: Catalogue, *, channel_id: str, message_ts: str, text: str, now: datetime
) -> NoteChange | None:
    """An edited reply updates its note, and moves it to another item if the edit names a different one."""
    with uow:
        note = uow.notes.by_message(channel_id, message_ts)
        if note is None:
            return None
        checkin = uow.checkins.get(note.checkin_id)
        if checkin is None:
            return None
        relationship = uow.relationships.get(checkin.relationship_id)
        if relationship is not None:
            _never_shared_in_thread(uow, catalogue, relationship, checkin, note.author_side, text)
        item = item_reference(text, catalogue.stage(checkin.stage))
        updated = uow.notes.update(
            replace(note, text=_kept(text, message_ts), item_id=item.id if item else None, edited_at=now)
        )
        subject = updated.item_id or "check-in"
        uow.audit.record(
            checkin.relationship_id, note.author_id, now, "note.edited", subject, note, updated, side=note.author_side
        )
        uow.commit()
        return NoteChange(_board(uow, catalogue, checkin), updated, _touched(note.item_id, updated.item_id))


def forget(
    uow: UnitOfWork, catalogue: Catalogue, *, channel_id: str, message_ts: str, now: datetime
) -> NoteChange | None:
    """A deleted reply takes its note with it (the audit trail keeps what it said)."""
    with uow:
        note = uow.notes.by_message(channel_id, message_ts)
        if note is None:
            return None
        checkin = uow.checkins.get(note.checkin_id)
        uow.notes.delete(note)
        if checkin is not None:
            subject = note.item_id or "check-in"
            uow.audit.record(
                checkin.relationship_id, note.author_id, now, "note.deleted", subject, note, side=note.author_side
            )
        uow.commit()
        if checkin is None:
            return None
        return NoteChange(_board(uow, catalogue, checkin), note, _touched(note.item_id))


def _kept(text: str, message_ts: str) -> str:
    """The note a reply is kept as; a reply that loses hidden characters on the way is logged."""
    hidden = hidden_characters("text", text, multiline=True)
    if hidden:
        first = hidden[0].params["character"]
        log.warning("reply %s is kept without its hidden characters (the first was %s)", message_ts, first)
    return note_text(text)


def _not_ready(progress: StageProgress) -> GateNotReady:
    return GateNotReady(
        progress.stage.number,
        [item.id for item in progress.open_items()],
        [item.id for item in progress.needing_evidence()],
        all_not_applicable=progress.all_not_applicable,
    )


def _plain(relationship: Relationship) -> dict[str, object]:
    return snapshot(relationship) or {}


def _stored(relationship: Relationship) -> int:
    if relationship.id is None:
        raise ValueError("the relationship has not been stored")
    return relationship.id


def _touched(*item_ids: str | None) -> frozenset[str]:
    return frozenset(i for i in item_ids if i is not None)
