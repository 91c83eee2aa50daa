"""Interactive terminal chat: the front end when no Telegram token is set, with the bot's commands."""
from __future__ import annotations

import sys
from typing import Callable, TextIO

from index import Engine, QuestionError
from index.summary import split_request
from prompts import text as message

from . import views
from .conversation import ConversationMemory
from .markup import PLAIN

_QUIT = {"/thoat", "/quit", "/exit", "thoat", "quit", "exit"}


class TerminalSession:
    """One local user, who is also the administrator: every command, follow-ups included."""

    def __init__(self, engine: Engine, context_minutes: float = 15) -> None:
        self.engine = engine
        self.memory = ConversationMemory(context_minutes * 60)

    def reply(self, line: str) -> str:
        command, _, argument = line.strip().partition(" ")
        command = command.split("@")[0].lower() if command.startswith("/") else ""
        if command in ("/help", "/start"):
            return views.help_view(self.engine.catalog, PLAIN)
        if command == "/moi":
            return views.latest_view(self.engine.catalog, PLAIN)
        if command == "/tinh":
            if not argument.strip():
                return views.provinces_view(self.engine.catalog, PLAIN)
            province, topic = split_request(argument, self.engine.gazetteer)
            return views.summary_view(self.engine.summarize(province, topic), PLAIN)
        if command == "/thongke":
            return views.stats_view(self.engine.stats(), None, PLAIN)
        if command == "/reindex":
            return views.reindex_view(self.engine.build(), PLAIN)
        if command == "/hoi":
            return self.ask(argument) if argument.strip() else message("hoi_usage")
        if command:
            return message("chat_unknown_command")
        return self.ask(line)

    def ask(self, raw: str) -> str:
        try:
            question = self.engine.clean_question(raw)
        except QuestionError as error:
            return str(error)
        standalone = self.engine.standalone(question, self.memory.previous("terminal"))
        self.memory.remember("terminal", standalone)
        return views.answer_view(self.engine.answer(standalone), PLAIN, standalone if standalone != question else None)


def chat(engine: Engine, read: Callable[[str], str] = input, out: TextIO | None = None,
         context_minutes: float = 15) -> None:
    """Read questions and commands until /thoat or end of input; each reply is one printed block."""
    out = out or sys.stdout
    session = TerminalSession(engine, context_minutes)
    print(message("chat_welcome", articles=len(engine.catalog)), file=out)
    while True:
        try:
            line = read(message("chat_prompt"))
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip().lower() in _QUIT:
            break
        if not line.strip():
            continue
        print(session.reply(line), file=out)
        print(file=out)
    print(message("chat_goodbye"), file=out)
