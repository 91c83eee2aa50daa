"""An OpenAI-compatible chat server on 127.0.0.1 with scripted behaviours, for the LLM mode's tests.

`/v1/chat/completions`, plain or streamed (server-sent events). The default behaviour answers like a
careful model: the sentence of the given passages that best matches the question, cited.
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PASSAGE = re.compile(r'<doan_trich so="(\d+)"[^>]*>\n(.*?)\n</doan_trich>', re.DOTALL)


def passages_in(messages: list[dict]) -> dict[int, str]:
    return {int(n): text for n, text in PASSAGE.findall(messages[-1]["content"])}


def question_in(messages: list[dict]) -> str:
    match = re.search(r"Câu hỏi: (.*)$", messages[-1]["content"], re.DOTALL)
    return match.group(1).strip() if match else ""


def careful_answer(messages: list[dict]) -> str:
    """The best-matching sentence of the passages, with its marker: what a well-behaved model returns."""
    question = question_in(messages).lower()
    words = set(re.findall(r"\w+", question))
    best, best_score = "KHÔNG TÌM THẤY", 0
    for n, text in passages_in(messages).items():
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            score = len(words & set(re.findall(r"\w+", sentence.lower())))
            if "bao nhiêu" in question and re.search(r"\d", sentence):
                score += 3  # a number question wants a sentence with a number
            if score > best_score:
                best, best_score = f"{sentence.rstrip('.')} [{n}].", score
    return best


class FakeLLM:
    """`behaviour(messages)` returns the reply text, or one of: ("sleep", seconds), ("status", code),
    ("raw", bytes). Every request body is kept in `requests`."""

    def __init__(self) -> None:
        self.behaviour = careful_answer
        self.stream_delay = 0.0  # seconds between streamed pieces
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, b'{"error": {"message": "not found"}}')
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                fake.requests.append(body)
                reply = fake.behaviour(body["messages"])
                if isinstance(reply, tuple):
                    kind, value = reply
                    if kind == "sleep":
                        time.sleep(value)
                        reply = "quá muộn [1]"
                    elif kind == "status":
                        return self._send(value, b'{"error": {"message": "scripted failure"}}')
                    elif kind == "raw":
                        return self._send(200, value)
                if body.get("stream"):
                    return self._stream(body["model"], reply)
                self._send(200, json.dumps({
                    "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()),
                    "model": body["model"], "choices": [{"index": 0, "finish_reason": "stop",
                                                         "message": {"role": "assistant", "content": reply}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode())

            def _stream(self, model: str, reply: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in re.findall(r"\S+\s*", reply):
                    chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                             "model": model, "choices": [{"index": 0, "delta": {"content": piece},
                                                          "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(fake.stream_delay)
                self.wfile.write(b"data: [DONE]\n\n")

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        return Handler
