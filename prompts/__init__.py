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


LLM_FILE = Path(__file__).parent / "llm.toml"
# Each LLM template and the placeholders it must keep.
LLM_TEMPLATES = {"refusal": set(), "answer_system": {"refusal"}, "answer_user": {"passages", "question"},
                 "passage": {"n", "source", "text"}, "summary_user": {"province", "passages"},
                 "followup": {"previous", "question"}}


@lru_cache(maxsize=1)
def llm_templates() -> dict[str, str]:
    """The LLM prompts, checked: a missing template or placeholder fails here, naming the file."""
    import string

    try:
        templates = tomllib.loads(LLM_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RuntimeError(f"Could not load the LLM prompts from {LLM_FILE}: {error}") from error
    for key, placeholders in LLM_TEMPLATES.items():
        if not isinstance(templates.get(key), str) or not templates[key].strip():
            raise RuntimeError(f"{LLM_FILE}: the template {key!r} is missing or empty")
        try:
            found = {name for _, name, _, _ in string.Formatter().parse(templates[key]) if name}
        except ValueError as error:
            raise RuntimeError(f"{LLM_FILE}: the template {key!r} is malformed ({error})") from None
        if found != placeholders:
            raise RuntimeError(f"{LLM_FILE}: the template {key!r} must use the placeholders "
                               f"{sorted(placeholders)}, found {sorted(found)}")
    return templates
