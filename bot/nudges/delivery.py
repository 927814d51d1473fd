"""The nudge job: sweep the workspaces for what is due, a batch of them at once, then deliver each one's outbox as
direct messages.

One DM per person per run lists everything due for them. It goes out only within their working hours, in
their own time zone (asked of Slack with `users.info`, remembered for a day). A 429 waits for its Retry-After,
a 5xx or a dropped connection is retried with backoff, and a permanent Slack error marks the nudge failed with
the reason, which the owner sees on the Home tab. Nothing sleeps while holding a claim.

Each tenant (a workspace, or an Enterprise Grid org) is sent to with its own client, paced within Slack's limits
for that tenant: a 429 defers only that tenant's work, and a token Slack refuses stops only that tenant's sending
for the run, leaving its nudges pending for when the token is refreshed or the app installed again.

A nudge that cannot be shown (what it is about is gone or unreadable, its words are missing or fail to render)
fails on its own with the reason: the rest of its batch goes out, and the claim is never left to lapse.
"""

import logging
import os
import socket
import urllib.error
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import TemplateError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, Block

from bot.deps import Deps, TenantChore
from bot.nudges import receipts, updates
from bot.nudges.blocks import dm_blocks, in_thread, item_blocks, mention_blocks, one_per_subject
from bot.nudges.sweep import sweep_batch
from bot.nudges.tenant_client import EXPIRED, TenantClient, TenantRefused, header
from bot.settings import Settings
from bot.slack.kit import context, message_blocks
from bot.slack.people import person_entry, team_of_person
from bot.slack.rate_limits import RATE_LIMITED, Pacer, retry_after
from stages import action_service, dispute_service, nudge_service
from stages.dispute_service import LADDER
from stages.disputes import DisputeEventKind
from stages.errors import Stale
from stages.joint_team import members
from stages.nudges import PRIVATE, ClaimLost, NudgePolicy, QueuedNudge, WorkingHours, dispute_id
from stages.ports import SweepUnitOfWork, UnitOfWork
from stages.relationships import Side

log = logging.getLogger(__name__)

PROFILE_TTL = timedelta(days=1)
MAX_ATTEMPTS = 6
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
# Errors no retry will cure: the person or channel is gone, or the app may no longer write to them.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "not_in_channel",
        "is_archived",
        "cannot_dm_bot",
        "missing_scope",
        "restricted_action",
        "team_access_not_granted",
    }
)
HOME_GRACE = timedelta(minutes=1)  # how long the work that made a change has to draw the Home tabs it asked for
# Errors that leave a sent message nothing to update: it is gone, or the app may no longer touch it.
GONE = PERMANENT | {"message_not_found", "cant_update_message", "edit_window_closed"}


def update_settled_messages(client: WebClient, deps: Deps, team_id: str) -> None:
    """Right after a change, the DMs it settled say so (the nudge job would, but only on its next run)."""
    updates.bring_up_to_date(client, deps.copy, deps.uow(team_id), deps.clock.now(), GONE)


# What keeps a nudge from being shown however often it is tried: what it is about is gone (`Stale`) or unreadable
# (`ValueError`, `LookupError`: a missing macro or detail), or its words fail to render. A database or network
# error is none of these: it is left to the retries.
UNSHOWABLE = (Stale, ValueError, LookupError, TypeError, AttributeError, TemplateError)


@dataclass
class RunReport:
    enqueued: int = 0
    escalated: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    cancelled: int = 0
    updated: int = 0  # sent messages brought up to date
    homes: int = 0  # Home tabs drawn that a change had asked for and its process had not drawn
    recipients: list[str] = field(default_factory=list)
    # Tenants sent nothing this run: no usable installation now, or Slack refused their token. Their nudges wait.
    stopped: list[str] = field(default_factory=list)


