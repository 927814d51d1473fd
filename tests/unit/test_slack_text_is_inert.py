"""Text people typed is inert wherever Slack renders it: hostile names, summaries, notes, answers and links go
through every message builder and every template, and nothing they contain can mention @channel, @here,
@everyone, a user or a user group, or become a link with a label of its own choosing.

In mrkdwn (section and context text, a message's top-level `text`) the only Slack control sequences allowed are
the ones Accord builds: mentions of the people and channel stored on the relationship, dates, and links to
checked https addresses with Accord's own labels.
"""

import importlib
import importlib.util
import inspect
import itertools
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2.exceptions import UndefinedError
from jinja2.runtime import Macro
from slack_sdk.models.blocks import ActionsBlock, Block
from slack_sdk.models.views import View

import bot
from bot.actions import blocks as actions
from bot.app import subcommands
from bot.checkins import blocks as checkins
from bot.disputes import blocks as disputes
from bot.governance import blocks as governance
from bot.health import blocks as health
from bot.home import blocks as home
from bot.ideas import blocks as ideas
from bot.knowledge import blocks as knowledge
from bot.meetings import blocks as meetings
from bot.nudges import blocks as nudges
from bot.records import blocks as plan
from bot.relationships import blocks as relationships
from bot.relationships import modal as new_relationship
from bot.risks import blocks as risks
from bot.slack import action_buttons, forms, help, item_buttons
from bot.slack.kit import message_blocks, section
from bot.slack.references import ItemRef, RelationshipRef, RiskReviewRef
from bot.slack.wording import Copy, slack_escape
from stages import action_service, idea_service, rmp
from stages.actions import Action, ActionSource, ActionSummary
from stages.attention import ActionDue, Assignment, Attention, IdeaStale, Led, MeetingDue, RiskDue
from stages.audit import AuditEvent
from stages.catalogue import default_catalogue
from stages.checkin_service import Board
from stages.checkins import Checkin, GateSignature, Note, SignOff
from stages.checklist import ItemState, ItemStatus, StageProgress, blank_state
from stages.directory import DirectoryEntry, EntryKind, KnownNames
from stages.dispute_service import Case
from stages.disputes import Dispute, DisputeEvent, DisputeEventKind, DisputeStatus
from stages.errors import Problem
from stages.exits import ExitStrategy
from stages.health import (
    Group,
    HealthAnswer,
    HealthResults,
    HealthRound,
    HealthSettings,
    LatestHealth,
    Participant,
    TrendPoint,
    trend_point,
)
from stages.health import results as health_results
from stages.health_service import AnswerForm
from stages.ideas import Amount, Idea, IdeaStatus, IdeaSummary
from stages.joint_team import PairDraft, TeamPair
from stages.knowledge import Classification, KnowledgeItem
from stages.knowledge_service import KnowledgeMap
from stages.meeting_service import Minutes
from stages.meetings import Meeting, MeetingSummary
from stages.nudges import NudgeKind, NudgeStatus, QueuedNudge
from stages.partner_view import Standing
from stages.relationship_service import StageLine, StatusReport
from stages.relationships import Relationship, RelationshipDraft, RelationshipStatus, Side
from stages.review_service import ViewForm, ViewGiven
from stages.reviews import Review, ReviewView
from stages.risk_service import Register
from stages.risks import Risk, RiskCategory, RiskSummary
from stages.rmp import DisputeRecord, DisputeSteps, VersionDiff
from stages.versions import PlanVersion

CATALOGUE = default_catalogue()
COPY = Copy()
TEAM, REL_ID = "T0ACCORD", 7
OWNER, SPONSOR, ALICE, CHANNEL = "U0OWNER", "U0SPONSOR", "U0ALICE", "C0ACME"
NOW = datetime(2027, 3, 10, 9, 30, tzinfo=UTC)
TEMPLATES = Path(__file__).resolve().parents[2] / "bot"

# What someone can type, or paste from Slack, that Slack would read as a control sequence if sent unescaped.
SLACK_TOKENS = [
    "<!channel>", "<!here>", "<!everyone>", "<@U0EVIL>", "<!subteam^S0EVIL>", "<!subteam^S0EVIL|@admins>",
    "<https://evil.example|your invoice>", "<http://evil.example>", "<mailto:x@evil.example|mail>", "<#C0EVIL>",
    "<!date^1^{date}|today>", "&lt;!channel&gt;", "&", "<", ">", "|", "*", "_", "`", "\n",
]  # fmt: skip
HOSTILE = (
    st.tuples(st.text(max_size=8), st.lists(st.sampled_from(SLACK_TOKENS), min_size=1, max_size=3), st.text(max_size=8))
    .map(lambda parts: parts[0] + "".join(parts[1]) + parts[2])
    .filter(str.strip)  # the domain refuses blank text
)
LINKS = st.one_of(
    HOSTILE,
    HOSTILE.map(lambda text: "https://docs.example/" + text),
    st.sampled_from(
        [
            "javascript:alert(1)",
            "https://evil.example|click here",
            "https://docs.example/a|<!channel>",
            "https://docs.example/?a=1&b=<@U0EVIL>",
            "http://docs.example/plain",
            "https://docs.example/policy",
            "data:text/html,<script>",
        ]
    ),
)

ACCORD_MARKUP = re.compile(
    rf"<@(?:{OWNER}|{SPONSOR}|{ALICE})>"
    rf"|<#{CHANNEL}>"
    r"|<!date\^\d+\^\{date_short_pretty\} at \{time\}\|[\w :]+>"
    r"|<https://[^\s<>|]+\|(?:evidence|original message|thread|open its thread|link)>"
)


