"""The audit trail as people read it: each event one sentence, e.g. "Bob Okafor escalated dispute #2 to tier 2".

`/accord history` and the plan's change log both tell events with `describe`, so they never disagree, and
neither shows an internal code. People and channels are named by the `Names` given; what people typed is quoted
as it is, for the caller to escape for where it goes.
"""

from datetime import date
from typing import Any, assert_never

from stages.audit import Action, AuditEvent, JSONable
from stages.checklist import ItemStatus
from stages.directory import Names
from stages.nudges import NudgeKind

QUOTED = 120  # characters of typed text a sentence quotes

STATUS_WORDS = {
    ItemStatus.OPEN: "Open",
    ItemStatus.IN_PROGRESS: "In progress",
    ItemStatus.DONE: "Done",
    ItemStatus.NOT_APPLICABLE: "Not applicable",
}
EDITABLE = {  # what editing a relationship can change, in words
    "name": "the name",
    "partner": "the partner",
    "owner_id": "the owner",
    "sponsor_id": "the executive sponsor",
    "channel_id": "the channel",
    "partner_team_id": "the partner's Slack workspace (its channel's sharing)",
    "partner_sponsor_id": "the partner's executive sponsor",
    "partner_manager_id": "the partner's relationship manager",
    "review_cadence_days": "the review cadence",
    "next_review_due": "the next review date",
    "exit_review_cadence_days": "the exit strategy review cadence",
    "next_exit_review_due": "the next exit strategy review date",
}
RISK_EDITABLE = {  # what editing a risk can change, in words
    "title": "its title",
    "description": "its description",
    "category": "its category",
    "breakdown_effect": "the effect of a breakdown",
    "owner_id": "its owner",
    "mitigation": "its mitigation",
}
KNOWLEDGE_EDITABLE = {  # what editing an item of the knowledge map can change, in words
    "title": "its title",
    "description": "its description",
    "owner_id": "its owner",
    "classification": "its class",
    "terms": "its terms",
}


def describe(event: AuditEvent, names: Names) -> str:
    """The event as one sentence: who did what to what."""
    try:
        action = Action(event.action)
    except ValueError:  # an event of a kind this version no longer records
        return f"{names.person(event.actor_id)} changed {event.subject}"
    return f"{names.person(event.actor_id)} {_what(action, event, names)}"


