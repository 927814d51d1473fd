"""Configuration: one typed object read from the environment (and an optional `.env` file)."""

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = Field(None, description="Bot token (xoxb-...) of the installed app.")
    slack_signing_secret: SecretStr | None = Field(None, description="Signing secret, to verify requests.")
    slack_app_token: SecretStr | None = Field(None, description="App-level token (xapp-...) for Socket Mode.")
    slack_api_url: str = Field(SLACK_API_URL, description="Web API base URL; point it at an emulator to test.")
    database_url: str = Field("sqlite:///accord.db", description="SQLAlchemy URL; SQLite file by default.")
    log_level: str = Field("INFO", description="Python logging level.")

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, url: str) -> str:
        # slack_sdk joins method names onto the base URL, which must end in a slash.
        return url if url.endswith("/") else url + "/"

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def missing_for(self, *, socket_mode: bool) -> list[str]:
        """Environment variables a real Slack connection still needs, by name."""
        needed = {"SLACK_BOT_TOKEN": self.slack_bot_token}
        if socket_mode:
            needed["SLACK_APP_TOKEN"] = self.slack_app_token
        else:
            needed["SLACK_SIGNING_SECRET"] = self.slack_signing_secret
        return [name for name, value in needed.items() if value is None]
