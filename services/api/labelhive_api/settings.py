"""Settings from the environment, prefix LABELHIVE_; a bad value stops startup with one line."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LABELHIVE_", extra="ignore")

    environment: str = Field("development", pattern="^(development|production|test)$")
    database_url: str = "sqlite:///./.labelhive/labelhive.db"
    data_dir: Path = Path(".labelhive")
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)


def load_settings() -> Settings:
    return Settings()
