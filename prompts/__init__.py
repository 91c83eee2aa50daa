"""Vietnamese texts the product shows to people, loaded from messages.toml."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

MESSAGES_FILE = Path(__file__).parent / "messages.toml"


@lru_cache(maxsize=1)
def messages() -> dict[str, str]:
    try:
        return tomllib.loads(MESSAGES_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RuntimeError(f"Could not load the bot texts from {MESSAGES_FILE}: {error}") from error


def text(key: str, **values: object) -> str:
    """One message by key, with {placeholders} filled."""
    template = messages().get(key)
    if template is None:
        raise KeyError(f"No message {key!r} in {MESSAGES_FILE}")
    return template.format(**values)