def assert_inert(text: str, where: str) -> None:
    """No `<` or `>` is left once the markup Accord built is taken out: none came from what people typed."""
    rest = ACCORD_MARKUP.sub("", text)
    assert "<" not in rest and ">" not in rest, f"{where} lets user text reach Slack as markup: {text!r}"


def mrkdwn_texts(payload: Any) -> Iterator[str]:
    """Every text Slack reads as mrkdwn in a message's blocks or a view."""
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn":
            yield payload["text"]
        for value in payload.values():
            yield from mrkdwn_texts(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from mrkdwn_texts(value)


def plain_texts(payload: Any) -> Iterator[str]:
    if isinstance(payload, dict):
        if payload.get("type") == "plain_text":
            yield payload["text"]
        for value in payload.values():
            yield from plain_texts(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from plain_texts(value)


def as_json(built: Any) -> Any:
    if isinstance(built, View):
        return built.to_dict()
    if isinstance(built, Block):
        return built.to_dict()
    return message_blocks(built)


@dataclass(frozen=True)
class World:
    """One relationship with everything people can type filled in with hostile text."""

    text: str
    relationship: Relationship
    board: Board
    signed_board: Board
    case: Case
    resolved: Case
    review: Review
    strategy: ExitStrategy
    plan: rmp.Plan
    diff: VersionDiff
    events: list[AuditEvent]
    nudges: list[QueuedNudge]
    attention: Attention
    report: StatusReport
    health_round: HealthRound
    answer: HealthAnswer
    health_results: list[HealthResults]
    points: list[TrendPoint]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis shows a failing world by its typed text, not by the whole plan."""
        printer.text(f"World(name={self.relationship.name!r}, text={self.text!r}, ...)")


def partner_view(text: str) -> ReviewView:
    """A view of the world's review by one of the partner's people, in their words."""
    return ReviewView(TEAM, REL_ID, 5, ALICE, NOW, text, 4, 3, 2, 5, id=8)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    pool = iter(itertools.cycle(draw(st.lists(HOSTILE, min_size=6, max_size=6))))

    def hostile() -> str:
        return next(pool)

    link = draw(LINKS)
    r = Relationship(
        team_id=TEAM, name=hostile(), partner=hostile(), owner_id=OWNER, sponsor_id=SPONSOR, channel_id=CHANNEL,
        review_cadence_days=90, stage=1, status=RelationshipStatus.ACTIVE, created_by=OWNER,
        created_at=NOW - timedelta(days=120), next_review_due=date(2027, 3, 1), next_exit_review_due=date(2027, 3, 5),
        id=REL_ID,
    )  # fmt: skip
    stage = CATALOGUE.stage(1)
    first, second, third = (item.id for item in stage.items[:3])
    states = {
        first: ItemState(REL_ID, first, ItemStatus.NOT_APPLICABLE, ALICE, NOW, reason=hostile()),
        second: ItemState(
            REL_ID, second, ItemStatus.DONE, ALICE, NOW, evidence_url=link, evidence_note=hostile(), assignee_id=ALICE
        ),
        third: ItemState(REL_ID, third, ItemStatus.IN_PROGRESS, ALICE, NOW, evidence_note=hostile()),
    }
    progress = StageProgress.of(stage, REL_ID, states)
    checkin = Checkin(TEAM, REL_ID, 1, OWNER, NOW, CHANNEL, "1.000", id=3)
    signature = GateSignature(TEAM, REL_ID, 1, 0, Side.HOME, OWNER, NOW)
    board = Board(r, checkin, progress, None, {second: 2}, rounds=0, signatures=(signature,), home_name=hostile())
    sign_off = SignOff(TEAM, REL_ID, 1, SPONSOR, NOW, reopen_reason=hostile(), partner_signed_by=ALICE)
    joint = replace(r, stage=2, partner_team_id="T0GLOBEX1", partner_sponsor_id=ALICE, partner_manager_id=OWNER)
    signed_board = Board(joint, checkin, progress, sign_off, {}, rounds=1, home_name=hostile())
    dispute = Dispute(
        TEAM, REL_ID, hostile(), ALICE, NOW - timedelta(days=9), OWNER, tier=2, tier_since=NOW - timedelta(days=2),
        acknowledged_by=OWNER, acknowledged_at=NOW, channel_id=CHANNEL, thread_ts="2.000", source_link=draw(LINKS),
        id=11,
    )  # fmt: skip
    resolved = replace(
        dispute, status=DisputeStatus.RESOLVED, resolved_by=SPONSOR, resolved_at=NOW, resolution=hostile(),
        root_cause=hostile(), id=12,
    )  # fmt: skip
    review = Review(TEAM, REL_ID, OWNER, NOW, hostile(), 4, 3, 5, 2, date(2027, 6, 1), decisions=hostile(), id=5)
    strategy = ExitStrategy(TEAM, REL_ID, 2, hostile(), hostile(), hostile(), hostile(), (ALICE, SPONSOR), OWNER, NOW)
    after = {
        "status": "not_applicable", "reason": hostile(), "evidence_url": draw(LINKS), "text": hostile(),
        "summary": hostile(), "reopen_reason": hostile(), "channel_id": CHANNEL, "assignee_id": ALICE, "tier": 2,
        "name": hostile(),
    }  # fmt: skip
    actions = [
        "relationship.created", "relationship.edited", "relationship.introduced", "checkin.opened", "item.status",
        "item.evidence", "item.assignment", "note.added", "stage.reopened", "review.recorded", "dispute.raised",
        "dispute.posted", "dispute.update", "dispute.escalated", "exit_strategy.saved", "something.new",
    ]  # fmt: skip
    events = [AuditEvent(TEAM, REL_ID, ALICE, NOW, action, hostile(), {"name": hostile()}, after) for action in actions]
    notes = [Note(TEAM, 3, CHANNEL, "3.000", ALICE, hostile(), NOW, item_id=second)]
    dispute_records = [
        DisputeRecord(dispute, (DisputeEvent(TEAM, 11, DisputeEventKind.UPDATE, ALICE, NOW, 2, hostile()),)),
        DisputeRecord(resolved, ()),
    ]
    the_plan = rmp.assemble(
        r, CATALOGUE, NOW, states=states, notes=notes, reviews=[review], disputes=dispute_records, exits=[strategy],
        changes=events, version=4, review_views=[partner_view(hostile())], next_meeting_due=NOW.date(),
        meetings=[Meeting(TEAM, REL_ID, NOW.date(), (OWNER,), (ALICE,), hostile(), (hostile(),), True, Side.HOME,
                          hostile(), ALICE, NOW, 3)],
    )  # fmt: skip
    older = PlanVersion(TEAM, REL_ID, 3, hostile(), OWNER, NOW - timedelta(days=3), {})
    newer = PlanVersion(TEAM, REL_ID, 4, hostile(), OWNER, NOW, {})
    content = the_plan.content()
    changes = tuple(rmp.diff({}, content)) + tuple(rmp.diff(content, {}))
    nudge_details: dict[NudgeKind, dict[str, str | int]] = {
        NudgeKind.REVIEW: {"name": hostile(), "due": "2027-03-01"},
        NudgeKind.EXIT_REVIEW: {"name": hostile(), "due": "2027-03-05"},
        NudgeKind.RISK_REVIEW: {"name": hostile(), "due": "2027-03-05", "title": hostile()},
        NudgeKind.IDEA_STALE: {"name": hostile(), "due": "2027-01-05", "title": hostile()},
        NudgeKind.DISPUTE: {"name": hostile(), "summary": hostile(), "tier": 1, "raised": "2027-03-01"},
        NudgeKind.DISPUTE_ESCALATED: {"name": hostile(), "summary": hostile(), "tier": 2, "raised": "2027-03-01"},
        NudgeKind.DISPUTE_THREAD: {"name": hostile(), "summary": hostile(), "tier": 2, "raised": "2027-03-01"},
        NudgeKind.SPONSOR_NAMED: {
            "name": hostile(), "by": ALICE, "owner": OWNER, "sponsor": SPONSOR, "role": hostile(), "duties": hostile()
        },
        NudgeKind.OWNER_NAMED: {
            "name": hostile(), "by": ALICE, "owner": OWNER, "sponsor": SPONSOR, "role": hostile(), "duties": hostile()
        },
        NudgeKind.ITEM_ASSIGNED: {
            "name": hostile(), "by": ALICE, "item": "S1.2", "text": hostile(), "stage": 1, "stage_name": hostile(),
            "link": "https://acme.slack.com/archives/C0ACME/p1",
        },
        NudgeKind.EXIT_REVIEWED_WITH: {"name": hostile(), "version": 2, "by": ALICE, "channel": CHANNEL},
        NudgeKind.HEALTH_CHECK: {"name": hostile(), "closes": "2027-03-20", "side": "partner"},
        NudgeKind.HEALTH_DUE: {"name": hostile(), "due": "2027-03-01", "after": 1},
        NudgeKind.MEETING_DUE: {"name": hostile(), "due": "2027-03-01", "last": "2027-01-30"},
    }  # fmt: skip
    queued = [
        QueuedNudge(
            TEAM,
            kind,
            "11",
            tier,
            "p",
            OWNER if kind is not NudgeKind.DISPUTE_THREAD else CHANNEL,
            REL_ID,
            detail,
            NudgeStatus.FAILED,
            NOW,
            NOW,
            attempts=3,
            last_error=hostile(),
            id=20 + 2 * n + tier,
        )
        for n, (kind, detail) in enumerate(nudge_details.items())
        for tier in (0, 1)
    ]
    led = Led(r, progress, checkin)
    attention = Attention(
        led=[led, Led(replace(r, status=RelationshipStatus.EXITED), progress, None)],
        assigned=[
            Assignment(r, checkin, stage.items[1], states[second]),
            Assignment(r, None, stage.items[1], states[second]),
        ],
        disputes=[Case(dispute, r)],
        failed_nudges=queued,
    )
    report = StatusReport(
        r, stage, CATALOGUE.phase_of(1), tuple(StageLine(progress, state) for state in ("current", "upcoming")), True
    )
    dimensions = (hostile(), hostile())
    people = (Participant(OWNER, Group.HOME), Participant(ALICE, Group.PARTNER))
    health_round = HealthRound(TEAM, REL_ID, 2, dimensions, people, OWNER, NOW, NOW + timedelta(days=10), False, id=9)
    answers = [
        HealthAnswer(9, f"k{n}", Group.HOME if n < 3 else Group.PARTNER,
                     {dimensions[0]: 25 * n % 125, dimensions[1]: 50}, {dimensions[0]: hostile()}, hostile())
        for n in range(6)
    ]  # fmt: skip
    keyed = HealthSettings(b"k")
    found = [health_results(health_round, answers, keyed), health_results(health_round, answers[:4], keyed)]
    points = [trend_point(replace(health_round, closed_at=NOW), found[0]), trend_point(health_round, found[1])]
    attention = replace(
        attention,
        health_checks=[AnswerForm(r, health_round, None)],
        health={REL_ID: LatestHealth(2, found[0].index, 1)},
        risk_reviews=[
            RiskDue(
                Risk(TEAM, REL_ID, hostile(), hostile(), RiskCategory.FINANCIAL, hostile(), 2, 3, OWNER, hostile(),
                     date(2020, 1, 1), False, Side.HOME, OWNER, NOW, id=4),
                r,
            )
        ],
        overdue_actions=[
            ActionDue(
                Action(TEAM, REL_ID, hostile(), OWNER, Side.HOME, "", date(2020, 1, 1), ActionSource.HAND, None, False,
                       Side.HOME, OWNER, NOW, id=5),
                r,
            )
        ],
        stale_ideas=[
            IdeaStale(
                Idea(TEAM, REL_ID, hostile(), ALICE, OWNER, hostile(), hostile(), Decimal(1), hostile(), hostile(),
                     IdeaStatus.AGREED, date(2020, 1, 1), False, Side.HOME, OWNER, NOW, date(2020, 1, 1), id=5),
                r,
            )
        ],
        meetings_due=[MeetingDue(r, date(2020, 1, 1))],
    )  # fmt: skip
    return World(
        hostile(), r, board, signed_board, Case(dispute, r), Case(resolved, r), review, strategy, the_plan,
        VersionDiff(older, newer, changes), events, queued, attention, report, health_round, answers[0], found, points,
    )  # fmt: skip


# Every feature's builder that renders copy (its first parameter is the Copy), fed a hostile world.
BUILDERS: dict[Callable[..., Any], Callable[[World], list[Any]]] = {
    checkins.parent_blocks: lambda w: [checkins.parent_blocks(COPY, CATALOGUE, b) for b in (w.board, w.signed_board)],
    checkins.item_blocks: lambda w: [
        checkins.item_blocks(COPY, b, item) for b in (w.board, w.signed_board) for item in b.stage.items[:4]
    ],
    item_buttons.answer_buttons: lambda w: [item_buttons.answer_buttons(COPY, ItemRef(3, "S1.1"), ALICE)],
    checkins.not_applicable_modal: lambda w: [
        checkins.not_applicable_modal(COPY, w.board, item) for item in w.board.stage.items[:3]
    ],
    checkins.evidence_modal: lambda w: [
        checkins.evidence_modal(COPY, board, item)
        for board in (
            w.board,
            replace(
                w.board,
                relationship=replace(w.signed_board.relationship, stage=4),
                progress=StageProgress.of(CATALOGUE.stage(4), REL_ID, {}),
            ),
        )
        for item in board.stage.items[:3]
    ],
    checkins.reopen_modal: lambda w: [checkins.reopen_modal(COPY, w.signed_board)],
    disputes.thread_blocks: lambda w: [
        disputes.thread_blocks(COPY, case, CATALOGUE.cadences) for case in (w.case, w.resolved)
    ],
    disputes.list_blocks: lambda w: (
        [
            disputes.list_blocks(
                COPY,
                [w.case, w.resolved],
                {11: "https://acme.slack.com/archives/C0ACME/p1"},
                NOW,
                s,
                CATALOGUE.cadences,
            )
            for s in (None, w.relationship)
        ]
        + [disputes.list_blocks(COPY, [], {}, NOW, w.relationship, CATALOGUE.cadences)]
    ),
    disputes.raise_modal: lambda w: [disputes.raise_modal(COPY, [w.relationship], w.text, w.case.dispute.source_link)],
    disputes.update_modal: lambda w: [disputes.update_modal(COPY, w.case)],
    disputes.resolve_modal: lambda w: [disputes.resolve_modal(COPY, w.case)],
    disputes.escalate_modal: lambda w: [
        disputes.escalate_modal(COPY, w.case, CATALOGUE.cadences.dispute_tier(w.case.dispute.tier + 1))
    ],
    forms.form: lambda w: [
        forms.form(COPY, "disputes", "cb", "raise_title", [section(COPY("disputes", "about", d=w.case.dispute))], None)
    ],
    forms.field: lambda w: [forms.field(COPY, "disputes", "summary", forms.text_input(500, w.text))],
    forms.outcome: lambda w: [
        forms.outcome(COPY, {"callback_id": "cb", "title": {"type": "plain_text", "text": "Review"}}, text)
        for text in (COPY("refusals", "review_already_recorded", by=ALICE, at=NOW), slack_escape(w.text))
    ],
    governance.review_modal: lambda w: [
        governance.review_modal(COPY, rel, last, NOW.date())
        for last in (None, w.review)
        for rel in (w.relationship, w.signed_board.relationship)
    ],
    governance.exit_modal: lambda w: [
        governance.exit_modal(COPY, w.relationship, latest) for latest in (None, w.strategy)
    ],
    governance.review_message: lambda w: [
        governance.review_message(COPY, rel, w.review) for rel in (w.relationship, w.signed_board.relationship)
    ],
    governance.view_modal: lambda w: [
        governance.view_modal(COPY, ViewForm(w.signed_board.relationship, w.review, mine), "1.000")
        for mine in (None, partner_view(w.text))
    ],
    governance.view_message: lambda w: [
        governance.view_message(
            COPY,
            w.signed_board.relationship,
            ViewGiven(w.signed_board.relationship, w.review, partner_view(w.text), first, True),
        )
        for first in (True, False)
    ],
    governance.exit_message: lambda w: [
        governance.exit_message(COPY, w.relationship, s)
        for s in (
            w.strategy,
            replace(w.strategy, joint=True),
            replace(w.strategy, joint=True, partner_agreed_by=ALICE, partner_agreed_at=NOW),
        )
    ],
    health.start_modal: lambda w: [
        health.start_modal(COPY, r, w.health_round.dimensions, w.health_round.participants, NOW.date())
        for r in (w.relationship, w.signed_board.relationship)
    ],
    health.answer_modal: lambda w: [
        health.answer_modal(COPY, w.relationship, w.health_round, previous) for previous in (None, w.answer)
    ],
    health.started_blocks: lambda w: [health.started_blocks(COPY, w.relationship, w.health_round)],
    health.results_blocks: lambda w: [
        health.results_blocks(COPY, w.relationship, w.health_round, found, (w.text, w.text), 20)
        for found in w.health_results
    ],
    help.help_blocks: lambda w: [help.help_blocks(COPY, subcommands())],
    home.home_view: lambda w: [
        home.home_view(COPY, OWNER, w.attention, CATALOGUE, NOW),
        home.home_view(COPY, OWNER, w.attention, CATALOGUE, NOW, [Standing(w.signed_board.relationship, True, 2)]),
    ],
    new_relationship.new_relationship_modal: lambda w: [
        new_relationship.new_relationship_modal(
            COPY,
            draft=RelationshipDraft(w.text, w.text, OWNER, SPONSOR, CHANNEL, w.text),
            notice=COPY("relationships", "name_taken", existing=w.relationship.name),
            notice_after="name",
            editing=editing,
            partner=w.relationship.partner,
            team=[PairDraft(w.text, (OWNER, ALICE), 1)],
        )
        for editing in (None, RelationshipRef(REL_ID))
    ],
    nudges.item_blocks: lambda w: [
        nudges.item_blocks(COPY, n, NOW.date()) for n in w.nudges if not nudges.in_thread(n.kind)
    ],
    nudges.mention_blocks: lambda w: [
        nudges.mention_blocks(
            COPY, {ALICE: [nudges.item_blocks(COPY, n, NOW.date()) for n in w.nudges if not nudges.in_thread(n.kind)]}
        )
    ],
    nudges.notice_blocks: lambda w: [nudges.notice_blocks(COPY, n, n.id or 0) for n in w.nudges if n.kind.notice],
    nudges.dm_blocks: lambda w: [
        nudges.dm_blocks(
            COPY,
            [nudges.item_blocks(COPY, n, NOW.date()) for n in w.nudges if not nudges.in_thread(n.kind)],
            only_notices=only_notices,
        )
        for only_notices in (False, True)
    ],
    plan.summary_blocks: lambda w: [plan.summary_blocks(COPY, w.plan, NOW.date())],
    plan.diff_blocks: lambda w: [
        plan.diff_blocks(COPY, w.relationship, d, hostile_names(w))
        for d in (
            replace(w.diff, disputes=(DisputeSteps("2", w.text, True, 2, True),)),
            VersionDiff(None, None, ()),
            VersionDiff(None, w.diff.newer, ()),
        )
    ],
    relationships.card_blocks: lambda w: [
        relationships.card_blocks(
            COPY, r, CATALOGUE, thread, [TeamPair(w.text, OWNER, ALICE), TeamPair(w.text, None, None)]
        )
        for r in (w.relationship, w.signed_board.relationship)
        for thread in (None, "https://acme.slack.com/archives/C0ACME/p1")
    ],
    relationships.intro_blocks: lambda w: [relationships.intro_blocks(COPY, w.relationship, CATALOGUE)],
    relationships.list_blocks: lambda w: [
        relationships.list_blocks(
            COPY,
            [w.relationship, replace(w.relationship, status=RelationshipStatus.EXITED)],
            CATALOGUE,
            NOW.date(),
            partnered,
        )
        for partnered in ((), [w.signed_board.relationship])
    ],
    relationships.status_blocks: lambda w: [
        relationships.status_blocks(COPY, w.report, partner_view=view) for view in (False, True)
    ],
    risks.register_blocks: lambda w: [
        risks.register_blocks(COPY, Register(w.relationship, Side.HOME, tuple(risks_of(w)) * n), NOW.date())
        for n in (0, 1, 11)
    ],
    risks.add_modal: lambda w: [risks.add_modal(COPY, w.relationship, NOW.date())],
    knowledge.map_blocks: lambda w: [
        knowledge.map_blocks(COPY, KnowledgeMap(w.relationship, Side.HOME, tuple(knowledge_of(w)) * n), posted=posted)
        for n in (0, 1, 8)
        for posted in (False, True)
    ],
    knowledge.add_modal: lambda w: [knowledge.add_modal(COPY, w.relationship)],
    knowledge.edit_modal: lambda w: [knowledge.edit_modal(COPY, w.relationship, i) for i in knowledge_of(w)],
    risks.edit_modal: lambda w: [risks.edit_modal(COPY, w.relationship, risk) for risk in risks_of(w)],
    risks.close_modal: lambda w: [risks.close_modal(COPY, w.relationship, risk) for risk in risks_of(w)],
    risks.review_modal: lambda w: [
        risks.review_modal(COPY, w.relationship, risk, RiskReviewRef(7, NOW.date()), NOW.date()) for risk in risks_of(w)
    ],
    actions.register_blocks: lambda w: [
        actions.register_blocks(COPY, action_service.Register(w.relationship, Side.HOME, tuple(actions_of(w)) * n), NOW)
        for n in (0, 1, 21)
    ],
    actions.mine_blocks: lambda w: [
        actions.mine_blocks(COPY, [(w.relationship, a) for a in actions_of(w) * n], NOW) for n in (0, 1, 21)
    ],
    actions.add_modal: lambda w: [
        actions.add_modal(COPY, w.relationship, NOW.date(), source, 3, internal)
        for source in (ActionSource.RISK, ActionSource.HEALTH_GAP)
        for internal in (False, True)
    ],
    actions.complete_modal: lambda w: [actions.complete_modal(COPY, w.relationship, a) for a in actions_of(w)],
    action_buttons.add_button: lambda w: [
        ActionsBlock(elements=[action_buttons.add_button(COPY, w.relationship, ActionSource.HAND, None)])
    ],
    actions.complete_button: lambda w: [
        ActionsBlock(elements=[actions.complete_button(COPY, a)]) for a in actions_of(w)
    ],
    ideas.register_blocks: lambda w: [
        ideas.register_blocks(
            COPY,
            idea_service.Register(w.relationship, side, tuple(ideas_of(w)) * n, (Amount(Decimal(5), w.text),)),
            NOW.date(),
            60,
        )
        for n in (0, 1, 7)
        for side in Side
    ],
    ideas.add_modal: lambda w: [ideas.add_modal(COPY, w.relationship, NOW.date(), side) for side in Side],
    ideas.move_modal: lambda w: [ideas.move_modal(COPY, w.relationship, idea, NOW.date()) for idea in ideas_of(w)],
    ideas.drop_modal: lambda w: [ideas.drop_modal(COPY, w.relationship, idea) for idea in ideas_of(w)],
    ideas.keep_modal: lambda w: [ideas.keep_modal(COPY, w.relationship, idea, NOW.date()) for idea in ideas_of(w)],
    meetings.minutes_blocks: lambda w: [
        meetings.minutes_blocks(COPY, Minutes(w.relationship, side, tuple(meetings_of(w)) * n, due), NOW.date())
        for n in (0, 1, 6)
        for side in Side
        for due in (NOW.date(), date(2020, 1, 1))
    ],
    meetings.record_modal: lambda w: [
        meetings.record_modal(COPY, relationship, team, NOW.date())
        for relationship in (w.relationship, replace(w.relationship, partner_team_id="T0PARTNER"))
        for team in ([], [TeamPair(w.text, OWNER, ALICE)])
    ],
    meetings.summary_blocks: lambda w: [meetings.summary_blocks(COPY, w.relationship, m) for m in meetings_of(w)],
}


def meetings_of(world: World) -> list[Meeting]:
    """A joint meeting with decisions and one side's reason, and an internal one of the partner's without any,
    every typed text hostile."""
    t = world.text
    joint = Meeting(TEAM, REL_ID, NOW.date(), (OWNER, ALICE), (SPONSOR,), t, (t, t), False, Side.HOME, t, ALICE, NOW, 4)
    return [
        joint,
        replace(joint, home_attendees=(), decisions=(), internal=True, side=Side.PARTNER, one_side_reason=""),
    ]


def actions_of(world: World) -> list[Action]:
    """A joint action by hand and an internal one of the partner's out of a risk, overdue, every typed text
    hostile."""
    joint = Action(
        TEAM, REL_ID, world.text, ALICE, Side.HOME, "Europe/London", NOW.date(), ActionSource.HAND, None, False,
        Side.HOME, OWNER, NOW, id=7,
    )  # fmt: skip
    internal = replace(joint, internal=True, side=Side.PARTNER, source=ActionSource.RISK, source_id=3)
    return [joint, replace(internal, due=date(2020, 1, 1), id=8)]


def ideas_of(world: World) -> list[Idea]:
    """A joint idea in delivery, an internal stale one of the partner's and a delivered one, every typed text
    hostile (its units too)."""
    t = world.text
    joint = Idea(
        TEAM, REL_ID, t, ALICE, OWNER, t, t, Decimal("1200.5"), t, t, IdeaStatus.IN_DELIVERY, NOW.date(), False,
        Side.HOME, OWNER, NOW, NOW.date(), id=7,
    )  # fmt: skip
    return [
        joint,
        replace(joint, internal=True, side=Side.PARTNER, status=IdeaStatus.PROPOSED, moved_on=date(2020, 1, 1), id=8),
        replace(joint, status=IdeaStatus.DELIVERED, delivered_amount=Decimal(3), delivered_unit=t, id=9),
        replace(joint, status=IdeaStatus.DROPPED, drop_reason=t, id=10),
    ]


def knowledge_of(world: World) -> list[KnowledgeItem]:
    """An item of each class, every typed text hostile: Globex's under agreed terms, the home side's never-share."""
    t = world.text
    free = KnowledgeItem(TEAM, REL_ID, t, t, ALICE, Classification.FREE, "", Side.HOME, OWNER, NOW, id=3)
    return [
        free,
        replace(free, classification=Classification.TERMS, terms=t, side=Side.PARTNER, id=4),
        replace(free, classification=Classification.NEVER, description="", id=5),
    ]


def risks_of(world: World) -> list[Risk]:
    """A joint risk and an internal one of the partner's, every typed text hostile; the second's review overdue."""
    t = world.text
    joint = Risk(
        TEAM, REL_ID, t, t, RiskCategory.BREAKDOWN, t, 4, 5, ALICE, t, NOW.date(), False, Side.HOME, OWNER, NOW, id=7
    )
    return [joint, replace(joint, internal=True, side=Side.PARTNER, next_review=date(2020, 1, 1), id=8)]


def copy_builders() -> set[Callable[..., Any]]:
    """Every public function of a feature's builders (its `blocks` and `modal`, and the shared forms and help)
    whose first parameter is the Copy: it renders words for Slack."""
    found = set()
    features = [info.name for info in pkgutil.iter_modules(bot.__path__) if info.ispkg]
    names = [f"bot.{f}.{m}" for f in features for m in ("blocks", "modal") if importlib.util.find_spec(f"bot.{f}.{m}")]
    for name in [*names, "bot.slack.forms", "bot.slack.help", "bot.slack.item_buttons", "bot.slack.action_buttons"]:
        module = importlib.import_module(name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            parameters = list(inspect.signature(function).parameters.values())
            if parameters and parameters[0].annotation in (Copy, "Copy"):
                found.add(function)
    return found


def test_every_builder_is_walked() -> None:
    assert copy_builders() == set(BUILDERS)


SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(worlds())
def test_no_builder_lets_user_text_become_slack_markup(world: World) -> None:
    for builder, build in BUILDERS.items():
        for built in build(world):
            payload = as_json(built)
            for text in mrkdwn_texts(payload):
                assert_inert(text, builder.__qualname__)


# Facts for every macro, by parameter name (a list is one value per rendering); some names mean different things
# in different templates.
def facts(world: World) -> dict[str, Any]:
    r, d = world.relationship, world.case.dispute
    steps = DisputeSteps("2", world.text, True, 2, True)
    stage = world.board.stage
    return {
        "r": r, "d": [d, world.resolved.dispute, steps], "board": [world.board, world.signed_board], "stage": stage,
        "phase": CATALOGUE.phase_of(1),
        "item": [stage.items[1], *knowledge_of(world)], "state": list(world.board.progress.states[:3]),
        "position": 2, "notes": 2, "next_stage": [CATALOGUE.stage(2), None], "by": [ALICE, "accord"],
        "reason": world.text, "link": "https://acme.slack.com/archives/C0ACME/p1", "dos": [[world.text]],
        "donts": [[world.text]], "name": [world.text, "help", "new", "list", "checkin", "review", "dispute",
        "disputes", "exit", "edit", "history", "plan", "status", "health", "risks", "actions", "ideas",
        "knowledge", "meeting", "meetings"],
        "usage": world.text, "word": world.text,
        "suggestion": [world.text, None], "suggestions": [[world.text, world.relationship.partner], []],
        "deadline": [NOW - timedelta(days=1), None],
        "kind": [*DisputeEventKind, *NudgeKind, *(c.value for c in Classification)],
        "text": world.text, "people": [[ALICE, SPONSOR]], "c": [world.case, *world.diff.changes], "now": NOW,
        "count": 3, "field": ["name", "partner", "owner", "sponsor", "channel", "cadence", "summary", "update",
        "resolution", "root_cause", "relationship", "triggers", "plan", "continuity", "assets", "reviewed_with",
        "decisions", "delivery", "next_review"], "e": world.events, "a": [world.events[4].after,
        *world.attention.assigned, *actions_of(world)], "b": world.events[0].before, "user_id": OWNER,
        "led": world.attention.led,
        "n": [*world.nudges, 3], "days": [0, 1, 7], "due": NOW.date(), "plan": world.plan, "today": NOW.date(),
        "on": [NOW.date(), None],
        "v": [world.diff.newer, world.text, [world.text, "x"], None], "older": world.diff.older,
        "newer": world.diff.newer, "code": ["no_such_stage", "not_reached", "already_signed_off",
        "not_signed_off", "reopen_latest_first", "too_long"], "current": 2, "action": ["done", "in_progress",
        "not_applicable", "evidence", "assign", "sign_off", "reopen", "acknowledge", "update", "escalate",
        "resolve", "review", "edit", "exit", "dispute_acknowledged", "dispute_escalated", "dispute_resolved",
        "joint_sign_off", "health", "review_view"],
        "owner_id": OWNER, "sponsor_id": SPONSOR, "also": [ALICE, None],
        "still_open": [["S1.1", "S1.2"], []], "needing_evidence": [["S1.3"], []], "all_not_applicable": [True, False],
        "existing": world.text, "posted": [True, False], "overdue": [True, False], "line": list(world.report.stages),
        "limit": 40, "length": 50, "topics": [[world.text, "help"]], "problem": world.text, "min": 7, "max": 365,
        "value": [world.text, 0], "checkin_hint": world.text,
        "view": partner_view(world.text), "last": [world.review, None], "latest": [world.strategy, None],
        "review": world.review,
        "role": "owner", "s": [world.strategy, "done"], "tier": [1, 2, 3], "saved": ["dispute_raised.1", world.text],
        "character": "U+200B", "at": NOW, "level": list(CATALOGUE.cadences.dispute_tiers),
        "person": hostile_names(world).person, "sentence": world.text, "label": world.text,
        "before": [world.text, None], "after": [world.text, None],
        "previous": [ALICE, None], "owner": [OWNER, SPONSOR], "only_notices": [False, True],
        "elsewhere": ["C0ACME", None], "unconfirmed": [True, False], "shared": [True, False],
        "side": list(Side), "other": list(Side), "partner": world.text, "stages": [[stage, CATALOGUE.stage(2)]],
        "channel": CHANNEL, "counterpart": [ALICE, None], "recipient": ALICE,
        "team": [[TeamPair(world.text, OWNER, ALICE), TeamPair(world.text, None, None)]], "row": 1, "most": 8,
        "withheld": [True, False], "m": meetings_of(world), "ids": [[ALICE, SPONSOR], []], "began": NOW.date(),
        "what": ["plan", "history"], "here": CHANNEL,
        "standing": [Standing(r, True, 2), Standing(r, False, None)],
        "h": [world.health_round, replace(world.health_round, closed_at=NOW, closed_by=ALICE)],
        "res": world.health_results, "labels": [(world.text, world.text)],
        "first": [True, False], "closed": NOW, "closes": NOW, "dimension": world.text, "said": [[world.text, "x"]],
        "alert": 20, "health": [LatestHealth(2, 55.0, -1), LatestHealth(1, None, 0), None],
        "g": [g.value for g in Group], "points": [world.points],
        "risk": risks_of(world), "category": [c.value for c in RiskCategory],
        "source": [s.value for s in ActionSource], "source_id": [3, None], "gap": 58.3,
        "mine": [True, False, None], "title": world.text, "internal": [True, False],
        "risks": [RiskSummary(2, 1), RiskSummary(1, 0), None],
        "actions": [ActionSummary(3, 1), ActionSummary(1, 0), None],
        "ideas": [IdeaSummary(2, 1, [Amount(Decimal(5), world.text)]), IdeaSummary(0, 0, []), None],
        "idea": ideas_of(world), "stale": [True, False], "status": [s.value for s in IdeaStatus],
        "to": ["agreed", "in_delivery", "delivered"], "delivered": [[Amount(Decimal(5), world.text)], []],
        "meetings": [MeetingSummary(NOW.date(), NOW.date(), True), MeetingSummary(None, NOW.date(), False), None],
    }  # fmt: skip


def hostile_names(world: World) -> KnownNames:
    """Everyone's name is the hostile text."""
    return KnownNames(DirectoryEntry(i, EntryKind.PERSON, world.text, NOW) for i in (OWNER, SPONSOR, ALICE))


def renderings(macro: Macro, known: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every combination of the facts the macro takes."""
    names = macro.arguments
    choices = [known[name] if isinstance(known[name], list) else [known[name]] for name in names]
    for values in itertools.product(*choices):
        yield dict(zip(names, values, strict=True))


def template_macros() -> Iterator[tuple[str, str, Macro]]:
    for path in sorted(TEMPLATES.glob("*/templates/*.j2")):
        module = COPY.env.get_template(path.name).module
        for name in dir(module):
            macro = getattr(module, name)
            if isinstance(macro, Macro):
                yield path.stem, name, macro


@SLOW
@given(worlds())
def test_no_template_lets_user_text_become_slack_markup(world: World) -> None:
    known = facts(world)
    for template, name, macro in template_macros():
        rendered = 0
        for chosen in renderings(macro, known):
            try:
                text = COPY(template, name, **chosen)
            except (UndefinedError, KeyError, TypeError, AttributeError):
                continue  # a fact of the wrong kind for this macro (another template's `c`, `kind` or `action`)
            rendered += 1
            assert_inert(text, f"{template}.{name}")
        assert rendered, f"{template}.{name} was never rendered"


@SLOW
@given(worlds())
def test_plain_text_fields_show_what_people_typed(world: World) -> None:
    """Slack shows plain_text as sent, parsing no mentions or links: so user text goes there unescaped."""
    header = as_json(disputes.thread_blocks(COPY, world.case, CATALOGUE.cadences))[0]["text"]["text"]
    assert header.endswith("\u2026") or header.endswith(world.relationship.name.strip())
    options = list(plain_texts(as_json(disputes.raise_modal(COPY, [world.relationship], "", None))))
    assert world.relationship.name[:75] in options


def test_user_text_shows_escaped_not_dropped() -> None:
    r = Relationship(
        TEAM, "Tom & <!here>", "Acme <@U0EVIL>", OWNER, SPONSOR, CHANNEL, 90, 1, RelationshipStatus.ACTIVE, OWNER, NOW,
        date(2027, 6, 1), id=REL_ID,
    )  # fmt: skip
    dispute = Dispute(TEAM, REL_ID, "late <!channel> & <https://evil.example|refund>", ALICE, NOW, OWNER, id=1)
    assert COPY("disputes", "fallback", d=dispute, r=r) == (
        "Dispute #1 on Tom &amp; &lt;!here&gt;: late &lt;!channel&gt; &amp; &lt;https://evil.example|refund&gt;"
    )
    intro = COPY("relationships", "intro", r=r, stage=CATALOGUE.stage(1), phase=CATALOGUE.phase_of(1), checkin_hint="")
    assert intro.startswith(":handshake: *Tom &amp; &lt;!here&gt;* with *Acme &lt;@U0EVIL&gt;* is now managed")
    assert COPY.plain("disputes", "title", d=dispute, r=r) == "Dispute #1 · Tom & <!here>"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://docs.example/policy?a=1&b=2", "<https://docs.example/policy?a=1&amp;b=2|evidence>"),
        ("https://docs.example/a|<!channel>", "<https://docs.example/a%7C%3C!channel%3E|evidence>"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("http://docs.example/plain", "http://docs.example/plain"),
        ("https://evil.example|click here", "https://evil.example|click here"),
        ("<https://evil.example|refund>", "&lt;https://evil.example|refund&gt;"),
        ("https:///no-host", "https:///no-host"),
    ],
)
def test_evidence_links_only_to_checked_https_addresses(url: str, shown: str) -> None:
    state = replace(blank_state(REL_ID, "S1.2"), evidence_url=url)
    text = COPY("checkins", "item_state", state=state, item=CATALOGUE.stage(1).items[1], notes=0)
    assert f":paperclip: {shown}" in text


def test_problem_messages_are_inert() -> None:
    text = COPY.problem(Problem("cadence", "cadence_not_number", {"value": "<!channel>"}))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_escaping_is_slacks_three_characters_only() -> None:
    assert slack_escape('Tom & Jerry\'s "<b>"') == 'Tom &amp; Jerry\'s "&lt;b&gt;"'
