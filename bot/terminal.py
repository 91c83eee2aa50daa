"""Interactive terminal chat: the front end when no Telegram token is set."""
from __future__ import annotations

from typing import Callable, TextIO

from index import Engine, QuestionError
from prompts import text as message

from .rendering import render_answer

_QUIT = {"/thoat", "/quit", "/exit", "thoat", "quit", "exit"}


def chat(engine: Engine, read: Callable[[str], str] = input, out: TextIO | None = None) -> None:
    """Read questions until /thoat or end of input; every answer or error is one printed block."""
    import sys

    out = out or sys.stdout
    print(message("chat_welcome", articles=engine.stats().articles), file=out)
    while True:
        try:
            line = read(message("chat_prompt"))
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip().lower() in _QUIT:
            break
        if not line.strip():
            continue
        try:
            print(render_answer(engine.answer(line)), file=out)
        except QuestionError as error:
            print(str(error), file=out)
        print(file=out)
    print(message("chat_goodbye"), file=out)
