"""Telegram handlers: questions, commands, buttons and errors, over one Engine shared by all chats.

The engine is synchronous and CPU-bound, so every call to it runs on a worker thread; the event
loop stays free to serve other users (the Application runs updates concurrently).
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from telegram import (BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Message,
                      MessageEntity, Update)
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from index import Engine, QuestionError, Settings
from index.models import Answer
from index.summary import Summary, split_request
from index.themes import default_themes
from prompts import text as message

from . import views
from .access import AccessPolicy
from .audit import AuditLog
from .conversation import ConversationMemory
from .logs import redact
from .delivery import LiveMessage, send_html
from .markup import HTML, split_html
from .ratelimit import SlidingWindowLimiter
from .staff import StaffActions

logger = logging.getLogger(__name__)

PUBLIC_COMMANDS = ("start", "help", "hoi", "tinh", "moi", "id")
ADMIN_COMMANDS = ("thongke", "reindex", "xoa")
TYPING_REFRESH_SECONDS = 4.0  # Telegram shows "typing…" for about 5 s per action
DRAFT_EDIT_SECONDS = 1.5


class BotHandlers:
    def __init__(self, engine: Engine, settings: Settings, audit: AuditLog) -> None:
        self.engine = engine
        self.settings = settings
        self.audit = audit
        self.access = AccessPolicy.from_settings(settings)
        self.limiter = SlidingWindowLimiter(settings.rate_limit_per_minute)
        self.memory = ConversationMemory(settings.context_minutes * 60)
        self.executor = ThreadPoolExecutor(settings.bot_workers, thread_name_prefix="hoidap-engine")
        self.staff = StaffActions(self)

    # ----- wiring -----

    def register(self, app: Application) -> None:
        self.staff.register(app)  # first: its button pattern and documents must win over the general handlers
        for name in PUBLIC_COMMANDS + ("thongke",):
            app.add_handler(CommandHandler(name, getattr(self, f"cmd_{name}")))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, self.on_private_text))
        app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, self.on_group_text))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, self.on_unknown_command))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                       self.on_private_other))
        app.add_error_handler(self.on_error)

    async def post_init(self, app: Application) -> None:
        """Menu commands for everyone, plus the admin commands in each admin's own chat; load the index."""
        public = [BotCommand(name, message(f"cmd_{name}")) for name in PUBLIC_COMMANDS]
        await app.bot.set_my_commands(public)
        admin = public + [BotCommand(name, message(f"cmd_{name}")) for name in ADMIN_COMMANDS]
        for admin_id in sorted(self.access.admins):
            try:
                await app.bot.set_my_commands(admin, scope=BotCommandScopeChat(admin_id))
            except TelegramError as error:  # the admin has not opened a chat with the bot yet
                logger.warning("Could not set the admin menu for %s: %s", admin_id, error)
        if self.access.open_to_everyone:
            logger.warning("No HOIDAP_ALLOWED_USER_IDS or HOIDAP_ALLOWED_CHAT_IDS set: anyone may ask this bot.")
        await self._catalog()  # the first question should not pay for loading

    async def post_shutdown(self, app: Application) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def _catalog(self):
        return await self._run(lambda: self.engine.catalog)  # the first use loads the index

    async def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, functools.partial(function, *args))

    # ----- access -----

    async def authorized(self, update: Update) -> bool:
        user, chat = update.effective_user, update.effective_chat
        user_id, chat_id = (user.id if user else None), (chat.id if chat else None)
        if self.access.allows(user_id, chat_id):
            return True
        logger.info("Refused user %s in chat %s", user_id, chat_id)
        refusal = message("not_allowed") + "\n\n" + message("your_ids", user_id=user_id, chat_id=chat_id)
        if update.callback_query:
            await update.callback_query.answer(refusal[:200], show_alert=True)
        elif update.effective_message:
            await update.effective_message.reply_text(HTML.text(refusal))
        return False

    async def admin(self, update: Update) -> bool:
        if not await self.authorized(update):
            return False
        if self.access.is_admin(update.effective_user.id if update.effective_user else None):
            return True
        await update.effective_message.reply_text(HTML.text(message("admin_only")))
        return False

    # ----- questions -----

    async def on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._ask(update, context, update.effective_message.text)

    async def on_group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a group, answer only when addressed: a mention of the bot or a reply to one of its messages."""
        msg = update.effective_message
        question, mentioned = _strip_mentions(msg, context.bot.username, context.bot.id)
        replied = bool(msg.reply_to_message and msg.reply_to_message.from_user
                       and msg.reply_to_message.from_user.id == context.bot.id)
        if mentioned or replied:
            await self._ask(update, context, question)

    async def cmd_hoi(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        parts = (update.effective_message.text or "").split(maxsplit=1)
        if len(parts) < 2:
            if await self.authorized(update):
                await update.effective_message.reply_text(HTML.text(message("hoi_usage")))
            return
        await self._ask(update, context, parts[1])

    async def _ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE, raw: str) -> None:
        if not await self.authorized(update):
            return
        msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
        wait = self.limiter.try_acquire(user.id)
        if wait:
            await msg.reply_text(HTML.text(message("rate_limited", limit=self.limiter.limit, seconds=wait)))
            return
        try:
            question = self.engine.clean_question(raw)
        except QuestionError as error:
            await msg.reply_text(HTML.text(str(error)))
            return
        key = (chat.id, user.id)
        # May ask the LLM (when configured) to read a follow-up: off the event loop like every engine call.
        standalone = await self._run(self.engine.standalone, question, self.memory.previous(key))
        interpreted = standalone if standalone != question else None
        draft = None
        if self.engine.generator is not None:  # LLM mode: one message, edited as the reply streams in
            draft = LiveMessage(await msg.reply_text(HTML.text(message("drafting"))), asyncio.get_running_loop(),
                                DRAFT_EDIT_SECONDS)

        def progress(characters: int) -> None:  # how much has arrived, never the unverified text itself
            draft.show(HTML.text(message("drafting_progress", characters=characters)))
        async with _typing(context.bot, chat.id):
            answer: Answer = await self._run(self.engine.answer, standalone, progress if draft else None)
            answer_id = await self._run(self.audit.record, user.id, chat.id, raw, answer, interpreted)
        self.memory.remember(key, standalone)
        logger.info("Answered %s for user %s in %.0f ms (found=%s, %s)", answer_id, user.id, answer.latency_ms,
                    answer.found, answer.mode)
        html, keyboard = views.answer_view(answer, HTML, interpreted), _answer_keyboard(answer_id, answer)
        if draft is None:
            await send_html(msg, html, keyboard)
        else:
            await draft.finish(html, keyboard)

    # ----- buttons -----

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if not await self.authorized(update):
            return
        if (query.data or "").startswith("t:"):
            await query.answer()
            # "t:<province>" from the province menu, "t:<province>|<theme key>" under a digest.
            province, _, key = query.data[2:].partition("|")
            theme = default_themes().by_key(key) if key else None
            await self._summary(update, province, theme.name if theme else None)
            return
        kind, answer_id, argument = _parse_callback(query.data or "")
        if kind == "p":
            citations = await self._run(self.audit.citations, answer_id)
            citation = next((c for c in citations or () if c.n == argument), None)
            if citation is None:
                await query.answer(message("passage_gone"), show_alert=True)
                return
            await query.answer()
            for part in split_html(views.passage_view(citation, HTML)):
                await context.bot.send_message(update.effective_chat.id, part)
        elif kind == "f":
            await self._run(self.audit.set_feedback, answer_id, update.effective_user.id, argument)
            await query.answer(message("feedback_thanks"))
        else:
            await query.answer()

    # ----- commands -----

    async def cmd_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.authorized(update):
            catalog = await self._catalog()
            await update.effective_message.reply_text(HTML.text(message("welcome", articles=len(catalog))))

    async def cmd_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.authorized(update):
            catalog = await self._catalog()
            await send_html(update.effective_message, views.help_view(catalog, HTML))

    async def cmd_id(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat = update.effective_user, update.effective_chat
        await update.effective_message.reply_text(
            HTML.text(message("your_ids", user_id=user.id if user else "—", chat_id=chat.id if chat else "—")))

    async def cmd_tinh(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/tinh: buttons for the provinces with articles; /tinh PROVINCE [THEME or WORDS]: its cited digest."""
        if not await self.authorized(update):
            return
        request = " ".join(context.args or ()).strip()
        if request:
            await self._summary(update, *split_request(request, self.engine.gazetteer))
            return
        catalog = await self._catalog()
        await send_html(update.effective_message, views.provinces_view(catalog, HTML, listed=False),
                     _province_keyboard(catalog.province_counts()))

    async def _summary(self, update: Update, name: str, topic: str | None = None) -> None:
        user, chat = update.effective_user, update.effective_chat
        asked = f"/tinh {name}" + (f" {topic}" if topic else "")
        async with _typing(update.get_bot(), chat.id):
            summary = await self._run(self.engine.summarize, name, topic)
            answer = Answer(asked, summary.found, summary.summary if summary.found else "", summary.citations)
            answer_id = await self._run(self.audit.record, user.id, chat.id, asked, answer)
        keyboard = None
        if summary.found:
            keyboard = _answer_keyboard(answer_id, answer, _theme_buttons(summary))
        await send_html(update.effective_message, views.summary_view(summary, HTML), keyboard)

    async def cmd_moi(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.authorized(update):
            catalog = await self._catalog()
            await send_html(update.effective_message, views.latest_view(catalog, HTML))

    async def cmd_thongke(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.admin(update):
            stats = await self._run(self.engine.stats)
            usage = await self._run(self.audit.usage)
            await send_html(update.effective_message, views.stats_view(stats, usage, HTML))

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.authorized(update):
            await update.effective_message.reply_text(HTML.text(message("chat_unknown_command")))

    async def on_private_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.authorized(update):
            await update.effective_message.reply_text(HTML.text(message("send_text")))

    # ----- errors -----

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the traceback, tell the admins in short, tell the user one friendly sentence."""
        logger.error("Error while handling an update", exc_info=context.error)
        summary = redact(f"{type(context.error).__name__}: {context.error}")[:1000]
        for admin_id in sorted(self.access.admins):
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(admin_id, f"{HTML.bold(message('admin_error_report'))}\n"
                                                         f"{HTML.code(summary)}")
        if isinstance(update, Update) and update.effective_chat:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(update.effective_chat.id, HTML.text(message("bot_error")))


def _strip_mentions(msg: Message, username: str | None, bot_id: int) -> tuple[str, bool]:
    """The message text without mentions of this bot, and whether there was one."""
    text, mentioned = msg.text or "", False
    entities = msg.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    for entity, value in sorted(entities.items(), key=lambda item: -item[0].offset):
        is_us = (entity.type == MessageEntity.MENTION and username and value.lower() == f"@{username}".lower()) or \
                (entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id)
        if is_us:
            mentioned = True
            text = text.replace(value, " ", 1)
    return " ".join(text.split()), mentioned


def _theme_buttons(summary: Summary) -> list[list[InlineKeyboardButton]]:
    """Under a digest, one button per theme it covers: 't:<province>|<theme key>' (64 bytes at most)."""
    buttons = [InlineKeyboardButton(f"{t.name} ({t.articles})", callback_data=f"t:{summary.province}|{t.key}")
               for t in summary.themes if len(f"t:{summary.province}|{t.key}".encode()) <= 64]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def _answer_keyboard(answer_id: int, answer: Answer,
                     extra_rows: list[list[InlineKeyboardButton]] = ()) -> InlineKeyboardMarkup:
    # Callback data is at most 64 bytes: "p:<id>:<n>" and "f:<id>:<±1>" stay far below.
    rows = []
    if answer.found:
        buttons = [InlineKeyboardButton(message("button_passage", n=c.n), callback_data=f"p:{answer_id}:{c.n}")
                   for c in answer.citations]
        rows += [buttons[i:i + 8] for i in range(0, len(buttons), 8)]  # Telegram shows at most 8 to a row
    rows += extra_rows
    rows.append([InlineKeyboardButton("👍", callback_data=f"f:{answer_id}:1"),
                 InlineKeyboardButton("👎", callback_data=f"f:{answer_id}:-1")])
    return InlineKeyboardMarkup(rows)


def _province_keyboard(counts) -> InlineKeyboardMarkup | None:
    """One button per province with articles, three to a row: 't:<name>' fits in 64 bytes."""
    buttons = [InlineKeyboardButton(f"{name} ({count})", callback_data=f"t:{name}"[:64])
               for name, count in sorted(counts.items()) if len(f"t:{name}".encode()) <= 64]
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    return InlineKeyboardMarkup(rows) if rows else None


def _parse_callback(data: str) -> tuple[str, int, int]:
    try:
        kind, answer_id, argument = data.split(":")
        return kind, int(answer_id), int(argument)
    except ValueError:
        return "", 0, 0


@contextlib.asynccontextmanager
async def _typing(bot, chat_id: int):
    """Show "typing…" until the block ends, refreshing it while a slow answer is computed."""
    async def keep_typing() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as error:  # cosmetic: never fail a question over it
                logger.debug("Typing action failed: %s", error)
            await asyncio.sleep(TYPING_REFRESH_SECONDS)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
