"""Admin actions in the bot: send a file to add it, /xoa to remove one, /reindex; all confirmed and reported.

Questions keep being answered while these run: the engine swaps to the new index only once it is complete.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from index.corpus import FileExists, remove_from_corpus, safe_file_name, save_to_corpus
from index.indexing import IndexBusy, Manifest
from index.models import IndexReport
from index.reading import UnreadableFile, check_size, read_bytes
from prompts import text as message

from . import views
from .logs import redact
from .delivery import LiveMessage
from .markup import HTML

if TYPE_CHECKING:
    from .handlers import BotHandlers

logger = logging.getLogger(__name__)

TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024
ACTION_TTL_SECONDS = 15 * 60
PROGRESS_EDIT_SECONDS = 2.0
# How long a bot-started index run waits for one started elsewhere (hoidap index) before giving up.
INDEX_WAIT_SECONDS = 120


@dataclass
class PendingAction:
    kind: str  # "upload" (overwrite) or "delete"
    admin_id: int
    name: str
    data: bytes = b""
    expires_at: float = 0.0


class StaffActions:
    def __init__(self, handlers: "BotHandlers") -> None:
        self.handlers = handlers
        self.engine = handlers.engine
        self.settings = handlers.settings
        self.pending: dict[str, PendingAction] = {}
        self._indexing: asyncio.Task | None = None

    def register(self, app: Application) -> None:
        app.add_handler(CommandHandler("xoa", self.cmd_xoa))
        app.add_handler(CommandHandler("reindex", self.cmd_reindex))
        app.add_handler(MessageHandler(filters.Document.ALL, self.on_document))
        app.add_handler(CallbackQueryHandler(self.on_confirm, pattern=r"^a:"))

    # ----- indexing, one run at a time -----

    async def _index(self, notice: Message, done_view) -> None:
        """Run the incremental index in the background and edit `notice` with `done_view(report)`."""
        status = LiveMessage(notice, asyncio.get_running_loop(), PROGRESS_EDIT_SECONDS)

        def progress(done: int, total: int, doc_id: str) -> None:
            if total and done < total:
                status.show(HTML.text(message("reindex_progress", done=done, total=total)))
        try:
            report = await asyncio.to_thread(self.engine.build, False, progress, INDEX_WAIT_SECONDS)
            html = done_view(report)
        except IndexBusy:
            html = HTML.text(message("index_busy"))
        except Exception as error:  # reported to the admin who asked, and logged in full
            logger.exception("Indexing from the bot failed")
            html = HTML.text(message("reindex_failed", error=redact(str(error))[:500]))
        await status.finish(html)

    def _start_indexing(self, notice: Message, done_view) -> bool:
        if self._indexing and not self._indexing.done():
            return False
        self._indexing = asyncio.create_task(self._index(notice, done_view))
        return True

    async def cmd_reindex(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self.handlers.admin(update):
            return
        if self._indexing and not self._indexing.done():
            await update.effective_message.reply_text(HTML.text(message("reindex_running")))
            return
        notice = await update.effective_message.reply_text(HTML.text(message("reindex_started")))
        self._start_indexing(notice, lambda report: views.reindex_view(report, HTML))

    # ----- uploads -----

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg, chat = update.effective_message, update.effective_chat
        user_id = update.effective_user.id if update.effective_user else None
        if not self.handlers.access.is_admin(user_id):
            if chat and chat.type == "private" and await self.handlers.authorized(update):
                await msg.reply_text(HTML.text(message("upload_not_admin")))
            return  # in groups, other people's files are not for the bot
        document = msg.document
        original = document.file_name or "tai_lieu"
        if (document.file_size or 0) > TELEGRAM_DOWNLOAD_LIMIT:
            size = round((document.file_size or 0) / 1024 / 1024, 1)
            await msg.reply_text(HTML.text(message("upload_too_big", name=original, size=size)))
            return
        try:
            name = safe_file_name(original)
            data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
            check_size(original, len(data), self.settings.max_file_bytes)
            await asyncio.to_thread(read_bytes, data, name)  # refuse what cannot be read before saving it
        except UnreadableFile as error:
            await msg.reply_text(HTML.text(message("upload_rejected", reason=str(error))))
            return
        await self._save_and_index(msg, user_id, name, data, overwrite=False)

    async def _save_and_index(self, msg: Message, admin_id: int, name: str, data: bytes, overwrite: bool,
                              notice: Message | None = None) -> None:
        try:
            save_to_corpus(self.settings.corpus_dir, name, data, overwrite=overwrite)
        except FileExists as error:
            if overwrite or "doc_id" in str(error):
                await msg.reply_text(HTML.text(message("upload_rejected", reason=str(error))))
                return
            token = self._remember(PendingAction("upload", admin_id, name, data))
            await msg.reply_text(HTML.text(message("upload_exists", name=name)),
                                 reply_markup=_confirm_keyboard(token, message("button_overwrite")))
            return
        text = HTML.text(message("upload_saved", name=name))
        notice = await notice.edit_text(text) if notice else await msg.reply_text(text)
        doc_id = name.rsplit(".", 1)[0]
        if not self._start_indexing(notice, lambda report: self._upload_view(report, doc_id, name)):
            await notice.edit_text(HTML.text(message("reindex_running")))

    def _upload_view(self, report: IndexReport, doc_id: str, name: str) -> str:
        entry = Manifest.load(self.settings.manifest_path).documents.get(doc_id)
        if entry is None:
            reason = dict(report.skipped).get(name, "?")
            return HTML.text(message("upload_indexed_nothing", name=name, reason=reason))
        details = " — ".join(str(p) for p in (entry.get("date"), entry.get("province") or message("no_province")) if p)
        example = f"{entry.get('title') or doc_id}?"
        return HTML.text(message("upload_done", doc_id=doc_id, title=entry.get("title") or doc_id, details=details,
                                 chunks=entry["chunks"], example=example))

    # ----- deletions -----

    async def cmd_xoa(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self.handlers.admin(update):
            return
        doc_id = " ".join(context.args or ()).strip()
        if not doc_id:
            await update.effective_message.reply_text(HTML.text(message("xoa_usage")))
            return
        entry = Manifest.load(self.settings.manifest_path).documents.get(doc_id)
        if entry is None:
            await update.effective_message.reply_text(HTML.text(message("xoa_unknown", doc_id=doc_id[:100])))
            return
        token = self._remember(PendingAction("delete", update.effective_user.id, doc_id))
        await update.effective_message.reply_text(
            HTML.text(message("xoa_confirm", title=entry.get("title") or doc_id, doc_id=doc_id)),
            reply_markup=_confirm_keyboard(token, message("button_delete")))

    # ----- confirmations -----

    def _remember(self, action: PendingAction) -> str:
        now = time.monotonic()
        for token in [t for t, a in self.pending.items() if a.expires_at < now]:
            del self.pending[token]
        token = secrets.token_hex(4)
        action.expires_at = now + ACTION_TTL_SECONDS
        self.pending[token] = action
        return token

    async def on_confirm(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        _, token, choice = (query.data.split(":") + ["", ""])[:3]
        action = self.pending.get(token)
        user_id = update.effective_user.id if update.effective_user else None
        if action is None or action.expires_at < time.monotonic():
            await query.answer(message("action_expired"), show_alert=True)
            return
        if not self.handlers.access.is_admin(user_id) or user_id != action.admin_id:
            await query.answer(message("admin_only"), show_alert=True)  # only the admin who asked decides
            return
        del self.pending[token]
        await query.answer()
        notice = query.message
        if choice != "y":
            await notice.edit_text(HTML.text(message("action_cancelled")))
            return
        if action.kind == "upload":
            await self._save_and_index(notice, action.admin_id, action.name, action.data, overwrite=True,
                                       notice=notice)
            return
        try:
            moved = remove_from_corpus(self.settings.corpus_dir, action.name, self.settings.trash_path)
        except FileNotFoundError:
            await notice.edit_text(HTML.text(message("xoa_unknown", doc_id=action.name)))
            return
        await notice.edit_text(HTML.text(message("reindex_started")))
        trash = moved.parent.name + "/" + moved.name
        if not self._start_indexing(notice, lambda report: HTML.text(message("xoa_done", doc_id=action.name,
                                                                               trash=trash))):
            await notice.edit_text(HTML.text(message("reindex_running")))


def _confirm_keyboard(token: str, yes: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(yes, callback_data=f"a:{token}:y"),
                                  InlineKeyboardButton(message("button_cancel"), callback_data=f"a:{token}:n")]])