def _what(action: Action, event: AuditEvent, names: Names) -> str:
    a, b, subject = event.after or {}, event.before or {}, _subject(event.subject)
    match action:
        case Action.RELATIONSHIP_CREATED:
            return f"started managing {event.subject}"
        case Action.RELATIONSHIP_EDITED:
            return f"edited the relationship: {_edits(b, a, names)}"
        case Action.RELATIONSHIP_INTRODUCED:
            return f"introduced the relationship in {names.channel(a.get('channel_id') or event.subject)}"
        case Action.PARTNER_WORKSPACE:
            channel = names.channel(a.get("channel_id") or "")
            if a.get("partner_team_id"):
                return f"recorded that {channel} is shared with the partner's Slack workspace"
            return f"recorded that {channel} is no longer shared with the partner's Slack workspace"
        case Action.RELATIONSHIP_CARD:
            return f"pinned the relationship's card in {names.channel(a.get('channel_id') or event.subject)}"
        case Action.TEAM_CHANGED:
            pairs = [_pair(pair, names) for pair in a.get("pairs") or []]
            return (
                f"set the joint management team: {'; '.join(pairs)}" if pairs else "emptied the joint management team"
            )
        case Action.CHECKIN_OPENED:
            return f"opened the check-in of {subject}"
        case Action.CHECKIN_POSTED:
            return f"posted the check-in thread of {subject}"
        case Action.CHECKIN_ABANDONED:
            return f"could not post the check-in of {subject}, so released it"
        case Action.CHECKIN_WITHDRAWN:
            channel = names.channel(b.get("channel_id") or "")
            return f"took the check-in thread of {subject} out of {channel}, now shared with another organisation"
        case Action.CHECKIN_REPOSTED:
            return f"started the check-in of {subject} again, after it was taken out of a shared channel"
        case Action.ITEM_STATUS:
            reason = f": {_quote(a.get('reason'))}" if a.get("reason") else ""
            return f"marked {subject} {_status(a.get('status'))}{reason}"
        case Action.ITEM_EVIDENCE:
            link = f": {a['evidence_url']}" if a.get("evidence_url") else ""
            return f"added evidence to {subject}{link}"
        case Action.ITEM_ASSIGNMENT:
            assignee = a.get("assignee_id")
            return f"assigned {subject} to {names.person(assignee)}" if assignee else f"unassigned {subject}"
        case Action.NOTE_ADDED:
            return f"noted on {subject}{_said(a.get('text'))}"
        case Action.NOTE_EDITED:
            return f"edited a note on {subject}{_said(a.get('text'))}"
        case Action.NOTE_DELETED:
            return f"deleted a note on {subject}"
        case Action.STAGE_SIGNED_OFF:
            return f"signed off {subject}"
        case Action.STAGE_COUNTERSIGNED:
            side = "the partner organisation" if a.get("side") == "partner" else "the home organisation"
            return f"signed {subject} for {side}, which waits for the other organisation's signature"
        case Action.STAGE_REOPENED:
            return f"reopened {subject}: {_quote(a.get('reopen_reason'))}"
        case Action.REVIEW_RECORDED:
            ratings = ", ".join(f"{area} {a.get(area)}" for area in ("delivery", "trust", "value", "governance"))
            return f"recorded a review ({ratings})"
        case Action.DISPUTE_RAISED:
            return f"raised {subject}{_said(a.get('summary'))}"
        case Action.DISPUTE_POSTED:
            return f"posted {subject} in {names.channel(str(a.get('channel_id')))}"
        case Action.DISPUTE_ACKNOWLEDGED:
            return f"acknowledged {subject}"
        case Action.DISPUTE_UPDATE:
            return f"updated {subject}{_said(a.get('text'))}"
        case Action.DISPUTE_ESCALATED:
            return f"escalated {subject} to tier {a.get('tier')}"
        case Action.DISPUTE_RESOLVED:
            return f"resolved {subject}"
        case Action.EXIT_STRATEGY_SAVED:
            return f"saved version {a.get('version')} of the exit strategy"
        case Action.HEALTH_STARTED:
            asked = a.get("participants")
            return f"started {event.subject}, asking {asked} {'person' if asked == 1 else 'people'}"
        case Action.HEALTH_CLOSED:
            index = a.get("index")
            shown = f"overall index {index:.0f}" if isinstance(index, int | float) else "too few answers for an index"
            return f"closed {event.subject} ({shown})"
        case Action.EXIT_STRATEGY_AGREED:
            return f"agreed version {a.get('version')} of the exit strategy for the partner organisation"
        case Action.NUDGE_SNOOZED:
            return _snoozed(a)
        case Action.RISK_ADDED:
            return f"added {subject} to the risk register{_said(a.get('title'))}"
        case Action.RISK_EDITED:
            return f"edited {subject}: {', '.join(words for k, words in RISK_EDITABLE.items() if k in a)}"
        case Action.RISK_REVIEWED:
            return f"reviewed {subject}, scored {b.get('score')} before and {a.get('score')} now{_said(a.get('note'))}"
        case Action.RISK_CLOSED:
            return f"closed {subject}{_said(a.get('outcome'))}"
        case Action.ACTION_ADDED if a.get("internal"):  # the trail is in the plan, shown to both sides
            return f"added {subject} to the actions register, internal to one organisation"
        case Action.ACTION_ADDED:
            return f"added {subject} to the actions register{_said(a.get('title'))}"
        case Action.ACTION_COMPLETED if a.get("internal"):
            return f"completed {subject}, internal to one organisation"
        case Action.ACTION_COMPLETED:
            return f"completed {subject}{_said(a.get('note'))}"
        case Action.IDEA_ADDED:
            return f"added {subject} to the value-creation ideas{_said(a.get('title'))}"
        case Action.IDEA_MOVED:
            return _idea_moved(subject, a)
        case Action.IDEA_KEPT_GOING:
            return f"kept {subject} going, to be decided by {_day(str(a.get('next_decision')))}"
        case Action.KNOWLEDGE_ADDED:
            return f"added {subject} to the knowledge map{_said(a.get('title'))}"
        case Action.KNOWLEDGE_EDITED:
            return f"edited {subject}: {', '.join(words for k, words in KNOWLEDGE_EDITABLE.items() if k in a)}"
        case Action.KNOWLEDGE_RETIRED:
            return f"retired {subject}{_said(b.get('title'))}"
        case Action.MEETING_RECORDED:
            kind = "an internal meeting" if a.get("internal") else "a meeting of the joint management team"
            return f"recorded {kind} held on {a.get('held_on')} as {subject}"
        case _:
            assert_never(action)


