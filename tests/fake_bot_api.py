"""A small Telegram Bot API server on 127.0.0.1 for end-to-end tests (and the bench).

It speaks the real wire format python-telegram-bot uses (form-encoded bodies, nested fields as
JSON strings) and is as strict as Telegram where the bot could get things wrong: messages must be
valid HTML of at most 4096 characters, callback data at most 64 bytes.
"""
from __future__ import annotations

import html.parser
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

BOT_ID = 777000111
BOT_USERNAME = "hoidap_test_bot"
TOKEN = "777000111:AAFakeTokenForTestsOnly_abcdefghijk"
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote",
                "tg-spoiler", "span", "tg-emoji"}
MAX_LONG_POLL_SECONDS = 0.2  # short, so the bot stops quickly; the bot polls again at once


@dataclass
class Call:
    method: str
    params: dict
    at: float = field(default_factory=time.monotonic)


class _StrictHtml(html.parser.HTMLParser):
    """Telegram's HTML rules: known tags only, properly nested; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.error = f"Unsupported start tag \"{tag}\""
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.error = f"Unmatched end tag \"{tag}\""

    def handle_data(self, data):
        self.text.append(data)


def check_html(text: str) -> str | None:
    """None when Telegram would accept `text` as an HTML message, else its error description."""
    if re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        return "Bad Request: can't parse entities: unescaped '&'"
    if re.search(r"<(?![/a-z])", text):
        return "Bad Request: can't parse entities: unescaped '<'"
    parser = _StrictHtml()
    parser.feed(text)
    parser.close()
    if parser.error or parser.stack:
        return f"Bad Request: can't parse entities: {parser.error or 'unclosed tag ' + parser.stack[-1]}"
    visible = "".join(parser.text)
    if not visible.strip():
        return "Bad Request: message text is empty"
    if len(visible.encode("utf-16-le")) // 2 > 4096:
        return "Bad Request: message is too long"
    return None


class FakeBotApi:
    """Start with `with FakeBotApi() as api:`; `api.base_url` is what HOIDAP_TELEGRAM_BASE_URL gets."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[int, dict] = {}  # message_id -> message the bot sent
        self.chats: dict[int, dict] = {}
        self.fail_next: dict[str, int] = {}  # method -> how many calls get an HTTP 500
        self.files: dict[str, bytes] = {}  # file_id -> content users uploaded
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> "FakeBotApi":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ----- what users do -----

    def _chat(self, chat_id: int, user_id: int) -> dict:
        chat = {"id": chat_id, "type": "private", "first_name": f"User{user_id}"} if chat_id == user_id else \
            {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
        self.chats[chat_id] = chat
        return chat

    def send_text(self, user_id: int, text: str, chat_id: int | None = None, entities: list[dict] | None = None,
                  reply_to: dict | None = None) -> dict:
        """A user writes `text` (in a private chat unless chat_id names a group); returns the message."""
        chat = self._chat(chat_id if chat_id is not None else user_id, user_id)
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "text": text,
                   "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}}
        if text.startswith("/"):
            command = text.split()[0]
            entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] + (entities or [])
        if entities:
            message["entities"] = entities
        if reply_to:
            message["reply_to_message"] = reply_to
        self._push({"message": message})
        return message

    def mention(self, user_id: int, chat_id: int, text: str) -> dict:
        """'@bot text' in a group, with the mention entity Telegram would attach."""
        handle = f"@{BOT_USERNAME}"
        return self.send_text(user_id, f"{handle} {text}", chat_id,
                              entities=[{"type": "mention", "offset": 0, "length": len(handle)}])

    def send_document(self, user_id: int, filename: str, content: bytes, chat_id: int | None = None,
                      caption: str | None = None, mime_type: str = "application/octet-stream") -> dict:
        """A user sends a file; the bot downloads it with getFile and the file URL, as from Telegram."""
        file_id = f"file{next(self._update_ids)}"
        self.files[file_id] = content
        chat = self._chat(chat_id if chat_id is not None else user_id, user_id)
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                   "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"},
                   "document": {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename,
                                "mime_type": mime_type, "file_size": len(content)}}
        if caption:
            message["caption"] = caption
        self._push({"message": message})
        return message

    def press(self, user_id: int, message: dict, data: str) -> str:
        """A user presses an inline button with callback `data` under the bot's `message`; returns the query id."""
        query_id = f"q{next(self._update_ids)}"
        self._push({"callback_query": {"id": query_id, "chat_instance": "ci", "data": data, "message": message,
                                       "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}}})
        return query_id

    def _push(self, update: dict) -> None:
        with self._changed:
            self._updates.append({"update_id": next(self._update_ids), **update})
            self._changed.notify_all()

    # ----- what tests check -----

    def sent_to(self, chat_id: int) -> list[dict]:
        return [m for m in self.messages.values() if m["chat"]["id"] == chat_id]

    def calls_of(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, condition, timeout: float = 30.0):
        """Block until `condition()` is truthy (re-checked on every API call); return its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"Gave up after {timeout} s; last calls: "
                                       f"{[(c.method, c.params.get('text', '')[:60]) for c in self.calls[-8:]]}")
                self._changed.wait(min(left, 0.5))

    def wait_messages(self, chat_id: int, count: int, timeout: float = 30.0) -> list[dict]:
        return self.wait_for(lambda: len(self.sent_to(chat_id)) >= count and self.sent_to(chat_id), timeout)

    def quiet(self, seconds: float = 1.0) -> None:
        """Wait until the bot made no call for `seconds` (it has nothing more to say)."""
        while True:
            with self._changed:
                last = max((c.at for c in self.calls if c.method != "getUpdates"), default=0.0)
            if time.monotonic() - last >= seconds:
                return
            time.sleep(0.1)

    # ----- the server -----

    def _handler_class(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                self.do_POST()

            def do_POST(self):
                # python-telegram-bot percent-encodes file paths (the token's ':' arrives as %3A).
                download = re.fullmatch(r"/file/bot([^/]+)/documents/(\w+)", unquote(self.path.split("?")[0]))
                if download:
                    content = api.files.get(download.group(2)) if download.group(1) == api.token else None
                    return self._raw(200, content) if content is not None else self._raw(404, b"Not Found")
                match = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path.split("?")[0])
                if not match or match.group(1) != api.token:
                    return self._reply(404 if match is None else 401,
                                       {"ok": False, "error_code": 401, "description": "Unauthorized"})
                params = _parse_body(self.headers.get("Content-Type", ""),
                                     self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                status, body = api._handle(match.group(2), params)
                self._reply(status, body)

            def _reply(self, status: int, body: dict) -> None:
                self._raw(status, json.dumps(body).encode(), "application/json")

            def _raw(self, status: int, data: bytes, content_type: str = "application/octet-stream") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the bot hung up while stopping
                    pass

        return Handler

    def _handle(self, method: str, params: dict) -> tuple[int, dict]:
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self._changed:  # one call at a time, and waiters see its effect once notified
            self.calls.append(Call(method, params))
            self._changed.notify_all()
            if self.fail_next.get(method):
                self.fail_next[method] -= 1
                return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            try:
                return 200, {"ok": True, "result": handler(params)}
            except _ApiError as error:
                self.calls[-1].params["error"] = str(error)
                return 400, {"ok": False, "error_code": 400, "description": str(error)}

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_LONG_POLL_SECONDS)
        with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and wait:
                self._changed.wait(wait)
            return list(self._updates[:100])

    def _api_getMe(self, params):
        return {"id": BOT_ID, "is_bot": True, "first_name": "Hỏi đáp", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": True, "supports_inline_queries": False}

    def _api_deleteWebhook(self, params):
        return True

    def _api_setWebhook(self, params):
        return True

    def _api_setMyCommands(self, params):
        for command in params.get("commands", []):
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]) or not 1 <= len(command["description"]) <= 256:
                raise _ApiError(f"Bad Request: BOT_COMMAND_INVALID {command}")
        return True

    def _api_getFile(self, params):
        file_id = params.get("file_id", "")
        if file_id not in self.files:
            raise _ApiError("Bad Request: invalid file_id")
        if len(self.files[file_id]) > 20 * 1024 * 1024:
            raise _ApiError("Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}"}

    def _api_sendChatAction(self, params):
        return True

    def _api_answerCallbackQuery(self, params):
        if len(params.get("text", "")) > 200:
            raise _ApiError("Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_sendMessage(self, params):
        self._check_message(params)
        chat_id = int(params["chat_id"])
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": self.chats.get(chat_id, {"id": chat_id, "type": "private"}),
                   "from": self._api_getMe({}), "text": params["text"]}
        for key in ("reply_markup", "reply_parameters"):
            if key in params:
                message[key] = params[key]
        self.messages[message["message_id"]] = message
        return message

    def _api_editMessageText(self, params):
        self._check_message(params)
        message = self.messages.get(int(params.get("message_id", 0)))
        if message is None or message["chat"]["id"] != int(params["chat_id"]):
            raise _ApiError("Bad Request: message to edit not found")
        message.update(text=params["text"], edited=True)
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _check_message(self, params: dict) -> None:
        text = params.get("text", "")
        problem = check_html(text) if params.get("parse_mode") == "HTML" else (
            "Bad Request: message is too long" if len(text) > 4096 else None)
        if problem:
            raise _ApiError(problem)
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    raise _ApiError("Bad Request: BUTTON_DATA_INVALID")


class _ApiError(Exception):
    pass


def _parse_body(content_type: str, body: bytes) -> dict:
    """Form-encoded, multipart or JSON bodies; nested fields sent as JSON strings are decoded."""
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        params = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                params[name] = {"filename": part.get_filename(), "content": part.get_payload(decode=True)}
            else:
                params[name] = _maybe_json(part.get_content())
        return params
    fields = parse_qs(body.decode(), keep_blank_values=True)
    return {key: _maybe_json(values[-1]) for key, values in fields.items()}


def _maybe_json(value: str):
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class RunningBot:
    """The production Application (bot.telegram_app) serving in a thread against a FakeBotApi."""

    def __init__(self, settings, engine, audit) -> None:
        from bot.telegram_app import build_application

        self.app = build_application(settings, engine, audit)
        self.settings = settings
        self._loop = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.error: BaseException | None = None

    def _serve(self) -> None:
        import asyncio

        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            from bot.telegram_app import serve

            # Same call as `hoidap bot`, minus signal handlers (they only work in the main thread).
            serve(self.app, self.settings, stop_signals=None)
        except BaseException as error:  # surfaced by stop()
            self.error = error

    def start(self, api: FakeBotApi) -> "RunningBot":
        self._thread.start()
        # Polling deletes any webhook first; webhook mode sets one. Either way the bot is then listening.
        api.wait_for(lambda: not self._thread.is_alive() or (
            api.calls_of("setMyCommands") and (api.calls_of("deleteWebhook") or api.calls_of("setWebhook"))),
            timeout=60)
        if not self._thread.is_alive():
            raise RuntimeError("The bot stopped while starting") from self.error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.app.stop_running)
        self._thread.join(timeout=30)
        if self.error:
            raise self.error