Clients = Callable[[str], WebClient | None]  # a tenant's client now; None: it has no usable installation
# Slack answered `token_expired` for a tenant's token before its time: the next client the tenant gets has it
# refreshed. None with one bot token, which does not expire.
Expired = Callable[[str, str], None]
Sweeping = Callable[[Sequence[str]], SweepUnitOfWork]  # one transaction over a batch of tenants, for the sweep
# Tenants swept together: a sweep's fixed cost, and on PostgreSQL the wait for the slowest of its parts running side
# by side (a core idle meanwhile), is paid once for all of them. 1,000 workspaces of 100 relationships swept in
# batches of 200 took x1.51 the time of one workspace of 100,000 on PostgreSQL; in one batch, x0.91 (bench/nudges.py).
SWEEP_BATCH = 1000


class Nudger:
    def __init__(
        self,
        deps: Deps,
        clients: Clients,
        teams: Callable[[], list[str]],
        sweeping: Sweeping,
        *,
        policy: NudgePolicy,
        hours: WorkingHours,
        default_tz: str = "UTC",
        batch: int = 200,
        lease: timedelta = timedelta(minutes=10),
        partners: Clients | None = None,
        expired: Expired | None = None,
    ) -> None:
        self.deps = deps
        self.clients = clients
        self.expired = expired
        # The partner organisations' own installations, where they installed Accord (None: one workspace's token).
        self.partners = partners
        self.teams = teams
        self.sweeping = sweeping
        self.uow = deps.uow
        self.catalogue = deps.catalogue
        self.copy = deps.copy
        self.clock = deps.clock
        self.policy = policy
        self.hours = hours
        self.default_tz = default_tz
        self.batch = batch
        self.lease = lease
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.pacer = Pacer()  # kept from run to run: a 429's window outlasts the run that met it

    def run(self) -> RunReport:
        """One pass over every tenant: queue what is due in a batch of tenants at once, then send to each of them
        what may be sent now."""
        report = RunReport()
        self.pacer.forget_settled(self.clock.now())
        teams = self.teams()
        for start in range(0, len(teams), SWEEP_BATCH):
            batch = teams[start : start + SWEEP_BATCH]
            self._sweep(batch, self.clock.now(), report)
            for team_id in batch:
                self._talk_to(team_id, report)
        return report

    def _sweep(self, batch: Sequence[str], now: datetime, report: RunReport) -> None:
        """The batch swept together; if that fails, each of its tenants on its own, so that one tenant's trouble
        does not keep the others' nudges from the outbox."""
        try:
            self._count(sweep_batch(self.sweeping(batch), self.catalogue.cadences, self.policy, now), report)
            return
        except Exception:
            if len(batch) == 1:
                log.exception("nudge sweep failed for workspace %s", batch[0])
                return
            log.exception("nudge sweep failed for a batch of %d workspaces: sweeping each on its own", len(batch))
        for team_id in batch:
            self._sweep([team_id], now, report)

    @staticmethod
    def _count(results: Mapping[str, nudge_service.SweepResult], report: RunReport) -> None:
        for result in results.values():
            report.enqueued += result.enqueued
            report.escalated += len(result.escalated)

    def _talk_to(self, team_id: str, report: RunReport, *, again: bool = True) -> None:
        """`_talk`, once more with a refreshed token (`again`) when Slack's clock says it has expired already."""
        try:
            self._talk(team_id, self.clock.now(), report)
        except TenantRefused as refused:
            if again and refused.error == EXPIRED and refused.token and self.expired is not None:
                self.expired(team_id, refused.token)
                self._talk_to(team_id, report, again=False)
                return
            log.warning("%s: its nudges wait for a new token", refused)
            report.stopped.append(team_id)
        except Exception:  # one tenant's trouble must not stop the others' nudges
            log.exception("nudge run failed for workspace %s", team_id)

    def _talk(self, team_id: str, now: datetime, report: RunReport) -> None:
        """Everything the run asks of Slack for one tenant, through its own paced client."""
        client = self.clients(team_id)
        if client is None:
            log.info("no usable installation for %s: its nudges wait", team_id)
            report.stopped.append(team_id)
            return
        slack = TenantClient(client, team_id, self.pacer, self.clock.now)
        # The health checks first: their reminders join this run's nudges. Cards last: the nudges matter more, and
        # Slack's limits are shared.
        self._tend(slack, team_id, self.deps.health_rounds, "health checks")
        self._deliver(slack, team_id, now, report)
        self._update_settled(slack, team_id, now, report)
        self._draw_left_homes(slack, team_id, now, report)
        self._tend(slack, team_id, self.deps.old_cards, "relationship cards")

    def _tend(self, slack: WebClient, team_id: str, chore: TenantChore | None, what: str) -> None:
        """Another feature's work for the tenant: its trouble is logged, and the run goes on (a refused token
        stops the tenant's run, as it would the nudges)."""
        if chore is None:
            raise RuntimeError(f"{what} are not wired: build dependencies with bot.app.wired")
        try:
            chore(slack, self.deps, team_id)
        except TenantRefused:
            raise
        except Exception:
            log.exception("%s of workspace %s could not be tended", what, team_id)

    def _deliver(self, slack: WebClient, team_id: str, now: datetime, report: RunReport) -> None:
        claimed = nudge_service.claim(self.uow(team_id), self.worker, now, self.batch, self.lease)
        try:
            self._deliver_claimed(slack, team_id, claimed, now, report)
        except ClaimLost as lost:
            # This sender stalled past its lease and another took its nudges over: it posts nothing more.
            log.warning("stopping: another sender took over this sender's nudges (%s)", lost)
        except TenantRefused:
            nudge_service.give_back(self.uow(team_id), claimed, now)  # not failed: a new token may send them
            raise

    def _deliver_claimed(
        self, slack: WebClient, team_id: str, claimed: list[QueuedNudge], now: datetime, report: RunReport
    ) -> None:
        by_person: dict[str, list[QueuedNudge]] = defaultdict(list)
        threads = []
        for nudge in claimed:
            try:
                due = nudge_service.still_due(self.uow(team_id), nudge, self.catalogue.cadences)
            except UNSHOWABLE as error:
                self._unshowable(self.uow(team_id), [nudge], error, report)
                continue
            if not due:
                nudge_service.mark_cancelled(self.uow(team_id), [nudge])
                report.cancelled += 1
            elif in_thread(nudge.kind):
                threads.append(nudge)
            else:
                by_person[nudge.recipient_id].append(nudge)
        for nudge in threads:
            self._tell_thread(slack, team_id, nudge, now, report)
        partners = self._partner_people(slack, team_id, by_person)
        for person, nudges in by_person.items():
            if person not in partners:
                self._send(slack, team_id, person, nudges, now, report)
        shared: dict[str, str] = {}
        for person, (channel, partner) in partners.items():
            theirs = self._partner_client(partner)
            if theirs is None:
                self._untellable(team_id, by_person, person, report)
                if by_person[person]:
                    shared[person] = channel
                continue
            try:
                self._send(theirs, team_id, person, by_person[person], now, report, pointing_to=channel)
            except TenantRefused as refused:  # their token: their nudges wait, the others' go on
                log.warning("%s: the partner's nudges wait", refused)
                nudge_service.give_back(self.uow(team_id), by_person[person], now)
        for channel in sorted(set(shared.values())):
            people = {person: by_person[person] for person, where in shared.items() if where == channel}
            self._mention(slack, team_id, channel, people, now, report)

    def _untellable(
        self, team_id: str, by_person: dict[str, list[QueuedNudge]], person: str, report: RunReport
    ) -> None:
        """Cancel the partner person's nudges about what their organisation keeps to itself: without its own
        installation of Accord to tell them privately, the only way left is the shared channel, which the other
        organisation reads."""
        private = [n for n in by_person[person] if n.detail.get(PRIVATE)]
        if private:
            log.info(
                "%d nudge(s) about the partner's own records cancelled: it has no Accord to tell them", len(private)
            )
            nudge_service.mark_cancelled(self.uow(team_id), private)
            report.cancelled += len(private)
            by_person[person] = [n for n in by_person[person] if not n.detail.get(PRIVATE)]

    def _partner_client(self, partner: str) -> WebClient | None:
        """The partner organisation's own installation of Accord, paced as its own tenant; None if it has none."""
        client = self.partners(partner) if self.partners is not None else None
        return TenantClient(client, partner, self.pacer, self.clock.now) if client is not None else None

    def _partner_people(
        self, slack: WebClient, team_id: str, by_person: Mapping[str, list[QueuedNudge]]
    ) -> dict[str, tuple[str, str]]:
        """The recipients who are the partner's people in a joint relationship, with its shared channel and the
        partner's workspace: they are told through their own organisation's installation of Accord, or, where it
        has none, in the shared channel (this installation cannot message another organisation's people). Its
        named people are known; of anyone else (an item's assignee, say) Slack says whose they are."""
        ids = sorted({n.relationship_id for nudges in by_person.values() for n in nudges})
        uow = self.uow(team_id)
        with uow.reading():
            joint = {r.id: r for r in uow.relationships.by_ids(ids) if r.is_joint}
            teams = uow.joint_teams.of_many([rid for rid in joint if rid is not None])
        found = {}
        for person, nudges in by_person.items():
            r = joint.get(nudges[0].relationship_id)
            if r is None:
                continue
            pairs = teams.get(r.id or 0, [])
            theirs = {r.partner_sponsor_id, r.partner_manager_id, *members(pairs, Side.PARTNER)}
            ours = {r.owner_id, r.sponsor_id, *members(pairs, Side.HOME)}
            if r.partner_team_id is None or person in ours:
                continue
            told_as_theirs = any(n.detail.get("side") == Side.PARTNER.value for n in nudges)
            if person in theirs or told_as_theirs or team_of_person(slack, person) == r.partner_team_id:
                found[person] = (r.channel_id, r.partner_team_id)
        return found

    def _mention(
        self,
        slack: WebClient,
        team_id: str,
        channel: str,
        people: Mapping[str, list[QueuedNudge]],
        now: datetime,
        report: RunReport,
    ) -> None:
        """One message in the shared channel for the partner's people there whose working day it is, each named
        with their nudges; the others' wait for their hours."""
        uow = self.uow(team_id)
        shown: dict[int | None, list[Block]] = {}
        ready: list[QueuedNudge] = []
        for person, nudges in people.items():
            theirs = self._shown_in_hours(slack, team_id, person, nudges, now, report)
            shown |= theirs
            ready += [n for n in nudges if n.id in theirs]
        if not ready:
            return

        def post(batch: list[QueuedNudge]) -> None:
            theirs: dict[str, list[QueuedNudge]] = defaultdict(list)
            for nudge in batch:
                theirs[nudge.recipient_id].append(nudge)
            named = {person: [shown[n.id] for n in one_per_subject(mine)] for person, mine in theirs.items()}
            slack.chat_postMessage(
                channel=channel,
                text=self.copy("nudges", "mention_fallback", people=list(named)),
                blocks=message_blocks(mention_blocks(self.copy, named)),
                metadata=receipts.metadata(batch),
            )

        def posted_since(since: datetime) -> set[int]:
            return receipts.in_channel(slack, channel, since)

        if self._deliver_one(uow, ready, post, posted_since, now, report):
            report.recipients += sorted({n.recipient_id for n in ready})

    def _tell_thread(
        self, slack: WebClient, team_id: str, nudge: QueuedNudge, now: datetime, report: RunReport
    ) -> None:
        """A channel post, not a DM: it goes out at once, whatever the hour."""
        uow = self.uow(team_id)
        try:
            case = dispute_service.case(uow, dispute_id(nudge.subject))
        except UNSHOWABLE as error:
            self._unshowable(uow, [nudge], error, report)
            return
        channel, thread = case.dispute.channel_id, case.dispute.thread_ts

        def post(nudges: list[QueuedNudge]) -> None:
            meta = receipts.metadata(nudges)
            if self.deps.dispute_thread is None:
                raise RuntimeError("dispute threads are not wired: build dependencies with bot.app.wired")
            self.deps.dispute_thread(slack, self.deps, case, DisputeEventKind.ESCALATED, LADDER, metadata=meta)

        def posted_since(since: datetime) -> set[int]:
            return receipts.in_thread(slack, channel, thread, since) if channel and thread else set()

        self._deliver_one(uow, [nudge], post, posted_since, now, report)

    def _send(
        self,
        slack: WebClient,
        team_id: str,
        person: str,
        nudges: list[QueuedNudge],
        now: datetime,
        report: RunReport,
        *,
        pointing_to: str | None = None,
    ) -> None:
        """A DM of the person's nudges. `pointing_to`: the shared channel where the partner's people act on them,
        the DM going through their own organisation's installation (whose buttons could not reach this one's
        records, so it has none, and is not edited afterwards)."""
        uow = self.uow(team_id)
        shown = self._shown_in_hours(slack, team_id, person, nudges, now, report)
        if not shown:
            return

        def post(batch: list[QueuedNudge]) -> tuple[str, str] | None:
            chosen = one_per_subject(batch)
            items = [shown[n.id] for n in chosen]
            only_notices = all(n.kind.notice for n in chosen)
            blocks = dm_blocks(self.copy, items, only_notices=only_notices)
            if pointing_to is not None:
                blocks = [b for b in blocks if not isinstance(b, ActionsBlock)]
                blocks.append(context(self.copy("nudges", "act_in_channel", channel=pointing_to)))
            posted = slack.chat_postMessage(
                channel=person,
                text=self.copy("nudges", "fallback", count=len(items), only_notices=only_notices),
                blocks=message_blocks(blocks),
                metadata=receipts.metadata(batch),
            )
            if pointing_to is not None:
                return None
            return str(posted["channel"]), str(posted["ts"])  # kept, to bring the message up to date later

        def posted_since(since: datetime) -> set[int]:
            return receipts.in_direct_message(slack, person, since)

        showable = [n for n in nudges if n.id in shown]
        if self._deliver_one(uow, showable, post, posted_since, now, report):
            report.recipients.append(person)

    def _draw_left_homes(self, slack: WebClient, team_id: str, now: datetime, report: RunReport) -> None:
        """Home tabs a committed change asked for that its process died before drawing (or could not draw). Those
        asked for in the last minute are left to the work drawing them now."""
        publish = self.deps.home
        if publish is None:
            raise RuntimeError("the Home tab is not wired: build dependencies with bot.app.wired")
        uow = self.uow(team_id)
        with uow.reading():
            waiting = uow.home_redraws.waiting(now - HOME_GRACE)
        for user_id, asked_at in waiting:
            try:
                publish(slack, self.deps, team_id, user_id)
            except SlackApiError as error:  # tried again on the next run, unless Slack will never take it
                log.warning("could not draw the Home tab of %s: %s", user_id, error.response.get("error"))
                if error.response.get("error") not in PERMANENT:
                    continue
            with uow:
                uow.home_redraws.drawn([user_id], asked_at)
                uow.commit()
            report.homes += 1

    def _update_settled(self, slack: WebClient, team_id: str, now: datetime, report: RunReport) -> None:
        """DMs whose items were done elsewhere since they were sent, and not brought up to date at once."""
        report.updated += updates.bring_up_to_date(slack, self.copy, self.uow(team_id), now, GONE)

    def _shown_in_hours(
        self, slack: WebClient, team_id: str, person: str, nudges: list[QueuedNudge], now: datetime, report: RunReport
    ) -> dict[int | None, list[Block]]:
        """`_shown`, if it is the person's working day now; else none, the nudges held back until it is."""
        uow = self.uow(team_id)
        try:
            zone = self._zone(slack, team_id, person, now)
        except SlackApiError as error:  # a 429: the person's hours are asked again once Slack allows
            self._failed_send(uow, nudges, error, now, report)
            return {}
        opens = self.hours.next_open(now, zone)
        if opens > now:
            nudge_service.retry_later(uow, nudges, opens)
            report.deferred += len(nudges)
            return {}
        return self._shown(uow, nudges, now.astimezone(zone).date(), report)

    def _shown(
        self, uow: UnitOfWork, nudges: list[QueuedNudge], today: date, report: RunReport
    ) -> dict[int | None, list[Block]]:
        """Each nudge's part of the message, rendered on its own: one that cannot be shown fails alone."""
        shown = {}
        for nudge in nudges:
            try:
                shown[nudge.id] = item_blocks(self.copy, nudge, today)
            except UNSHOWABLE as error:
                self._unshowable(uow, [nudge], error, report)
        return shown

    def _unshowable(self, uow: UnitOfWork, nudges: list[QueuedNudge], error: Exception, report: RunReport) -> None:
        log.error("nudges %s cannot be shown, marked failed: %r", [n.id for n in nudges], error, exc_info=error)
        nudge_service.mark_failed(uow, nudges, f"cannot be shown: {error}")
        report.failed += len(nudges)

    def _deliver_one(
        self,
        uow: UnitOfWork,
        nudges: list[QueuedNudge],
        post: Callable[[list[QueuedNudge]], tuple[str, str] | None],
        posted_since: Callable[[datetime], set[int]],
        now: datetime,
        report: RunReport,
    ) -> bool:
        """Post one message for these nudges and record the outcome: sent, to retry, or failed for good.

        Nudges an earlier attempt may have posted are looked for in Slack first; those found are not posted again.
        Right before posting, the claim is checked: `ClaimLost` if another sender has taken the nudges over.
        True when a message went out.
        """
        try:
            nudges = self._not_yet_posted(uow, nudges, posted_since, now, report)
            if not nudges:
                return False
            nudge_service.check_claim(uow, nudges, self.clock.now())
            message = post(nudges)
        except SlackApiError as error:
            self._failed_send(uow, nudges, error, now, report)
            return False
        except UNSHOWABLE as error:  # the message as a whole could not be rendered: retrying will not help
            self._unshowable(uow, nudges, error, report)
            return False
        except (urllib.error.URLError, OSError) as error:
            # The request may have reached Slack before the connection failed: the post is unconfirmed.
            self._retry(uow, nudges, f"connection: {error}", now, report, unconfirmed=True)
            return False
        nudge_service.mark_sent(uow, nudges, now, message)
        report.sent += len(nudges)
        return True

    def _not_yet_posted(
        self,
        uow: UnitOfWork,
        nudges: list[QueuedNudge],
        posted_since: Callable[[datetime], set[int]],
        now: datetime,
        report: RunReport,
    ) -> list[QueuedNudge]:
        unconfirmed = [n.unconfirmed_since for n in nudges if n.unconfirmed_since is not None]
        if not unconfirmed:
            return nudges
        found = posted_since(min(unconfirmed))
        posted = [n for n in nudges if n.id in found]
        if posted:
            log.info("nudges %s were posted by an earlier attempt; not posting them again", [n.id for n in posted])
            nudge_service.mark_sent(uow, posted, now)
            report.sent += len(posted)
        return [n for n in nudges if n.id not in found]

    def _failed_send(
        self, uow: UnitOfWork, nudges: list[QueuedNudge], error: SlackApiError, now: datetime, report: RunReport
    ) -> None:
        code = str(error.response.get("error") or "")
        if error.response.status_code == 429:
            wait = retry_after(header(error, "Retry-After"), now, RATE_LIMITED)
            nudge_service.retry_later(uow, nudges, now + wait)  # not the nudge's fault
            report.deferred += len(nudges)
        elif code in PERMANENT:
            nudge_service.mark_failed(uow, nudges, code)
            report.failed += len(nudges)
            log.warning("nudges %s failed for good: %s", [n.id for n in nudges], code)
        else:
            # A server error may come after the message was posted; Slack's own refusals (200, not ok) do not.
            unconfirmed = error.response.status_code >= 500
            self._retry(uow, nudges, code or f"http {error.response.status_code}", now, report, unconfirmed=unconfirmed)

    def _retry(
        self,
        uow: UnitOfWork,
        nudges: list[QueuedNudge],
        reason: str,
        now: datetime,
        report: RunReport,
        *,
        unconfirmed: bool = False,
    ) -> None:
        attempts = max(n.attempts for n in nudges) + 1
        if attempts >= MAX_ATTEMPTS:
            nudge_service.mark_failed(uow, nudges, f"gave up after {attempts} attempts: {reason}")
            report.failed += len(nudges)
            return
        when = now + BACKOFF[min(attempts, len(BACKOFF)) - 1]
        nudge_service.retry_later(uow, nudges, when, reason, unconfirmed_since=now if unconfirmed else None)
        report.deferred += len(nudges)

    def _zone(self, slack: WebClient, team_id: str, person: str, now: datetime) -> ZoneInfo:
        """The person's time zone: remembered for a day, else asked of Slack, else the configured default. What
        Slack says of them names them in the directory too, for readers offline (an export, the nudge preview).
        A 429 is raised: the default zone could send at the wrong hour, so the person waits instead."""
        uow = self.uow(team_id)
        with uow:
            known = uow.profiles.time_zone(person, now - PROFILE_TTL)
        if known is None:
            try:
                user = slack.users_info(user=person)["user"]
            except SlackApiError as error:
                if error.response.status_code == 429:
                    raise
                log.info("no time zone for %s (%s); using %s", person, error.response.get("error"), self.default_tz)
                return ZoneInfo(self.default_tz)
            known = str(user.get("tz") or self.default_tz)
            with uow:
                uow.profiles.remember(person, known, now)
                uow.directory.remember([person_entry(person, user, now)])
                uow.commit()
            action_service.owner_moved(uow, person, str(user.get("tz") or ""))  # moved since their actions began
        try:
            return ZoneInfo(known)
        except ZoneInfoNotFoundError:
            return ZoneInfo(self.default_tz)


