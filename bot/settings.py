"""Configuration: one typed object read from the environment (and an optional `.env` file)."""

import hashlib
import hmac
from datetime import time
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stages.health import HealthSettings
from stages.nudges import NudgePolicy, WorkingHours

SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = Field(None, description="Bot token (xoxb-...) of the installed app.")
    slack_signing_secret: SecretStr | None = Field(None, description="Signing secret, to verify requests.")
    slack_app_token: SecretStr | None = Field(None, description="App-level token (xapp-...) for Socket Mode.")
    slack_api_url: str = Field(SLACK_API_URL, description="Web API base URL; point it at an emulator to test.")
    slack_client_id: str | None = Field(None, description="OAuth client id: with the secret, many workspaces install.")
    slack_client_secret: SecretStr | None = Field(None, description="OAuth client secret (Add to Slack).")
    slack_redirect_uri: str | None = Field(None, description="OAuth redirect URL, if not the app's configured one.")
    accord_encryption_key: SecretStr | None = Field(
        None, description="Fernet key(s) encrypting tokens at rest, newest first, comma-separated to rotate keys."
    )
    purge_after_days: int = Field(30, ge=0, description="Days an uninstalled workspace's data is kept, then purged.")
    database_url: str = Field("sqlite:///accord.db", description="SQLAlchemy URL; SQLite file by default.")
    log_level: str = Field("INFO", description="Python logging level.")
    work_processes: int = Field(1, ge=0, description="HTTP mode: processes doing the work after each ack (0: threads).")
    work_threads: int = Field(8, ge=1, description="Threads in each work process (Socket Mode: in the process).")
    work_claim_lease_seconds: int = Field(
        300, ge=1, description="Work a process claimed this long ago and never finished is taken over by another."
    )
    nudge_interval_seconds: int = Field(300, ge=1, description="How often the nudge job runs.")
    nudge_batch: int = Field(200, ge=1, description="Nudges a sender claims at a time.")
    sweep_processes: int = Field(
        2, ge=0, description="Helper processes for the nudge sweep of a large database (0: in the job's process)."
    )
    nudge_claim_lease_seconds: int = Field(
        600, ge=1, description="A claim this old belongs to a sender that died: another takes its nudges over."
    )
    working_days: str = Field("mon-fri", description="Days nudges may be sent, e.g. mon-fri or mon,wed,fri.")
    working_hours: str = Field("09:00-17:00", description="Hours nudges may be sent, in each person's time zone.")
    default_timezone: str = Field("UTC", description="Time zone of people whose Slack profile gives none.")
    remind_every_days: int = Field(3, ge=1, description="A due review is raised again this often.")
    escalate_after_days: int = Field(7, ge=0, description="Overdue this long, a review also goes to the sponsor.")
    dispute_grace_days: int = Field(1, ge=0, description="Days after a dispute's nudge before it climbs a tier.")
    health_min_respondents: int = Field(
        3, ge=1, description="A side's health check figures are shown only once this many of its people answered."
    )
    health_gap_alert: float = Field(20, ge=0, description="Health check gaps above this many points are flagged.")
    health_cadence_days: int = Field(
        90, ge=7, description="The next health check is due this long after the last one closed (owner nudged)."
    )
    idea_stale_days: int = Field(
        60, ge=1, description="A value-creation idea unmoved this long is flagged stale and its owner nudged."
    )
    meeting_cadence_days: int = Field(
        30, ge=1, description="The joint management team's next meeting is due this long after its last one."
    )
    health_key: SecretStr | None = Field(
        None, description="Key of the health check respondents' hashes; derived from the signing secret if unset."
    )

    @field_validator("working_days")
    @classmethod
    def _days(cls, text: str) -> str:
        parse_days(text)
        return text

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, text: str) -> str:
        parse_hours(text)
        return text

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        ZoneInfo(name)
        return name

    def nudge_policy(self) -> NudgePolicy:
        return NudgePolicy(
            self.remind_every_days,
            self.escalate_after_days,
            self.dispute_grace_days,
            idea_stale_days=self.idea_stale_days,
            meeting_cadence_days=self.meeting_cadence_days,
        )

    def health(self, fallback: bytes) -> HealthSettings:
        """The health check's settings; its key is HEALTH_KEY, else one derived from the signing secret (so that
        every process of a deployment has the same), else `fallback` (offline, where there is neither)."""
        if self.health_key is not None:
            key = self.health_key.get_secret_value().encode()
        elif self.slack_signing_secret is not None:
            secret = self.slack_signing_secret.get_secret_value().encode()
            key = hmac.new(secret, b"accord health check respondents", hashlib.sha256).digest()
        else:
            key = fallback
        return HealthSettings(
            key,
            self.health_min_respondents,
            self.health_gap_alert,
            remind_every_days=self.remind_every_days,
            cadence_days=self.health_cadence_days,
            escalate_after_days=self.escalate_after_days,
        )

    def working(self) -> WorkingHours:
        start, end = parse_hours(self.working_hours)
        return WorkingHours(parse_days(self.working_days), start, end)

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, url: str) -> str:
        # slack_sdk joins method names onto the base URL, which must end in a slash.
        return url if url.endswith("/") else url + "/"

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        "slack_redirect_uri",
        "accord_encryption_key",
        "health_key",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def installs(self) -> bool:
        """Whether workspaces install Accord through OAuth (Add to Slack) rather than sharing one bot token."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    def missing_for(self, *, socket_mode: bool) -> list[str]:
        """Environment variables a real Slack connection still needs, by name."""
        connection = (
            {"SLACK_APP_TOKEN": self.slack_app_token}
            if socket_mode
            else {"SLACK_SIGNING_SECRET": self.slack_signing_secret}
        )
        return self.missing_for_sending() + [name for name, value in connection.items() if value is None]

    def missing_for_sending(self) -> list[str]:
        """Environment variables a process that only sends to Slack (the scheduler, a work process) still needs:
        the one bot token, or, with installations, the key that opens each installation's stored tokens."""
        needed = (
            {"ACCORD_ENCRYPTION_KEY": self.accord_encryption_key}
            if self.installs
            else {"SLACK_BOT_TOKEN": self.slack_bot_token}
        )
        return [name for name, value in needed.items() if value is None]


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri` or `sun-thu` as weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise ValueError(f"working days must be like mon-fri or mon,wed,fri, not {text!r}")
        start, end = _DAYS.index(first), _DAYS.index(last or first)
        days.update(d % 7 for d in range(start, end + (7 if end < start else 0) + 1))
    return frozenset(days)


def parse_hours(text: str) -> tuple[time, time]:
    """`09:00-17:00` as opening and closing times (`00:00-00:00` for all day)."""
    opening, _, closing = text.replace(" ", "").partition("-")
    try:
        return time.fromisoformat(opening), time.fromisoformat(closing)
    except ValueError:
        raise ValueError(f"working hours must be like 09:00-17:00, not {text!r}") from None
