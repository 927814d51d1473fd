"""The nudge job is registered once, by id, to run one at a time and to catch up once after a pause."""

from unittest.mock import Mock

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.runtime.scheduler import JOB_ID, MISFIRE_GRACE_SECONDS, schedule


def test_the_job_is_registered_once_with_safe_defaults() -> None:
    scheduler = schedule(Mock(), every_seconds=60, blocking=False)
    assert isinstance(scheduler, BackgroundScheduler)
    scheduler.start(paused=True)  # jobs take the scheduler's defaults when it starts
    try:
        [job] = scheduler.get_jobs()
        assert (job.id, job.trigger.interval.total_seconds()) == (JOB_ID, 60)
        assert (job.coalesce, job.max_instances) == (True, 1)
        assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS >= 60
        scheduler.add_job(print, "interval", seconds=30, id=JOB_ID, replace_existing=True)  # registered again
        assert [j.id for j in scheduler.get_jobs()] == [JOB_ID]
    finally:
        scheduler.shutdown(wait=False)


def test_a_separate_scheduler_process_blocks() -> None:
    assert isinstance(schedule(Mock(), every_seconds=5, blocking=True), BlockingScheduler)