def sender_client(settings: Settings, token: str | None) -> WebClient:
    """A client for the nudge sender, which retries nothing by itself (see `nudger_for`)."""
    return WebClient(token=token, base_url=settings.slack_api_url, retry_handlers=[])


def nudger_for(
    settings: Settings,
    deps: Deps,
    teams: Callable[[], list[str]],
    sweeping: Sweeping,
    clients: Clients | None = None,
    expired: Expired | None = None,
) -> Nudger:
    """A nudger on the configured Slack, policy and working hours, sending to each tenant with `clients` (by
    default the one configured bot token for every tenant), told by `expired` of a token Slack says expired early.
    Its clients must retry nothing by themselves (the default one does not): the outbox decides when to try
    again, so no thread sleeps while holding a claim, and no tenant's rate limit holds another's nudges up."""
    installed = clients  # installations of many organisations: a partner's own may tell its people
    if clients is None:
        one = sender_client(settings, settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None)

        def every_tenant(_tenant: str) -> WebClient:
            return one

        clients = every_tenant
    return Nudger(
        deps,
        clients,
        teams,
        sweeping,
        policy=settings.nudge_policy(),
        hours=settings.working(),
        default_tz=settings.default_timezone,
        batch=settings.nudge_batch,
        lease=timedelta(seconds=settings.nudge_claim_lease_seconds),
        partners=installed,
        expired=expired,
    )
