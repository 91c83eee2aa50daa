"""Logging for the bot: the token never reaches any handler, whoever installed it."""
from __future__ import annotations

import logging
import re
import traceback

# Bot API URLs carry the token as "bot<digits>:<secret>"; redact that shape wherever it appears.
_TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b")
REDACTED = "bot<token>"
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    text = _TOKEN_IN_URL.sub(REDACTED, text)
    text = _TOKEN.sub("<token>", text)
    for secret in _secrets:
        text = text.replace(secret, "<secret>")
    return text


def configure_logging(level: int = logging.INFO, secrets: tuple[str, ...] = ()) -> None:
    """Format to stderr and redact every record at creation, so caplog, stderr and files all see it clean.

    httpx logs each request URL (which holds the token) at INFO: keep it at WARNING.
    """
    global _installed
    _secrets.update(s for s in secrets if s)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def redacting_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw message rather than lose the record
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(redacting_record)
