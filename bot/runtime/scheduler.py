"""The clock that runs the nudge job, and the purge of tenants that uninstalled Accord longer ago than the
grace period (and of Add to Slack's expired states). APScheduler only decides when; the outbox decides what is sent.

Each process keeps its jobs in memory (APScheduler's job stores must not be shared between processes); the
job is registered once, by id, and runs one at a time, catching up once (not once per missed run) after a
pause, within a grace time of minutes.
"""

import logging
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.nudges.delivery import Nudger
from storage.parent_watch import on_parent_gone

if TYPE_CHECKING:
    from bot.runtime.bootstrap import Bootstrap

log = logging.getLogger(__name__)
JOB_ID = "accord-nudges"
MISFIRE_GRACE_SECONDS = 5 * 60
PURGE_JOB_ID = "accord-purge"
# A look at the tenants whose grace period is over is one small query: often enough that a grace period ends
# within minutes of its time, however short it was set.
PURGE_EVERY_MINUTES = 5


def schedule(
    nudger: Nudger, *, every_seconds: int, blocking: bool, purge: Callable[[], list[str]] | None = None
) -> BaseScheduler:
    """The nudge job every `every_seconds`, and `purge` (see `grace_period_purge`) every PURGE_EVERY_MINUTES."""
    options = {
        "jobstores": {"default": MemoryJobStore()},
        "job_defaults": {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        "timezone": UTC,
    }
    scheduler: BaseScheduler = BlockingScheduler(**options) if blocking else BackgroundScheduler(**options)
    scheduler.add_job(
        _run,
        "interval",
        args=[nudger],
        seconds=every_seconds,
        id=JOB_ID,
        replace_existing=True,
        next_run_time=datetime.now(UTC),
    )
    if purge is not None:
        scheduler.add_job(
            _purge,
            "interval",
            args=[purge],
            minutes=PURGE_EVERY_MINUTES,
            id=PURGE_JOB_ID,
            replace_existing=True,
            misfire_grace_time=None,  # however late (a pause, the clock moved on), a purge is done, once
            next_run_time=datetime.now(UTC),
        )
    return scheduler


def _run(nudger: Nudger) -> None:
    report = nudger.run()
    if report.enqueued or report.sent or report.failed or report.escalated:
        log.info(
            "nudges: %d queued, %d sent, %d deferred, %d failed, %d disputes escalated",
            report.enqueued, report.sent, report.deferred, report.failed, report.escalated,
        )  # fmt: skip


def grace_period_purge(process: "Bootstrap") -> Callable[[], list[str]] | None:
    """What purges the tenants uninstalled more than PURGE_AFTER_DAYS ago, at the process's time; None with one
    bot token, where nobody installs or uninstalls."""
    installs = process.installations
    if installs is None:
        return None
    from storage.tenant_purge import purge_uninstalled

    keep_for = timedelta(days=process.settings.purge_after_days)

    def purge() -> list[str]:
        now = process.clock.now()
        installs.states.purge_expired(now)  # Add to Slack visits never finished
        return purge_uninstalled(process.database, now, keep_for)

    return purge


def _purge(purge: Callable[[], list[str]]) -> None:
    for tenant_id in purge():
        log.info("purged the data of %s: uninstalled longer ago than the grace period", tenant_id)


def exit_with_parent(parent_pid: int) -> None:
    """Stop this scheduler, as its parent would with SIGTERM, once the process `parent_pid` that started it is gone:
    left behind, it would run beside the one the next start brings."""

    def stop() -> None:
        log.warning("the process that started this scheduler (pid %d) is gone: stopping", parent_pid)
        os.kill(os.getpid(), signal.SIGTERM)

    on_parent_gone(parent_pid, stop, name="accord-parent-watch")