def _subject(subject: str) -> str:
    """How the trail names what changed, in words: `dispute 2` is dispute #2, a note off any item is on the
    check-in."""
    kind, _, number = subject.partition(" ")
    if kind in ("dispute", "risk", "action", "idea", "meeting") and number.isdigit():
        return f"{kind} #{number}"
    if subject.startswith("knowledge item ") and subject.rpartition(" ")[2].isdigit():
        return f"knowledge item #{subject.rpartition(' ')[2]}"
    if subject == "check-in":
        return "the check-in"
    return subject


def _idea_moved(subject: str, after: JSONable) -> str:
    match after.get("status"):
        case "delivered":
            return f"marked {subject} delivered, {after.get('delivered')}"
        case "dropped":
            return f"dropped {subject}{_said(after.get('reason'))}"
        case status:
            by = _day(str(after.get("next_decision")))
            return f"moved {subject} to {str(status).replace('_', ' ')}, to be decided by {by}"


def _edits(before: JSONable, after: JSONable, names: Names) -> str:
    changed = [
        f"{label} to {_value(field, after.get(field), names)}"
        for field, label in EDITABLE.items()
        if before.get(field) != after.get(field)
    ]
    return ", ".join(changed) or "nothing that shows"


def _pair(pair: JSONable, names: Names) -> str:
    people = [names.person(str(pair[side])) if pair.get(side) else "not named" for side in ("home_id", "partner_id")]
    return f"“{_quote(pair.get('role'))}” {people[0]} ↔ {people[1]}"


def _value(field: str, value: Any, names: Names) -> str:
    if value is None:
        return "none"
    if field in ("owner_id", "sponsor_id"):
        return names.person(str(value))
    if field == "channel_id":
        return names.channel(str(value))
    if field.endswith("_due"):
        return _day(str(value))
    if field.endswith("_days"):
        return f"{value} days"
    return f"“{_quote(value)}”"


def _snoozed(after: JSONable) -> str:
    days = after.get("days")
    length = f" for {days} day{'' if days == 1 else 's'}" if days else ""
    subject = str(after.get("subject") or "")
    try:
        kind = NudgeKind(str(after.get("kind")))
    except ValueError:
        return f"snoozed a reminder{length}"
    match kind:
        case NudgeKind.REVIEW:
            return f"snoozed the reminder of the review due {_due(subject)}{length}"
        case NudgeKind.EXIT_REVIEW:
            return f"snoozed the reminder of the exit strategy review due {_due(subject)}{length}"
        case NudgeKind.DISPUTE:
            return f"snoozed the reminder of dispute #{subject}{length}"
        case NudgeKind.DISPUTE_ESCALATED | NudgeKind.DISPUTE_THREAD:
            return f"snoozed the notice that dispute #{subject} moved up a tier{length}"
        case NudgeKind.HEALTH_DUE:
            return f"snoozed the reminder to start the health check due {_due(subject)}{length}"
        case NudgeKind.MEETING_DUE:
            return f"snoozed the reminder of the joint management team's meeting due {_due(subject)}{length}"
        case NudgeKind.HEALTH_CHECK:
            return f"snoozed the reminder of a health check{length}"
        case NudgeKind.RISK_REVIEW:
            return (
                f"snoozed the reminder of the review of {_subject(subject.partition('@')[0].replace(':', ' '))}{length}"
            )
        case NudgeKind.ACTION_OVERDUE:
            return f"snoozed the reminder of {_subject(subject.replace(':', ' '))}{length}"
        case NudgeKind.IDEA_STALE:
            return f"snoozed the reminder of the stale {_subject(subject.partition('@')[0].replace(':', ' '))}{length}"
        case NudgeKind.SPONSOR_NAMED | NudgeKind.OWNER_NAMED | NudgeKind.ITEM_ASSIGNED | NudgeKind.EXIT_REVIEWED_WITH:
            return f"snoozed a notice{length}"  # notices offer no snooze: an old record, if any
        case _:
            assert_never(kind)


def _due(subject: str) -> str:
    """The due date of a review's reminder (its subject is `relationship@date`)."""
    return _day(subject.rpartition("@")[2])


def _day(iso: str) -> str:
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {day:%b %Y}"


def _status(value: Any) -> str:
    try:
        return STATUS_WORDS[ItemStatus(value)]
    except ValueError:
        return str(value)


def _said(value: Any) -> str:
    """What someone typed, quoted after a colon; nothing if they typed nothing."""
    return f": “{_quote(value)}”" if _quote(value) else ""


def _quote(value: Any) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= QUOTED else text[: QUOTED - 1] + "…"
