"""Formatting for two front ends: Telegram HTML (escaped, split to fit a message) and plain terminal text."""
from __future__ import annotations

import html
import re
from itertools import accumulate, chain
from dataclasses import dataclass

TELEGRAM_LIMIT = 4096
_TAG = re.compile(r"<(/?)([a-z-]+)[^>]*>")
# Cut preferences inside text, best first: paragraph, line, sentence end, list comma, word gap.
_CUTS = (re.compile(r"\n\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…;:])\s"), re.compile(r"(?<=,)\s"),
         re.compile(r"\s"))


@dataclass(frozen=True)
class Markup:
    """How views mark text up; `html=False` is the terminal's plain text."""
    html: bool

    def text(self, value: object) -> str:
        return html.escape(str(value), quote=False) if self.html else str(value)

    def bold(self, value: object) -> str:
        return f"<b>{self.text(value)}</b>" if self.html else str(value)

    def italic(self, value: object) -> str:
        return f"<i>{self.text(value)}</i>" if self.html else str(value)

    def code(self, value: object) -> str:
        return f"<code>{self.text(value)}</code>" if self.html else str(value)

    def quote(self, value: object) -> str:
        return f"<blockquote>{self.text(value)}</blockquote>" if self.html else f"“{value}”"


HTML = Markup(html=True)
PLAIN = Markup(html=False)


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def visible_text(markup: str) -> str:
    """What Telegram shows of an HTML message: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def split_html(markup: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into parts of at most `limit` UTF-16 units each, every part valid on its own.

    Cuts fall at a paragraph, line, sentence or word boundary outside tags and entities; tags open
    at a cut are closed at the end of one part and reopened at the start of the next.
    """
    parts: list[str] = []
    rest = markup.strip()
    while utf16_len(rest) > limit:
        cut, open_tags = _best_cut(rest, limit)
        head = rest[:cut].rstrip() + "".join(f"</{name}>" for name, _ in reversed(open_tags))
        parts.append(_drop_empty_tags(head))
        rest = _drop_empty_tags("".join(tag for _, tag in open_tags) + rest[cut:].lstrip())
    if rest:
        parts.append(rest)
    return parts


def _best_cut(markup: str, limit: int) -> tuple[int, list[tuple[str, str]]]:
    """The latest good cut position that fits, and the tags open there as (name, opening tag)."""
    stack: list[tuple[str, str]] = []
    states: list[tuple[int, int, tuple]] = []  # (text position, budget used, open tags) at each safe point
    used = 0
    position = 0
    candidates: list[list[tuple[int, tuple]]] = [[] for _ in _CUTS]
    for match in chain(_TAG.finditer(markup), [None]):
        end = match.start() if match else len(markup)
        # Text beyond `limit` characters can never fit (a character is at least one UTF-16 unit).
        segment = markup[position:min(end, position + limit + 1)]
        widths = [0, *accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in segment)]
        closing = sum(len(name) + 3 for name, _ in stack)
        reopening = sum(len(tag) for _, tag in stack)
        for rank, pattern in enumerate(_CUTS):
            for cut in pattern.finditer(segment):
                at = position + cut.start()
                if _inside_entity(markup, at):
                    continue
                if used + widths[cut.start()] + closing <= limit and reopening < limit // 2:
                    candidates[rank].append((at, tuple(stack)))
        # A hard cut anywhere in the text, as the last resort (still outside entities).
        room = limit - used - closing
        if room > 0 and len(segment) > 0:
            hard = position + min(len(segment), room)
            while hard > position and (_inside_entity(markup, hard) or widths[hard - position] > room):
                hard -= 1
            if hard > position:
                states.append((hard, used, tuple(stack)))
        used += widths[-1]
        if match is None or used > limit:
            break
        tag = match.group()
        if match.group(1):
            if stack and stack[-1][0] == match.group(2):
                stack.pop()
        else:
            stack.append((match.group(2), tag))
        used += utf16_len(tag)
        position = match.end()
    # A part must show some text: never cut among the tags that open it.
    first_text = re.match(r"(?:\s*<[^>]+>)*\s*", markup).end()
    states = [s for s in states if s[0] > first_text]
    for found in candidates:
        good = [c for c in found if c[0] > first_text]
        if good and (found is candidates[-1] or good[-1][0] >= limit // 3):
            at, tags = good[-1]
            return at, list(tags)
    if states:
        at, _, tags = states[-1]
        return at, list(tags)
    raise ValueError(f"Cannot split the message: a single tag is longer than {limit} characters")


def _drop_empty_tags(markup: str) -> str:
    """'<b></b>' left where a cut fell next to a tag: Telegram shows nothing for it, so it costs only room."""
    while True:
        shorter = re.sub(r"<([a-z-]+)[^>]*>\s*</\1>", "", markup)
        if shorter == markup:
            return markup.strip()
        markup = shorter


def _inside_entity(markup: str, at: int) -> bool:
    """True when position `at` falls inside '&amp;'-style escapes."""
    start = markup.rfind("&", max(0, at - 8), at)
    return start != -1 and ";" in markup[start:at + 8] and markup.find(";", start) >= at
