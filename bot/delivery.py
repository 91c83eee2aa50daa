"""Putting HTML in front of Telegram users: split to fit, buttons on the last part, and one message edited
in place while work runs on another thread."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import InlineKeyboardMarkup, Message
from telegram.error import TelegramError

from .markup import split_html

logger = logging.getLogger(__name__)


async def send_html(msg: Message, html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Reply in as many messages as Telegram's limit needs; the buttons go on the last one."""
    parts = split_html(html)
    for index, part in enumerate(parts):
        await msg.reply_text(part, reply_markup=keyboard if index == len(parts) - 1 else None)


async def replace_html(notice: Message, html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Edit `notice` into the first part; the rest follow as replies, the buttons on the last part."""
    parts = split_html(html)
    await notice.edit_text(parts[0], reply_markup=keyboard if len(parts) == 1 else None)
    for index, part in enumerate(parts[1:], start=2):
        await notice.reply_text(part, reply_markup=keyboard if index == len(parts) else None)


class LiveMessage:
    """A message edited with progress from a worker thread, at most every `every` seconds (Telegram limits
    edits per chat), and never again once `finish` has put the result in its place."""

    def __init__(self, notice: Message, loop: asyncio.AbstractEventLoop, every: float) -> None:
        self.notice = notice
        self.loop = loop
        self.every = every
        self._closed = False
        self._pending: list = []
        self._last = time.monotonic()  # the notice itself was just sent

    def show(self, html: str) -> None:
        """Thread-safe; progress is cosmetic, so a throttled or failed edit is simply skipped."""
        now = time.monotonic()
        if self._closed or now - self._last < self.every:
            return
        self._last = now
        self._pending.append(asyncio.run_coroutine_threadsafe(self._edit(html), self.loop))

    async def _edit(self, html: str) -> None:
        if self._closed:
            return
        try:
            await self.notice.edit_text(html)
        except TelegramError as error:
            logger.debug("Progress edit failed: %s", error)

    async def finish(self, html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        self._closed = True  # then let edits already under way land before the result replaces them
        with contextlib.suppress(Exception):
            await asyncio.gather(*(asyncio.wrap_future(f) for f in self._pending), return_exceptions=True)
        await replace_html(self.notice, html, keyboard)
